//! Composites of a real specimen card pasted into a real photo, with exactly known geometry.
//!
//! These exist because the shared data holds no real photo of a person holding an ID card, and
//! print-and-photograph is not available: see the crate documentation.

use image::{imageops, GrayImage, Luma, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};

/// A rectangle in pixels of some image (measured test-data geometry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CropBox {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

impl CropBox {
    pub fn crop(&self, image: &RgbImage) -> RgbImage {
        imageops::crop_imm(image, self.left, self.top, self.width, self.height).to_image()
    }
}

/// A photo's face (its detector box: left, top, side) cut out in the shape of a document's portrait
/// (`aspect`: width, height) with room around it: 1.9 face widths wide, the face a little above
/// the middle, kept inside the photo.
pub fn portrait_crop(image: &RgbImage, face: (f32, f32, f32), aspect: (u32, u32)) -> RgbImage {
    let (face_left, face_top, side) = face;
    let (pw, ph) = (aspect.0 as f32, aspect.1 as f32);
    let (iw, ih) = (image.width() as f32, image.height() as f32);
    let width = (side * 1.9).min(iw);
    let height = (width * ph / pw).min(ih);
    let width = width.min(height * pw / ph);
    let cx = face_left + side / 2.0;
    let cy = face_top + side * 0.55;
    let left = (cx - width / 2.0).clamp(0.0, iw - width);
    let top = (cy - height / 2.0).clamp(0.0, ih - height);
    imageops::crop_imm(image, left as u32, top as u32, width as u32, height as u32).to_image()
}

/// The Malaysian MyKad specimen the `ekyc` package ships (not an issued card; SOURCES.md).
pub const MYKAD_TEMPLATE: &str = "documents/id_cards/ekyc_ic_template.jpg";

/// The card itself inside [`MYKAD_TEMPLATE`] (432 x 277, a white margin of about 4 px around a
/// card with rounded corners), measured by eye on 12x enlargements of its corners. 424 x 268 is an
/// aspect of 1.582, the ID-1 format's 1.586.
pub const MYKAD_CARD_IN_TEMPLATE: CropBox = CropBox {
    left: 4,
    top: 4,
    width: 424,
    height: 268,
};

/// The printed portrait on the card cropped by [`mykad_card`], in its pixels: measured by eye on a
/// 4x enlargement of the template, from just above the hair (template y 74) to the bottom of the
/// photo (y 240), between the two shoulder ends (template x 282 to 408).
pub const MYKAD_PORTRAIT: CropBox = CropBox {
    left: 278,
    top: 66,
    width: 126,
    height: 166,
};

/// The card in `documents/id_cards/mrzdetection_id1.jpg` (a French ID card in a plastic sleeve,
/// 1040 x 738), corners clockwise from top-left where its straight sides meet, measured by eye on
/// 5x enlargements of each corner.
pub const MRZDETECTION_ID1_CARD: [(f32, f32); 4] =
    [(37.0, 30.0), (1017.0, 33.0), (1011.0, 710.0), (32.0, 706.0)];

/// ISO/IEC 7810 ID-1: corner radius 3.18 mm on an 85.60 mm wide card.
pub const ID1_CORNER_RADIUS: f32 = 3.18 / 85.60;

/// The MyKad specimen cropped to the card's outline.
pub fn mykad_card(template: &RgbImage) -> RgbImage {
    MYKAD_CARD_IN_TEMPLATE.crop(template)
}

/// The portrait printed on the card [`mykad_card`] returns (to hold the unmodified specimen).
pub fn specimen_portrait(card: &RgbImage) -> RgbImage {
    MYKAD_PORTRAIT.crop(card)
}

/// The quadrilateral `corners` of `image` (clockwise from top-left, continuous pixel coordinates)
/// warped flat to `width x height`: a card photographed slightly askew, made a clean card image
/// for [`paste_card`].
pub fn flatten_card(
    image: &RgbImage,
    corners: [(f32, f32); 4],
    width: u32,
    height: u32,
) -> RgbImage {
    let to_image = card_to_scene((width, height), corners);
    let mut out = RgbImage::new(width, height);
    imageproc::geometric_transformations::warp_into_with(
        image,
        |x, y| to_image * (x, y),
        Interpolation::Bilinear,
        Border::Replicate,
        &mut out,
    );
    out
}

