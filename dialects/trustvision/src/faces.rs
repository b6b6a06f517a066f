//! Faces: TV-05 compare, TV-13 detect, TV-15 index, TV-16 search, TV-17 alert, TV-18 delete,
//! TV-19 search by metadata. Every processing response's `request_id` is in the ledger before the
//! reply leaves (spec 4.6).

use std::sync::Arc;

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use command::compare::ImageFaces;
use command::records::Batch;
use command::CalibratedScore;
use serde_json::{json, Map, Value};
use store::{MediaId, Namespace};

use crate::error::{Failure, TrustVisionError};
use crate::frame::{handle, Call, Reply, Route};
use crate::media::face_document;
use crate::records::{ledger_entry, InputFile};
use crate::service::{Thresholds, TrustVisionService};
use crate::wire::{self, ImageSource};

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/v1/compare_faces_sync", web::post().to(compare_faces))
        .route("/v1/detect_faces_sync", web::post().to(detect_faces))
        .route("/v1/index_faces_sync", web::post().to(index_faces))
        .route("/v1/search_faces_sync", web::post().to(search_faces))
        .route("/v1/alert_faces_sync", web::post().to(alert_faces))
        .route("/v1/delete_faces", web::post().to(delete_faces))
        .route("/v1/search_metadata", web::post().to(search_metadata));
}

/// An image a request named, resolved to stored bytes (an inline image is stored like an upload
/// in the request's batch and gets an id, spec 4.5).
struct ResolvedImage {
    media_id: MediaId,
    bytes: Arc<Vec<u8>>,
    label: Option<String>,
    metadata: Map<String, Value>,
}

fn resolve(
    service: &TrustVisionService,
    call: &Call,
    source: ImageSource,
    name: &str,
    batch: &mut Batch,
) -> Result<ResolvedImage, TrustVisionError> {
    match source {
        ImageSource::Id(id) => {
            let media_id = MediaId::new(id);
            let media = service
                .records
                .media(&call.principal.tenant, &media_id)?
                .ok_or_else(|| TrustVisionError::ImageNotFound {
                    field: format!("{name}.id"),
                })?;
            Ok(ResolvedImage {
                media_id,
                bytes: Arc::new(media.bytes),
                label: media.info.label,
                metadata: media.info.metadata,
            })
        }
        ImageSource::Inline {
            bytes,
            label,
            metadata,
        } => {
            let content_type = wire::check_image_format(&format!("{name}.base64"), &bytes)?;
            let media = store::Media {
                info: store::MediaInfo {
                    tenant: call.principal.tenant.clone(),
                    media_id: MediaId::new(wire::new_id()),
                    content_type: content_type.to_owned(),
                    label: label.clone(),
                    tag: None,
                    parent_id: None,
                    metadata: metadata.clone(),
                    created_at_ms: store::unix_millis_now(),
                },
                bytes: bytes.clone(),
            };
            let media_id = media.info.media_id.clone();
            batch.put_media(media);
            Ok(ResolvedImage {
                media_id,
                bytes: Arc::new(bytes),
                label,
                metadata,
            })
        }
        ImageSource::Embedding(_) => Err(TrustVisionError::invalid(
            format!("{name}.embedding"),
            "`embedding` is accepted by alert_faces_sync only",
        )),
    }
}

impl ResolvedImage {
    fn input_file(&self) -> InputFile {
        InputFile {
            id: self.media_id.to_string(),
            label: self.label.clone(),
        }
    }
}

/// Every face of the image, off the async executor. An image that does not decode is the
/// client's: 400 (or 413/415 where the bytes say so).
async fn faces_of(
    service: &TrustVisionService,
    image: &ResolvedImage,
    name: &str,
) -> Result<ImageFaces, TrustVisionError> {
    let verifier = service.verifier.clone();
    let limits = service.settings.image_limits();
    let bytes = image.bytes.clone();
    let outcome = tokio::task::spawn_blocking(move || verifier.faces_in(&bytes, &limits))
        .await
        .map_err(TrustVisionError::internal)?;
    outcome.map_err(|error| image_error(name, error))
}

