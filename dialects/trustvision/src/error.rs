//! The dialect's one error table (`002:L212-224`, spec 4.4 and appendix A): every HTTP-level error
//! with its status, wire code and the vendor's description, and the "processed but failed" codes
//! that travel with HTTP 200 and `data.status: "failure"` (spec 4.3).

use actix_web::http::StatusCode;
use serde_json::{json, Map, Value};

/// An HTTP-level error: the body is `{"data": {}, "errors": [{code, message, detail}]}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrustVisionError {
    /// Missing or malformed `Authorization`, unknown or expired key, bad signature, a key not
    /// allowed to use the service (spec 8.4 T2, T7).
    #[error("access denied: {reason}")]
    AccessDenied { reason: String },
    /// The service is not available on this gateway (answered like a key without the service).
    #[error("service {service} is not available on this gateway")]
    ServiceNotAvailable { service: &'static str },
    /// `X-TV-Timestamp` absent from the skew window or not RFC 3339 (T2).
    #[error("request time too skewed")]
    TimeTooSkewed,
    #[error("invalid parameter {field}: {message}")]
    InvalidParameter { field: String, message: String },
    #[error("image not found: {field}")]
    ImageNotFound { field: String },
    #[error("request not found")]
    RequestNotFound,
    #[error("not allowed to delete: {message}")]
    NotAllowDelete { message: String },
    #[error("request timed out")]
    Timeout,
    #[error("image too large: {field}")]
    ImageTooLarge { field: String },
    #[error("file too large: {field}")]
    FileTooLarge { field: String },
    #[error("invalid image format: {field}")]
    InvalidImageFormat { field: String },
    #[error("rate limit exceeded")]
    RateLimited,
    /// A failure of ours (store, model); the cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl TrustVisionError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// Status, wire code and the vendor's description (`002:L212-224`, spec 4.4).
    pub fn wire(&self) -> (StatusCode, &'static str, &'static str) {
        use TrustVisionError::*;
        match self {
            AccessDenied { .. } | ServiceNotAvailable { .. } => (
                StatusCode::UNAUTHORIZED,
                "access_denied_exception",
                "You are not authorized to perform the action.",
            ),
            TimeTooSkewed => (
                StatusCode::BAD_REQUEST,
                "request_time_too_skewed",
                "The X-TV-Timestamp header is expired, need a newer one.",
            ),
            InvalidParameter { .. } => (
                StatusCode::BAD_REQUEST,
                "invalid_parameter_exception",
                "Input parameter violates a constraint.",
            ),
            ImageNotFound { .. } => (
                StatusCode::NOT_FOUND,
                "image_not_found_exception",
                "The image ID is not found in DB.",
            ),
            RequestNotFound => (
                StatusCode::NOT_FOUND,
                "request_not_found_exception",
                "The request ID is not found when polling result by id",
            ),
            NotAllowDelete { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "not_allow_delete_exception",
                "Not allow to delete file",
            ),
            Timeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout_exception",
                "Request takes too long to process",
            ),
            ImageTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "image_too_large_exception",
                "The input image size exceeds the allowed limit (15MB).",
            ),
            FileTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large_exception",
                "The input file size exceeds the allowed limit (15MB).",
            ),
            InvalidImageFormat { .. } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_image_format_exception",
                "The provided image format is not supported (JPG/PNG)",
            ),
            RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exception",
                "The number of requests exceeded your throughput limit.",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                "Some unexpected error occurs while processing the request",
            ),
        }
    }

    /// `detail`: the offending parameter (`detail.field`, spec 4.3) and what else helps the client.
    pub fn detail(&self) -> Value {
        use TrustVisionError::*;
        let mut detail = Map::new();
        match self {
            InvalidParameter { field, message } => {
                detail.insert("field".into(), json!(field));
                detail.insert("reason".into(), json!(message));
            }
            ImageNotFound { field }
            | ImageTooLarge { field }
            | FileTooLarge { field }
            | InvalidImageFormat { field } => {
                detail.insert("field".into(), json!(field));
            }
            ServiceNotAvailable { service } => {
                detail.insert("service".into(), json!(service));
                detail.insert("reason".into(), json!("service_not_available"));
            }
            NotAllowDelete { message } => {
                detail.insert("field".into(), json!("file_ids"));
                detail.insert("reason".into(), json!(message));
            }
            AccessDenied { .. }
            | TimeTooSkewed
            | RequestNotFound
            | Timeout
            | RateLimited
            | Internal(_) => {}
        }
        Value::Object(detail)
    }

    /// The whole body: empty `data` and one error (spec 4.3 outcome 3).
    pub fn body(&self) -> Value {
        let (_, code, message) = self.wire();
        let message = if matches!(self, TrustVisionError::ServiceNotAvailable { .. }) {
            format!(
                "{message} The service is not available on this gateway (docs/compatibility.md)."
            )
        } else {
            message.to_owned()
        };
        json!({
            "data": {},
            "errors": [{"code": code, "message": message, "detail": self.detail()}],
        })
    }
}

impl From<store::StoreError> for TrustVisionError {
    fn from(error: store::StoreError) -> Self {
        Self::internal(error)
    }
}

/// A "processed but failed" outcome (HTTP 200, `data.status: "failure"`, spec 4.3 outcome 2),
/// with a code from the route's own failure table.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub code: &'static str,
    pub message: &'static str,
    pub field: Option<String>,
}

impl Failure {
    /// TV-05 (`002:L599-601`), also TV-15/TV-16/TV-17 when the image holds no face.
    pub fn no_faces(field: impl Into<String>) -> Self {
        Failure {
            code: "image_has_no_faces",
            message: "the input image has no faces",
            field: Some(field.into()),
        }
    }

    pub fn error_json(&self) -> Value {
        let mut detail = Map::new();
        if let Some(field) = &self.field {
            detail.insert("field".into(), json!(field));
        }
        json!({"code": self.code, "message": self.message, "detail": detail})
    }
}
