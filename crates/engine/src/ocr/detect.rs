//! PP-OCR text detection (DB, "differentiable binarization"): the model outputs, per pixel, the
//! probability that it lies in a text line's shrunk core; lines are the connected regions of the
//! thresholded map, each fitted with its minimum-area rectangle and grown back to the line's full
//! extent ("unclip").
//!
//! tract cannot infer the detector's shapes symbolically (its FPN concat cannot be proven equal), so
//! the image is letterboxed into one of two fixed canvases whose plans are built once at load.

use std::path::Path;

use image::imageops::FilterType;
use image::{GrayImage, Luma, RgbImage};
use imageproc::contours::{find_contours, BorderType};
use imageproc::geometry::min_area_rect;
use imageproc::point::Point as PixelPoint;

use crate::geometry::Point;
use crate::runtime::Plan;
use crate::EngineError;

/// Canvas sizes (width, height), multiples of 32: landscape for wider-than-tall images, portrait
/// otherwise.
const LANDSCAPE: (u32, u32) = (960, 608);
const PORTRAIT: (u32, u32) = (608, 960);
/// ImageNet mean and std on 0..1, applied to B, G, R in that order (PaddleOCR decodes BGR).
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];
/// A pixel is text-core when its probability exceeds this.
const BINARY_THRESHOLD: f32 = 0.3;
/// A region is a line when the mean probability inside its rectangle reaches this.
const BOX_THRESHOLD: f32 = 0.5;
/// How far the shrunk core is grown back: offset = area * ratio / perimeter (the DB paper's unclip).
const UNCLIP_RATIO: f32 = 1.6;
/// Regions whose rectangle's short side is under this (canvas pixels) are noise.
const MIN_SIDE: f32 = 3.0;
/// At most this many regions are considered per image.
const MAX_CANDIDATES: usize = 1000;

/// A text line's quadrilateral: top-left, top-right, bottom-right, bottom-left.
pub(crate) type Quad = [Point; 4];

struct Canvas {
    plan: Plan,
    width: u32,
    height: u32,
}

pub(crate) struct TextDetector {
    landscape: Canvas,
    portrait: Canvas,
}

impl TextDetector {
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        let canvas = |(width, height): (u32, u32), name| -> Result<Canvas, EngineError> {
            Ok(Canvas {
                plan: Plan::onnx(path, &[1, 3, height as usize, width as usize], name)?,
                width,
                height,
            })
        };
        Ok(Self {
            landscape: canvas(LANDSCAPE, "ppocr-det-landscape")?,
            portrait: canvas(PORTRAIT, "ppocr-det-portrait")?,
        })
    }

    /// Every text line's quadrilateral, in image pixels, in no particular order.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Quad>, EngineError> {
        let canvas = if image.width() >= image.height() {
            &self.landscape
        } else {
            &self.portrait
        };
        let (cw, ch) = (canvas.width as usize, canvas.height as usize);
        // Scaled to fill the canvas (small images are enlarged: thin strokes need a few pixels).
        let scale = (canvas.width as f32 / image.width() as f32)
            .min(canvas.height as f32 / image.height() as f32);
        let sw = ((image.width() as f32 * scale).round() as u32).clamp(1, canvas.width);
        let sh = ((image.height() as f32 * scale).round() as u32).clamp(1, canvas.height);
        let resized = image::imageops::resize(image, sw, sh, FilterType::Triangle);
        // Image at the top left; the rest stays 0, the normalised mean colour.
        let mut data = vec![0.0f32; 3 * cw * ch];
        for (x, y, pixel) in resized.enumerate_pixels() {
            let at = y as usize * cw + x as usize;
            for (c, (mean, std)) in MEAN.iter().zip(STD).enumerate() {
                let value = pixel.0[2 - c] as f32 / 255.0;
                data[c * cw * ch + at] = (value - mean) / std;
            }
        }
        let outputs = canvas.plan.run(&[1, 3, ch, cw], &data)?;
        let probabilities = outputs
            .into_iter()
            .map(|(_, values)| values)
            .find(|values| values.len() == cw * ch)
            .ok_or_else(|| EngineError::Model("text detector output is not one map".into()))?;
        let (max_x, max_y) = (image.width() as f32 - 1.0, image.height() as f32 - 1.0);
        Ok(line_rectangles(&probabilities, cw, sw, sh)
            .into_iter()
            .map(|quad| {
                quad.map(|p| {
                    Point::new(
                        (p.x / scale).clamp(0.0, max_x),
                        (p.y / scale).clamp(0.0, max_y),
                    )
                })
            })
            .collect())
    }
}