fn image_error(name: &str, error: engine::EngineError) -> TrustVisionError {
    use engine::EngineError::*;
    match error {
        FileTooLarge { .. } => TrustVisionError::ImageTooLarge {
            field: name.to_owned(),
        },
        Undecodable(_) => TrustVisionError::InvalidImageFormat {
            field: name.to_owned(),
        },
        FileTooSmall { .. } | ImageTooSmall { .. } | ImageTooLarge { .. } => {
            TrustVisionError::invalid(name, error.to_string())
        }
        NoFace => TrustVisionError::invalid(name, "no face"),
        Model(_) | ModelLoad { .. } => TrustVisionError::internal(error),
    }
}

/// The reply and ledger entry of a processing route, committed with its batch before the reply.
fn finish(
    service: &TrustVisionService,
    call: &Call,
    route: &Route,
    mut batch: Batch,
    inputs: Vec<InputFile>,
    data: Value,
    failure: Option<Failure>,
) -> Result<Reply, TrustVisionError> {
    batch.record_request(ledger_entry(
        call,
        route.service,
        inputs,
        &data,
        failure.as_ref(),
    ));
    service.records.commit(&batch)?;
    Ok(match failure {
        None => Reply::Data(data),
        Some(failure) => Reply::Failure { data, failure },
    })
}

/// Names a face a response reports: a fresh id (whose crop `GET /v1/face_images/{id}` serves) and
/// its `{id, bounding_box}`.
fn report_face(
    call: &Call,
    image: &ResolvedImage,
    face: &engine::AnalyzedFace,
    batch: &mut Batch,
) -> (String, Value) {
    let id = wire::new_id();
    let bbox = &face.detection.bbox;
    batch.put_document(face_document(
        &call.principal.tenant,
        &id,
        &image.media_id,
        bbox,
    ));
    let json = json!({"id": id, "bounding_box": wire::bounding_box(bbox)});
    (id, json)
}

fn failure_data(call: &Call) -> Value {
    json!({"status": "failure", "request_id": call.request_id})
}

/// TV-05 (`002:L461-676`): every face of image1 against every face of image2 (T11).
async fn compare_faces(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("compare_faces");
    handle(
        ROUTE,
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            let max = service.settings.max_image_bytes;
            let first = wire::image_data(&body, "image1", false, max)?;
            let second = wire::image_data(&body, "image2", false, max)?;
            let thresholds = profile(&service, &body)?;
            let mut batch = Batch::new();
            let first = resolve(&service, &call, first, "image1", &mut batch)?;
            let second = resolve(&service, &call, second, "image2", &mut batch)?;
            let inputs = vec![first.input_file(), second.input_file()];
            let (faces1, faces2) = futures_util::try_join!(
                faces_of(&service, &first, "image1"),
                faces_of(&service, &second, "image2")
            )?;
            for (faces, name) in [(&faces1, "image1"), (&faces2, "image2")] {
                if faces.faces.is_empty() {
                    let data = failure_data(&call);
                    return finish(
                        &service,
                        &call,
                        &ROUTE,
                        batch,
                        inputs,
                        data,
                        Some(Failure::no_faces(name)),
                    );
                }
            }
            let mut describe =
                |image: &ResolvedImage, faces: &ImageFaces| -> Vec<(String, Value)> {
                    faces
                        .faces
                        .iter()
                        .map(|face| report_face(&call, image, face, &mut batch))
                        .collect()
                };
            let described1 = describe(&first, &faces1);
            let described2 = describe(&second, &faces2);
            let mut pairs = Vec::new();
            for (face1, (id1, _)) in faces1.faces.iter().zip(&described1) {
                for (face2, (id2, _)) in faces2.faces.iter().zip(&described2) {
                    let score = service
                        .verifier
                        .score_embeddings(&face1.embedding, &face2.embedding);
                    pairs.push(json!({
                        "face1_id": id1,
                        "face2_id": id2,
                        "score": f64::from(score.value()),
                        "result": thresholds.result(score),
                    }));
                }
            }
            let image_json = |image: &ResolvedImage, described: &[(String, Value)]| {
                json!({
                    "id": image.media_id.to_string(),
                    "transformed_image_id": "",
                    "faces": described.iter().map(|(_, json)| json.clone()).collect::<Vec<_>>(),
                })
            };
            let data = json!({
                "status": "success",
                "request_id": call.request_id,
                "image1": image_json(&first, &described1),
                "image2": image_json(&second, &described2),
                "compare_faces": pairs,
            });
            finish(&service, &call, &ROUTE, batch, inputs, data, None)
        },
    )
    .await
}

