//! **Synthetic** South African green barcoded ID book pages, rendered by the test suite from real
//! fonts (Debian's DejaVu, `fonts-dejavu-core`), a real face photo and a Code 39 symbol drawn by
//! rxing's writer: the shared data holds no South African ID specimen. The layout follows the
//! book's identity page: a greenish security background; at the top a Code 39 barcode of the
//! 13-digit ID number with `I.D.No.` and the number printed under it; the portrait (black and
//! white, as the book's) on the left; right of it the bilingual labels (Afrikaans/English) with
//! each value under its label. The book's guilloche, watermark, lamination and typeface are not
//! reproduced.

use ab_glyph::PxScale;
use image::{imageops, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_text_mut};
use imageproc::rect::Rect;
use rxing::oned::Code39Writer;
use rxing::{BarcodeFormat, Writer};

use crate::za_card::{cover, font};

/// Page size in pixels: ISO/IEC 7810 ID-3 (125 x 88 mm, the book's page) at 8 px/mm.
pub const ZA_BOOK_PAGE_SIZE: (u32, u32) = (1000, 704);
/// Where the portrait goes (left, top, width, height).
pub const ZA_BOOK_PORTRAIT: (u32, u32, u32, u32) = (40, 190, 250, 320);
/// Where the barcode's bars start (left, top), their height, and the width of a narrow bar.
const BARCODE_AT: (u32, u32) = (60, 28);
const BARCODE_HEIGHT: u32 = 84;
const BARCODE_MODULE: u32 = 3;

/// What the page says.
#[derive(Debug, Clone, PartialEq)]
pub struct ZaBookFields {
    /// The 13 digits printed under the barcode (`I.D.No. 9001020123088`).
    pub identity_number: String,
    /// What the Code 39 barcode carries. On an issued book it is `identity_number`; a test sets the
    /// two apart to stand for a printed number that is smudged or misprinted.
    pub barcode: String,
    /// Under `VAN/SURNAME`.
    pub surname: String,
    /// Under `VOORNAME/FORENAMES`.
    pub forenames: String,
    /// Under `GEBOORTEDISTRIK OF-LAND/DISTRICT OR COUNTRY OF BIRTH`, e.g. `SUID-AFRIKA`.
    pub country_of_birth: String,
    /// Under `GEBOORTEDATUM/DATE OF BIRTH`, as printed: `1990-01-02`.
    pub date_of_birth: String,
    /// Under `DATUM UITGEREIK/DATE ISSUED`, as printed: `2008-05-14`.
    pub date_issued: String,
}

/// The sample book the tests read: the person of [`crate::sample_za_fields`] (born 1990-01-02,
/// female, citizen, `9001020123088`), born in South Africa.
pub fn sample_za_book_fields() -> ZaBookFields {
    ZaBookFields {
        identity_number: "9001020123088".into(),
        barcode: "9001020123088".into(),
        surname: "MOKOENA".into(),
        forenames: "THANDIWE NOMSA".into(),
        country_of_birth: "SUID-AFRIKA".into(),
        date_of_birth: "1990-01-02".into(),
        date_issued: "2008-05-14".into(),
    }
}

