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
