//! The four routes (`000`, spec 2.5): JSON in, the document read by the engine, JSON out.

use std::sync::Arc;

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use command::documents::{DocumentError, DocumentReader, ZaIdFields};
use command::ImageLimits;
use serde_json::{json, Map, Value};

use crate::error::HuttsError;
use crate::verify::{self, Claimed, Extracted};
use crate::wire;

/// The paths, as the Hutts server serves them (`http://localhost:5000/<route>`).
pub const ROUTES: [&str; 4] = ["/extractAll", "/extractText", "/extractFace", "/verifyID"];

/// What the dialect needs to answer.
pub struct HuttsService {
    pub documents: Arc<DocumentReader>,
    pub limits: ImageLimits,
    pub max_body_bytes: usize,
    /// `is_match` when the calibrated face score (0-1) is at least this (spec 7.3: 0.7).
    pub face_threshold: f32,
}

/// The four routes at the host root, as resources (not a root scope, which would swallow every
/// other path of a shared listener).
pub fn configure(service: Arc<HuttsService>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let data = Data::from(service);
        let post = |path: &str| {
            web::resource(path)
                .app_data(data.clone())
                .default_service(web::to(method_not_allowed))
        };
        config
            .service(post("/extractAll").route(web::post().to(extract_all)))
            .service(post("/extractText").route(web::post().to(extract_text)))
            .service(post("/extractFace").route(web::post().to(extract_face)))
            .service(post("/verifyID").route(web::post().to(verify_id)));
    }
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .json(json!({"success": false, "error": "method not allowed: use POST with a JSON body"}))
}

/// Anything else on the dialect's own listener.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({"success": false, "error": "no such route"}))
}

async fn read(
    request: &HttpRequest,
    payload: web::Payload,
    service: &HuttsService,
) -> Result<Map<String, Value>, HuttsError> {
    let body = ::wire::read_body(request.headers(), payload, service.max_body_bytes)
        .await
        .map_err(|err| match err {
            ::wire::BodyError::TooLarge { .. } => HuttsError::TooLarge,
            other => HuttsError::BadBody(other.to_string()),
        })?;
    wire::body(&body)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, HuttsError> + Send + 'static,
) -> Result<T, HuttsError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| HuttsError::Internal(err.to_string()))?
}

fn document_error(field: &'static str, error: DocumentError) -> HuttsError {
    match error {
        DocumentError::NoFace => HuttsError::NoFace(field),
        DocumentError::Image(engine::EngineError::Model(cause))
        | DocumentError::Image(engine::EngineError::ModelLoad { reason: cause, .. }) => {
            HuttsError::Internal(cause)
        }
        DocumentError::Image(_) => HuttsError::InvalidImage(field),
    }
}

fn respond(result: Result<Value, HuttsError>) -> HttpResponse {
    match result {
        Ok(body) => HttpResponse::Ok().json(body),
        Err(error) => error.response(),
    }
}

/// HU-2's object: the seven fields, `null` when unread (H10).
fn text_result(fields: &ZaIdFields) -> Value {
    json!({
        "country_of_birth": fields.country_of_birth,
        "date_of_birth": fields.date_of_birth,
        "identity_number": fields.identity_number,
        "names": fields.names,
        "sex": fields.sex,
        "status": fields.status,
        "surname": fields.surname,
    })
}

fn read_text(
    service: &HuttsService,
    image: Vec<u8>,
    field: &'static str,
) -> Result<ZaIdFields, HuttsError> {
    let document = service
        .documents
        .read_za_id(&image, &service.limits)
        .map_err(|e| document_error(field, e))?;
    let fields = document.fields;
    if fields == ZaIdFields::default() {
        return Err(HuttsError::NoDocument(field));
    }
    Ok(fields)
}

/// The document's portrait, cropped.
fn portrait(
    service: &HuttsService,
    image: &[u8],
    field: &'static str,
) -> Result<command::documents::DocumentPortrait, HuttsError> {
    service
        .documents
        .verifier()
        .document_portrait(image, &service.limits)
        .map_err(|e| document_error(field, e))
}

/// What an extract route returns.
#[derive(Clone, Copy)]
enum Extract {
    /// HU-2 (`000:L27-42`): the fields as a bare object.
    Text,
    /// HU-3 (`000:L44-53`): `{"extracted_face"}`.
    Face,
    /// HU-1 (`000:L8-25`): both, the fields under `text_extract_result`.
    All,
}

