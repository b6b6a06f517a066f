//! Media (S1): TV-01/TV-02 images, TV-03/TV-04 files, TV-20 metadata, TV-21 deletion, and the
//! face crops the vendor's client downloads from `GET /v1/face_images/{face_id}`.

use std::sync::Arc;

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use command::records::Batch;
use serde_json::{json, Map, Value};
use store::{Document, Media, MediaId, MediaInfo, MediaPatch, MetadataMerge, TenantId};

use crate::error::TrustVisionError;
use crate::frame::{handle, Body, Call, Reply, Route};
use crate::service::TrustVisionService;
use crate::wire;

/// Faces the gateway reported (compare, detect, index), so their crops can be downloaded.
pub const FACE: &str = "tv_face";
/// The frame images of a frames-only file (TV-03 use case 2).
pub const FILE_FRAMES: &str = "tv_file_frames";

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/v1/images").route(web::post().to(upload_image)))
        .service(
            web::resource("/v1/images/{image_id}")
                .route(web::get().to(download_image))
                .route(web::patch().to(patch_image)),
        )
        .service(web::resource("/v1/files").route(web::post().to(upload_file)))
        .service(web::resource("/v1/files/{file_id}").route(web::get().to(download_file)))
        .service(web::resource("/v1/delete_files").route(web::post().to(delete_files)))
        .service(web::resource("/v1/face_images/{face_id}").route(web::get().to(download_face)));
}

/// The fields of an upload, from a multipart or a JSON body.
#[derive(Default)]
struct Upload {
    file: Option<(Vec<u8>, Option<String>)>,
    base64: Option<String>,
    label: Option<String>,
    metadata: Option<Value>,
    tag: Option<String>,
    parent_id: Option<String>,
    frames: Option<Value>,
}

async fn read_upload(call: &Call) -> Result<Upload, TrustVisionError> {
    if wire_is_multipart(&call.request) {
        let parts = ::wire::multipart_parts(call.request.headers(), call.body.clone())
            .await
            .map_err(|err| TrustVisionError::invalid("body", err.to_string()))?;
        let mut upload = Upload::default();
        for part in parts {
            let text = || String::from_utf8_lossy(&part.bytes).trim().to_owned();
            match part.name.as_str() {
                "file" => upload.file = Some((part.bytes.clone(), part.content_type.clone())),
                "label" => upload.label = Some(text()),
                "metadata" => upload.metadata = Some(Value::String(text())),
                "tag" => upload.tag = Some(text()),
                "parent_id" => upload.parent_id = Some(text()),
                "base64" => upload.base64 = Some(text()),
                // Anything else is ignored: the vendor's client sends an object `metadata` as
                // `metadata[0]`, `metadata[1]`... with undefined values (`utils/toFormData.js`).
                _ => {}
            }
        }
        return Ok(upload);
    }
    let body = wire::json_object(&call.body)?;
    let text = |field: &str| -> Result<Option<String>, TrustVisionError> {
        Ok(wire::optional_str(&body, field)?.map(|s| s.trim().to_owned()))
    };
    Ok(Upload {
        file: None,
        base64: text("base64")?,
        label: text("label")?,
        metadata: body.get("metadata").cloned(),
        tag: text("tag")?,
        parent_id: text("parent_id")?,
        frames: body.get("frames").cloned(),
    })
}

fn wire_is_multipart(request: &HttpRequest) -> bool {
    ::wire::is_multipart(request.headers())
}

fn new_media(
    tenant: &TenantId,
    bytes: Vec<u8>,
    content_type: &str,
    label: Option<String>,
    metadata: Map<String, Value>,
) -> Media {
    Media {
        info: MediaInfo {
            tenant: tenant.clone(),
            media_id: MediaId::new(wire::new_id()),
            content_type: content_type.to_owned(),
            label,
            tag: None,
            parent_id: None,
            metadata,
            created_at_ms: store::unix_millis_now(),
        },
        bytes,
    }
}

