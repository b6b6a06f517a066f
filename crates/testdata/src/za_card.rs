//! **Synthetic** South African smart ID card fronts, rendered by the test suite from real fonts
//! (Debian's DejaVu, `fonts-dejavu-core`) and a real face photo: the shared data holds no South
//! African ID specimen. The layout follows the card's published front (labels above values: Surname,
//! Names, Sex, Nationality, Identity Number, Date of Birth, Country of Birth, Status; portrait on
//! the left); security printing, holograms and the card's own typeface are not reproduced.

use ab_glyph::{FontVec, PxScale};
use image::{imageops, Rgb, RgbImage};
use imageproc::drawing::draw_text_mut;

/// Card size in pixels: ISO/IEC 7810 ID-1 at 10 px/mm.
pub const ZA_CARD_SIZE: (u32, u32) = (856, 540);
/// Where the portrait goes (left, top, width, height).
pub const ZA_PORTRAIT: (u32, u32, u32, u32) = (40, 130, 230, 290);

/// What the card says.
#[derive(Debug, Clone, PartialEq)]
pub struct ZaCardFields {
    pub surname: String,
    pub names: String,
    pub sex: String,
    pub nationality: String,
    pub identity_number: String,
    /// As printed: `02 JAN 1990`.
    pub date_of_birth: String,
    pub country_of_birth: String,
    pub status: String,
}

/// Where the fonts live (Debian `fonts-dejavu-core`).
const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

pub(crate) fn font(name: &str) -> Option<FontVec> {
    let path = std::path::Path::new(FONT_DIR).join(name);
    match std::fs::read(&path) {
        Ok(bytes) => FontVec::try_from_vec(bytes).ok(),
        Err(err) => {
            eprintln!(
                "!!! SKIPPED: font {} is absent ({err}); install fonts-dejavu-core. This test checked nothing",
                path.display()
            );
            None
        }
    }
}

/// Renders the card front with `portrait` (a real face photo, cropped around the face; resized to
/// cover the portrait box). `None` (said loudly) when the fonts are absent.
pub fn render_za_smart_id(fields: &ZaCardFields, portrait: &RgbImage) -> Option<RgbImage> {
    let regular = font("DejaVuSans.ttf")?;
    let bold = font("DejaVuSans-Bold.ttf")?;
    let (w, h) = ZA_CARD_SIZE;
    // A pale green-to-cream background, as the card's.
    let mut card = RgbImage::from_fn(w, h, |x, y| {
        let t = x as f32 / w as f32;
        let wave = ((y as f32 / 9.0).sin() * 4.0) as i32;
        Rgb([
            (214.0 + 30.0 * t) as u8,
            (232.0 + 10.0 * t) as u8 + (wave.unsigned_abs() as u8 / 2),
            (214.0 + 16.0 * t) as u8,
        ])
    });
    let ink = Rgb([20, 30, 28]);
    let label = Rgb([70, 90, 80]);
    draw_text_mut(
        &mut card,
        ink,
        40,
        28,
        PxScale::from(34.0),
        &bold,
        "REPUBLIC OF SOUTH AFRICA",
    );
    draw_text_mut(
        &mut card,
        label,
        40,
        72,
        PxScale::from(24.0),
        &regular,
        "NATIONAL IDENTITY CARD",
    );
    let (px, py, pw, ph) = ZA_PORTRAIT;
    let photo = cover(portrait, pw, ph);
    imageops::replace(&mut card, &photo, px as i64, py as i64);

    let rows: [(&str, &str); 8] = [
        ("Surname", &fields.surname),
        ("Names", &fields.names),
        ("Sex", &fields.sex),
        ("Nationality", &fields.nationality),
        ("Identity Number", &fields.identity_number),
        ("Date of Birth", &fields.date_of_birth),
        ("Country of Birth", &fields.country_of_birth),
        ("Status", &fields.status),
    ];
    // Two columns of label-over-value pairs right of the portrait; the short fields pair up.
    let mut y = 122;
    for (i, (name, value)) in rows.iter().enumerate() {
        let (x, dy) = match i {
            2 | 5 => (300, 0),
            3 | 6 => (560, 72),
            _ => (300, 72),
        };
        draw_text_mut(&mut card, label, x, y, PxScale::from(20.0), &regular, name);
        draw_text_mut(&mut card, ink, x, y + 24, PxScale::from(30.0), &bold, value);
        y += dy;
    }
    Some(card)
}

/// `image` resized to cover `width` x `height` and centre-cropped to it.
pub(crate) fn cover(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let scale = (width as f32 / image.width() as f32).max(height as f32 / image.height() as f32);
    let resized = imageops::resize(
        image,
        (image.width() as f32 * scale).ceil() as u32,
        (image.height() as f32 * scale).ceil() as u32,
        imageops::FilterType::Triangle,
    );
    let left = (resized.width() - width) / 2;
    let top = (resized.height() - height) / 2;
    imageops::crop_imm(&resized, left, top, width, height).to_image()
}

/// The sample card the tests and fixtures read: born 1990-01-02, female (sequence 0123), citizen,
/// Luhn digit 8 (`9001020123088`).
pub fn sample_za_fields() -> ZaCardFields {
    ZaCardFields {
        surname: "MOKOENA".into(),
        names: "THANDIWE NOMSA".into(),
        sex: "F".into(),
        nationality: "RSA".into(),
        identity_number: "9001020123088".into(),
        date_of_birth: "02 JAN 1990".into(),
        country_of_birth: "RSA".into(),
        status: "CITIZEN".into(),
    }
}

/// A synthetic card as a scan and as a photo, both JPEG: the card with the face of
/// `faces/obama_1.jpg`, and that card pasted at `pose` into `scene` (a shared-data photo, scaled to
/// 1600 px wide), blurred by `blur`. `None` (said loudly) when a data file or the fonts are absent.
pub fn za_card_scan_and_photo(
    fields: &ZaCardFields,
    scene: &str,
    pose: &crate::CardPose,
    blur: f32,
) -> Option<(Vec<u8>, Vec<u8>)> {
    scan_and_photo(|face| render_za_smart_id(fields, face), scene, pose, blur)
}

/// A document rendered with the face of `faces/obama_1.jpg` (cropped to the head), as a scan (JPEG 92)
/// and pasted at `pose` into `scene` (scaled to 1600 px wide), blurred by `blur` (JPEG 85).
pub(crate) fn scan_and_photo(
    render: impl FnOnce(&RgbImage) -> Option<RgbImage>,
    scene: &str,
    pose: &crate::CardPose,
    blur: f32,
) -> Option<(Vec<u8>, Vec<u8>)> {
    let portrait = crate::read_rgb("faces/obama_1.jpg")?;
    let face = imageops::crop_imm(&portrait, 300, 90, 380, 420).to_image();
    let document = render(&face)?;
    let scene = crate::read_rgb(scene)?;
    let height = scene.height() * 1600 / scene.width();
    let scene = imageops::resize(&scene, 1600, height, imageops::FilterType::Triangle);
    let (photo, _) = crate::paste_card(&scene, &document, pose);
    Some((jpeg(&document, 92), jpeg(&imageops::blur(&photo, blur), 85)))
}

pub(crate) fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("JPEG encoding into memory");
    out.into_inner()
}
