//! The `trustvision` dialect keeps each key pair's records to itself (auth.rs: one tenant per
//! long-term key, temporary keys inside their issuer's), over real HTTP against the real binary with
//! real photos: key B cannot read, patch, compare, detect, index, search, delete or look up anything
//! of key A's, even under the same collection name and the same `X-Request-ID`, and A still sees all
//! of its own afterwards.

mod common;

use base64::Engine as _;
use common::{face, start_gateway_with, Gateway, GatewayOptions};
use reqwest::blocking::{multipart, Client, RequestBuilder};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Clone)]
struct Key {
    id: String,
    secret: String,
}

impl Key {
    fn new(id: &str, secret: &str) -> Self {
        Key {
            id: id.to_owned(),
            secret: secret.to_owned(),
        }
    }
}

fn key_a() -> Key {
    Key::new(
        "5d0c8e21-4f3a-4b6d-a7e9-1c2b3d4e5f01",
        "tv-isolation-secret-a-0123456789",
    )
}

fn key_b() -> Key {
    Key::new(
        "8a7b6c5d-3e2f-4a1b-9c8d-7e6f5a4b3c02",
        "tv-isolation-secret-b-9876543210",
    )
}

/// `base64(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + TIMESTAMP))`, PATH without `/api`
/// and without the query string.
fn signature(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    common::tv_signature(secret, method, path, timestamp)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct Resp {
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
    body: Value,
}

impl Resp {
    fn raw(&self) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        let cut: String = text.chars().take(1500).collect();
        format!("HTTP {} {}: {cut}", self.status, self.content_type)
    }

    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.raw());
        assert!(self.body["data"].is_object(), "{}", self.raw());
        assert!(self.body.get("errors").is_none(), "{}", self.raw());
        &self.body["data"]
    }

    fn str(&self, field: &str) -> String {
        self.ok()[field]
            .as_str()
            .unwrap_or_else(|| panic!("data.{field}: {}", self.raw()))
            .to_owned()
    }
}

fn send(request: RequestBuilder) -> Resp {
    let response = request.send().expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().expect("body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        content_type,
        bytes,
        body,
    }
}

/// The error envelope: status, one error with `code`, `data == {}`, `detail.field` (or none).
fn assert_error(reply: &Resp, status: u16, code: &str, field: Option<&str>) {
    let context = reply.raw();
    assert_eq!(reply.status, status, "{context}");
    assert_eq!(reply.body["data"], json!({}), "{context}");
    let errors = reply.body["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{context}");
    assert_eq!(errors[0]["code"], code, "{context}");
    match field {
        Some(field) => assert_eq!(errors[0]["detail"]["field"], field, "{context}"),
        None => assert!(errors[0]["detail"].get("field").is_none(), "{context}"),
    }
}

struct Tv<'g> {
    gateway: &'g Gateway,
    http: Client,
}

impl Tv<'_> {
    fn signed(&self, key: &Key, method: &str, path: &str) -> RequestBuilder {
        let timestamp = OffsetDateTime::now_utc().format(&Rfc3339).unwrap();
        let sig = signature(
            &key.secret,
            method,
            path.split('?').next().unwrap(),
            &timestamp,
        );
        self.http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                self.gateway.url(&format!("/api{path}")),
            )
            .header("Authorization", format!("TV {}:{sig}", key.id))
            .header("X-TV-Timestamp", timestamp)
    }

    fn get(&self, key: &Key, path: &str) -> Resp {
        send(self.signed(key, "GET", path))
    }

    fn post(&self, key: &Key, path: &str, body: &Value) -> Resp {
        send(self.signed(key, "POST", path).json(body))
    }

    fn post_correlated(&self, key: &Key, path: &str, correlation: &str, body: &Value) -> Resp {
        send(
            self.signed(key, "POST", path)
                .header("X-Request-ID", correlation)
                .json(body),
        )
    }

    fn upload(&self, key: &Key, bytes: &[u8], metadata: Value) -> String {
        self.post(
            key,
            "/v1/images",
            &json!({"base64": b64(bytes), "label": "portrait", "metadata": metadata}),
        )
        .str("image_id")
    }
}