/// Where and how a card lies in the scene.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardPose {
    /// Centre of the card as fractions of the scene's width and height.
    pub center: (f32, f32),
    /// Width of the (untilted) card as a fraction of the scene's width.
    pub width_fraction: f32,
    /// Turn, clockwise on screen, in degrees.
    pub rotation_degrees: f32,
    /// Perspective: `.0` > 0 brings the card's right side nearer the camera (it grows by that share
    /// and the left side shrinks by it); `.1` > 0 does the same for the bottom side.
    pub tilt: (f32, f32),
    /// Corner radius as a fraction of the card's width ([`ID1_CORNER_RADIUS`] for a real card,
    /// 0 for a square-cut scan).
    pub corner_radius: f32,
}

impl Default for CardPose {
    fn default() -> Self {
        Self {
            center: (0.5, 0.72),
            width_fraction: 0.4,
            rotation_degrees: 4.0,
            tilt: (0.04, 0.02),
            corner_radius: ID1_CORNER_RADIUS,
        }
    }
}

impl CardPose {
    /// The card's four corners in the scene, clockwise from the card's own top-left, in continuous
    /// pixel coordinates (pixel `(i, j)` covers `[i, i+1) x [j, j+1)`).
    pub fn corners(&self, scene: (u32, u32), card: (u32, u32)) -> [(f32, f32); 4] {
        let w = self.width_fraction * scene.0 as f32;
        let h = w * card.1 as f32 / card.0 as f32;
        let (kx, ky) = self.tilt;
        let (sin, cos) = self.rotation_degrees.to_radians().sin_cos();
        let (cx, cy) = (
            self.center.0 * scene.0 as f32,
            self.center.1 * scene.1 as f32,
        );
        [(-1.0f32, -1.0f32), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].map(|(sx, sy)| {
            // Keystone: each side's length scales with how near it is.
            let x = sx * w / 2.0 * (1.0 + ky * sy);
            let y = sy * h / 2.0 * (1.0 + kx * sx);
            (cx + x * cos - y * sin, cy + x * sin + y * cos)
        })
    }
}

/// Pastes `card` (an image cropped to the card's outline) into a copy of `scene` at `pose`, with
/// rounded, anti-aliased corners. Returns the composite and the card's corners in it (as
/// [`CardPose::corners`]).
pub fn paste_card(
    scene: &RgbImage,
    card: &RgbImage,
    pose: &CardPose,
) -> (RgbImage, [(f32, f32); 4]) {
    let corners = pose.corners(scene.dimensions(), card.dimensions());
    let mut out = scene.clone();
    paste_into(&mut out, card, corners, pose.corner_radius);
    (out, corners)
}

/// Options of [`hand_held_card`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandHeldCard {
    pub pose: CardPose,
    /// The printed portrait to replace, in pixels of the card image.
    pub portrait_box: CropBox,
    /// Camera blur of the whole composite (Gaussian sigma in scene pixels; 0 for none).
    pub blur_sigma: f32,
    /// Re-encode the composite as JPEG at this quality (a phone upload), or keep it lossless.
    pub jpeg_quality: Option<u8>,
}

impl Default for HandHeldCard {
    fn default() -> Self {
        Self {
            pose: CardPose::default(),
            portrait_box: MYKAD_PORTRAIT,
            blur_sigma: 0.7,
            jpeg_quality: Some(90),
        }
    }
}

/// Where the card landed in a composite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// The card's corners in the scene, clockwise from the card's own top-left, where its straight
    /// sides meet (continuous pixel coordinates).
    pub corners: [(f32, f32); 4],
    /// The printed portrait's corners in the scene, same order.
    pub portrait: [(f32, f32); 4],
}

impl Placement {
    /// Centre of the printed portrait in the scene.
    pub fn portrait_center(&self) -> (f32, f32) {
        let (sx, sy) = self
            .portrait
            .iter()
            .fold((0.0, 0.0), |(ax, ay), (x, y)| (ax + x, ay + y));
        (sx / 4.0, sy / 4.0)
    }
}

