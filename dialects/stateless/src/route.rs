//! ST-1 `POST /identity/image_verification/stateless` (`001:L1-289`): body -> fields -> decrypted images ->
//! `CompareFaces` -> envelope.

use std::sync::Arc;

use actix_web::web;
use actix_web::{HttpRequest, HttpResponse, Scope};
use command::{CompareFaces, FaceComparison, FaceVerifier, ImageLimits};
use tracing_actix_web::RequestId;

use crate::crypto::ImageCipher;
use crate::error::{StatelessError, SUCCESS_CODE};
use crate::wire::{
    self as fields, AbnormalResponse, VerificationResponse, FIRST_IMAGE, SECOND_IMAGE,
};

/// The route's full path, as the vendor's clients call it (`001:L11-15`, Java sample `001:L252`).
pub const ROUTE: &str = "/identity/image_verification/stateless";

/// What the dialect needs to answer: the deployment's cipher and limits, and the shared face verifier.
pub struct StatelessService {
    pub cipher: ImageCipher,
    /// Per-image limits behind codes 2003/2004 (spec S5, X3).
    pub limits: ImageLimits,
    /// Whole-body limit behind HTTP 413.
    pub max_body_bytes: usize,
    pub verifier: FaceVerifier,
}

/// The dialect's routes under `/identity`, with its own 404 envelope for everything else there. A wrong
/// method on ST-1 also gets the 404 envelope: the seed's status list (`001:L197-221`) has no 405.
pub fn scope(service: Arc<StatelessService>) -> Scope {
    web::scope("/identity")
        .app_data(web::Data::from(service))
        .service(
            web::resource("/image_verification/stateless")
                .route(web::post().to(verify))
                .default_service(web::to(not_found)),
        )
        .default_service(web::to(not_found))
}

/// The 404 envelope, for any path the dialect does not serve (also the default service of a listener
/// dedicated to this dialect).
pub async fn not_found(request_id: RequestId) -> HttpResponse {
    abnormal(&StatelessError::NotFound, request_id)
}

async fn verify(
    request: HttpRequest,
    payload: web::Payload,
    request_id: RequestId,
    service: web::Data<StatelessService>,
) -> HttpResponse {
    match service.verify(&request, payload).await {
        Ok(comparison) => {
            let score = comparison.score.value();
            tracing::info!(
                verification_score = score,
                distance = comparison.distance,
                "faces compared"
            );
            HttpResponse::Ok().json(VerificationResponse {
                code: SUCCESS_CODE,
                verification_score: score,
                request_id: request_id.to_string(),
            })
        }
        Err(error) => abnormal(&error, request_id),
    }
}

fn abnormal(error: &StatelessError, request_id: RequestId) -> HttpResponse {
    let wire = error.wire();
    if wire.status.is_server_error() {
        tracing::error!(code = wire.code, %error, "request failed");
    } else {
        tracing::info!(code = wire.code, %error, "request rejected");
    }
    HttpResponse::build(wire.status).json(AbnormalResponse {
        code: wire.code,
        message: wire.message,
        request_id: request_id.to_string(),
    })
}

impl StatelessService {
    async fn verify(
        &self,
        request: &HttpRequest,
        payload: web::Payload,
    ) -> Result<FaceComparison, StatelessError> {
        let body = wire::read_body(request.headers(), payload, self.max_body_bytes).await?;
        let fields = fields::parse_request(request.headers(), body).await?;
        let first = self
            .cipher
            .decrypt_field(&fields.first_encrypted_image)
            .map_err(|source| StatelessError::Undecryptable {
                field: FIRST_IMAGE,
                source,
            })?;
        let second = self
            .cipher
            .decrypt_field(&fields.second_encrypted_image)
            .map_err(|source| StatelessError::Undecryptable {
                field: SECOND_IMAGE,
                source,
            })?;
        let command = CompareFaces {
            first,
            second,
            auto_rotate: fields.auto_rotate,
            check_quality: fields.check_quality,
            limits: self.limits,
        };
        let verifier = self.verifier.clone();
        // The engine's own log lines and metrics belong to this request too.
        let span = tracing::Span::current();
        let comparison = web::block(move || span.in_scope(|| verifier.compare(&command)))
            .await
            .map_err(|err| {
                StatelessError::Internal(format!("face comparison did not finish: {err}"))
            })??;
        Ok(comparison)
    }
}