/// DB post-processing on a `stride`-wide probability map, within its top-left `width` x `height`
/// (the letterboxed image): one grown rectangle per text region, in map pixels.
fn line_rectangles(probabilities: &[f32], stride: usize, width: u32, height: u32) -> Vec<Quad> {
    let bitmap = GrayImage::from_fn(width, height, |x, y| {
        Luma([
            if probabilities[y as usize * stride + x as usize] > BINARY_THRESHOLD {
                255
            } else {
                0
            },
        ])
    });
    let mut lines = Vec::new();
    let regions = find_contours::<i32>(&bitmap)
        .into_iter()
        .filter(|c| c.border_type == BorderType::Outer)
        .take(MAX_CANDIDATES);
    for region in regions {
        let points: Vec<PixelPoint<f32>> = region
            .points
            .iter()
            .map(|p| PixelPoint::new(p.x as f32, p.y as f32))
            .collect();
        let core = min_area_rect(&points).map(|p| Point::new(p.x, p.y));
        let (w, h) = sides(&core);
        if w.min(h) < MIN_SIDE {
            continue;
        }
        if mean_inside(probabilities, stride, width, height, &core) < BOX_THRESHOLD {
            continue;
        }
        let line = unclip(&core, UNCLIP_RATIO);
        let (w, h) = sides(&line);
        if w.min(h) < MIN_SIDE + 2.0 {
            continue;
        }
        lines.push(line);
    }
    lines
}

/// Lengths of the first edge (top) and the second (right) of a rectangle.
fn sides(rect: &Quad) -> (f32, f32) {
    (rect[0].distance(rect[1]), rect[1].distance(rect[2]))
}