/// TV-05 `type` (T9): `1|2|3` as a number or a numeric string; ID vs selfie when absent.
fn profile(
    service: &TrustVisionService,
    body: &Map<String, Value>,
) -> Result<Thresholds, TrustVisionError> {
    let profiles = &service.settings.profiles;
    Ok(match wire::optional_int(body, "type", 1..=3)? {
        Some(1) => profiles.id_vs_id,
        Some(3) => profiles.selfie_vs_selfie,
        _ => profiles.id_vs_selfie,
    })
}

/// TV-13 (`002:L2457-2606`): boxes and (with `return_embedding`) our embeddings (T24).
async fn detect_faces(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("detect_faces");
    handle(ROUTE, request, payload, service, |service, call| async move {
        let body = wire::json_object(&call.body)?;
        let source = wire::image_data(&body, "image", false, service.settings.max_image_bytes)?;
        let return_embedding = wire::optional_bool(&body, "return_embedding")?.unwrap_or(false);
        let mut batch = Batch::new();
        let image = resolve(&service, &call, source, "image", &mut batch)?;
        let faces = faces_of(&service, &image, "image").await?;
        let described: Vec<Value> = faces
            .faces
            .iter()
            .map(|face| {
                let (_, mut json) = report_face(&call, &image, face, &mut batch);
                if return_embedding {
                    json["embedding"] = json!(face.embedding.values);
                }
                json
            })
            .collect();
        let data = json!({
            "status": "success",
            "request_id": call.request_id,
            "image": {"id": image.media_id.to_string(), "transformed_image_id": "", "faces": described},
        });
        let inputs = vec![image.input_file()];
        finish(&service, &call, &ROUTE, batch, inputs, data, None)
    })
    .await
}

/// TV-15 (`002:L2754-2867`); T26: the largest face; re-indexing an image replaces its face.
async fn index_faces(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("index_faces");
    handle(
        ROUTE,
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            let source = wire::image_data(&body, "image", false, service.settings.max_image_bytes)?;
            let collection = wire::collection(
                wire::optional_str(&body, "collection")?,
                "collection",
                &service.settings.default_collection,
            )?;
            wire::optional_int(&body, "type", 1..=3)?;
            let update_metadata =
                wire::optional_bool(&body, "enable_update_metadata")?.unwrap_or(false);
            let mut batch = Batch::new();
            let image = resolve(&service, &call, source, "image", &mut batch)?;
            let inputs = vec![image.input_file()];
            let faces = faces_of(&service, &image, "image").await?;
            let Some(face) = faces.faces.into_iter().next() else {
                return finish(
                    &service,
                    &call,
                    &ROUTE,
                    batch,
                    inputs,
                    failure_data(&call),
                    Some(Failure::no_faces("image")),
                );
            };
            let data = json!({
                "status": "success",
                "request_id": call.request_id,
                "image": {"id": image.media_id.to_string(), "transformed_image_id": ""},
            });
            let namespace = Namespace::new(call.principal.tenant.clone(), collection);
            let gallery = service.gallery.clone();
            let media_id = image.media_id.clone();
            let metadata = image.metadata.clone();
            let tenant = call.principal.tenant.clone();
            let record = ledger_entry(&call, ROUTE.service, inputs, &data, None);
            tokio::task::spawn_blocking(move || {
                // The face id is known only inside the transaction; its crop record is written
                // right after, so that a crash between the two costs a download, not the face.
                let indexed = gallery.index_image_face(
                    &namespace,
                    &media_id,
                    &face,
                    metadata,
                    update_metadata,
                    batch.record_request(record),
                )?;
                let mut crop = Batch::new();
                crop.put_document(face_document(
                    &tenant,
                    indexed.face_id.as_str(),
                    &media_id,
                    &face.detection.bbox,
                ));
                command::records::Records::new(gallery.store().clone()).commit(&crop)?;
                Ok::<_, command::gallery::GalleryError>(())
            })
            .await
            .map_err(TrustVisionError::internal)?
            .map_err(TrustVisionError::internal)?;
            Ok(Reply::Data(data))
        },
    )
    .await
}

