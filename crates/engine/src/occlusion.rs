//! Is each facial feature visible? Measured on the aligned 150-px recognizer chip, where the eyes,
//! nose and mouth sit at known places (the alignment template).
//!
//! The face mesh places all 468 points even under a mask or sunglasses (it infers hidden features),
//! so its landmarks cannot tell what is covered. What an occluder changes is the pixels: a region is
//! *covered* when almost none of it has the colour of this face's own skin (the forehead and the
//! bridge between the eyes, rarely covered) or when it is flat (no eyelid, nostril or lip edges).
//! Thresholds and measured rates: docs/models.md, "Occlusion signal".

use serde::{Deserialize, Serialize};

const CHIP: usize = 150;

/// `(x0, x1, y0, y1)` on the chip.
type Region = (usize, usize, usize, usize);
const FOREHEAD: Region = (50, 100, 8, 24);
const GLABELLA: Region = (66, 84, 36, 58);
const LEFT_EYE: Region = (30, 66, 36, 58);
const RIGHT_EYE: Region = (84, 120, 36, 58);
const NOSE: Region = (60, 90, 62, 88);
const MOUTH: Region = (46, 104, 92, 114);

/// Below this share of skin-coloured pixels a feature region is covered.
pub const MIN_SKIN_SHARE: f32 = 0.05;
/// Below this mean absolute luma gradient (0..255 per pixel step) a feature region is flat: covered.
pub const MIN_TEXTURE: f32 = 6.0;

/// Per-feature visibility signals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeatureVisibility {
    /// Share of the region's pixels with the face's skin colour, 0..1.
    pub skin_share: f32,
    /// Mean absolute luma gradient in the region.
    pub texture: f32,
}

impl FeatureVisibility {
    pub fn covered(&self) -> bool {
        self.skin_share < MIN_SKIN_SHARE || self.texture < MIN_TEXTURE
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Occlusion {
    pub left_eye: FeatureVisibility,
    pub right_eye: FeatureVisibility,
    pub nose: FeatureVisibility,
    pub mouth: FeatureVisibility,
}

impl Occlusion {
    /// True when any of eyes, nose or mouth is covered.
    pub fn any_covered(&self) -> bool {
        [self.left_eye, self.right_eye, self.nose, self.mouth]
            .iter()
            .any(FeatureVisibility::covered)
    }
}

/// Assesses a 150x150 RGB chip (NHWC, values 0..255).
pub fn assess(chip: &[f32]) -> Occlusion {
    debug_assert_eq!(chip.len(), CHIP * CHIP * 3);
    let ycc: Vec<[f32; 3]> = chip
        .chunks_exact(3)
        .map(|p| to_ycbcr(p[0], p[1], p[2]))
        .collect();
    let reference: Vec<[f32; 3]> = pixels(&ycc, FOREHEAD)
        .chain(pixels(&ycc, GLABELLA))
        .collect();
    let skin = [0, 1, 2].map(|c| median(&mut reference.iter().map(|p| p[c]).collect::<Vec<_>>()));
    let feature = |region: Region| FeatureVisibility {
        skin_share: skin_share(&ycc, region, skin),
        texture: texture(&ycc, region),
    };
    Occlusion {
        left_eye: feature(LEFT_EYE),
        right_eye: feature(RIGHT_EYE),
        nose: feature(NOSE),
        mouth: feature(MOUTH),
    }
}

fn to_ycbcr(r: f32, g: f32, b: f32) -> [f32; 3] {
    [
        0.299 * r + 0.587 * g + 0.114 * b,
        128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b,
        128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b,
    ]
}

fn pixels(ycc: &[[f32; 3]], (x0, x1, y0, y1): Region) -> impl Iterator<Item = [f32; 3]> + '_ {
    (y0..y1).flat_map(move |y| (x0..x1).map(move |x| ycc[y * CHIP + x]))
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}

/// Share of pixels whose chroma is within 12 units and whose luma is within 45 % of the skin's.
fn skin_share(ycc: &[[f32; 3]], region: Region, skin: [f32; 3]) -> f32 {
    let (mut near, mut total) = (0usize, 0usize);
    for [y, cb, cr] in pixels(ycc, region) {
        let chroma = (cb - skin[1]).hypot(cr - skin[2]);
        let luma = (y - skin[0]).abs() / skin[0].max(20.0);
        near += usize::from(chroma < 12.0 && luma < 0.45);
        total += 1;
    }
    near as f32 / total as f32
}

/// Mean absolute luma difference between vertical neighbours plus that between horizontal ones.
fn texture(ycc: &[[f32; 3]], (x0, x1, y0, y1): Region) -> f32 {
    let luma = |x: usize, y: usize| ycc[y * CHIP + x][0];
    let (mut dy, mut ny, mut dx, mut nx) = (0.0, 0usize, 0.0, 0usize);
    for y in y0..y1 {
        for x in x0..x1 {
            if y + 1 < y1 {
                dy += (luma(x, y + 1) - luma(x, y)).abs();
                ny += 1;
            }
            if x + 1 < x1 {
                dx += (luma(x + 1, y) - luma(x, y)).abs();
                nx += 1;
            }
        }
    }
    dy / ny as f32 + dx / nx as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_chip_is_covered_everywhere_and_skin_with_edges_is_not() {
        let flat = vec![128.0; CHIP * CHIP * 3];
        assert!(assess(&flat).any_covered());
        // Skin-coloured noise: every region has texture and skin colour.
        let textured: Vec<f32> = (0..CHIP * CHIP)
            .flat_map(|i| {
                let v = if (i * 7919) % 13 < 6 { 20.0 } else { -20.0 };
                [200.0 + v, 150.0 + v, 120.0 + v]
            })
            .collect();
        assert!(!assess(&textured).any_covered(), "{:?}", assess(&textured));
    }
}
