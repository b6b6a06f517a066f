//! Face embeddings: the dlib ResNet v1 descriptor (face-api's port, converted to ONNX), fed a
//! 150x150 chip aligned by a 5-point similarity to the template where the mesh points land on
//! dlib's own chips (models-face.md 9.4).

use std::path::Path;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::geometry::{sample_square, Point, Similarity};
use crate::mesh::FivePoints;
use crate::runtime::Plan;
use crate::EngineError;

const CHIP: u32 = 150;

/// Where the five mesh points sit on a dlib 150-px chip (eye, eye, nose tip, mouth corner, corner).
const TEMPLATE: [Point; 5] = [
    Point { x: 47.6, y: 46.6 },
    Point { x: 100.6, y: 46.9 },
    Point { x: 74.5, y: 81.1 },
    Point { x: 48.3, y: 101.9 },
    Point { x: 99.1, y: 102.3 },
];

/// Identifies the network that made an embedding; embeddings of different models never mix.
pub const RECOGNIZER_MODEL_ID: &str = "dlib-resnet-v1-faceapi-1.7.15";

/// Values in one embedding of the recognizer.
pub const EMBEDDING_DIM: usize = 128;

/// An L2-normalised face embedding, tagged with the model that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceEmbedding {
    pub model_id: String,
    pub values: Vec<f32>,
}

impl FaceEmbedding {
    /// Euclidean distance between two normalised embeddings: 0 (same) to 2 (opposite).
    pub fn distance(&self, other: &FaceEmbedding) -> f32 {
        self.values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }
}

pub(crate) struct Recognizer {
    plan: Plan,
}

impl Recognizer {
    pub fn load(path: &Path) -> Result<Self, EngineError> {
        Ok(Self {
            plan: Plan::onnx(path, &[1, CHIP as usize, CHIP as usize, 3], "recognizer")?,
        })
    }

    /// The aligned 150x150 chip as RGB 0..255 floats, NHWC.
    pub fn align(image: &RgbImage, five: &FivePoints) -> Result<Vec<f32>, EngineError> {
        let to_chip = Similarity::fit(&five.as_array(), &TEMPLATE)
            .ok_or_else(|| EngineError::Model("degenerate landmarks".into()))?;
        Ok(sample_square(image, &to_chip.inverse(), CHIP, f32::from))
    }

    pub fn embed(&self, chip: &[f32]) -> Result<FaceEmbedding, EngineError> {
        let n = CHIP as usize;
        let outputs = self.plan.run(&[1, n, n, 3], chip)?;
        let (_, values) = outputs
            .into_iter()
            .find(|(_, v)| v.len() == EMBEDDING_DIM)
            .ok_or_else(|| EngineError::Model("recognizer output is not 128-d".into()))?;
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !norm.is_finite() || norm <= f32::EPSILON {
            return Err(EngineError::Model(
                "recognizer produced a zero embedding".into(),
            ));
        }
        Ok(FaceEmbedding {
            model_id: RECOGNIZER_MODEL_ID.to_string(),
            values: values.iter().map(|v| v / norm).collect(),
        })
    }
}

/// The aligned chip as an image, for debugging and for routes that return a face crop.
pub fn chip_image(chip: &[f32]) -> RgbImage {
    let bytes = chip
        .iter()
        .map(|v| v.round().clamp(0.0, 255.0) as u8)
        .collect();
    RgbImage::from_raw(CHIP, CHIP, bytes).expect("chip has 150x150x3 samples")
}