/// A match as TV-16 sends it: metadata as a `[{field, value}]` list, `null` when empty (T27).
fn search_hit(hit: &command::gallery::CollectionMatch) -> Value {
    let metadata = if hit.metadata.is_empty() {
        Value::Null
    } else {
        Value::Array(
            hit.metadata
                .iter()
                .map(|(field, value)| json!({"field": field, "value": value}))
                .collect(),
        )
    };
    json!({
        "id": hit.face_id.to_string(),
        "image_id": hit.media_id.as_ref().map(ToString::to_string),
        "score": f64::from(hit.score.value()),
        "metadata": metadata,
    })
}

/// TV-16 (`002:L2868-3058`): one list of matches per face of the query image.
async fn search_faces(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("search_faces");
    handle(
        ROUTE,
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            let source = wire::image_data(&body, "image", false, service.settings.max_image_bytes)?;
            let default = &service.settings.default_collection;
            let single = wire::collection(
                wire::optional_str(&body, "collection")?,
                "collection",
                default,
            )?;
            let several = match body.get("collections") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(names)) => names
                    .iter()
                    .map(|name| {
                        let name = name.as_str().ok_or_else(|| {
                            TrustVisionError::invalid("collections", "collection names are strings")
                        })?;
                        wire::collection(Some(name), "collections", default)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => {
                    return Err(TrustVisionError::invalid("collections", "must be an array"))
                }
            };
            wire::optional_int(&body, "type", 1..=3)?;
            let max_faces =
                wire::optional_int(&body, "max_faces", 1..=1000)?.unwrap_or(10) as usize;
            if let Some(special) = wire::optional_str(&body, "special_id_type")? {
                if !special.is_empty() {
                    return Err(TrustVisionError::invalid(
                        "special_id_type",
                        "no special id types are configured",
                    ));
                }
            }
            let mut batch = Batch::new();
            let image = resolve(&service, &call, source, "image", &mut batch)?;
            let inputs = vec![image.input_file()];
            let faces = faces_of(&service, &image, "image").await?;
            if faces.faces.is_empty() {
                return finish(
                    &service,
                    &call,
                    &ROUTE,
                    batch,
                    inputs,
                    failure_data(&call),
                    Some(Failure::no_faces("image")),
                );
            }
            let search = |collection: &str| -> Result<Value, TrustVisionError> {
                let namespace = Namespace::new(call.principal.tenant.clone(), collection);
                let mut per_face = Vec::with_capacity(faces.faces.len());
                for face in &faces.faces {
                    let hits = service
                        .gallery
                        .search_collection(
                            &namespace,
                            &face.embedding,
                            max_faces,
                            CalibratedScore(0.0),
                        )
                        .map_err(TrustVisionError::internal)?;
                    per_face.push(Value::Array(hits.iter().map(search_hit).collect()));
                }
                Ok(Value::Array(per_face))
            };
            let mut data = json!({
                "status": "success",
                "request_id": call.request_id,
                "image": {"id": image.media_id.to_string(), "transformed_image_id": ""},
            });
            if several.is_empty() {
                data["faces"] = search(&single)?;
            } else {
                let mut by_collection = Map::new();
                for collection in &several {
                    by_collection.insert(collection.clone(), search(collection)?);
                }
                data["faces_in_collection"] = Value::Object(by_collection);
            }
            finish(&service, &call, &ROUTE, batch, inputs, data, None)
        },
    )
    .await
}

