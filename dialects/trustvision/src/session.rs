//! Keys and sessions: TV-25 temporary credentials, TV-31/TV-32 transactions, TV-33 client
//! settings; and the services later issues build, which answer the dialect's own refusal until
//! then (docs/compatibility.md).

use std::collections::BTreeSet;

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use command::records::Batch;
use serde_json::{json, Map, Value};
use store::Document;

use crate::auth::TemporaryCredential;
use crate::error::TrustVisionError;
use crate::frame::{
    credentials_tenant, handle, Body, Call, Reply, Route, TEMPORARY_CREDENTIAL, TRANSACTION,
};
use crate::service::TrustVisionService;
use crate::wire;

/// Channels by name (TV-31 `channel_name` -> a stable `channel_id`, spec 4.8).
const CHANNEL: &str = "tv_channel";

/// Routes of this dialect that later issues build, with their service names (spec 4.7).
pub const NOT_YET_SERVED: [(&str, &str); 20] = [
    ("/v1/verify_face_liveness_sync", "verify_face_liveness"),
    (
        "/v1/verify_face_video_liveness_sync",
        "verify_face_video_liveness",
    ),
    ("/v1/read_id_card_info_sync", "read_id_card_info"),
    ("/v1/convert_pdf_sync", "convert_pdf"),
    ("/v1/verify_portrait_sanity_sync", "verify_portrait_sanity"),
    ("/v1/verify_id_card_sanity_sync", "verify_id_card_sanity"),
    (
        "/v1/detect_id_card_tampering_sync",
        "detect_id_card_tampering",
    ),
    ("/v1/face_otp", "face_otp"),
    ("/v1/detect_id_cards_sync", "detect_id_cards"),
    ("/v1/ekyc", "ekyc"),
    ("/v1/ekyc_pdf", "ekyc_pdf"),
    ("/v1/face_auth_register", "face_auth_register"),
    ("/v1/face_auth", "face_auth"),
    ("/v1/face_auth_user", "face_auth_user"),
    ("/v1/face_auth_unregister", "face_auth_unregister"),
    ("/v1/verify_identity_sync", "verify_identity"),
    ("/v1/read_doc_info_sync", "read_doc_info"),
    ("/v1/verify_nfc", "verify_nfc"),
    ("/v1/check_nfc", "check_nfc"),
    ("/v1/index_faces_video", "index_faces_video"),
];

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            "/v1/temporary_credential",
            web::post().to(temporary_credential),
        )
        .route("/v1/transactions", web::post().to(open_transaction))
        .route(
            "/v1/transactions/{transaction_id}/finish",
            web::post().to(finish_transaction),
        )
        .route("/v1/client_settings", web::get().to(client_settings));
    for (path, service) in NOT_YET_SERVED {
        config.route(
            path,
            web::post().to(
                move |request: HttpRequest,
                      payload: web::Payload,
                      data: Data<TrustVisionService>| {
                    not_yet_served(service, request, payload, data)
                },
            ),
        );
    }
}

/// Signature first (an unsigned call is refused as such), then the refusal a key without the
/// service gets: 401 `access_denied_exception`, `detail.service` naming it.
async fn not_yet_served(
    service_name: &'static str,
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    let route = Route {
        service: service_name,
        restricted: true,
        encrypts: false,
        body: Body::None,
    };
    handle(route, request, payload, service, |_, _| async move {
        Err::<Reply, _>(TrustVisionError::ServiceNotAvailable {
            service: service_name,
        })
    })
    .await
}

/// The services a key may grant a temporary key: the ones this gateway serves.
pub const GRANTABLE: [&str; 7] = [
    "compare_faces",
    "detect_faces",
    "index_faces",
    "search_faces",
    "alert_faces",
    "delete_faces",
    "search_metadata",
];

/// TV-25 (`002:L3956-4028`): a key pair that signs like the issuing key until `expire_at`,
/// limited to `services` when given (T7, T36). A temporary key cannot issue another.
async fn temporary_credential(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("temporary_credential", Body::Json),
        request,
        payload,
        service,
        |service, call| async move {
            if call.principal.temporary {
                return Err(TrustVisionError::AccessDenied {
                    reason: "a temporary key cannot issue temporary keys".into(),
                });
            }
            let body = wire::json_object(&call.body)?;
            let max = service.settings.temporary_credential_max.as_secs() as i64;
            let duration = wire::optional_int(&body, "duration_seconds", 1..=max)?
                .map(|s| s as u64)
                .unwrap_or(service.settings.temporary_credential_default.as_secs());
            let services = match body.get("services") {
                None | Some(Value::Null) => None,
                Some(Value::Object(map)) => {
                    let mut granted = BTreeSet::new();
                    for (name, allowed) in map {
                        let allowed = allowed.as_bool().ok_or_else(|| {
                            TrustVisionError::invalid(
                                "services",
                                format!("`{name}` must be true or false"),
                            )
                        })?;
                        if allowed {
                            granted.insert(name.clone());
                        }
                    }
                    Some(granted)
                }
                Some(_) => {
                    return Err(TrustVisionError::invalid(
                        "services",
                        "`services` must be an object of service name to true/false",
                    ))
                }
            };
            let access_key = wire::new_id();
            let secret = random_secret();
            let expire_at_ms = store::unix_millis_now() + duration * 1000;
            let credential = TemporaryCredential {
                secret: secret.clone(),
                issued_by: call.principal.root_key_id.clone(),
                expire_at_ms,
                services,
            };
            let mut batch = Batch::new();
            batch.put_document(Document {
                tenant: credentials_tenant(),
                kind: TEMPORARY_CREDENTIAL.into(),
                key: access_key.clone(),
                value: serde_json::to_value(&credential).map_err(TrustVisionError::internal)?,
                updated_at_ms: store::unix_millis_now(),
            });
            service.records.commit(&batch)?;
            Ok(Reply::Data(json!({
                "access_key": access_key,
                "secret": secret,
                "expire_at": wire::rfc3339_ms(expire_at_ms),
            })))
        },
    )
    .await
}

