//! The dialect's one error table. The seed documents no errors (H9); the upstream server's only
//! error shape is `{"success": false, "error": "..."}`, so every refusal uses it (spec 2.4).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HuttsError {
    /// The body is not a JSON object.
    #[error("{0}")]
    BadBody(String),
    /// A required field is absent, empty or of the wrong type.
    #[error("missing field: {0}")]
    MissingField(&'static str),
    /// An image field does not decode.
    #[error("invalid image: {0}")]
    InvalidImage(&'static str),
    /// No face where one is needed.
    #[error("no face detected in {0}")]
    NoFace(&'static str),
    /// No South African ID document could be read in the image.
    #[error("no ID document found in {0}")]
    NoDocument(&'static str),
    /// The body is over the limit.
    #[error("request body too large")]
    TooLarge,
    /// A failure of ours; the cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

impl HuttsError {
    pub fn status(&self) -> StatusCode {
        match self {
            HuttsError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            HuttsError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn response(&self) -> HttpResponse {
        if let HuttsError::Internal(cause) = self {
            tracing::error!(%cause, "hutts request failed");
        }
        HttpResponse::build(self.status())
            .json(json!({"success": false, "error": self.to_string()}))
    }
}