/// TV-01 (`002:L225-290`).
async fn upload_image(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("upload_image", Body::Upload),
        request,
        payload,
        service,
        |service, call| async move {
            let upload = read_upload(&call).await?;
            let bytes = match (upload.file, upload.base64) {
                (Some((bytes, _)), None) => bytes,
                (None, Some(text)) => ::wire::decode_base64(&text).map_err(|err| {
                    TrustVisionError::invalid("base64", format!("`base64` {err}"))
                })?,
                (Some(_), Some(_)) => {
                    return Err(TrustVisionError::invalid(
                        "file",
                        "send either `file` or `base64`, not both",
                    ))
                }
                (None, None) => {
                    return Err(TrustVisionError::invalid(
                        "file",
                        "`file` (multipart) or `base64` (JSON) is required",
                    ))
                }
            };
            let field = if wire_is_multipart(&call.request) {
                "file"
            } else {
                "base64"
            };
            if bytes.len() > service.settings.max_image_bytes {
                return Err(TrustVisionError::ImageTooLarge {
                    field: field.into(),
                });
            }
            let content_type = wire::check_image_format(field, &bytes)?;
            let label = upload
                .label
                .filter(|l| !l.is_empty())
                .ok_or_else(|| TrustVisionError::invalid("label", "`label` is required"))?;
            wire::check_image_label("label", &label)?;
            let metadata = wire::metadata("metadata", upload.metadata.as_ref())?;
            let mut media = new_media(
                &call.principal.tenant,
                bytes,
                content_type,
                Some(label),
                metadata,
            );
            media.info.tag = upload.tag.filter(|t| !t.is_empty());
            let image_id = media.info.media_id.to_string();
            let mut batch = Batch::new();
            batch.put_media(media);
            service.records.commit(&batch)?;
            Ok(Reply::Data(json!({ "image_id": image_id })))
        },
    )
    .await
}

/// TV-03 (`002:L331-420`): a video/audio (or PDF) file, multipart; or frames, JSON.
async fn upload_file(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("upload_file", Body::Upload),
        request,
        payload,
        service,
        |service, call| async move {
            let upload = read_upload(&call).await?;
            let tenant = call.principal.tenant.clone();
            let metadata = wire::metadata("metadata", upload.metadata.as_ref())?;
            let parent = match upload.parent_id.filter(|p| !p.is_empty()) {
                None => None,
                Some(parent) => {
                    let id = MediaId::new(parent);
                    if service.records.media_info(&tenant, &id)?.is_none() {
                        return Err(TrustVisionError::ImageNotFound {
                            field: "parent_id".into(),
                        });
                    }
                    Some(id)
                }
            };
            let mut batch = Batch::new();
            let file_id = MediaId::new(wire::new_id());
            match (upload.file, upload.frames) {
                (Some((bytes, declared)), None) => {
                    if bytes.len() > service.settings.max_image_bytes {
                        return Err(TrustVisionError::FileTooLarge {
                            field: "file".into(),
                        });
                    }
                    if bytes.is_empty() {
                        return Err(TrustVisionError::invalid("file", "the file is empty"));
                    }
                    let is_pdf = bytes.starts_with(b"%PDF-");
                    let label = upload.label.filter(|l| !l.is_empty());
                    // T51: the use-case rules win: a file needs its label (video/audio); a PDF,
                    // which the vendor's client also sends here, may carry any label.
                    match &label {
                        Some(label) if is_pdf || wire::FILE_LABELS.contains(&label.as_str()) => {}
                        Some(label) => {
                            return Err(TrustVisionError::invalid(
                                "label",
                                format!("`{label}` is not in the File label table (video, audio)"),
                            ))
                        }
                        None if is_pdf => {}
                        None => {
                            return Err(TrustVisionError::invalid("label", "`label` is required"))
                        }
                    }
                    let content_type = file_content_type(&bytes, declared.as_deref());
                    let mut media = new_media(&tenant, bytes, &content_type, label, metadata);
                    media.info.media_id = file_id.clone();
                    media.info.parent_id = parent;
                    batch.put_media(media);
                }
                (None, Some(frames)) => {
                    let frames = frames
                        .as_array()
                        .filter(|frames| !frames.is_empty())
                        .ok_or_else(|| {
                            TrustVisionError::invalid(
                                "frames",
                                "`frames` must be a non-empty array",
                            )
                        })?;
                    let mut frame_ids = Vec::with_capacity(frames.len());
                    for (i, frame) in frames.iter().enumerate() {
                        let field = format!("frames[{i}]");
                        let frame = frame.as_object().ok_or_else(|| {
                            TrustVisionError::invalid(&field, "a frame must be an object")
                        })?;
                        let mut holder = Map::new();
                        holder.insert(field.clone(), Value::Object(frame.clone()));
                        let source = wire::image_data(
                            &holder,
                            &field,
                            false,
                            service.settings.max_image_bytes,
                        )?;
                        let wire::ImageSource::Inline {
                            bytes,
                            label,
                            mut metadata,
                        } = source
                        else {
                            return Err(TrustVisionError::invalid(
                                format!("{field}.base64"),
                                "a frame carries its image as `base64`",
                            ));
                        };
                        if let Some(index) = frame.get("index").filter(|v| !v.is_null()) {
                            let index = index.as_i64().filter(|i| *i >= 0).ok_or_else(|| {
                                TrustVisionError::invalid(
                                    format!("{field}.index"),
                                    "`index` must be a non-negative integer",
                                )
                            })?;
                            metadata.insert("index".into(), json!(index));
                        }
                        let content_type = wire::check_image_format(&field, &bytes)?;
                        let mut media = new_media(&tenant, bytes, content_type, label, metadata);
                        media.info.parent_id = Some(file_id.clone());
                        frame_ids.push(media.info.media_id.to_string());
                        batch.put_media(media);
                    }
                    let mut media =
                        new_media(&tenant, Vec::new(), FRAMES_CONTENT_TYPE, None, metadata);
                    media.info.media_id = file_id.clone();
                    media.info.parent_id = parent;
                    batch.put_media(media);
                    batch.put_document(Document {
                        tenant: tenant.clone(),
                        kind: FILE_FRAMES.into(),
                        key: file_id.to_string(),
                        value: json!({ "frames": frame_ids }),
                        updated_at_ms: store::unix_millis_now(),
                    });
                }
                (Some(_), Some(_)) => {
                    return Err(TrustVisionError::invalid(
                        "frames",
                        "send either `file` (multipart) or `frames` (JSON), not both",
                    ))
                }
                (None, None) => {
                    return Err(TrustVisionError::invalid(
                        "file",
                        "`file` (multipart) or `frames` (JSON) is required",
                    ))
                }
            }
            service.records.commit(&batch)?;
            Ok(Reply::Data(json!({ "file_id": file_id.to_string() })))
        },
    )
    .await
}

