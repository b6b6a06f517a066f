//! **Synthetic** printed text for OCR tests: lines drawn with a real font (Debian's DejaVu,
//! `fonts-dejavu-core`, which covers every precomposed Vietnamese letter) on a pale card-like
//! background, then degraded the way a scan or phone photo is (downscaled, turned, blurred, noised,
//! JPEG-compressed). The ground truth of every line is the string that was drawn.

use ab_glyph::{FontVec, PxScale};
use image::{imageops, Rgb, RgbImage};
use imageproc::drawing::draw_text_mut;
use imageproc::geometric_transformations::{rotate_about_center, Border, Interpolation};
use imageproc::noise::gaussian_noise_mut;

/// Where the fonts live (Debian `fonts-dejavu-core`).
const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// One line of text to print.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrintedLine<'a> {
    /// What is drawn, and so what a reader must read back.
    pub text: &'a str,
    /// Left edge of the text, in pixels.
    pub x: i32,
    /// Top of the line's box (the font's ascent starts here), in pixels.
    pub y: i32,
    /// Font size: the line's height in pixels.
    pub px: f32,
    /// DejaVu Sans Bold instead of DejaVu Sans.
    pub bold: bool,
}

/// DejaVu Sans (`DejaVuSans.ttf`) or another face of the same directory; `None`, said loudly, when
/// the file is absent.
pub fn dejavu_font(file: &str) -> Option<FontVec> {
    let path = std::path::Path::new(FONT_DIR).join(file);
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

/// `lines` printed in dark ink on a `size` canvas with a pale blue-grey gradient (the tint of a
/// Vietnamese citizen ID card). `None` (said loudly) when the fonts are absent.
pub fn render_printed_lines(size: (u32, u32), lines: &[PrintedLine]) -> Option<RgbImage> {
    let regular = dejavu_font("DejaVuSans.ttf")?;
    let bold = dejavu_font("DejaVuSans-Bold.ttf")?;
    let (w, h) = size;
    let mut card = RgbImage::from_fn(w, h, |x, y| {
        let t = (x + y) as f32 / (w + h) as f32;
        Rgb([
            (226.0 + 20.0 * t) as u8,
            (234.0 + 14.0 * t) as u8,
            (240.0 + 10.0 * t) as u8,
        ])
    });
    let ink = Rgb([24, 28, 40]);
    for line in lines {
        let font = if line.bold { &bold } else { &regular };
        draw_text_mut(
            &mut card,
            ink,
            line.x,
            line.y,
            PxScale::from(line.px),
            font,
            line.text,
        );
    }
    Some(card)
}

/// How a scan or phone photo spoils printed text. [`ScanDegradation::MILD`] and
/// [`ScanDegradation::HARD`] are the two levels of the OCR feasibility study
/// (`../shared/notes/feas-ocr.md`, Q2), so results compare with its figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanDegradation {
    /// Resize factor (0.85: text a little smaller than printed at 10 px/mm).
    pub scale: f32,
    /// Turn about the centre, degrees clockwise (a card not quite straight on the scanner).
    pub rotation_degrees: f32,
    /// Gaussian blur sigma in pixels, after resizing; 0 for none.
    pub blur: f32,
    /// Gaussian noise sigma in 8-bit levels (sensor noise); 0 for none. Seeded: always the same.
    pub noise: f64,
    /// The JPEG quality it is encoded at, then decoded from.
    pub jpeg_quality: u8,
}

impl ScanDegradation {
    /// The study's "mild" level: scale 0.85, 0.6 degrees, blur 0.8, noise 6, JPEG 60.
    pub const MILD: Self = Self {
        scale: 0.85,
        rotation_degrees: 0.6,
        blur: 0.8,
        noise: 6.0,
        jpeg_quality: 60,
    };
    /// The study's "hard" level: scale 0.7, 1.5 degrees, blur 1.3, noise 12, JPEG 35.
    pub const HARD: Self = Self {
        scale: 0.7,
        rotation_degrees: 1.5,
        blur: 1.3,
        noise: 12.0,
        jpeg_quality: 35,
    };
}

/// `image` as a scan or phone photo gives it: resized, turned (the corners filled with the image's
/// top-left colour), blurred, noised, then encoded as JPEG and decoded again. Deterministic.
pub fn scanned(image: &RgbImage, how: &ScanDegradation) -> RgbImage {
    let width = ((image.width() as f32 * how.scale).round() as u32).max(1);
    let height = ((image.height() as f32 * how.scale).round() as u32).max(1);
    let mut out = imageops::resize(image, width, height, imageops::FilterType::Triangle);
    if how.rotation_degrees != 0.0 {
        let fill = *out.get_pixel(0, 0);
        out = rotate_about_center(
            &out,
            how.rotation_degrees.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(fill),
        );
    }
    if how.blur > 0.0 {
        out = imageops::blur(&out, how.blur);
    }
    if how.noise > 0.0 {
        gaussian_noise_mut(&mut out, 0.0, how.noise, 0x5eed);
    }
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, how.jpeg_quality)
        .encode_image(&out)
        .expect("JPEG encoding into memory");
    image::load_from_memory(jpeg.get_ref())
        .expect("decoding the JPEG just encoded")
        .to_rgb8()
}
