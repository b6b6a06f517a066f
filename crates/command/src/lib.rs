//! The one internal command model. Dialects turn their wire requests into these commands and map the
//! typed results and errors back onto their own wire format; nothing here knows about HTTP.

pub mod compare;
pub mod documents;
pub mod gallery;
pub mod held_card;
pub mod messaging;
pub mod records;
pub mod score;
pub mod search;

pub use compare::{
    CompareError, CompareFaces, FaceComparison, FaceVerifier, ImageSlot, QualityProblem,
};
pub use engine::{EngineError, ImageLimits};
pub use score::{CalibratedScore, ScoreCalibration};
