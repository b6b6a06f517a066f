//! Rectification: a located document outline warped to a flat, upright, fixed-size card, so that a
//! hand-held, tilted or off-centre photo reads like a scan.

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};

use super::CardQuad;
use crate::geometry::Point;

/// Height of a rectified document, in pixels (width follows the document's proportions): enough
/// for the smallest printed text of an ID-1 card to be about 20 px high.
pub const RECTIFIED_HEIGHT: u32 = 640;

/// The document inside `quad`, warped flat: landscape (long side horizontal), `RECTIFIED_HEIGHT`
/// high. Which way up it is cannot be told from the outline; reading decides (a card upside down
/// reads as nothing, and the caller may try the half turn). `None` if the outline is degenerate.
pub fn rectify(image: &RgbImage, quad: &CardQuad) -> Option<RgbImage> {
    let [a, b, c, d] = quad.corners;
    // Start the corners at a long side so that the output is landscape.
    let corners = if a.distance(b) + c.distance(d) >= b.distance(c) + d.distance(a) {
        [a, b, c, d]
    } else {
        [d, a, b, c]
    };
    let height = RECTIFIED_HEIGHT;
    let width = (height as f32 * quad.kind.aspect_ratio()).round() as u32;
    let to = [
        (0.0, 0.0),
        (width as f32, 0.0),
        (width as f32, height as f32),
        (0.0, height as f32),
    ];
    let from = corners.map(|p: Point| (p.x, p.y));
    let projection = Projection::from_control_points(from, to)?;
    let mut out = RgbImage::new(width, height);
    warp_into(
        image,
        projection,
        Interpolation::Bilinear,
        Border::Constant(Rgb([255, 255, 255])),
        &mut out,
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::CardKind;

    #[test]
    fn a_tilted_card_comes_out_flat_and_landscape() {
        // A white card with a black square near its top-left corner, drawn as a rotated quad.
        let mut image = RgbImage::from_pixel(800, 800, Rgb([40, 40, 40]));
        let quad = CardQuad {
            corners: [
                Point::new(300.0, 100.0),
                Point::new(700.0, 300.0),
                Point::new(550.0, 600.0),
                Point::new(150.0, 400.0),
            ],
            confidence: 1.0,
            kind: CardKind::Id1,
        };
        for y in 0..800 {
            for x in 0..800 {
                if quad.contains(x as f32 + 0.5, y as f32 + 0.5) {
                    image.put_pixel(x, y, Rgb([250, 250, 250]));
                }
            }
        }
        let flat = rectify(&image, &quad).expect("a proper quad");
        assert_eq!(flat.height(), RECTIFIED_HEIGHT);
        assert!(flat.width() > flat.height(), "landscape");
        // The middle of the output is card (white), not background.
        let middle = flat.get_pixel(flat.width() / 2, flat.height() / 2);
        assert!(middle[0] > 200, "{middle:?}");
    }
}
