//! BlazeFace (MediaPipe) face detection: boxes and 6 keypoints.
//!
//! Short-range (128 px, 896 anchors on 16x16x2 + 8x8x6 grids) is for faces that fill a good part of
//! the frame; full-range (192 px, 48x48x1 anchors) is the second pass for small faces. Both output 16
//! regressors per anchor, in input pixels relative to the anchor centre: box centre dx, dy, width,
//! height, then 6 keypoints (subject's right eye = image left, left eye, nose tip, mouth centre,
//! right ear tragion, left ear tragion). Scores are logits.

use std::path::Path;

use image::RgbImage;

use crate::geometry::{sample_square, BoundingBox, Point, Similarity};
use crate::runtime::Plan;
use crate::EngineError;

/// One detected face, in the coordinates of the image it was detected in.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub bbox: BoundingBox,
    /// Detector confidence in [0,1].
    pub score: f32,
    /// Image-left eye, image-right eye, nose tip, mouth centre, image-left ear, image-right ear.
    pub keypoints: [Point; 6],
}

pub(crate) struct BlazeFace {
    plan: Plan,
    input: u32,
    anchors: Vec<Point>,
    min_score: f32,
}

const NMS_IOU: f32 = 0.3;

impl BlazeFace {
    pub fn short_range(path: &Path) -> Result<Self, EngineError> {
        // 16x16 cells x 2 anchors (stride 8), then 8x8 cells x 6 anchors (stride 16).
        let mut anchors = grid_anchors(16, 2);
        anchors.extend(grid_anchors(8, 6));
        Ok(Self {
            plan: Plan::tflite(path, "blazeface-short")?,
            input: 128,
            anchors,
            min_score: 0.5,
        })
    }

    pub fn full_range(path: &Path) -> Result<Self, EngineError> {
        Ok(Self {
            plan: Plan::tflite(path, "blazeface-full")?,
            input: 192,
            anchors: grid_anchors(48, 1),
            min_score: 0.5,
        })
    }

    /// All faces above the score floor, best first. The image is letterboxed into a centred square.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, EngineError> {
        let side = image.width().max(image.height()) as f32;
        let center = Point::new(image.width() as f32 / 2.0, image.height() as f32 / 2.0);
        let to_source = Similarity::square_crop(center, side, 0.0, self.input);
        let n = self.input as usize;
        let data = sample_square(image, &to_source, self.input, |v| v as f32 / 127.5 - 1.0);
        let outputs = self.plan.run(&[1, n, n, 3], &data)?;
        let (regressors, logits) = split_outputs(outputs, self.anchors.len())?;
        let input = self.input as f32;
        let mut candidates = Vec::new();
        for (i, anchor) in self.anchors.iter().enumerate() {
            let score = sigmoid(logits[i].clamp(-100.0, 100.0));
            if score < self.min_score {
                continue;
            }
            let r = &regressors[i * 16..i * 16 + 16];
            // Normalised [0,1] coordinates of the letterboxed square -> source pixels.
            let to_image = |x: f32, y: f32| to_source.apply(Point::new(x * input, y * input));
            let cx = r[0] / input + anchor.x;
            let cy = r[1] / input + anchor.y;
            let (w, h) = (r[2] / input, r[3] / input);
            let top_left = to_image(cx - w / 2.0, cy - h / 2.0);
            let bottom_right = to_image(cx + w / 2.0, cy + h / 2.0);
            let keypoints = std::array::from_fn(|k| {
                to_image(
                    r[4 + 2 * k] / input + anchor.x,
                    r[5 + 2 * k] / input + anchor.y,
                )
            });
            candidates.push(Detection {
                bbox: BoundingBox {
                    left: top_left.x,
                    top: top_left.y,
                    width: bottom_right.x - top_left.x,
                    height: bottom_right.y - top_left.y,
                },
                score,
                keypoints,
            });
        }
        Ok(weighted_nms(candidates))
    }
}