async fn extract(
    what: Extract,
    request: HttpRequest,
    payload: web::Payload,
    service: Data<HuttsService>,
) -> HttpResponse {
    let service = service.into_inner();
    respond(
        async {
            let body = read(&request, payload, &service).await?;
            let image = wire::image(&body, "idPhoto")?;
            let (face, fields) = blocking(move || {
                let face = match what {
                    Extract::Text => None,
                    Extract::Face | Extract::All => Some(portrait(&service, &image, "idPhoto")?),
                };
                let fields = match what {
                    Extract::Face => None,
                    Extract::Text | Extract::All => Some(read_text(&service, image, "idPhoto")?),
                };
                Ok((face, fields))
            })
            .await?;
            let face = face.map(|p| json!(wire::jpeg_data_uri(&p.jpeg)));
            let fields = fields.as_ref().map(text_result);
            Ok(match what {
                Extract::Text => fields.unwrap_or_default(),
                Extract::Face => json!({ "extracted_face": face }),
                Extract::All => json!({ "extracted_face": face, "text_extract_result": fields }),
            })
        }
        .await,
    )
}

async fn extract_text(r: HttpRequest, p: web::Payload, s: Data<HuttsService>) -> HttpResponse {
    extract(Extract::Text, r, p, s).await
}

async fn extract_face(r: HttpRequest, p: web::Payload, s: Data<HuttsService>) -> HttpResponse {
    extract(Extract::Face, r, p, s).await
}

async fn extract_all(r: HttpRequest, p: web::Payload, s: Data<HuttsService>) -> HttpResponse {
    extract(Extract::All, r, p, s).await
}

/// HU-4 (`000:L56-80`): the document's portrait against `face_img` (`face_match` = 100 s), the
/// claimed text against the document's (H3-H8).
async fn verify_id(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<HuttsService>,
) -> HttpResponse {
    let service = service.into_inner();
    respond(
        async {
            let body = read(&request, payload, &service).await?;
            let claimed = Claimed {
                names: wire::text(&body, "names")?.to_owned(),
                surname: wire::text(&body, "surname")?.to_owned(),
                id_number: wire::text(&body, "idNumber")?.to_owned(),
                nationality: wire::text(&body, "nationality")?.to_owned(),
                country_of_birth: wire::text(&body, "cob")?.to_owned(),
                status: wire::text(&body, "status")?.to_owned(),
                sex: wire::text(&body, "gender")?.to_owned(),
                date_of_birth: wire::text(&body, "dob")?.to_owned(),
            };
            let id_image = wire::image(&body, "id_img")?;
            let face_image = wire::image(&body, "face_img")?;
            let verbose = wire::flag(&body, "verbose_verify");
            let threshold = wire::number(&body, "verification_threshold", 75.0)?;
            let (fields, face_score) = blocking(move || {
                let verifier = service.documents.verifier();
                let portrait = portrait(&service, &id_image, "id_img")?;
                let selfie = verifier
                    .faces_in(&face_image, &service.limits)
                    .map_err(|e| document_error("face_img", e.into()))?
                    .faces
                    .into_iter()
                    .next()
                    .ok_or(HuttsError::NoFace("face_img"))?;
                let score = verifier.score_embeddings(&portrait.face.embedding, &selfie.embedding);
                let fields = read_text(&service, id_image, "id_img")?;
                Ok((fields, (score, service.face_threshold)))
            })
            .await?;
            let (score, face_threshold) = face_score;
            let extracted = Extracted {
                names: fields.names,
                surname: fields.surname,
                identity_number: fields.identity_number,
                nationality: fields.nationality,
                country_of_birth: fields.country_of_birth,
                status: fields.status,
                sex: fields.sex,
                date_of_birth: fields.date_of_birth,
            };
            let (matches, text_match) = verify::text_match(&claimed, &extracted);
            let face_match = 100.0 * f64::from(score.value());
            Ok(json!({
                "face_match": face_match,
                "is_match": score.value() >= face_threshold,
                "is_pass": text_match >= threshold,
                "text_match": if verbose { verify::verbose(&matches, text_match) } else { json!(text_match) },
                "total_match": verify::total_match(text_match, face_match),
            }))
        }
        .await,
    )
}
