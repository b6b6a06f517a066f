//! MediaPipe face mesh: 468 landmarks from a face crop, plus a face-presence score.
//!
//! The crop is a square 1.5x the detector box, centred on it and turned so the eyes are level,
//! resized to 192 px, RGB in [0,1]. Landmark x/y come out in crop pixels and are mapped back.

use std::path::Path;

use image::RgbImage;

use crate::detect::Detection;
use crate::geometry::{sample_square, Point, Similarity};
use crate::runtime::Plan;
use crate::EngineError;

const INPUT: u32 = 192;

/// The five alignment points, in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FivePoints {
    /// Image-left eye centre (mean of mesh points 33 and 133).
    pub left_eye: Point,
    /// Image-right eye centre (mean of mesh points 362 and 263).
    pub right_eye: Point,
    /// Nose tip (mesh point 1).
    pub nose: Point,
    /// Image-left mouth corner (mesh point 61).
    pub mouth_left: Point,
    /// Image-right mouth corner (mesh point 291).
    pub mouth_right: Point,
}

impl FivePoints {
    pub fn as_array(&self) -> [Point; 5] {
        [
            self.left_eye,
            self.right_eye,
            self.nose,
            self.mouth_left,
            self.mouth_right,
        ]
    }
}

/// What the mesh says about one face.
#[derive(Debug, Clone)]
pub struct FaceLandmarks {
    /// All 468 points, in image pixels (x, y); z is dropped.
    pub points: Vec<Point>,
    pub five: FivePoints,
    /// The mesh model's own "a face is in this crop" probability: drops when the face is covered.
    pub presence: f32,
}

pub(crate) struct FaceMesh {
    plan: Plan,
}

impl FaceMesh {
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        Ok(Self {
            plan: Plan::tflite(path, "face-mesh")?,
        })
    }

    pub fn landmarks(
        &self,
        image: &RgbImage,
        face: &Detection,
    ) -> Result<FaceLandmarks, EngineError> {
        let [left_eye, right_eye, ..] = face.keypoints;
        let angle = (right_eye.y - left_eye.y).atan2(right_eye.x - left_eye.x);
        let side = face.bbox.width.max(face.bbox.height) * 1.5;
        let to_source = Similarity::square_crop(face.bbox.center(), side, angle, INPUT);
        let data = sample_square(image, &to_source, INPUT, |v| v as f32 / 255.0);
        let n = INPUT as usize;
        let outputs = self.plan.run(&[1, n, n, 3], &data)?;
        let mut coords = None;
        let mut presence = None;
        for (_, values) in outputs {
            match values.len() {
                1404 => coords = Some(values),
                1 => presence = Some(1.0 / (1.0 + (-values[0]).exp())),
                _ => {}
            }
        }
        let (Some(coords), Some(presence)) = (coords, presence) else {
            return Err(EngineError::Model(
                "face mesh outputs have unexpected shapes".into(),
            ));
        };
        let points: Vec<Point> = coords
            .chunks_exact(3)
            .map(|p| to_source.apply(Point::new(p[0], p[1])))
            .collect();
        let five = FivePoints {
            left_eye: points[33].midpoint(points[133]),
            right_eye: points[362].midpoint(points[263]),
            nose: points[1],
            mouth_left: points[61],
            mouth_right: points[291],
        };
        Ok(FaceLandmarks {
            points,
            five,
            presence,
        })
    }
}

/// Eye aspect ratio (eyelid gap over eye width) of the image-left and image-right eye: about 0.3
/// open, under 0.15 closed.
pub fn eye_aspect_ratios(points: &[Point]) -> (f32, f32) {
    let ratio = |top: usize, bottom: usize, a: usize, b: usize| {
        points[top].distance(points[bottom]) / points[a].distance(points[b]).max(1e-6)
    };
    (ratio(159, 145, 33, 133), ratio(386, 374, 362, 263))
}