/// Mean probability over the map pixels whose centres lie inside the convex quad.
fn mean_inside(probabilities: &[f32], stride: usize, width: u32, height: u32, quad: &Quad) -> f32 {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in quad {
        (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
    }
    let clamp_x = |v: f32| (v.max(0.0) as u32).min(width - 1);
    let clamp_y = |v: f32| (v.max(0.0) as u32).min(height - 1);
    let (mut sum, mut count) = (0.0f32, 0u32);
    for y in clamp_y(y0.floor())..=clamp_y(y1.ceil()) {
        for x in clamp_x(x0.floor())..=clamp_x(x1.ceil()) {
            if contains(quad, Point::new(x as f32, y as f32)) {
                sum += probabilities[y as usize * stride + x as usize];
                count += 1;
            }
        }
    }
    if count == 0 {
        0.0
    } else {
        sum / count as f32
    }
}

/// Whether `p` is inside (or on) the convex quad, whichever way it winds.
fn contains(quad: &Quad, p: Point) -> bool {
    let mut sign = 0.0f32;
    for (i, &a) in quad.iter().enumerate() {
        let b = quad[(i + 1) % 4];
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross.abs() < 1e-3 {
            continue;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

/// Grows a rectangle by `area * ratio / perimeter` on every side (offsetting a rectangle's outline
/// by d and taking the minimum-area rectangle of the result is exactly this), then orders its
/// corners top-left, top-right, bottom-right, bottom-left.
fn unclip(rect: &Quad, ratio: f32) -> Quad {
    let (w, h) = sides(rect);
    let offset = w * h * ratio / (2.0 * (w + h));
    let centre = Point::new(
        rect.iter().map(|p| p.x).sum::<f32>() / 4.0,
        rect.iter().map(|p| p.y).sum::<f32>() / 4.0,
    );
    let unit = |from: Point, to: Point| {
        let d = from.distance(to).max(f32::EPSILON);
        ((to.x - from.x) / d, (to.y - from.y) / d)
    };
    let (u, v) = (unit(rect[0], rect[1]), unit(rect[1], rect[2]));
    let (a, b) = (w / 2.0 + offset, h / 2.0 + offset);
    let corner = |su: f32, sv: f32| {
        Point::new(
            centre.x + su * a * u.0 + sv * b * v.0,
            centre.y + su * a * u.1 + sv * b * v.1,
        )
    };
    order_corners([
        corner(-1.0, -1.0),
        corner(1.0, -1.0),
        corner(1.0, 1.0),
        corner(-1.0, 1.0),
    ])
}

/// Top-left, top-right, bottom-right, bottom-left: the two leftmost corners are the left side (upper
/// one first), the two rightmost the right side.
fn order_corners(mut corners: Quad) -> Quad {
    corners.sort_by(|a, b| a.x.total_cmp(&b.x));
    let (l0, l1) = (corners[0], corners[1]);
    let (r0, r1) = (corners[2], corners[3]);
    let (tl, bl) = if l0.y <= l1.y { (l0, l1) } else { (l1, l0) };
    let (tr, br) = if r0.y <= r1.y { (r0, r1) } else { (r1, r0) };
    [tl, tr, br, bl]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bright_bar_becomes_one_grown_rectangle() {
        // A 40x6 block of probability 0.9 in a 64x32 map: one line, grown by 40*6*1.6/92 = 4.17.
        let (w, h) = (64usize, 32usize);
        let mut map = vec![0.0f32; w * h];
        for y in 10..16 {
            for x in 10..50 {
                map[y * w + x] = 0.9;
            }
        }
        let lines = line_rectangles(&map, w, w as u32, h as u32);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let [tl, tr, br, bl] = lines[0];
        // The contour runs through the border pixel centres: 10..=49 x 10..=15 (39 x 5).
        let offset = 39.0 * 5.0 * UNCLIP_RATIO / (2.0 * 44.0);
        for (got, want) in [
            (tl, (10.0 - offset, 10.0 - offset)),
            (tr, (49.0 + offset, 10.0 - offset)),
            (br, (49.0 + offset, 15.0 + offset)),
            (bl, (10.0 - offset, 15.0 + offset)),
        ] {
            assert!(
                (got.x - want.0).abs() < 0.01 && (got.y - want.1).abs() < 0.01,
                "{got:?} != {want:?}"
            );
        }
    }

    #[test]
    fn faint_or_tiny_regions_are_not_lines() {
        let (w, h) = (64usize, 32usize);
        let mut map = vec![0.0f32; w * h];
        // Above the pixel threshold but under the box threshold.
        for y in 2..10 {
            for x in 2..30 {
                map[y * w + x] = 0.4;
            }
        }
        // Confident but only 2 pixels high.
        for x in 35..60 {
            map[20 * w + x] = 0.95;
            map[21 * w + x] = 0.95;
        }
        assert!(line_rectangles(&map, w, w as u32, h as u32).is_empty());
    }

    #[test]
    fn the_letterbox_padding_is_ignored() {
        // Text-like probability only outside the 32x32 image region of a 64x32 map.
        let (w, h) = (64usize, 32usize);
        let mut map = vec![0.0f32; w * h];
        for y in 10..20 {
            for x in 40..60 {
                map[y * w + x] = 0.9;
            }
        }
        assert!(line_rectangles(&map, w, 32, h as u32).is_empty());
    }
}