/// The stored type of a frames-only file (it has no binary of its own).
const FRAMES_CONTENT_TYPE: &str = "application/x-trustvision-frames";

fn file_content_type(bytes: &[u8], declared: Option<&str>) -> String {
    if bytes.starts_with(b"%PDF-") {
        return "application/pdf".into();
    }
    if bytes.len() > 12 && &bytes[4..8] == b"ftyp" {
        return "video/mp4".into();
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return "video/webm".into();
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WAVE") {
        return "audio/wav".into();
    }
    if bytes.starts_with(b"ID3") || bytes.starts_with(&[0xFF, 0xFB]) {
        return "audio/mpeg".into();
    }
    declared
        .filter(|d| !d.is_empty())
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// TV-02 (`002:L291-330`) and TV-04 (`002:L421-460`).
async fn download(
    call: Call,
    service: Arc<TrustVisionService>,
    param: &str,
) -> Result<Reply, TrustVisionError> {
    let id = MediaId::new(call.path_param(param));
    let media = service
        .records
        .media(&call.principal.tenant, &id)?
        .ok_or_else(|| TrustVisionError::ImageNotFound {
            field: param.into(),
        })?;
    if media.info.content_type == FRAMES_CONTENT_TYPE {
        return Err(TrustVisionError::invalid(
            param,
            "file has no binary content: it was uploaded as frames (each frame is an image)",
        ));
    }
    let as_base64 = call
        .header("x-download-base64")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if as_base64 {
        // T52: a data URI with the stored media type.
        return Ok(Reply::Text(format!(
            "data:{};base64,{}",
            media.info.content_type,
            base64::engine::general_purpose::STANDARD.encode(&media.bytes)
        )));
    }
    Ok(Reply::Binary {
        content_type: media.info.content_type,
        bytes: media.bytes,
    })
}

async fn download_image(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("download_image", Body::None),
        request,
        payload,
        service,
        |service, call| download(call, service, "image_id"),
    )
    .await
}

async fn download_file(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("download_file", Body::None),
        request,
        payload,
        service,
        |service, call| download(call, service, "file_id"),
    )
    .await
}

/// `GET /v1/face_images/{face_id}`: not in the vendor document, called by the vendor's client
/// (`services/SearchFaces`): the face's region of its image, as JPEG.
async fn download_face(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("download_face_image", Body::None),
        request,
        payload,
        service,
        |service, call| async move {
            let tenant = &call.principal.tenant;
            let not_found = || TrustVisionError::ImageNotFound {
                field: "face_id".into(),
            };
            let face = service
                .records
                .document(tenant, FACE, call.path_param("face_id"))?
                .ok_or_else(not_found)?;
            let media_id = face.value["media_id"].as_str().ok_or_else(not_found)?;
            let bbox: engine::BoundingBox =
                serde_json::from_value(face.value["box"].clone()).map_err(|_| not_found())?;
            let media = service
                .records
                .media(tenant, &MediaId::new(media_id))?
                .ok_or_else(not_found)?;
            let verifier = service.verifier.clone();
            let limits = service.settings.image_limits();
            let jpeg = tokio::task::spawn_blocking(move || {
                verifier.face_crop_jpeg(&media.bytes, &bbox, &limits)
            })
            .await
            .map_err(TrustVisionError::internal)?
            .map_err(TrustVisionError::internal)?;
            Ok(Reply::Binary {
                content_type: "image/jpeg".into(),
                bytes: jpeg,
            })
        },
    )
    .await
}

