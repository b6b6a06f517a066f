//! Logs (`tracing`, human or JSON) and the per-request span that puts the request id in every line.

use std::io::IsTerminal as _;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Install the global subscriber. Logs go to stderr; stdout is left to commands' own output.
pub fn init(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .map_err(|err| anyhow::anyhow!("log_filter `{filter}`: {err}"))?;
    // Colours only for a person at a terminal, never in files or pipes.
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let installed = match format {
        LogFormat::Human => builder.try_init(),
        // The request span's fields (request_id, method, path) are flattened into every line of the request.
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|err| anyhow::anyhow!("cannot install the log subscriber: {err}"))
}

/// When the request arrived, for the closing log line.
struct RequestStarted(Instant);

/// The span every request runs in: `request{request_id=... method=POST path=/...}`. tracing-actix-web
/// generates the UUIDv4 request id, stores it in the request's extensions (dialects extract it as
/// [`RequestId`]) and enters this span around the whole handling.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        request
            .extensions_mut()
            .insert(RequestStarted(Instant::now()));
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            path = %request.path(),
        )
    }

    fn on_request_end<B: MessageBody>(_span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // Runs inside the request span, so this line carries the request id like the others.
        match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                let latency_ms = response
                    .request()
                    .extensions()
                    .get::<RequestStarted>()
                    .map(|started| started.0.elapsed().as_secs_f64() * 1e3);
                match response.response().error() {
                    Some(error) => tracing::warn!(status, latency_ms, %error, "request finished"),
                    None => tracing::info!(status, latency_ms, "request finished"),
                }
            }
            Err(error) => tracing::error!(%error, "request failed before a response was built"),
        }
    }
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Echo the request id in an `X-Request-ID` response header (spec 6.4): the same value the body's
/// `request_id` carries where the dialect has one. Must be wrapped inside the tracing middleware, which
/// creates the id.
pub async fn echo_request_id(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = request.extensions().get::<RequestId>().copied();
    let mut response = next.call(request).await?;
    if let Some(request_id) = request_id {
        if let Ok(value) = HeaderValue::from_str(&request_id.to_string()) {
            response.headers_mut().insert(X_REQUEST_ID, value);
        }
    }
    Ok(response)
}
