//! Operational routes on the shared listener: `GET /healthz`, `GET /readyz`, `GET /metrics`.

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::middleware::from_fn;
use actix_web::{web, HttpResponse};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tracing_actix_web::RequestId;

/// Whether the gateway should receive traffic: true once the models are loaded, false again from the
/// moment a shutdown signal arrives.
#[derive(Debug, Default)]
pub struct Readiness(AtomicBool);

impl Readiness {
    pub fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Register the three routes; each is counted under the `gateway` dialect label.
pub fn configure(config: &mut web::ServiceConfig) {
    let counted =
        || from_fn(|request, next| crate::prometheus::record_request(GATEWAY, request, next));
    config
        .service(
            web::resource("/healthz")
                .wrap(counted())
                .route(web::get().to(healthz)),
        )
        .service(
            web::resource("/readyz")
                .wrap(counted())
                .route(web::get().to(readyz)),
        )
        .service(
            web::resource("/metrics")
                .wrap(counted())
                .route(web::get().to(render_metrics)),
        );
}

/// The `dialect` label of the gateway's own routes.
pub const GATEWAY: &str = "gateway";

/// Alive: the process answers HTTP.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "alive" }))
}

/// Ready: models loaded and not shutting down.
async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    if readiness.is_ready() {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({ "status": "not ready" }))
    }
}

async fn render_metrics(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// Paths no dialect serves on the shared listener. Dialect-neutral JSON; each dialect answers its own
/// 404 envelope under its own prefix.
pub async fn not_found(request_id: RequestId) -> HttpResponse {
    metrics::counter!(
        crate::prometheus::REQUESTS_TOTAL,
        "dialect" => GATEWAY, "route" => "unmatched", "outcome" => "client_error"
    )
    .increment(1);
    HttpResponse::NotFound()
        .json(json!({ "error": "not found", "request_id": request_id.to_string() }))
}
