//! The six routes (`003`, spec 5.5): token -> client, form -> parameters -> command -> envelope.

use std::sync::Arc;

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse, Scope};
use command::gallery::FaceGallery;
use command::held_card::CompareHeldCard;
use command::messaging::{LookupRequest, WhatsAppLookups};
use command::{CalibratedScore, CompareFaces, FaceVerifier, ImageLimits};
use serde_json::{json, Value};
use store::PersonId;

use crate::auth::{Client, Clients};
use crate::error::{image_error, AisolutionError, Reply, Route};
use crate::wire::{AddedFace, Envelope, FoundPerson, Judgment, Params, Similarity};

/// Decision thresholds on the calibrated score (spec 7.3; defaults reproduce the seed's examples:
/// 97.501 SAME PERSON, 50.501 NOT SURE, 27.501 NOT SAME PERSON).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At or above: `SAME PERSON`, and addface merges into the matching person.
    pub same_person: f32,
    /// At or above (and below `same_person`): `NOT SURE`; also searchface's floor (A13).
    pub not_sure: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            same_person: 0.70,
            not_sure: 0.50,
        }
    }
}

impl Thresholds {
    pub fn judge(&self, score: CalibratedScore) -> Judgment {
        let s = score.value();
        if s >= self.same_person {
            Judgment::SamePerson
        } else if s >= self.not_sure {
            Judgment::NotSure
        } else {
            Judgment::NotSamePerson
        }
    }
}

/// What the dialect needs to answer.
pub struct AisolutionService {
    pub clients: Clients,
    pub thresholds: Thresholds,
    /// Per decoded image; `max_bytes` is the documented 2M (A8: 2 MiB of decoded bytes).
    pub image_limits: ImageLimits,
    /// Whole-body limit: a body over it can only hold an image over the 2M limit.
    pub max_body_bytes: usize,
    /// Most persons searchface returns (A13).
    pub search_limit: usize,
    pub verifier: FaceVerifier,
    pub gallery: Arc<FaceGallery>,
    pub lookups: Arc<WhatsAppLookups>,
}

/// The API's routes at the host root (`https://api.aisolution.credit/v1/<route>`).
pub fn scope(service: Arc<AisolutionService>) -> Scope {
    let post = |resource: &str, handler| {
        web::resource(resource)
            .route(handler)
            .default_service(web::to(method_not_allowed))
    };
    web::scope("/v1")
        .app_data(Data::from(service))
        .service(post("/facecompare", web::post().to(facecompare)))
        .service(post("/idholding", web::post().to(idholding)))
        .service(post("/addface", web::post().to(addface)))
        .service(post("/searchface", web::post().to(searchface)))
        .service(post("/delface", web::post().to(delface)))
        .service(post("/gliswadetail", web::post().to(gliswadetail)))
        .default_service(web::to(not_found))
}

async fn not_found() -> HttpResponse {
    respond(Route::Other, None, Err(AisolutionError::NotFound))
}

async fn method_not_allowed() -> HttpResponse {
    respond(Route::Other, None, Err(AisolutionError::MethodNotAllowed))
}

/// AI-1 (`003:L8-119`).
async fn facecompare(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
) -> HttpResponse {
    handle(
        Route::FaceCompare,
        request,
        payload,
        service,
        |service, _client, params| async move {
            let first = service.image(&params, "img1")?;
            let second = service.image(&params, "img2")?;
            let command = CompareFaces {
                first,
                second,
                auto_rotate: false,
                check_quality: false,
                limits: service.image_limits,
            };
            let verifier = service.verifier.clone();
            let comparison = blocking(move || verifier.compare(&command)).await??;
            Ok(service.similarity(comparison.score))
        },
    )
    .await
}

/// AI-2 (`003:L121-210`).
async fn idholding(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
) -> HttpResponse {
    handle(
        Route::IdHolding,
        request,
        payload,
        service,
        |service, _client, params| async move {
            let command = CompareHeldCard {
                image: service.image(&params, "img")?,
                limits: service.image_limits,
            };
            let verifier = service.verifier.clone();
            let held = blocking(move || verifier.compare_held_card(&command)).await??;
            tracing::info!(
                faces = held.faces,
                card_found = held.card.is_some(),
                "held card compared"
            );
            Ok(service.similarity(held.comparison.score))
        },
    )
    .await
}

/// AI-3 (`003:L217-288`): merge into the matching person or start a new one (A10).
async fn addface(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
) -> HttpResponse {
    handle(
        Route::AddFace,
        request,
        payload,
        service,
        |service, client, params| async move {
            let image = service.image(&params, "img")?;
            let gallery = service.gallery.clone();
            let namespace = client.namespace();
            let merge_at = CalibratedScore(service.thresholds.same_person);
            let limits = service.image_limits;
            let enrolled = blocking(move || {
                let face = gallery.analyze(&image, &limits)?;
                gallery.enrol_merging(&namespace, &image, &face, merge_at)
            })
            .await??;
            Ok(json!(AddedFace {
                group_id: client.group_id.clone(),
                person_id: enrolled.person_id.to_string(),
                person_count: enrolled.person_count,
            }))
        },
    )
    .await
}

