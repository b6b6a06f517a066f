//! What every route does around its own work: rate limit, signature, service permission, body,
//! transaction header, timeout, and the reply in the dialect's envelope (spec 4.3), encrypted for
//! keys that ask for it.

use std::future::Future;
use std::sync::Arc;

use actix_web::http::header::{HeaderMap, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::auth::{self, Presented, Principal, TemporaryCredential};
use crate::error::{Failure, TrustVisionError};
use crate::service::TrustVisionService;
use crate::{crypto, MOUNT};

/// Document kinds this dialect keeps.
pub const TEMPORARY_CREDENTIAL: &str = "tv_temporary_credential";
pub const TRANSACTION: &str = "tv_transaction";

/// Temporary credentials are looked up by key id alone, so they live under one fixed tenant.
pub fn credentials_tenant() -> store::TenantId {
    store::TenantId::new("trustvision:credentials")
}

/// How a route reads its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// GET: no body is read.
    None,
    /// A JSON object (images inline as base64).
    Json,
    /// An upload: multipart or JSON, up to one file plus fields.
    Upload,
}

/// One route's static description.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The service name (spec 4.7: `compare_faces`, ...): recorded in the ledger, checked against
    /// a temporary key's `services`.
    pub service: &'static str,
    /// Whether a temporary key's `services` list governs it (processing routes), rather than
    /// every key being allowed (media, transactions, settings).
    pub restricted: bool,
    /// Whether `data` is encrypted for keys with response encryption: exactly the calls the
    /// vendor's client decrypts (the `enableEncryption` decorator in `TrustVisionAPI.js`).
    pub encrypts: bool,
    pub body: Body,
}

impl Route {
    /// Media, ledger, transactions, settings: every key may call them, never encrypted.
    pub const fn plain(service: &'static str, body: Body) -> Route {
        Route {
            service,
            restricted: false,
            encrypts: false,
            body,
        }
    }

    /// A processing route: JSON in, governed by a temporary key's `services`, encrypted for keys
    /// with response encryption.
    pub const fn processing(service: &'static str) -> Route {
        Route {
            service,
            restricted: true,
            encrypts: true,
            body: Body::Json,
        }
    }
}

/// A signed, accepted request.
pub struct Call {
    pub principal: Principal,
    pub request: HttpRequest,
    pub body: Bytes,
    /// The server's request id (the `X-Request-ID` response header, the body's `request_id`).
    pub request_id: String,
    /// The client's own correlation id, sent as `X-Request-ID` (spec 4.6, T34).
    pub correlation_id: Option<String>,
    /// An open transaction named by `X-TV-Transaction` (trustvision-client.md).
    pub transaction_id: Option<String>,
}

impl Call {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    }

    pub fn path_param(&self, name: &str) -> &str {
        self.request.match_info().get(name).unwrap_or_default()
    }
}

/// A route's answer.
pub enum Reply {
    /// HTTP 200 `{"data": ...}`.
    Data(Value),
    /// HTTP 200, `data.status: "failure"` and the route's failure code (spec 4.3 outcome 2).
    Failure { data: Value, failure: Failure },
    /// A download.
    Binary {
        content_type: String,
        bytes: Vec<u8>,
    },
    /// A `text/plain` download (`X-DOWNLOAD-BASE64: true`).
    Text(String),
}

/// Runs `work` for `route` inside the frame.
pub async fn handle<Work, Fut>(
    route: Route,
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
    work: Work,
) -> HttpResponse
where
    Work: FnOnce(Arc<TrustVisionService>, Call) -> Fut,
    Fut: Future<Output = Result<Reply, TrustVisionError>>,
{
    let service = service.into_inner();
    let timeout = service.settings.request_timeout;
    let outcome = async {
        let principal = accept(&route, &request, &service)?;
        let encrypt_key = principal.encrypt_responses && route.encrypts;
        let call = tokio::time::timeout(timeout, async {
            let call = read_call(&route, request, payload, &service, principal).await?;
            let key = encrypt_key.then(|| {
                crypto::response_key(
                    &call.principal.secret,
                    call.transaction_id.as_deref().unwrap_or_default(),
                )
            });
            let reply = work(service.clone(), call).await?;
            Ok::<_, TrustVisionError>((reply, key))
        })
        .await
        .map_err(|_| TrustVisionError::Timeout)??;
        Ok::<_, TrustVisionError>(call)
    }
    .await;
    match outcome {
        Ok((reply, key)) => render(reply, key.as_deref()),
        Err(error) => render_error(&error),
    }
}