/// A stand-in for "a person holding their ID card up to the camera": `card` (a real specimen
/// cropped to its outline, e.g. [`mykad_card`]) with the portrait at `opts.portrait_box` replaced
/// by `portrait` (a real face photo, cropped around the face; resized to cover the box), pasted
/// into `scene` (a real photo of the holder) at `opts.pose`, then blurred and JPEG re-encoded as a
/// phone camera would.
///
/// **A composite, not a photograph**: no real hand-held-card photo exists in the shared data and
/// print-and-photograph is not available. What it lacks: fingers over the card's edges, the
/// card's gloss and shadow, lighting that matches the scene, the print texture of a real card
/// portrait. The caller chooses a pose that keeps the card off the holder's face.
pub fn hand_held_card(
    scene: &RgbImage,
    card: &RgbImage,
    portrait: &RgbImage,
    opts: &HandHeldCard,
) -> (RgbImage, Placement) {
    let mut card = card.clone();
    let b = opts.portrait_box;
    let photo = cover(portrait, b.width, b.height);
    imageops::replace(&mut card, &photo, b.left as i64, b.top as i64);

    let corners = opts.pose.corners(scene.dimensions(), card.dimensions());
    let mut out = scene.clone();
    paste_into(&mut out, &card, corners, opts.pose.corner_radius);
    let to_scene = card_to_scene(card.dimensions(), corners);
    let (l, t, r, bt) = (
        b.left as f32,
        b.top as f32,
        (b.left + b.width) as f32,
        (b.top + b.height) as f32,
    );
    let portrait_corners = [(l, t), (r, t), (r, bt), (l, bt)].map(|p| map_continuous(&to_scene, p));

    if opts.blur_sigma > 0.0 {
        out = imageproc::filter::gaussian_blur_f32(&out, opts.blur_sigma);
    }
    if let Some(quality) = opts.jpeg_quality {
        out = jpeg_round_trip(&out, quality);
    }
    (
        out,
        Placement {
            corners,
            portrait: portrait_corners,
        },
    )
}

/// `image` scaled to cover `width x height` and centre-cropped to it.
fn cover(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let scale = (width as f32 / image.width() as f32).max(height as f32 / image.height() as f32);
    let (w, h) = (
        ((image.width() as f32 * scale).ceil() as u32).max(width),
        ((image.height() as f32 * scale).ceil() as u32).max(height),
    );
    let scaled = imageops::resize(image, w, h, imageops::FilterType::Lanczos3);
    imageops::crop_imm(&scaled, (w - width) / 2, (h - height) / 2, width, height).to_image()
}

/// The projection taking continuous card coordinates to continuous scene coordinates, expressed
/// in imageproc's convention (a pixel's value sits at its integer coordinates).
fn card_to_scene(card: (u32, u32), corners: [(f32, f32); 4]) -> Projection {
    let (w, h) = (card.0 as f32, card.1 as f32);
    let from = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|(x, y)| (x - 0.5, y - 0.5));
    let to = corners.map(|(x, y)| (x - 0.5, y - 0.5));
    Projection::from_control_points(from, to).expect("a card pose is a proper quadrilateral")
}

fn map_continuous(projection: &Projection, (x, y): (f32, f32)) -> (f32, f32) {
    let (u, v) = *projection * (x - 0.5, y - 0.5);
    (u + 0.5, v + 0.5)
}

/// Alpha-blends the card onto `scene` with its corners at `corners`.
fn paste_into(scene: &mut RgbImage, card: &RgbImage, corners: [(f32, f32); 4], radius: f32) {
    // Resample the card near its size in the scene first: a bilinear warp alone would alias when
    // shrinking by more than about 1.5x.
    let side = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).hypot(a.1 - b.1);
    let target_w = side(corners[0], corners[1]).max(side(corners[3], corners[2]));
    let scale = target_w / card.width() as f32;
    let card = if (scale - 1.0).abs() > 0.05 {
        let (w, h) = (
            (card.width() as f32 * scale).round().max(2.0) as u32,
            (card.height() as f32 * scale).round().max(2.0) as u32,
        );
        imageops::resize(card, w, h, imageops::FilterType::Lanczos3)
    } else {
        card.clone()
    };
    let mask = rounded_mask(card.width(), card.height(), radius * card.width() as f32);
    let projection = card_to_scene(card.dimensions(), corners);

    let (sw, sh) = scene.dimensions();
    let mut warped = RgbImage::new(sw, sh);
    // The card's colour runs on past its edge (the mask alone fades it out there): blending with
    // black instead would draw a dark rim around the card.
    warp_into(
        &card,
        projection,
        Interpolation::Bilinear,
        Border::Replicate,
        &mut warped,
    );
    let mut alpha = GrayImage::new(sw, sh);
    warp_into(
        &mask,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Luma([0])),
        &mut alpha,
    );
    for ((dst, src), a) in scene.pixels_mut().zip(warped.pixels()).zip(alpha.pixels()) {
        let a = a.0[0] as f32 / 255.0;
        if a <= 0.0 {
            continue;
        }
        for c in 0..3 {
            dst.0[c] = (dst.0[c] as f32 * (1.0 - a) + src.0[c] as f32 * a).round() as u8;
        }
    }
}