/// 32 characters from the OS's random source (two v4 UUIDs' random bits), like the example.
fn random_secret() -> String {
    let hex = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    hex.chars().take(32).collect()
}

/// TV-31 (`002:L5352-5432`): every table field accepted and kept (T42).
async fn open_transaction(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("transactions", Body::Json),
        request,
        payload,
        service,
        |service, call| async move {
            let body = wire::json_object(&call.body)?;
            let mut kept = Map::new();
            for field in [
                "reference_id",
                "channel_name",
                "agent_number",
                "agent_name",
                "client_transaction_id",
                "client_apk_version_number",
                "brand_identifier",
                "customer_name",
            ] {
                if let Some(value) = wire::optional_str(&body, field)? {
                    kept.insert(field.into(), json!(value));
                }
            }
            let metadata = wire::metadata("metadata", body.get("metadata"))?;
            let tenant = call.principal.tenant.clone();
            let channel_name = kept
                .get("channel_name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = wire::new_id();
            let now = store::unix_millis_now();
            let channel_id = service.records.write_with(|tx| {
                // Keyed `name:<channel_name>`: a transaction without a channel joins the unnamed
                // channel (`name:`), and the store takes no empty key.
                let channel_key = format!("name:{channel_name}");
                let channel_id = match tx.get_document(&tenant, CHANNEL, &channel_key)? {
                    Some(existing) => existing.value["id"].as_str().unwrap_or_default().to_owned(),
                    None => {
                        let channel_id = wire::new_id();
                        tx.put_document(&Document {
                            tenant: tenant.clone(),
                            kind: CHANNEL.into(),
                            key: channel_key.clone(),
                            value: json!({ "id": channel_id }),
                            updated_at_ms: now,
                        })?;
                        channel_id
                    }
                };
                let mut value = kept.clone();
                value.insert("metadata".into(), Value::Object(metadata.clone()));
                value.insert("channel_id".into(), json!(channel_id));
                value.insert("access_key_id".into(), json!(call.principal.access_key_id));
                value.insert("created_at".into(), json!(wire::rfc3339_ms(now)));
                tx.put_document(&Document {
                    tenant: tenant.clone(),
                    kind: TRANSACTION.into(),
                    key: id.clone(),
                    value: Value::Object(value),
                    updated_at_ms: now,
                })?;
                Ok(channel_id)
            })?;
            Ok(Reply::Data(json!({ "id": id, "channel_id": channel_id })))
        },
    )
    .await
}

/// TV-32 (`002:L5433-5497`); T43: unknown -> 400 `transaction_id`; finishing twice is idempotent.
async fn finish_transaction(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("transactions", Body::Json),
        request,
        payload,
        service,
        |service, call: Call| async move {
            let body = wire::json_object(&call.body)?;
            let vilcaf = wire::optional_str(&body, "vilcaf_number")?.map(str::to_owned);
            let status_code = wire::optional_int(&body, "status_code", i64::MIN..=i64::MAX)?;
            let id = call.path_param("transaction_id").to_owned();
            let tenant = call.principal.tenant.clone();
            let now = store::unix_millis_now();
            let found = service.records.write_with(|tx| {
                let Some(mut document) = tx.get_document(&tenant, TRANSACTION, &id)? else {
                    return Ok(false);
                };
                if document.value.get("finished_at").is_none_or(Value::is_null) {
                    document.value["finished_at"] = json!(wire::rfc3339_ms(now));
                    if let Some(vilcaf) = &vilcaf {
                        document.value["vilcaf_number"] = json!(vilcaf);
                    }
                    if let Some(code) = status_code {
                        document.value["status_code"] = json!(code);
                    }
                    document.updated_at_ms = now;
                    tx.put_document(&document)?;
                }
                Ok(true)
            })?;
            if !found {
                return Err(TrustVisionError::invalid(
                    "transaction_id",
                    "no transaction of this key has that id",
                ));
            }
            Ok(Reply::Data(json!({ "id": id })))
        },
    )
    .await
}

/// TV-33 (`002:L5498-5652`): what this gateway really does, for this key (T44). `card_types`
/// lists the card types the gateway reads: none yet.
async fn client_settings(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("client_settings", Body::None),
        request,
        payload,
        service,
        |service, call| async move {
            let serves = |name: &str| GRANTABLE.contains(&name) && call.principal.may_use(name);
            Ok(Reply::Data(json!({
                "country": service.settings.country,
                "card_types": [],
                "settings": {
                    "enable_compare_faces": serves("compare_faces"),
                    "enable_index_faces": serves("index_faces"),
                    "enable_face_retrieval": serves("search_faces"),
                    "enable_convert_pdf": false,
                    "enable_detect_id_card_tampering": false,
                    "enable_detect_id_cards": false,
                    "enable_read_id_card_info": false,
                    "enable_verify_face_liveness": false,
                    "enable_verify_id_card_sanity": false,
                    "enable_verify_portrait_sanity": false,
                    "enable_encryption": call.principal.encrypt_responses,
                    "support_transaction": true,
                    "liveness_modes": [],
                    "scan_qr": "none",
                    "selfie_camera_options": ["front"],
                    "selfie_enable_detect_multiple_face": true,
                    "web_app_crop_face": "none",
                    "zoom_issue_devices": [],
                    "web_ui": {"show_score": false, "index_collections": []},
                },
            })))
        },
    )
    .await
}
