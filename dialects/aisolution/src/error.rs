//! The dialect's one error table: every failure -> (HTTP status, body `status`, body `message`).
//!
//! The seed documents outcomes only as body statuses (`003`, status tables per route) and never an
//! HTTP status, so every documented outcome is HTTP 200 (spec A3); 404 and 405 are transport
//! answers for paths and methods the API does not have. Messages are the seed's where it shows one
//! (`image larger than 2M`, `IMAGEB_FACE_DETECT_FAILED`, `0 faces found`, the server-error
//! sentence) and otherwise name the parameter at fault (A19).

use actix_web::http::StatusCode;
use command::gallery::GalleryError;
use command::held_card::HeldCardError;
use command::messaging::LookupError;
use command::{CompareError, ImageSlot};
use engine::EngineError;
use serde_json::{json, Value};

use crate::wire::Status;

/// `003:L256-259` (and every route's server-error example), verbatim.
pub const SERVER_ERROR_MESSAGE: &str = "Service is not available right now, please try again later";
/// `003:L69-72`, verbatim.
pub const IMAGE_TOO_LARGE_MESSAGE: &str = "image larger than 2M";

/// Everything that can go wrong in one call, with meaning; [`AisolutionError::reply`] maps it.
#[derive(Debug, thiserror::Error)]
pub enum AisolutionError {
    #[error("invalid token")]
    InvalidToken,
    #[error("missing parameter {0}")]
    MissingParameter(&'static str),
    #[error("parameter {0} was sent more than once")]
    DuplicateParameter(&'static str),
    #[error("parameter {0} is not base64")]
    NotBase64(&'static str),
    #[error("parameter {param} is not a usable image: {source}")]
    UnusableImage {
        param: &'static str,
        #[source]
        source: EngineError,
    },
    /// A decoded image over the dialect's 2 MiB limit (A8).
    #[error("parameter {0}: {IMAGE_TOO_LARGE_MESSAGE}")]
    ImageTooLarge(&'static str),
    /// The body could not be read as a form (or is larger than any valid request).
    #[error("{0}")]
    Body(#[from] wire::BodyError),
    /// facecompare: no face in `img1` (A) or `img2` (B) (A7).
    #[error("no face detected in {0:?} image")]
    FaceNotDetected(ImageSlot),
    /// addface / searchface: no face in `img`.
    #[error("no face detected")]
    NoFace,
    /// idholding: not both a holder's face and a card portrait.
    #[error("{0} faces found")]
    FaceCount(usize),
    #[error("person id not found")]
    PersonNotFound,
    #[error("{0}")]
    Lookup(#[from] LookupError),
    #[error("method not allowed: every route of this API is POST")]
    MethodNotAllowed,
    #[error("no such route")]
    NotFound,
    /// Our fault (a store failure, a task that did not finish): the documented server error.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The route a reply is for: a few statuses carry a route-specific `message` shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    FaceCompare,
    IdHolding,
    AddFace,
    SearchFace,
    DelFace,
    WhatsAppDetail,
    Other,
}

/// One reply: HTTP status and the envelope's two fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub http: StatusCode,
    pub status: Status,
    pub message: Value,
}

impl Reply {
    pub fn ok(message: Value) -> Self {
        Reply {
            http: StatusCode::OK,
            status: Status::Ok,
            message,
        }
    }

    fn documented(status: Status, message: Value) -> Self {
        Reply {
            http: StatusCode::OK,
            status,
            message,
        }
    }
}

impl AisolutionError {
    /// The table. `route` picks the message shape where the seed shows one per route; `group_id`
    /// fills addface's documented failure object (A10).
    pub fn reply(&self, route: Route, group_id: Option<&str>) -> Reply {
        use AisolutionError as E;
        let invalid_request =
            |message: String| Reply::documented(Status::InvalidRequest, json!(message));
        match self {
            E::InvalidToken => invalid_request("invalid token".into()),
            E::MissingParameter(_)
            | E::DuplicateParameter(_)
            | E::NotBase64(_)
            | E::UnusableImage { .. } => invalid_request(self.to_string()),
            E::ImageTooLarge(_) | E::Body(wire::BodyError::TooLarge { .. }) => {
                Reply::documented(Status::ImageInvalidSize, json!(IMAGE_TOO_LARGE_MESSAGE))
            }
            E::Body(_) => invalid_request(self.to_string()),
            // `003:L78-81` shows IMAGEB under RETRY_LATER; A7: IMAGEA for img1.
            E::FaceNotDetected(slot) => Reply::documented(
                Status::RetryLater,
                json!(match slot {
                    ImageSlot::First => "IMAGEA_FACE_DETECT_FAILED",
                    ImageSlot::Second => "IMAGEB_FACE_DETECT_FAILED",
                }),
            ),
            E::NoFace => match route {
                // `003:L243-250`: the group, a fresh unused person id, count 0 (A10).
                Route::AddFace => Reply::documented(
                    Status::FaceDetectFailed,
                    json!({
                        "group_id": group_id.unwrap_or_default(),
                        "person_id": store::ids::new_person_id().to_string(),
                        "person_count": 0,
                    }),
                ),
                // `003:L320-323`.
                _ => Reply::documented(Status::FaceDetectFailed, json!([])),
            },
            E::FaceCount(faces) => Reply::documented(
                Status::InvalidFaceNum,
                json!(format!("{faces} faces found")),
            ),
            // `003:L385-388`.
            E::PersonNotFound => Reply::documented(Status::PersonIdNotExist, Value::Null),
            E::Lookup(error) => lookup_reply(error),
            E::MethodNotAllowed => Reply {
                http: StatusCode::METHOD_NOT_ALLOWED,
                status: Status::InvalidRequest,
                message: json!(self.to_string()),
            },
            E::NotFound => Reply {
                http: StatusCode::NOT_FOUND,
                status: Status::InvalidRequest,
                message: json!(self.to_string()),
            },
            // addface documents `FAIL` for "service inner error" (`003:L283-288`); the other
            // routes document only RETRY_LATER for server errors.
            E::Internal(_) if route == Route::AddFace => {
                Reply::documented(Status::Fail, json!(SERVER_ERROR_MESSAGE))
            }
            E::Internal(_) => Reply::documented(Status::RetryLater, json!(SERVER_ERROR_MESSAGE)),
        }
    }

    /// A client's mistake (logged at info) rather than ours (logged at error).
    pub fn is_internal(&self) -> bool {
        matches!(self, AisolutionError::Internal(_))
            || matches!(
                self,
                AisolutionError::Lookup(
                    LookupError::ServiceUnavailable { .. } | LookupError::Store(_)
                )
            )
    }
}

/// gliswadetail's statuses (A16): INVALID_INPUT for a malformed number or callback, FAIL for a
/// well-formed query we cannot answer (an unsupported country), RETRY_LATER when no lookup
/// provider can answer (section 9 item 1).
fn lookup_reply(error: &LookupError) -> Reply {
    match error {
        LookupError::InvalidNumber(_)
        | LookupError::UnknownCountry(_)
        | LookupError::InvalidCallback(_)
        | LookupError::CallbackNotAllowed { .. } => {
            Reply::documented(Status::InvalidInput, json!(error.to_string()))
        }
        LookupError::UnsupportedCountry { .. } => {
            Reply::documented(Status::Fail, json!(error.to_string()))
        }
        LookupError::ServiceUnavailable { .. } | LookupError::Store(_) => {
            Reply::documented(Status::RetryLater, json!(SERVER_ERROR_MESSAGE))
        }
    }
}

impl From<CompareError> for AisolutionError {
    fn from(error: CompareError) -> Self {
        match error {
            CompareError::Image {
                slot,
                source: EngineError::NoFace,
            } => AisolutionError::FaceNotDetected(slot),
            CompareError::Image { slot, source } => image_error(
                match slot {
                    ImageSlot::First => "img1",
                    ImageSlot::Second => "img2",
                },
                source,
            ),
            // Quality checks are not asked for by this dialect.
            CompareError::Quality { slot, .. } => AisolutionError::FaceNotDetected(slot),
        }
    }
}

impl From<HeldCardError> for AisolutionError {
    fn from(error: HeldCardError) -> Self {
        match error {
            HeldCardError::FaceCount { faces } => AisolutionError::FaceCount(faces),
            HeldCardError::Image(EngineError::NoFace) => AisolutionError::FaceCount(0),
            HeldCardError::Image(source) => image_error("img", source),
        }
    }
}

impl From<GalleryError> for AisolutionError {
    fn from(error: GalleryError) -> Self {
        match error {
            GalleryError::Image(EngineError::NoFace) => AisolutionError::NoFace,
            GalleryError::Image(source) => image_error("img", source),
            other => AisolutionError::Internal(other.to_string()),
        }
    }
}

/// An engine error about the client's image `param`.
pub fn image_error(param: &'static str, source: EngineError) -> AisolutionError {
    match source {
        EngineError::FileTooLarge { .. } => AisolutionError::ImageTooLarge(param),
        EngineError::NoFace => AisolutionError::NoFace,
        EngineError::Model(_) | EngineError::ModelLoad { .. } => {
            AisolutionError::Internal(source.to_string())
        }
        source => AisolutionError::UnusableImage { param, source },
    }
}