/// Rate limit, signature and permission.
fn accept(
    route: &Route,
    request: &HttpRequest,
    service: &TrustVisionService,
) -> Result<Principal, TrustVisionError> {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let full_path = request.path();
    let route_path = full_path.strip_prefix(MOUNT).unwrap_or(full_path);
    let presented = Presented {
        method: request.method().as_str(),
        paths: &[route_path, full_path],
        authorization: header("authorization"),
        timestamp: header("x-tv-timestamp"),
    };
    let principal = auth::verify(&presented, OffsetDateTime::now_utc(), &service.keys, |id| {
        let found = service
            .records
            .document(&credentials_tenant(), TEMPORARY_CREDENTIAL, id)?;
        Ok(found.and_then(|doc| serde_json::from_value::<TemporaryCredential>(doc.value).ok()))
    })?;
    if let Some(limiter) = &service.limiter {
        if limiter.check_key(&principal.root_key_id).is_err() {
            return Err(TrustVisionError::RateLimited);
        }
    }
    if route.restricted && !principal.may_use(route.service) {
        return Err(TrustVisionError::AccessDenied {
            reason: format!("this key may not use {}", route.service),
        });
    }
    Ok(principal)
}

async fn read_call(
    route: &Route,
    request: HttpRequest,
    payload: web::Payload,
    service: &TrustVisionService,
    principal: Principal,
) -> Result<Call, TrustVisionError> {
    let body = match route.body {
        Body::None => Bytes::new(),
        Body::Json | Body::Upload => {
            // An upload holds one file (plus its fields) or, as JSON frames, several images: the
            // larger of the two bounds; each file is then checked against the image limit.
            let limit = if route.body == Body::Upload {
                (service.settings.max_image_bytes + 1024 * 1024)
                    .max(service.settings.max_body_bytes)
            } else {
                service.settings.max_body_bytes
            };
            wire::read_body(request.headers(), payload, limit)
                .await
                .map_err(|err| body_error(route, err))?
        }
    };
    if route.body == Body::Json && !is_json_or_absent(request.headers()) {
        return Err(TrustVisionError::invalid(
            "Content-Type",
            "this route takes application/json",
        ));
    }
    let request_id = request
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(ToString::to_string)
        .unwrap_or_else(crate::wire::new_id);
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let correlation_id = header("x-request-id");
    let transaction_id = match header("x-tv-transaction") {
        None => None,
        Some(id) => {
            let open = service
                .records
                .document(&principal.tenant, TRANSACTION, &id)?
                .is_some_and(|doc| doc.value.get("finished_at").is_none_or(Value::is_null));
            if !open {
                return Err(TrustVisionError::invalid(
                    "X-TV-Transaction",
                    "no open transaction of this key has that id",
                ));
            }
            Some(id)
        }
    };
    Ok(Call {
        principal,
        request,
        body,
        request_id,
        correlation_id,
        transaction_id,
    })
}

fn is_json_or_absent(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| {
            let v = v.trim_start().to_ascii_lowercase();
            v.is_empty() || v.starts_with("application/json") || v.starts_with("text/plain")
        })
}

fn body_error(route: &Route, error: wire::BodyError) -> TrustVisionError {
    match error {
        wire::BodyError::TooLarge { .. } if route.service == "upload_file" => {
            TrustVisionError::FileTooLarge {
                field: "file".into(),
            }
        }
        wire::BodyError::TooLarge { .. } => TrustVisionError::ImageTooLarge {
            field: "body".into(),
        },
        wire::BodyError::LengthRequired => {
            TrustVisionError::invalid("Content-Length", "a POST body needs a Content-Length")
        }
        wire::BodyError::Malformed(message) => TrustVisionError::invalid("body", message),
    }
}

fn render(reply: Reply, key: Option<&[u8]>) -> HttpResponse {
    let seal = |data: Value| -> Result<Value, TrustVisionError> {
        match key {
            None => Ok(data),
            Some(key) => crypto::encrypt_hex(key, data.to_string().as_bytes())
                .map(Value::String)
                .map_err(TrustVisionError::internal),
        }
    };
    let body = match reply {
        Reply::Data(data) => seal(data).map(|data| json!({"data": data})),
        Reply::Failure { data, failure } => {
            seal(data).map(|data| json!({"data": data, "errors": [failure.error_json()]}))
        }
        Reply::Binary {
            content_type,
            bytes,
        } => {
            return HttpResponse::Ok().content_type(content_type).body(bytes);
        }
        Reply::Text(text) => {
            return HttpResponse::Ok()
                .content_type("text/plain; charset=utf-8")
                .body(text)
        }
    };
    match body {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(error) => render_error(&error),
    }
}

/// The error envelope: empty `data` and one error (spec 4.3 outcome 3).
pub fn render_error(error: &TrustVisionError) -> HttpResponse {
    let (status, code, _) = error.wire();
    match error {
        TrustVisionError::Internal(cause) => {
            tracing::error!(code, %cause, "trustvision request failed")
        }
        other if status.is_client_error() => tracing::info!(code, error = %other, "refused"),
        other => tracing::warn!(code, error = %other, "refused"),
    }
    HttpResponse::build(status).json(error.body())
}

/// Paths the dialect does not serve: the error envelope with 404 (there is no route to sign).
pub async fn not_found() -> HttpResponse {
    HttpResponse::build(StatusCode::NOT_FOUND).json(json!({
        "data": {},
        "errors": [{"code": "not_found", "message": "No such route.", "detail": {}}],
    }))
}