/// TV-17 (`002:L3059-3278`), local scope (spec section 9 item 5, T28).
async fn alert_faces(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("alert_faces");
    handle(
        ROUTE,
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            let source = wire::image_data(&body, "image", true, service.settings.max_image_bytes)?;
            let mut batch = Batch::new();
            let mut inputs = Vec::new();
            let (queries, image_json) = match source {
                ImageSource::Embedding(values) => {
                    if values.len() != engine::EMBEDDING_DIM
                        || values.iter().any(|v| !v.is_finite())
                    {
                        return Err(TrustVisionError::invalid(
                            "image.embedding",
                            format!(
                                "an embedding from detect_faces_sync has {} finite values",
                                engine::EMBEDDING_DIM
                            ),
                        ));
                    }
                    let embedding = engine::FaceEmbedding {
                        model_id: service.verifier.engine().recognizer_id().to_owned(),
                        values,
                    };
                    (
                        vec![command::gallery::AlertQuery {
                            embedding,
                            source: None,
                        }],
                        None,
                    )
                }
                source => {
                    let image = resolve(&service, &call, source, "image", &mut batch)?;
                    inputs.push(image.input_file());
                    let faces = faces_of(&service, &image, "image").await?;
                    if faces.faces.is_empty() {
                        return finish(
                            &service,
                            &call,
                            &ROUTE,
                            batch,
                            inputs,
                            failure_data(&call),
                            Some(Failure::no_faces("image")),
                        );
                    }
                    let described: Vec<Value> = faces
                        .faces
                        .iter()
                        .map(|face| {
                            let (_, mut json) = report_face(&call, &image, face, &mut batch);
                            let p = |point: engine::Point| json!({"x": point.x, "y": point.y});
                            let five = &face.landmarks.five;
                            json["landmarks"] = json!({
                                "left-eye": p(five.left_eye),
                                "right-eye": p(five.right_eye),
                                "nose": p(five.nose),
                                "left-mouth": p(five.mouth_left),
                                "right-mouth": p(five.mouth_right),
                            });
                            json
                        })
                        .collect();
                    let media_id = image.media_id.clone();
                    let embeddings = faces
                        .faces
                        .into_iter()
                        .map(|face| command::gallery::AlertQuery {
                            embedding: face.embedding,
                            source: Some((media_id.clone(), face.detection.bbox)),
                        })
                        .collect();
                    (
                        embeddings,
                        Some(json!({"id": image.media_id.to_string(), "faces": described})),
                    )
                }
            };
            let match_at = CalibratedScore(service.settings.profiles.selfie_vs_selfie.matched);
            let data_of = |alerts: &[command::gallery::SuspectAlert]| {
                let faces: Vec<Value> = alerts
                    .iter()
                    .map(|alert| {
                        Value::Array(
                            alert
                                .matches
                                .iter()
                                .enumerate()
                                .map(|(i, m)| {
                                    json!({
                                        "name": format!("Face {}", i + 1),
                                        "score": f64::from(m.score.value()),
                                        "created_at": wire::rfc3339_ms(m.created_at_ms),
                                        "applied_service": Value::Null,
                                    })
                                })
                                .collect(),
                        )
                    })
                    .collect();
                let history: Vec<Value> = alerts
                    .iter()
                    .map(|alert| {
                        Value::Array(
                            alert
                                .history
                                .iter()
                                .map(|h| {
                                    json!({
                                        "period": h.period,
                                        "num_suspect_faces": h.suspect_faces,
                                        "num_member_suspect_faces": h.members_with_suspect_faces,
                                        "num_inquiry": h.inquiries,
                                        "num_member_inquiry": h.members_inquiring,
                                    })
                                })
                                .collect(),
                        )
                    })
                    .collect();
                (faces, history)
            };
            // The ledger entry needs the response, and the response needs the inquiry just logged:
            // the inquiry and the inputs commit first, the ledger entry right after.
            let gallery = service.gallery.clone();
            let tenant = call.principal.tenant.clone();
            let suspects = service.settings.suspect_collection.clone();
            let alerts = tokio::task::spawn_blocking(move || {
                gallery.alert_suspects(&tenant, &suspects, &queries, match_at, 10, &batch)
            })
            .await
            .map_err(TrustVisionError::internal)?
            .map_err(TrustVisionError::internal)?;
            let (faces, history) = data_of(&alerts);
            let mut data = json!({
                "status": "success",
                "request_id": call.request_id,
                "faces": faces,
                "history": history,
            });
            if let Some(image) = image_json {
                data["image"] = image;
            }
            finish(&service, &call, &ROUTE, Batch::new(), inputs, data, None)
        },
    )
    .await
}