/// A record that lets `GET /v1/face_images/{face_id}` find a reported face.
pub fn face_document(
    tenant: &TenantId,
    face_id: &str,
    media_id: &MediaId,
    bbox: &engine::BoundingBox,
) -> Document {
    Document {
        tenant: tenant.clone(),
        kind: FACE.into(),
        key: face_id.to_owned(),
        value: json!({ "media_id": media_id.to_string(), "box": bbox }),
        updated_at_ms: store::unix_millis_now(),
    }
}

/// TV-20 (`002:L3444-3520`); T31: merge, never dropping keys; `override` lets request keys win.
async fn patch_image(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("update_image_metadata", Body::Json),
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
            let metadata = wire::metadata("metadata", body.get("metadata"))?;
            let label = wire::optional_str(&body, "label")?
                .filter(|l| !l.is_empty())
                .map(str::to_owned);
            if let Some(label) = &label {
                wire::check_image_label("label", label)?;
            }
            let overwrite = wire::optional_bool(&body, "override")?.unwrap_or(false);
            let patch = MediaPatch {
                metadata,
                merge: if overwrite {
                    MetadataMerge::Overwrite
                } else {
                    MetadataMerge::KeepExisting
                },
                label,
            };
            let id = MediaId::new(call.path_param("image_id"));
            let gallery = service.gallery.clone();
            let tenant = call.principal.tenant.clone();
            let info =
                tokio::task::spawn_blocking(move || gallery.patch_image(&tenant, &id, &patch))
                    .await
                    .map_err(TrustVisionError::internal)?
                    .map_err(TrustVisionError::internal)?
                    .ok_or_else(|| TrustVisionError::ImageNotFound {
                        field: "image_id".into(),
                    })?;
            Ok(Reply::Data(json!({
                "image_id": info.media_id.to_string(),
                "label": info.label,
                "metadata": info.metadata,
            })))
        },
    )
    .await
}

/// TV-21 (`002:L3521-3589`); T32: ids may be images or files; 405 when deletion is disabled or
/// an id is not this key's (nothing is deleted then).
async fn delete_files(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("delete_files", Body::Json),
        request,
        payload,
        service,
        |service, call| async move {
            if !service.settings.allow_delete_files {
                return Err(TrustVisionError::NotAllowDelete {
                    message: "deleting files is disabled for this gateway".into(),
                });
            }
            let body = wire::json_object(&call.body)?;
            let ids = body
                .get("file_ids")
                .and_then(Value::as_array)
                .filter(|ids| !ids.is_empty() && ids.len() <= 100)
                .ok_or_else(|| {
                    TrustVisionError::invalid("file_ids", "`file_ids` must list 1 to 100 ids")
                })?
                .iter()
                .map(|id| id.as_str().map(|id| MediaId::new(id.trim())))
                .collect::<Option<Vec<MediaId>>>()
                .ok_or_else(|| TrustVisionError::invalid("file_ids", "ids must be strings"))?;
            let tenant = call.principal.tenant.clone();
            let mut targets = Vec::new();
            let mut unknown = Vec::new();
            for id in &ids {
                if service.records.media_info(&tenant, id)?.is_none() {
                    unknown.push(id.to_string());
                    continue;
                }
                targets.push(id.clone());
                if let Some(frames) = service
                    .records
                    .document(&tenant, FILE_FRAMES, id.as_str())?
                {
                    targets.extend(
                        frames.value["frames"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(MediaId::new),
                    );
                }
            }
            if !unknown.is_empty() {
                return Err(TrustVisionError::NotAllowDelete {
                    message: format!("not files of this key: {}", unknown.join(", ")),
                });
            }
            let gallery = service.gallery.clone();
            tokio::task::spawn_blocking(move || {
                gallery.delete_images(&tenant, &targets, &Batch::new())
            })
            .await
            .map_err(TrustVisionError::internal)?
            .map_err(TrustVisionError::internal)?;
            Ok(Reply::Data(json!({ "status": "success" })))
        },
    )
    .await
}