/// Renders the **synthetic** identity page with `portrait` (a real face photo, cropped around the
/// face; turned grey and resized to cover the portrait box). `None` (said loudly) when the fonts
/// are absent. Panics when `fields.barcode` is not Code 39 text (a broken test, not missing data).
pub fn render_za_green_book(fields: &ZaBookFields, portrait: &RgbImage) -> Option<RgbImage> {
    let regular = font("DejaVuSans.ttf")?;
    let bold = font("DejaVuSans-Bold.ttf")?;
    let (w, h) = ZA_BOOK_PAGE_SIZE;
    // Pale green paper under fine wavy security lines a shade darker, as the book's page.
    let mut page = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let wave = (fy / 7.0 + (fx / 53.0).sin() * 2.5).sin() * (fx / 31.0 + fy / 97.0).cos();
        let shade = (wave * 9.0) as i32;
        let t = y as f32 / h as f32;
        Rgb([
            (198 + shade - (6.0 * t) as i32).clamp(0, 255) as u8,
            (226 + shade / 2).clamp(0, 255) as u8,
            (196 + shade + (8.0 * t) as i32).clamp(0, 255) as u8,
        ])
    });
    let ink = Rgb([18, 24, 22]);
    let label = Rgb([46, 72, 58]);

    draw_code39(&mut page, &fields.barcode, ink);
    let below_bars = (BARCODE_AT.1 + BARCODE_HEIGHT + 8) as i32;
    draw_text_mut(
        &mut page,
        ink,
        BARCODE_AT.0 as i32 + 40,
        below_bars,
        PxScale::from(28.0),
        &bold,
        &format!("I.D.No.  {}", fields.identity_number),
    );
    // The book prints the holder's status by the barcode; a citizen's (citizenship digit 0) reads so.
    if fields.identity_number.chars().nth(10) == Some('0') {
        draw_text_mut(
            &mut page,
            label,
            700,
            60,
            PxScale::from(20.0),
            &regular,
            "S.A.BURGER/S.A.CITIZEN",
        );
    }

    let (px, py, pw, ph) = ZA_BOOK_PORTRAIT;
    let grey = imageops::grayscale(&cover(portrait, pw, ph));
    let photo = RgbImage::from_fn(pw, ph, |x, y| {
        let v = grey.get_pixel(x, y).0[0];
        Rgb([v, v, v])
    });
    imageops::replace(&mut page, &photo, px as i64, py as i64);

    let rows: [(&str, &str); 5] = [
        ("VAN/SURNAME", &fields.surname),
        ("VOORNAME/FORENAMES", &fields.forenames),
        (
            "GEBOORTEDISTRIK OF-LAND/DISTRICT OR COUNTRY OF BIRTH",
            &fields.country_of_birth,
        ),
        ("GEBOORTEDATUM/DATE OF BIRTH", &fields.date_of_birth),
        ("DATUM UITGEREIK/DATE ISSUED", &fields.date_issued),
    ];
    let x = (px + pw + 40) as i32;
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = py as i32 + 74 * i as i32;
        draw_text_mut(&mut page, label, x, y, PxScale::from(18.0), &regular, name);
        draw_text_mut(&mut page, ink, x, y + 24, PxScale::from(30.0), &bold, value);
    }
    Some(page)
}

/// The Code 39 symbol of `text` (no check character, as the book's), drawn by rxing's writer onto
/// the page at [`BARCODE_AT`], with its quiet zones cleared to plain paper.
fn draw_code39(page: &mut RgbImage, text: &str, ink: Rgb<u8>) {
    // Width 0 asks for one pixel per module; the writer adds its default quiet zone.
    let matrix = Code39Writer
        .encode(text, &BarcodeFormat::CODE_39, 0, 1)
        .unwrap_or_else(|e| panic!("{text:?} is not Code 39 text: {e}"));
    let (left, top) = BARCODE_AT;
    let paper = Rgb([232, 242, 228]);
    draw_filled_rect_mut(
        page,
        Rect::at(left as i32 - 8, top as i32 - 6)
            .of_size(matrix.width() * BARCODE_MODULE + 16, BARCODE_HEIGHT + 12),
        paper,
    );
    for module in 0..matrix.width() {
        if matrix.get(module, 0) {
            draw_filled_rect_mut(
                page,
                Rect::at((left + module * BARCODE_MODULE) as i32, top as i32)
                    .of_size(BARCODE_MODULE, BARCODE_HEIGHT),
                ink,
            );
        }
    }
}

/// A **synthetic** book page as a scan and as a photo, both JPEG: the page with the face of
/// `faces/obama_1.jpg` (cropped as [`crate::za_card_scan_and_photo`] crops it), and that page
/// pasted at `pose` into `scene` (a shared-data photo, scaled to 1600 px wide), blurred by `blur`.
/// `None` (said loudly) when a data file or the fonts are absent.
pub fn za_book_scan_and_photo(
    fields: &ZaBookFields,
    scene: &str,
    pose: &crate::CardPose,
    blur: f32,
) -> Option<(Vec<u8>, Vec<u8>)> {
    crate::za_card::scan_and_photo(|face| render_za_green_book(fields, face), scene, pose, blur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_the_book_size_and_a_barred_top() {
        let face = RgbImage::from_pixel(380, 420, Rgb([150, 120, 100]));
        let Some(page) = render_za_green_book(&sample_za_book_fields(), &face) else {
            return;
        };
        assert_eq!(page.dimensions(), ZA_BOOK_PAGE_SIZE);
        // Along a row through the bars, dark and light alternate many times (15 characters of
        // 5 bars each, plus the gaps).
        let y = BARCODE_AT.1 + BARCODE_HEIGHT / 2;
        let dark: Vec<bool> = (0..ZA_BOOK_PAGE_SIZE.0)
            .map(|x| page.get_pixel(x, y).0[1] < 100)
            .collect();
        let edges = dark.windows(2).filter(|p| p[0] != p[1]).count();
        assert!(edges >= 2 * 15 * 5, "{edges} edges");
    }
}
