//! `CompareFaces` (E2 in the spec's command model): two images in, one calibrated score out.

use std::sync::Arc;

use engine::{AnalyzedFace, EngineError, FaceEngine, FaceQuality, ImageLimits};

use crate::score::{CalibratedScore, ScoreCalibration};

/// Which of the two inputs an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSlot {
    First,
    Second,
}

/// Compare the largest face of `first` with the largest face of `second`.
#[derive(Debug, Clone)]
pub struct CompareFaces {
    pub first: Vec<u8>,
    pub second: Vec<u8>,
    /// Try 0/90/180/270 degrees and keep the orientation with the most confident face.
    pub auto_rotate: bool,
    /// Reject occluded and undersized faces instead of scoring them.
    pub check_quality: bool,
    /// Byte and pixel limits the caller's dialect documents.
    pub limits: ImageLimits,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FaceComparison {
    pub score: CalibratedScore,
    /// L2 distance between the two normalised embeddings (the raw fact behind `score`).
    pub distance: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityProblem {
    /// Eyes, nose or mouth hidden.
    Occluded,
    /// The face is too small to compare reliably.
    FaceTooSmall,
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{slot:?} image: {source}")]
    Image {
        slot: ImageSlot,
        #[source]
        source: EngineError,
    },
    #[error("{slot:?} image: quality check failed: {problem:?}")]
    Quality {
        slot: ImageSlot,
        problem: QualityProblem,
    },
}

/// Runs face commands against one shared engine and one score calibration.
#[derive(Clone)]
pub struct FaceVerifier {
    engine: Arc<FaceEngine>,
    calibration: Arc<ScoreCalibration>,
}

impl FaceVerifier {
    pub fn new(engine: Arc<FaceEngine>, calibration: Arc<ScoreCalibration>) -> Self {
        Self {
            engine,
            calibration,
        }
    }

    pub fn engine(&self) -> &FaceEngine {
        &self.engine
    }

    pub fn calibration(&self) -> &ScoreCalibration {
        &self.calibration
    }

    /// CPU-bound (about 30-40 ms): call it from a blocking thread pool, not an async executor.
    /// The two images are analysed on two threads; when both are bad, the first one's error wins.
    pub fn compare(&self, command: &CompareFaces) -> Result<FaceComparison, CompareError> {
        let span = tracing::Span::current();
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| {
                span.in_scope(|| self.analyze(ImageSlot::Second, &command.second, command))
            });
            let first = self.analyze(ImageSlot::First, &command.first, command);
            (
                first,
                second
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        let (first, second) = (first?, second?);
        let distance = first.embedding.distance(&second.embedding);
        Ok(FaceComparison {
            score: self.calibration.score(distance),
            distance,
        })
    }

    /// Decode, find the largest face, embed it, and apply the quality gate when asked.
    pub fn analyze(
        &self,
        slot: ImageSlot,
        bytes: &[u8],
        command: &CompareFaces,
    ) -> Result<AnalyzedFace, CompareError> {
        let image_error = |source| CompareError::Image { slot, source };
        let image = self
            .engine
            .decode(bytes, &command.limits)
            .map_err(image_error)?;
        let face = self
            .engine
            .analyze_largest_face(&image, command.auto_rotate)
            .map_err(image_error)?;
        if command.check_quality {
            if let Some(problem) = quality_problem(&face.quality) {
                return Err(CompareError::Quality { slot, problem });
            }
        }
        Ok(face)
    }
}

/// Smallest face (shorter box side, pixels) worth comparing: the recognizer's chip is 150 px and
/// its dlib training faces were rarely under 40 px; below that, identity detail is gone.
pub const MIN_FACE_SIZE: f32 = 40.0;

fn quality_problem(quality: &FaceQuality) -> Option<QualityProblem> {
    if quality.face_size < MIN_FACE_SIZE {
        Some(QualityProblem::FaceTooSmall)
    } else if quality.occlusion.any_covered() {
        Some(QualityProblem::Occluded)
    } else {
        None
    }
}

/// Every face of one image, analysed (S1 -> E1 for routes that report each face: TV-05, TV-13,
/// TV-17), largest first, with the size of the image the boxes refer to.
#[derive(Debug, Clone)]
pub struct ImageFaces {
    pub width: u32,
    pub height: u32,
    pub faces: Vec<AnalyzedFace>,
}

impl FaceVerifier {
    /// Decodes the image and analyses every face in it (none is not an error here: the caller
    /// decides what an image without faces means). CPU-bound: call from a blocking pool.
    pub fn faces_in(&self, bytes: &[u8], limits: &ImageLimits) -> Result<ImageFaces, EngineError> {
        let image = self.engine.decode(bytes, limits)?;
        let faces = self.engine.analyze_all_faces(&image, false)?;
        Ok(ImageFaces {
            width: image.width(),
            height: image.height(),
            faces,
        })
    }

    /// The calibrated score of two embeddings of this verifier's model.
    pub fn score_embeddings(
        &self,
        first: &engine::FaceEmbedding,
        second: &engine::FaceEmbedding,
    ) -> CalibratedScore {
        self.calibration.score(first.distance(second))
    }

    /// The region of `bytes` inside `bbox` (grown by a quarter on each side, clamped to the image),
    /// as a JPEG: what a client downloads as "the face image" of a face id.
    pub fn face_crop_jpeg(
        &self,
        bytes: &[u8],
        bbox: &engine::BoundingBox,
        limits: &ImageLimits,
    ) -> Result<Vec<u8>, EngineError> {
        let image = self.engine.decode(bytes, limits)?;
        crop_jpeg(&image.rgb, bbox)
    }
}

/// The region of `rgb` inside `bbox`, grown by a quarter on each side and clamped to the image, as
/// a JPEG.
pub(crate) fn crop_jpeg(
    rgb: &image::RgbImage,
    bbox: &engine::BoundingBox,
) -> Result<Vec<u8>, EngineError> {
    encode_jpeg(crop_around(rgb, bbox))
}

/// The region of `rgb` inside `bbox` grown by a quarter on each side, clamped to the image.
pub(crate) fn crop_around(rgb: &image::RgbImage, bbox: &engine::BoundingBox) -> image::RgbImage {
    let (width, height) = (rgb.width() as f32, rgb.height() as f32);
    let margin_x = bbox.width * 0.25;
    let margin_y = bbox.height * 0.25;
    let left = (bbox.left - margin_x).clamp(0.0, width - 1.0);
    let top = (bbox.top - margin_y).clamp(0.0, height - 1.0);
    let right = (bbox.right() + margin_x).clamp(left + 1.0, width);
    let bottom = (bbox.bottom() + margin_y).clamp(top + 1.0, height);
    image::imageops::crop_imm(
        rgb,
        left as u32,
        top as u32,
        (right - left).max(1.0) as u32,
        (bottom - top).max(1.0) as u32,
    )
    .to_image()
}

pub(crate) fn encode_jpeg(image: image::RgbImage) -> Result<Vec<u8>, EngineError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .map_err(|err| EngineError::Model(format!("cannot encode the face crop: {err}")))?;
    Ok(out.into_inner())
}