/// The image ids of TV-16's matches for the first query face.
fn search_hits(reply: &Resp) -> Vec<String> {
    let data = reply.ok();
    assert_eq!(data["status"], "success", "{}", reply.raw());
    data["faces"][0]
        .as_array()
        .unwrap_or_else(|| panic!("faces[0][]: {}", reply.raw()))
        .iter()
        .map(|hit| hit["image_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every request id TV-23 lists, whatever the service.
fn listed_request_ids(data: &Value) -> Vec<String> {
    let mut ids: Vec<String> = data
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "file_ids" && *k != "final_result")
        .flat_map(|(_, v)| v.as_array().into_iter().flatten())
        .filter_map(|e| e["data"]["request_id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
fn one_key_pair_never_sees_another_ones_records() {
    let (Some(obama_1), Some(obama_2), Some(obama_3)) = (
        face("obama_1.jpg"),
        face("obama_2.jpg"),
        face("obama_3.jpg"),
    ) else {
        return;
    };
    let (a, b) = (key_a(), key_b());
    let gateway = start_gateway_with(GatewayOptions::default().env(
        "EKYC_TRUSTVISION_KEYS",
        format!("{}:{},{}:{}", a.id, a.secret, b.id, b.secret),
    ));
    let tv = Tv {
        gateway: &gateway,
        http: common::client(),
    };
    let collection = "shared-collection-name";
    let correlation = format!("shared-correlation-{}", uuid::Uuid::new_v4());

    // ---- A's records: two images, one indexed, a file, a compare under a correlation id, a face crop,
    // a transaction.
    let image_a1 = tv.upload(&a, &obama_1, json!({"owner": "a"}));
    let image_a2 = tv.upload(&a, &obama_2, json!({"owner": "a"}));
    let indexed = tv.post(
        &a,
        "/v1/index_faces_sync",
        &json!({"image": {"id": image_a1}, "collection": collection}),
    );
    assert_eq!(indexed.ok()["status"], "success", "{}", indexed.raw());
    let video = b"\x1a\x45\xdf\xa3 A's video".to_vec();
    let file_a = send(
        tv.signed(&a, "POST", "/v1/files").multipart(
            multipart::Form::new()
                .part(
                    "file",
                    multipart::Part::bytes(video.clone())
                        .file_name("a.webm")
                        .mime_str("video/webm")
                        .unwrap(),
                )
                .text("label", "video"),
        ),
    )
    .str("file_id");
    let compare_a = tv.post_correlated(
        &a,
        "/v1/compare_faces_sync",
        &correlation,
        &json!({"image1": {"id": image_a1}, "image2": {"id": image_a2}}),
    );
    let request_a = compare_a.str("request_id");
    let face_a = compare_a.ok()["image1"]["faces"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("image1.faces[0].id: {}", compare_a.raw()))
        .to_owned();
    let transaction_a = tv
        .post(&a, "/v1/transactions", &json!({"channel_name": "web"}))
        .str("id");

    // ---- B's own records, under the same collection name and the same correlation id.
    let image_b = tv.upload(&b, &obama_3, json!({"owner": "b"}));
    let indexed = tv.post(
        &b,
        "/v1/index_faces_sync",
        &json!({"image": {"id": image_b}, "collection": collection}),
    );
    assert_eq!(indexed.ok()["status"], "success", "{}", indexed.raw());
    let detect_b = tv.post_correlated(
        &b,
        "/v1/detect_faces_sync",
        &correlation,
        &json!({"image": {"id": image_b}}),
    );
    let request_b = detect_b.str("request_id");

    // ---- B cannot reach A's records.
    // TV-02, TV-04, TV-20.
    let not_found = |reply: Resp, field: &str| {
        assert_error(&reply, 404, "image_not_found_exception", Some(field));
    };
    not_found(tv.get(&b, &format!("/v1/images/{image_a1}")), "image_id");
    not_found(tv.get(&b, &format!("/v1/files/{file_a}")), "file_id");
    not_found(
        send(
            tv.signed(&b, "PATCH", &format!("/v1/images/{image_a1}"))
                .json(&json!({"metadata": {"owner": "b"}, "override": true})),
        ),
        "image_id",
    );
    // TV-05 either side, TV-13, TV-15, TV-16, TV-17 by id.
    not_found(
        tv.post(
            &b,
            "/v1/compare_faces_sync",
            &json!({"image1": {"id": image_a1}, "image2": {"id": image_b}}),
        ),
        "image1.id",
    );
    not_found(
        tv.post(
            &b,
            "/v1/compare_faces_sync",
            &json!({"image1": {"id": image_b}, "image2": {"id": image_a2}}),
        ),
        "image2.id",
    );
    for route in [
        "/v1/detect_faces_sync",
        "/v1/index_faces_sync",
        "/v1/search_faces_sync",
        "/v1/alert_faces_sync",
    ] {
        not_found(
            tv.post(
                &b,
                route,
                &json!({"image": {"id": image_a1}, "collection": collection}),
            ),
            "image.id",
        );
    }
    // Face crops.
    not_found(tv.get(&b, &format!("/v1/face_images/{face_a}")), "face_id");
    // TV-16: B's search of the same collection name with A's person finds only B's face.
    let search = json!({"image": {"base64": b64(&obama_2)}, "collection": collection});
    let hits_b = search_hits(&tv.post(&b, "/v1/search_faces_sync", &search));
    assert_eq!(
        hits_b,
        std::slice::from_ref(&image_b),
        "B sees only its own face"
    );
    // TV-19: B's metadata search of the same collection finds nothing of A's.
    let found = tv.post(
        &b,
        "/v1/search_metadata",
        &json!({"metadata": {"owner": "a"}, "collection": collection}),
    );
    assert_eq!(found.ok()["faces"], json!([]), "{}", found.raw());
    // TV-18: 404 on A's ids.
    not_found(
        tv.post(
            &b,
            "/v1/delete_faces",
            &json!({"image_ids": [image_a1], "collection": collection}),
        ),
        "image_ids",
    );
    // TV-21: 405 on A's ids (alone and beside B's own), nothing deleted.
    for ids in [
        json!([image_a1]),
        json!([file_a]),
        json!([image_b, image_a2]),
    ] {
        let reply = tv.post(&b, "/v1/delete_files", &json!({"file_ids": ids}));
        assert_error(&reply, 405, "not_allow_delete_exception", Some("file_ids"));
    }
    let still_b = tv.get(&b, &format!("/v1/images/{image_b}"));
    assert!(
        still_b.bytes == obama_3,
        "B's own image survived the refused deletion"
    );
    // TV-22, TV-23.
    let reply = tv.get(&b, &format!("/v1/requests_by_req_id/{request_a}"));
    assert_error(&reply, 404, "request_not_found_exception", None);
    let b_listed = tv.get(&b, &format!("/v1/requests_by_x_req_id/{correlation}"));
    assert_eq!(
        listed_request_ids(b_listed.ok()),
        std::slice::from_ref(&request_b),
        "B's correlation lists only B's request: {}",
        b_listed.raw()
    );
    let a_only = format!("a-only-{}", uuid::Uuid::new_v4());
    tv.post_correlated(
        &a,
        "/v1/detect_faces_sync",
        &a_only,
        &json!({"image": {"id": image_a2}}),
    )
    .ok();
    let reply = tv.get(&b, &format!("/v1/requests_by_x_req_id/{a_only}"));
    assert_error(&reply, 404, "request_not_found_exception", None);
    // Transactions.
    let reply = send(
        tv.signed(&b, "POST", "/v1/detect_faces_sync")
            .header("X-TV-Transaction", &transaction_a)
            .json(&json!({"image": {"id": image_b}})),
    );
    assert_error(
        &reply,
        400,
        "invalid_parameter_exception",
        Some("X-TV-Transaction"),
    );
    let reply = tv.post(
        &b,
        &format!("/v1/transactions/{transaction_a}/finish"),
        &json!({}),
    );
    assert_error(
        &reply,
        400,
        "invalid_parameter_exception",
        Some("transaction_id"),
    );
    // A temporary key of B's is inside B's tenant, one of A's inside A's.
    let temp_b = tv.post(&b, "/v1/temporary_credential", &json!({}));
    let temp_b = Key::new(&temp_b.str("access_key"), &temp_b.str("secret"));
    not_found(
        tv.get(&temp_b, &format!("/v1/images/{image_a1}")),
        "image_id",
    );
    let temp_a = tv.post(&a, "/v1/temporary_credential", &json!({}));
    let temp_a = Key::new(&temp_a.str("access_key"), &temp_a.str("secret"));
    let reply = tv.get(&temp_a, &format!("/v1/images/{image_a1}"));
    assert!(
        reply.status == 200 && reply.bytes == obama_1,
        "{}",
        reply.raw()
    );
    not_found(
        tv.get(&temp_a, &format!("/v1/images/{image_b}")),
        "image_id",
    );

    // ---- A still sees all of its own, unchanged.
    for (id, bytes) in [(&image_a1, &obama_1), (&image_a2, &obama_2)] {
        let reply = tv.get(&a, &format!("/v1/images/{id}"));
        assert_eq!(reply.status, 200, "{}", reply.raw());
        assert!(reply.bytes == *bytes, "A's image {id} is intact");
    }
    not_found(tv.get(&a, &format!("/v1/images/{image_b}")), "image_id");
    let reply = tv.get(&a, &format!("/v1/files/{file_a}"));
    assert_eq!(
        (reply.status, &reply.bytes),
        (200, &video),
        "{}",
        reply.raw()
    );
    let crop = tv.get(&a, &format!("/v1/face_images/{face_a}"));
    assert_eq!(crop.status, 200, "{}", crop.raw());
    assert_eq!(crop.content_type, "image/jpeg");
    assert!(crop.bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG crop");
    let hits_a = search_hits(&tv.post(&a, "/v1/search_faces_sync", &search));
    assert_eq!(
        hits_a,
        std::slice::from_ref(&image_a1),
        "A finds its indexed face, not B's"
    );
    let found = tv.post(
        &a,
        "/v1/search_metadata",
        &json!({"metadata": {"owner": "a"}, "collection": collection}),
    );
    let faces = found.ok()["faces"].as_array().expect("faces[]").clone();
    assert_eq!(faces.len(), 1, "{}", found.raw());
    assert_eq!(faces[0]["image_id"], image_a1.as_str());
    // B's refused patch did not change A's metadata: a non-overriding patch shows it.
    let patched = send(
        tv.signed(&a, "PATCH", &format!("/v1/images/{image_a1}"))
            .json(&json!({"metadata": {"checked": true}})),
    );
    assert_eq!(
        patched.ok()["metadata"],
        json!({"owner": "a", "checked": true}),
        "{}",
        patched.raw()
    );
    let stored = tv.get(&a, &format!("/v1/requests_by_req_id/{request_a}"));
    assert_eq!(stored.ok()["request_id"], request_a.as_str());
    assert_eq!(stored.ok()["service"], "compare_faces");
    let a_listed = tv.get(&a, &format!("/v1/requests_by_x_req_id/{correlation}"));
    assert_eq!(
        listed_request_ids(a_listed.ok()),
        std::slice::from_ref(&request_a),
        "A's correlation lists only A's request: {}",
        a_listed.raw()
    );
    let reply = tv.get(&a, &format!("/v1/requests_by_req_id/{request_b}"));
    assert_error(&reply, 404, "request_not_found_exception", None);
    // A's transaction is still open for A.
    let reply = send(
        tv.signed(&a, "POST", "/v1/detect_faces_sync")
            .header("X-TV-Transaction", &transaction_a)
            .json(&json!({"image": {"id": image_a2}})),
    );
    assert_eq!(reply.ok()["status"], "success");
    tv.post(
        &a,
        &format!("/v1/transactions/{transaction_a}/finish"),
        &json!({}),
    )
    .ok();
    // A's own delete_faces and delete_files work on its ids.
    tv.post(
        &a,
        "/v1/delete_faces",
        &json!({"image_ids": [image_a1], "collection": collection}),
    )
    .ok();
    let hits_a = search_hits(&tv.post(&a, "/v1/search_faces_sync", &search));
    assert!(
        hits_a.is_empty(),
        "A's face left its collection: {hits_a:?}"
    );
    let hits_b = search_hits(&tv.post(&b, "/v1/search_faces_sync", &search));
    assert_eq!(
        hits_b,
        std::slice::from_ref(&image_b),
        "B's face is untouched"
    );
    let deleted = tv.post(
        &a,
        "/v1/delete_files",
        &json!({"file_ids": [image_a2, file_a]}),
    );
    assert_eq!(deleted.ok()["status"], "success");
    not_found(tv.get(&a, &format!("/v1/images/{image_a2}")), "image_id");
    let still_b = tv.get(&b, &format!("/v1/images/{image_b}"));
    assert!(
        still_b.bytes == obama_3,
        "B's image is untouched by A's deletion"
    );
}
