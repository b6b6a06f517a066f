//! The request ledger (S7): what every processing route records, TV-22 by request id and TV-23
//! by the client's `X-Request-ID` correlation id (spec 4.6, T33, T34).

use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use store::{RequestId, RequestRecord};

use crate::error::{Failure, TrustVisionError};
use crate::frame::{handle, Body, Call, Reply, Route};
use crate::service::TrustVisionService;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route(
            "/v1/requests_by_req_id/{request_id}",
            web::get().to(request_by_id),
        )
        .route(
            "/v1/requests_by_x_req_id/{x_request_id}",
            web::get().to(requests_by_correlation),
        );
}

/// An input of a request (TV-23 `file_ids[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct InputFile {
    pub id: String,
    pub label: Option<String>,
}

impl InputFile {
    fn json(&self) -> Value {
        json!({"id": self.id, "label": self.label.clone().unwrap_or_default()})
    }
}

/// The ledger entry of a processing request: who asked (`access_key_id`, `x_request_id`, the
/// transaction), with which inputs, and the `data` it was answered with (plus `errors` for a
/// failure), as TV-22 returns it.
pub fn ledger_entry(
    call: &Call,
    service: &str,
    inputs: Vec<InputFile>,
    data: &Value,
    failure: Option<&Failure>,
) -> RequestRecord {
    let mut response = json!({ "data": data });
    if let Some(failure) = failure {
        response["errors"] = json!([failure.error_json()]);
    }
    // `002:L112-120`: user-consent headers are kept with the request when sent (which services
    // require them is withheld by the vendor; none is refused for their absence, T6).
    let mut consent = Map::new();
    for (header, key) in [
        ("x-uc-ip", "ip"),
        ("x-uc-location", "location"),
        ("x-uc-consent-obtained", "consent_obtained"),
        ("x-uc-consent-obtained-at", "consent_obtained_at"),
    ] {
        if let Some(value) = call.header(header) {
            consent.insert(key.into(), json!(value));
        }
    }
    RequestRecord {
        tenant: call.principal.tenant.clone(),
        request_id: RequestId::new(call.request_id.clone()),
        service: service.to_owned(),
        correlation_id: call.correlation_id.clone(),
        created_at_ms: store::unix_millis_now(),
        request: json!({
            "access_key_id": call.principal.access_key_id,
            "x_request_id": call.correlation_id,
            "transaction_id": call.transaction_id,
            "file_ids": inputs.iter().map(InputFile::json).collect::<Vec<_>>(),
            "user_consent": (!consent.is_empty()).then_some(Value::Object(consent)),
        }),
        response,
    }
}

/// TV-22 (`002:L3590-3659`): the stored `data` with `service` added.
async fn request_by_id(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("requests_by_req_id", Body::None),
        request,
        payload,
        service,
        |service, call| async move {
            let id = RequestId::new(call.path_param("request_id"));
            let record = service
                .records
                .request(&call.principal.tenant, &id)?
                .ok_or(TrustVisionError::RequestNotFound)?;
            let mut data = record.response["data"].clone();
            if let Value::Object(object) = &mut data {
                object.insert("service".into(), json!(record.service));
            }
            Ok(Reply::Data(data))
        },
    )
    .await
}

/// TV-23 (`002:L3660-3784`): the requests sharing the correlation id, by service, their inputs
/// and a `final_result` where the latest successful request of each service wins (T34).
async fn requests_by_correlation(
    request: HttpRequest,
    payload: web::Payload,
    service: Data<TrustVisionService>,
) -> HttpResponse {
    handle(
        Route::plain("requests_by_x_req_id", Body::None),
        request,
        payload,
        service,
        |service, call| async move {
            let query =
                web::Query::<Vec<(String, String)>>::from_query(call.request.query_string())
                    .map(web::Query::into_inner)
                    .unwrap_or_default();
            let max_results = match query.iter().find(|(k, _)| k == "max_results") {
                None => 100,
                Some((_, v)) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        TrustVisionError::invalid(
                            "max_results",
                            "must be an integer from 1 to 1000",
                        )
                    })?,
            };
            let correlation = call.path_param("x_request_id").to_owned();
            let records = service.records.requests_by_correlation(
                &call.principal.tenant,
                &correlation,
                max_results,
            )?;
            if records.is_empty() {
                return Err(TrustVisionError::RequestNotFound);
            }
            Ok(Reply::Data(aggregate(&records)))
        },
    )
    .await
}

/// Builds TV-23's `data` from records, newest first.
fn aggregate(records: &[RequestRecord]) -> Value {
    let mut data = Map::new();
    let mut files: Vec<Value> = Vec::new();
    let mut final_result = Map::new();
    let mut selfies: Vec<Value> = Vec::new();
    let mut full_input = Map::new();
    for record in records {
        let inputs = record.request["file_ids"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for input in &inputs {
            if !files.iter().any(|f| f["id"] == input["id"]) {
                files.push(input.clone());
            }
            let label = input["label"].as_str().unwrap_or_default();
            let id = input["id"].clone();
            if label == "portrait" {
                if !selfies.iter().any(|s| s["id"] == id) {
                    selfies.push(input.clone());
                }
                full_input.entry("main_selfie_id").or_insert(id);
            } else if label.starts_with("id_card.") && label.ends_with(".front") {
                full_input.entry("id_card_front_id").or_insert(id);
            } else if label.starts_with("id_card.") && label.ends_with(".back") {
                full_input.entry("id_card_back_id").or_insert(id);
            }
        }
        let mut entry = record.response["data"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        entry.insert("request_id".into(), json!(record.request_id.to_string()));
        entry.insert(
            "x_request_id".into(),
            record.request["x_request_id"].clone(),
        );
        entry.insert(
            "access_key_id".into(),
            record.request["access_key_id"].clone(),
        );
        entry.insert("file_ids".into(), Value::Array(inputs));
        let list = data
            .entry(record.service.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(json!({ "data": entry }));
        }
        let succeeded = record.response["data"]["status"] == "success";
        let slot = match record.service.as_str() {
            "search_faces" => Some("search_faces"),
            "verify_face_liveness" => Some("liveness_check"),
            "verify_portrait_sanity" => Some("portrait_sanity"),
            "verify_id_card_sanity" => Some("card_sanity"),
            "detect_id_card_tampering" => Some("card_tampering"),
            _ => None,
        };
        if let (Some(slot), true) = (slot, succeeded) {
            final_result
                .entry(slot)
                .or_insert_with(|| record.response["data"].clone());
        }
    }
    full_input.insert("selfies".into(), Value::Array(selfies));
    final_result.insert("full_input_file".into(), Value::Object(full_input));
    data.insert("file_ids".into(), Value::Array(files));
    data.insert("final_result".into(), Value::Object(final_result));
    Value::Object(data)
}