/// AI-4 (`003:L292-361`): persons above the NOT SURE floor, best first (A13).
async fn searchface(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
) -> HttpResponse {
    handle(
        Route::SearchFace,
        request,
        payload,
        service,
        |service, client, params| async move {
            let image = service.image(&params, "img")?;
            let gallery = service.gallery.clone();
            let namespace = client.namespace();
            let floor = CalibratedScore(service.thresholds.not_sure);
            let (limits, limit) = (service.image_limits, service.search_limit);
            // The documented `FAIL` ("not pass living recognition") needs a passive liveness check,
            // which the engine does not have yet: the gate is not active (docs/compatibility.md).
            let found = blocking(move || {
                let face = gallery.analyze(&image, &limits)?;
                gallery.search_persons(&namespace, &face.embedding, floor, limit)
            })
            .await??;
            let persons: Vec<FoundPerson> = found
                .into_iter()
                .map(|person| FoundPerson {
                    confidence: (person.score.value() * 100.0).round() as u32,
                    person_id: person.person_id.to_string(),
                })
                .collect();
            Ok(json!(persons))
        },
    )
    .await
}

/// AI-5 (`003:L363-423`): the person and all its faces.
async fn delface(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
) -> HttpResponse {
    handle(
        Route::DelFace,
        request,
        payload,
        service,
        |service, client, params| async move {
            let person_id = PersonId::new(params.required("person_id")?.trim());
            let gallery = service.gallery.clone();
            let namespace = client.namespace();
            let deleted = blocking(move || gallery.delete_person(&namespace, &person_id)).await??;
            if deleted {
                Ok(Value::Null)
            } else {
                Err(AisolutionError::PersonNotFound)
            }
        },
    )
    .await
}

/// AI-6 (`003:L426-521`).
async fn gliswadetail(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
) -> HttpResponse {
    handle(
        Route::WhatsAppDetail,
        request,
        payload,
        service,
        |service, client, params| async move {
            let lookup = LookupRequest {
                number: params.required("number")?.to_owned(),
                country: params.optional("country")?.map(str::to_owned),
                callback: params.optional("callback")?.map(str::to_owned),
                service_status: params
                    .optional("servstatus")?
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("y")),
            };
            let answer = service.lookups.lookup(&client.tenant(), lookup).await?;
            Ok(crate::whatsapp::message(&answer))
        },
    )
    .await
}

/// Every route's frame: the token's client and the body's parameters, then `work`, then the
/// envelope (errors through the one table, with the client's group where a reply shows it).
async fn handle<Work, Reply>(
    route: Route,
    request: HttpRequest,
    payload: web::Payload,
    service: Data<AisolutionService>,
    work: Work,
) -> HttpResponse
where
    Work: FnOnce(Data<AisolutionService>, Client, Params) -> Reply,
    Reply: std::future::Future<Output = Result<Value, AisolutionError>>,
{
    let (client, params) = match service.accept(&request, payload).await {
        Ok(accepted) => accepted,
        Err(error) => return respond(route, None, Err(error)),
    };
    let result = work(service, client.clone(), params).await;
    respond(route, Some(&client), result)
}

impl AisolutionService {
    /// The token's client, then the body's parameters.
    async fn accept(
        &self,
        request: &HttpRequest,
        payload: web::Payload,
    ) -> Result<(Client, Params), AisolutionError> {
        let token = web::Query::<Vec<(String, String)>>::from_query(request.query_string())
            .ok()
            .and_then(|query| {
                query
                    .into_inner()
                    .into_iter()
                    .find(|(name, _)| name == "token")
                    .map(|(_, value)| value)
            });
        let client = self
            .clients
            .resolve(token.as_deref())
            .cloned()
            .ok_or(AisolutionError::InvalidToken)?;
        let body = wire::read_body(request.headers(), payload, self.max_body_bytes).await?;
        let fields = wire::form_fields(request.headers(), body).await?;
        Ok((client, Params::new(fields)))
    }

    /// A base64 image parameter, decoded and within the 2M limit.
    fn image(&self, params: &Params, name: &'static str) -> Result<Vec<u8>, AisolutionError> {
        let bytes = wire::decode_base64(params.required(name)?)
            .map_err(|_| AisolutionError::NotBase64(name))?;
        if bytes.len() > self.image_limits.max_bytes {
            return Err(AisolutionError::ImageTooLarge(name));
        }
        if bytes.len() < self.image_limits.min_bytes {
            return Err(image_error(
                name,
                engine::EngineError::FileTooSmall {
                    bytes: bytes.len(),
                    limit: self.image_limits.min_bytes,
                },
            ));
        }
        Ok(bytes)
    }

    fn similarity(&self, score: CalibratedScore) -> Value {
        json!(Similarity {
            similarity: (f64::from(score.value()) * 100_000.0).round() / 1000.0,
            result: self.thresholds.judge(score),
        })
    }
}

/// Runs CPU-bound work on the blocking pool, inside the request's span.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AisolutionError> {
    let span = tracing::Span::current();
    web::block(move || span.in_scope(work))
        .await
        .map_err(|error| AisolutionError::Internal(format!("work did not finish: {error}")))
}

fn respond(
    route: Route,
    client: Option<&Client>,
    result: Result<Value, AisolutionError>,
) -> HttpResponse {
    let reply = match result {
        Ok(message) => Reply::ok(message),
        Err(error) => {
            if error.is_internal() {
                tracing::error!(%error, ?route, "request failed");
            } else {
                tracing::info!(%error, ?route, "request refused");
            }
            error.reply(route, client.map(|c| c.group_id.as_str()))
        }
    };
    HttpResponse::build(reply.http).json(Envelope {
        status: reply.status,
        message: reply.message,
    })
}
