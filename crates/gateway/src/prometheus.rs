//! Prometheus metrics: the process-wide recorder behind the `metrics` facade (the engine records its stage
//! timings through it too), the `GET /metrics` rendering, and the per-request HTTP metrics middleware.

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::Error;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests by dialect, route and outcome.
pub const REQUESTS_TOTAL: &str = "ekyc_http_requests_total";
/// Request latency by dialect and route.
pub const REQUEST_DURATION: &str = "ekyc_http_request_duration_seconds";

/// Bucket bounds for every `*_seconds` histogram: HTTP latency and the engine's
/// `ekyc_engine_stage_seconds{stage=...}` (decode, detect, align, embed take milliseconds each).
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Install the global recorder once per process and keep its histograms drained in the background.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)?
        .install_recorder()?;
    metrics::describe_counter!(
        REQUESTS_TOTAL,
        "HTTP requests by dialect, route pattern and outcome."
    );
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency by dialect and route pattern, from arrival to response headers."
    );
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(5));
            upkeep.run_upkeep();
        })?;
    Ok(handle)
}

/// What a response means for the `outcome` label: bounded, and the same words for every dialect.
fn outcome(status: actix_web::http::StatusCode) -> &'static str {
    if status.is_server_error() {
        "server_error"
    } else if status.is_client_error() {
        "client_error"
    } else {
        "success"
    }
}

/// Record one request under `dialect` (the dialect's name, or `gateway` for the operational routes). The
/// `route` label is the matched route pattern, or `unmatched`, so a scan of random paths cannot blow up the
/// label set.
pub async fn record_request(
    dialect: &'static str,
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(request).await;
    let status = match &response {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    metrics::counter!(REQUESTS_TOTAL, "dialect" => dialect, "route" => route.clone(), "outcome" => outcome(status))
        .increment(1);
    metrics::histogram!(REQUEST_DURATION, "dialect" => dialect, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