/// TV-18 (`002:L3279-3347`); T29: an id that is not an image of this key is 404; an image not
/// indexed in the collection is a no-op.
async fn delete_faces(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("delete_faces");
    handle(
        ROUTE,
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            let ids = body
                .get("image_ids")
                .and_then(Value::as_array)
                .filter(|ids| !ids.is_empty())
                .ok_or_else(|| {
                    TrustVisionError::invalid("image_ids", "`image_ids` must list at least one id")
                })?
                .iter()
                .map(|id| id.as_str().map(|id| MediaId::new(id.trim())))
                .collect::<Option<Vec<MediaId>>>()
                .ok_or_else(|| TrustVisionError::invalid("image_ids", "ids must be strings"))?;
            let collection = wire::collection(
                wire::optional_str(&body, "collection")?,
                "collection",
                &service.settings.default_collection,
            )?;
            let mut inputs = Vec::new();
            for id in &ids {
                let info = service
                    .records
                    .media_info(&call.principal.tenant, id)?
                    .ok_or_else(|| TrustVisionError::ImageNotFound {
                        field: "image_ids".into(),
                    })?;
                inputs.push(InputFile {
                    id: id.to_string(),
                    label: info.label,
                });
            }
            let data = json!({"request_id": call.request_id});
            let mut batch = Batch::new();
            batch.record_request(ledger_entry(&call, ROUTE.service, inputs, &data, None));
            let namespace = Namespace::new(call.principal.tenant.clone(), collection);
            let gallery = service.gallery.clone();
            tokio::task::spawn_blocking(move || {
                gallery.remove_images_from_collection(&namespace, &ids, &batch)
            })
            .await
            .map_err(TrustVisionError::internal)?
            .map_err(TrustVisionError::internal)?;
            Ok(Reply::Data(data))
        },
    )
    .await
}

/// TV-19 (`002:L3348-3443`); T30: every given key must match the stored value.
async fn search_metadata(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    const ROUTE: Route = Route::processing("search_metadata");
    handle(
        ROUTE,
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            if body.get("metadata").is_none_or(Value::is_null) {
                return Err(TrustVisionError::invalid(
                    "metadata",
                    "`metadata` is required",
                ));
            }
            let filter = wire::metadata("metadata", body.get("metadata"))?;
            if filter.is_empty() {
                return Err(TrustVisionError::invalid(
                    "metadata",
                    "`metadata` needs at least one key",
                ));
            }
            let collection = wire::collection(
                wire::optional_str(&body, "collection")?,
                "collection",
                &service.settings.default_collection,
            )?;
            let max_results =
                wire::optional_int(&body, "max_results", 1..=1000)?.unwrap_or(10) as usize;
            let namespace = Namespace::new(call.principal.tenant.clone(), collection);
            let gallery = service.gallery.clone();
            let found = tokio::task::spawn_blocking(move || {
                gallery.find_by_metadata(&namespace, &filter, max_results)
            })
            .await
            .map_err(TrustVisionError::internal)?
            .map_err(TrustVisionError::internal)?;
            let faces: Vec<Value> = found
                .iter()
                .map(|face| {
                    json!({
                        "id": face.face_id.to_string(),
                        "image_id": face.source_media_id.as_ref().map(ToString::to_string),
                        "metadata": face.metadata,
                    })
                })
                .collect();
            let data = json!({"status": "success", "request_id": call.request_id, "faces": faces});
            finish(
                &service,
                &call,
                &ROUTE,
                Batch::new(),
                Vec::new(),
                data,
                None,
            )
        },
    )
    .await
}