/// Coverage of a `width x height` rectangle with corners rounded by `radius` pixels (anti-aliased).
fn rounded_mask(width: u32, height: u32, radius: f32) -> GrayImage {
    let (w, h) = (width as f32, height as f32);
    GrayImage::from_fn(width, height, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        // Distance past the corner arc's centre, per axis (0 away from the corners).
        let dx = (radius - px).max(px - (w - radius)).max(0.0);
        let dy = (radius - py).max(py - (h - radius)).max(0.0);
        let coverage = if dx > 0.0 && dy > 0.0 {
            (radius - dx.hypot(dy) + 0.5).clamp(0.0, 1.0)
        } else {
            1.0
        };
        Luma([(coverage * 255.0).round() as u8])
    })
}

fn jpeg_round_trip(image: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .expect("JPEG encoding to memory");
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .expect("decoding our own JPEG")
        .to_rgb8()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn pose_corners_follow_centre_width_turn_and_tilt() {
        let pose = CardPose {
            center: (0.5, 0.5),
            width_fraction: 0.5,
            rotation_degrees: 0.0,
            tilt: (0.0, 0.0),
            corner_radius: 0.0,
        };
        let c = pose.corners((400, 300), (200, 100));
        assert_eq!(
            c,
            [
                (100.0, 100.0),
                (300.0, 100.0),
                (300.0, 200.0),
                (100.0, 200.0)
            ]
        );
        let tilted = CardPose {
            tilt: (0.1, 0.0),
            ..pose
        };
        let c = tilted.corners((400, 300), (200, 100));
        // The right side is nearer: 10% taller; the left 10% shorter.
        assert!(((c[2].1 - c[1].1) - 110.0).abs() < 1e-4);
        assert!(((c[3].1 - c[0].1) - 90.0).abs() < 1e-4);
        let turned = CardPose {
            rotation_degrees: 90.0,
            ..pose
        };
        let c = turned.corners((400, 300), (200, 100));
        // Clockwise on screen: the card's top-left goes to the top-right.
        assert!((c[0].0 - 250.0).abs() < 1e-3 && (c[0].1 - 50.0).abs() < 1e-3);
    }

    #[test]
    fn a_pasted_card_lands_exactly_on_its_corners() {
        let scene = RgbImage::from_pixel(300, 200, Rgb([0, 0, 0]));
        let card = RgbImage::from_pixel(160, 100, Rgb([255, 255, 255]));
        let pose = CardPose {
            center: (0.5, 0.5),
            width_fraction: 0.5,
            rotation_degrees: 0.0,
            tilt: (0.0, 0.0),
            corner_radius: 0.0,
        };
        let (out, corners) = paste_card(&scene, &card, &pose);
        // 150 x 93.75 centred: x 75..225, y 53.125..146.875.
        assert_eq!(corners[0], (75.0, 53.125));
        assert_eq!(out.get_pixel(75, 100).0[0], 255, "first column inside");
        assert_eq!(out.get_pixel(74, 100).0[0], 0, "last column outside");
        assert_eq!(out.get_pixel(224, 100).0[0], 255);
        assert_eq!(out.get_pixel(225, 100).0[0], 0);
        // The row straddling the top edge is partly covered.
        let straddling = out.get_pixel(150, 53).0[0];
        assert!((150..=255).contains(&straddling), "{straddling}");
        assert_eq!(out.get_pixel(150, 52).0[0], 0);
    }

    #[test]
    fn rounded_mask_clears_the_corners_only() {
        let mask = rounded_mask(100, 60, 10.0);
        assert_eq!(mask.get_pixel(0, 0).0[0], 0);
        assert_eq!(mask.get_pixel(99, 59).0[0], 0);
        assert_eq!(mask.get_pixel(50, 0).0[0], 255);
        assert_eq!(mask.get_pixel(0, 30).0[0], 255);
        assert_eq!(mask.get_pixel(5, 5).0[0], 255);
    }
}