/// Faces from two passes (short- and full-range): where boxes overlap, the more confident one stays.
pub(crate) fn merge_passes(first: Vec<Detection>, second: Vec<Detection>) -> Vec<Detection> {
    let mut all: Vec<Detection> = first.into_iter().chain(second).collect();
    all.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for face in all {
        if kept.iter().all(|k| k.bbox.iou(&face.bbox) <= NMS_IOU) {
            kept.push(face);
        }
    }
    kept
}

fn grid_anchors(cells: usize, per_cell: usize) -> Vec<Point> {
    let mut anchors = Vec::with_capacity(cells * cells * per_cell);
    for row in 0..cells {
        for col in 0..cells {
            for _ in 0..per_cell {
                anchors.push(Point::new(
                    (col as f32 + 0.5) / cells as f32,
                    (row as f32 + 0.5) / cells as f32,
                ));
            }
        }
    }
    anchors
}

/// Tells the regressor tensor (last dim 16) from the score tensor (last dim 1) by shape.
fn split_outputs(
    outputs: Vec<crate::runtime::Output>,
    anchors: usize,
) -> Result<(Vec<f32>, Vec<f32>), EngineError> {
    let mut regressors = None;
    let mut logits = None;
    for (shape, data) in outputs {
        match shape.last() {
            Some(16) if data.len() == anchors * 16 => regressors = Some(data),
            Some(1) if data.len() == anchors => logits = Some(data),
            _ => {}
        }
    }
    match (regressors, logits) {
        (Some(r), Some(l)) => Ok((r, l)),
        _ => Err(EngineError::Model(
            "detector outputs have unexpected shapes".into(),
        )),
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// MediaPipe's weighted non-maximum suppression: overlapping candidates are merged into a
/// score-weighted mean, keeping the best score.
fn weighted_nms(mut candidates: Vec<Detection>) -> Vec<Detection> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut faces = Vec::new();
    while let Some(best) = candidates.first().cloned() {
        let (overlapping, rest): (Vec<Detection>, Vec<Detection>) = candidates
            .into_iter()
            .partition(|c| c.bbox.iou(&best.bbox) > NMS_IOU);
        candidates = rest;
        let total: f32 = overlapping.iter().map(|c| c.score).sum();
        let mean = |f: &dyn Fn(&Detection) -> f32| {
            overlapping.iter().map(|c| f(c) * c.score).sum::<f32>() / total
        };
        let bbox = BoundingBox {
            left: mean(&|c| c.bbox.left),
            top: mean(&|c| c.bbox.top),
            width: mean(&|c| c.bbox.width),
            height: mean(&|c| c.bbox.height),
        };
        let keypoints = std::array::from_fn(|k| {
            Point::new(mean(&|c| c.keypoints[k].x), mean(&|c| c.keypoints[k].y))
        });
        faces.push(Detection {
            bbox,
            score: best.score,
            keypoints,
        });
    }
    faces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_the_documented_layout() {
        let mut a = grid_anchors(16, 2);
        a.extend(grid_anchors(8, 6));
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], Point::new(0.5 / 16.0, 0.5 / 16.0));
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], Point::new(1.5 / 16.0, 0.5 / 16.0));
        assert_eq!(a[512], Point::new(0.5 / 8.0, 0.5 / 8.0));
        assert_eq!(grid_anchors(48, 1).len(), 2304);
    }

    #[test]
    fn nms_merges_overlaps_and_keeps_separate_faces() {
        let face = |left: f32, score: f32| Detection {
            bbox: BoundingBox {
                left,
                top: 0.0,
                width: 10.0,
                height: 10.0,
            },
            score,
            keypoints: [Point::default(); 6],
        };
        let merged = weighted_nms(vec![face(0.0, 0.9), face(1.0, 0.6), face(50.0, 0.7)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].score, 0.9);
        assert!(merged[0].bbox.left > 0.0 && merged[0].bbox.left < 1.0);
    }
}
