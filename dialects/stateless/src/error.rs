//! The dialect's one error table: every failure -> (HTTP status, `code`, `message`).
//!
//! Codes and messages are the seed's (`001:L153-195`); the seed never pairs them with HTTP statuses
//! (`001:L197-221`), so the statuses are the spec's best reading S4: business codes -> 400; transport
//! failures -> 404/411/413/500 with `code` = the HTTP status and `message` = the seed's description
//! (`NOT_FOUND`, ...), an invention listed in docs/compatibility.md.

use actix_web::http::StatusCode;
use command::{CompareError, QualityProblem};
use engine::EngineError;

use crate::crypto::DecryptError;

/// Everything that can go wrong in one ST-1 call, with meaning; [`StatelessError::wire`] maps it.
#[derive(Debug, thiserror::Error)]
pub enum StatelessError {
    #[error("required field {0} is missing or empty")]
    MissingField(&'static str),
    #[error("field {0} was sent more than once")]
    DuplicateField(&'static str),
    #[error("field {0} is not true/false/1/0")]
    InvalidBoolean(&'static str),
    #[error("malformed body: {0}")]
    MalformedBody(String),
    #[error("field {field}: {source}")]
    Undecryptable {
        field: &'static str,
        #[source]
        source: DecryptError,
    },
    #[error(transparent)]
    Compare(#[from] CompareError),
    #[error("no such route")]
    NotFound,
    #[error("POST without Content-Length or chunked Transfer-Encoding")]
    LengthRequired,
    #[error("request body over the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<wire::BodyError> for StatelessError {
    fn from(error: wire::BodyError) -> Self {
        match error {
            wire::BodyError::LengthRequired => StatelessError::LengthRequired,
            wire::BodyError::TooLarge { limit } => StatelessError::PayloadTooLarge { limit },
            wire::BodyError::Malformed(reason) => StatelessError::MalformedBody(reason),
        }
    }
}

/// One row of the wire table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireError {
    pub status: StatusCode,
    pub code: u16,
    pub message: &'static str,
}

const fn row(status: StatusCode, code: u16, message: &'static str) -> WireError {
    WireError {
        status,
        code,
        message,
    }
}

// `001:L153-195`, messages verbatim.
pub const INVALID_ARGUMENT: WireError = row(StatusCode::BAD_REQUEST, 1200, "invalid argument");
pub const INVALID_IMAGE_SIZE: WireError = row(StatusCode::BAD_REQUEST, 2003, "invalid image size");
pub const INVALID_CONTENT_LENGTH: WireError =
    row(StatusCode::BAD_REQUEST, 2004, "invalid content length");
pub const INVALID_IMAGE_TYPE: WireError = row(
    StatusCode::BAD_REQUEST,
    2005,
    "invalid image type or corrupted",
);
pub const DETECTION_FAILED: WireError = row(StatusCode::BAD_REQUEST, 4000, "detection failed");
pub const FACE_OCCLUSION: WireError = row(StatusCode::BAD_REQUEST, 4004, "face occlusion");
// `001:L197-221`: statuses with their descriptions; S4 puts the status number in `code`.
pub const NOT_FOUND: WireError = row(StatusCode::NOT_FOUND, 404, "NOT_FOUND");
pub const LENGTH_REQUIRED: WireError = row(StatusCode::LENGTH_REQUIRED, 411, "LENGTH_REQUIRED");
pub const PAYLOAD_TOO_LARGE: WireError =
    row(StatusCode::PAYLOAD_TOO_LARGE, 413, "PAYLOAD_TOO_LARGE");
pub const INTERNAL_ERROR: WireError = row(StatusCode::INTERNAL_SERVER_ERROR, 500, "INTERNAL_ERROR");

/// The success code (`001:L75-81`).
pub const SUCCESS_CODE: u16 = 1000;

impl StatelessError {
    /// The table. Every variant of the engine's and the command layer's errors is matched by name, so a new
    /// variant upstream does not compile until it has a row here.
    pub fn wire(&self) -> WireError {
        match self {
            // S10, S3, S6: whatever keeps the fields from being two encrypted images is an invalid argument.
            StatelessError::MissingField(_)
            | StatelessError::DuplicateField(_)
            | StatelessError::InvalidBoolean(_)
            | StatelessError::MalformedBody(_)
            | StatelessError::Undecryptable { .. } => INVALID_ARGUMENT,
            StatelessError::Compare(CompareError::Image { source, .. }) => match source {
                // S6: decrypted bytes that are not an image we read.
                EngineError::Undecodable(_) => INVALID_IMAGE_TYPE,
                // "The image file size does not meet the requirements".
                EngineError::FileTooLarge { .. } | EngineError::FileTooSmall { .. } => {
                    INVALID_CONTENT_LENGTH
                }
                // "The image size (height and width in pixel) does not meet the requirements"; this includes a
                // header that claims a decompression bomb.
                EngineError::ImageTooSmall { .. } | EngineError::ImageTooLarge { .. } => {
                    INVALID_IMAGE_SIZE
                }
                EngineError::NoFace => DETECTION_FAILED,
                EngineError::Model(_) | EngineError::ModelLoad { .. } => INTERNAL_ERROR,
            },
            // S8: check_quality rejects occlusion (4004) and undersized faces (2003).
            StatelessError::Compare(CompareError::Quality { problem, .. }) => match problem {
                QualityProblem::Occluded => FACE_OCCLUSION,
                QualityProblem::FaceTooSmall => INVALID_IMAGE_SIZE,
            },
            StatelessError::NotFound => NOT_FOUND,
            StatelessError::LengthRequired => LENGTH_REQUIRED,
            StatelessError::PayloadTooLarge { .. } => PAYLOAD_TOO_LARGE,
            StatelessError::Internal(_) => INTERNAL_ERROR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use command::ImageSlot;

    fn image_error(source: EngineError) -> StatelessError {
        StatelessError::Compare(CompareError::Image {
            slot: ImageSlot::Second,
            source,
        })
    }

    #[test]
    fn client_mistakes_are_never_server_errors() {
        let client_mistakes = [
            StatelessError::MissingField("first_encrypted_image"),
            StatelessError::MalformedBody("x".into()),
            StatelessError::Undecryptable {
                field: "first_encrypted_image",
                source: DecryptError::Authentication,
            },
            image_error(EngineError::Undecodable("truncated".into())),
            image_error(EngineError::FileTooSmall {
                bytes: 1,
                limit: 16,
            }),
            image_error(EngineError::ImageTooLarge {
                width: 30000,
                height: 30000,
            }),
            image_error(EngineError::NoFace),
            StatelessError::Compare(CompareError::Quality {
                slot: ImageSlot::First,
                problem: QualityProblem::Occluded,
            }),
            StatelessError::LengthRequired,
            StatelessError::PayloadTooLarge { limit: 1 },
            StatelessError::NotFound,
        ];
        for error in client_mistakes {
            assert!(
                error.wire().status.is_client_error(),
                "{error:?} -> {:?}",
                error.wire()
            );
        }
    }

    #[test]
    fn rows_match_the_seed() {
        assert_eq!(
            image_error(EngineError::Undecodable(String::new()))
                .wire()
                .code,
            2005
        );
        assert_eq!(
            image_error(EngineError::FileTooLarge { bytes: 2, limit: 1 })
                .wire()
                .code,
            2004
        );
        assert_eq!(
            image_error(EngineError::ImageTooSmall {
                width: 1,
                height: 1,
                min_side: 32
            })
            .wire()
            .code,
            2003
        );
        assert_eq!(image_error(EngineError::NoFace).wire(), DETECTION_FAILED);
        assert_eq!(
            image_error(EngineError::Model("x".into())).wire(),
            INTERNAL_ERROR
        );
        let small = StatelessError::Compare(CompareError::Quality {
            slot: ImageSlot::First,
            problem: QualityProblem::FaceTooSmall,
        });
        assert_eq!(small.wire(), INVALID_IMAGE_SIZE);
        assert_eq!(FACE_OCCLUSION.message, "face occlusion");
        assert_eq!(INVALID_ARGUMENT.status, StatusCode::BAD_REQUEST);
    }
}
