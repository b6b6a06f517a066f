//! PP-OCR text recognition (SVTR + CTC): one line crop, 48 pixels high, in; per frame (8 pixels of
//! width) a probability for each class out. Class 0 is the CTC blank, classes 1..=n the dictionary's
//! characters in file order, class n+1 a space.
//!
//! The recogniser runs 4-7x slower in tract with a symbolic width, so each crop is padded to the
//! smallest of a few fixed widths, one plan per width built at load.

use std::path::Path;

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};

use super::detect::Quad;
use crate::runtime::Plan;
use crate::EngineError;

const HEIGHT: u32 = 48;
/// The plans' input widths; a line wider than the last at height 48 is squeezed into it.
const WIDTHS: [u32; 8] = [160, 320, 480, 640, 800, 960, 1280, 1600];
/// A crop this many times taller than wide is read as turned a quarter to the left.
const VERTICAL_ASPECT: f32 = 1.5;

/// One recognised character and its probability.
pub(crate) type Glyph = (String, f32);

pub(crate) struct TextRecognizer {
    plans: Vec<(u32, Plan)>,
    /// Text of every class: blank (empty), the dictionary, then the space.
    classes: Vec<String>,
}

impl TextRecognizer {
    pub fn load(model: &Path, dictionary: &Path) -> Result<Self, EngineError> {
        let text = std::fs::read_to_string(dictionary).map_err(|e| EngineError::ModelLoad {
            path: dictionary.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut classes = vec![String::new()];
        classes.extend(text.lines().map(str::to_string));
        classes.push(" ".to_string());
        let plans = WIDTHS
            .iter()
            .map(|&width| {
                let shape = [1, 3, HEIGHT as usize, width as usize];
                Ok((width, Plan::onnx(model, &shape, "ppocr-rec")?))
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        let recognizer = Self { plans, classes };
        // A dictionary that does not belong to the model would decode every line wrongly.
        let (_, frame_classes) = recognizer.run(&RgbImage::new(WIDTHS[0], HEIGHT))?;
        if frame_classes != recognizer.classes.len() {
            return Err(EngineError::ModelLoad {
                path: dictionary.display().to_string(),
                reason: format!(
                    "the recogniser has {frame_classes} classes, the dictionary gives {}",
                    recognizer.classes.len()
                ),
            });
        }
        Ok(recognizer)
    }

    /// The characters of the line inside `quad`, leading and trailing spaces removed.
    pub fn read(&self, image: &RgbImage, quad: &Quad) -> Result<Vec<Glyph>, EngineError> {
        let crop = line_crop(image, quad);
        let (probabilities, classes) = self.run(&crop)?;
        let mut glyphs = ctc_greedy(&probabilities, classes, &self.classes);
        while glyphs.first().is_some_and(|g| g.0.trim().is_empty()) {
            glyphs.remove(0);
        }
        while glyphs.last().is_some_and(|g| g.0.trim().is_empty()) {
            glyphs.pop();
        }
        Ok(glyphs)
    }

    /// Runs the narrowest plan that holds `crop` (48 high); returns the frames' class
    /// probabilities, flattened, and the number of classes.
    fn run(&self, crop: &RgbImage) -> Result<(Vec<f32>, usize), EngineError> {
        let (width, plan) = self
            .plans
            .iter()
            .find(|(w, _)| *w >= crop.width())
            .or(self.plans.last())
            .expect("WIDTHS is not empty");
        let (w, h) = (*width as usize, HEIGHT as usize);
        // (v / 255 - 0.5) / 0.5 in B, G, R order; the padding stays 0.
        let mut data = vec![0.0f32; 3 * w * h];
        for (x, y, pixel) in crop.enumerate_pixels() {
            if x as usize >= w {
                continue;
            }
            let at = y as usize * w + x as usize;
            for c in 0..3 {
                data[c * w * h + at] = pixel.0[2 - c] as f32 / 127.5 - 1.0;
            }
        }
        let (shape, probabilities) = plan
            .run(&[1, 3, h, w], &data)?
            .into_iter()
            .next()
            .ok_or_else(|| EngineError::Model("text recogniser has no output".into()))?;
        match shape.as_slice() {
            [1, _, classes] => Ok((probabilities, *classes)),
            _ => Err(EngineError::Model(format!(
                "text recogniser output has shape {shape:?}, expected [1, frames, classes]"
            ))),
        }
    }
}

/// The line inside `quad`, rectified by a perspective warp to 48 pixels high at its own aspect
/// ratio (at most the widest plan). Lines much taller than wide are turned a quarter to the left,
/// as PaddleOCR does.
fn line_crop(image: &RgbImage, quad: &Quad) -> RgbImage {
    let [tl, tr, br, bl] = *quad;
    let width = tl.distance(tr).max(bl.distance(br)).max(1.0);
    let height = tl.distance(bl).max(tr.distance(br)).max(1.0);
    let (corners, aspect) = if height / width >= VERTICAL_ASPECT {
        ([tr, br, bl, tl], height / width)
    } else {
        ([tl, tr, br, bl], width / height)
    };
    let last = *WIDTHS.last().expect("WIDTHS is not empty");
    let out_width = ((HEIGHT as f32 * aspect).round() as u32).clamp(1, last);
    let (ow, oh) = (out_width as f32, HEIGHT as f32);
    let from = corners.map(|p| (p.x, p.y));
    let to = [(0.0, 0.0), (ow, 0.0), (ow, oh), (0.0, oh)];
    let mut crop = RgbImage::new(out_width, HEIGHT);
    if let Some(projection) = Projection::from_control_points(from, to) {
        warp_into(
            image,
            projection,
            Interpolation::Bilinear,
            Border::Constant(Rgb([0, 0, 0])),
            &mut crop,
        );
    }
    crop
}

/// CTC greedy decoding: the most probable class per frame, repeats merged, blanks dropped. A
/// character's probability is the highest of its run of frames.
fn ctc_greedy(probabilities: &[f32], classes: usize, text: &[String]) -> Vec<Glyph> {
    let mut glyphs: Vec<Glyph> = Vec::new();
    let mut previous = 0usize;
    for frame in probabilities.chunks_exact(classes) {
        let (mut best, mut p) = (0, f32::MIN);
        for (class, &probability) in frame.iter().enumerate() {
            if probability > p {
                (best, p) = (class, probability);
            }
        }
        if best != 0 {
            if best == previous {
                if let Some(last) = glyphs.last_mut() {
                    last.1 = last.1.max(p);
                }
            } else {
                glyphs.push((text.get(best).cloned().unwrap_or_default(), p));
            }
        }
        previous = best;
    }
    glyphs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Point;

    #[test]
    fn ctc_merges_repeats_drops_blanks_and_keeps_doubled_letters() {
        let text: Vec<String> = ["", "A", "B", " "].iter().map(|s| s.to_string()).collect();
        // Frames: A A blank A B B space blank -> "AAB " (the blank separates the two A's).
        let frames = [1, 1, 0, 1, 2, 2, 3, 0];
        let probs = [0.9, 0.6, 0.8, 0.7, 0.5, 0.95, 0.8, 0.9];
        let mut flat = Vec::new();
        for (&class, &p) in frames.iter().zip(&probs) {
            let mut frame = vec![(1.0 - p) / 3.0; 4];
            frame[class] = p;
            flat.extend(frame);
        }
        let glyphs = ctc_greedy(&flat, 4, &text);
        let decoded: String = glyphs.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(decoded, "AAB ");
        let confidences: Vec<f32> = glyphs.iter().map(|g| g.1).collect();
        assert_eq!(confidences, vec![0.9, 0.7, 0.95, 0.8]);
    }

    #[test]
    fn a_tilted_line_is_rectified_to_48_pixels_high() {
        // A dark bar on white, rotated by 10 degrees: its crop is dark in the middle rows only.
        let angle = 10f32.to_radians();
        let (cx, cy) = (200.0, 100.0);
        let rotate = |x: f32, y: f32| {
            Point::new(
                cx + x * angle.cos() - y * angle.sin(),
                cy + x * angle.sin() + y * angle.cos(),
            )
        };
        let image = RgbImage::from_fn(400, 200, |x, y| {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            // Back into the bar's frame.
            let u = dx * angle.cos() + dy * angle.sin();
            let v = -dx * angle.sin() + dy * angle.cos();
            if u.abs() < 100.0 && v.abs() < 5.0 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let quad = [
            rotate(-100.0, -15.0),
            rotate(100.0, -15.0),
            rotate(100.0, 15.0),
            rotate(-100.0, 15.0),
        ];
        let crop = line_crop(&image, &quad);
        assert_eq!(crop.height(), HEIGHT);
        assert_eq!(crop.width(), 320, "200 x 30 at height 48");
        let row_mean = |y: u32| {
            (0..crop.width())
                .map(|x| crop.get_pixel(x, y).0[0] as f32)
                .sum::<f32>()
                / crop.width() as f32
        };
        assert!(row_mean(24) < 20.0, "middle row {}", row_mean(24));
        assert!(row_mean(3) > 235.0, "top row {}", row_mean(3));
        assert!(row_mean(44) > 235.0, "bottom row {}", row_mean(44));
    }
}
