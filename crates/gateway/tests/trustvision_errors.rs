//! The `trustvision` dialect's error matrix (spec appendix A, section 8.4 T1-T61) over real HTTP against
//! the real binary, every row provoked by a real bad request on TV-01..05, TV-13, TV-15..23, TV-25,
//! TV-31..33 and `GET /v1/face_images/{id}`: HTTP status, `errors[0].code`, the vendor's message,
//! `data == {}` and `detail.field`. Also the success paths that close the loops: processed-but-failed,
//! `X-Request-ID` correlation, temporary credentials, transactions, response encryption, both upload
//! forms and base64 downloads.
//!
//! The signer, the response decryption and the RFC 3339 clock here are written independently of the
//! dialect's own code: `Authorization: TV <id>:<base64 HMAC-SHA256(secret, METHOD\nPATH\nTIMESTAMP)>`
//! over the route path without `/api` and without the query string.
//!
//! One gateway serves most cases: they run as named sub-cases of one test, each caught on its own so
//! that every failing case is reported. Settings that change the whole gateway (a small image limit, a
//! rate limit, a 1 ms timeout) get a gateway each.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64::Engine as _;
use common::{face, start_gateway_with, Gateway, GatewayOptions};
use reqwest::blocking::{multipart, Client, RequestBuilder};
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

// ---------------------------------------------------------------------------------------------
// Keys, signing, requests
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
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

/// A plain key.
fn key_a() -> Key {
    Key::new(
        "0c2f6d1e-8a41-4b7c-9e53-2d7a1f3b6c01",
        "tv-errors-secret-a-0123456789abcdef",
    )
}

/// The key whose responses are encrypted (`EKYC_TRUSTVISION_ENCRYPTED_KEYS`).
fn key_e() -> Key {
    Key::new(
        "7e4b2a90-13cd-4f6e-8b21-5c9d0e7f3a02",
        "tv-errors-secret-e-fedcba9876543210",
    )
}

/// A second plain key (its own client).
fn key_b() -> Key {
    Key::new(
        "a61d9c33-2b7e-4e05-91fa-3e8c7d2b5f03",
        "tv-errors-secret-b-00112233445566",
    )
}

fn keys_env(keys: &[Key]) -> String {
    keys.iter()
        .map(|k| format!("{}:{}", k.id, k.secret))
        .collect::<Vec<_>>()
        .join(",")
}

fn options() -> GatewayOptions {
    GatewayOptions::default()
        .env(
            "EKYC_TRUSTVISION_KEYS",
            keys_env(&[key_a(), key_e(), key_b()]),
        )
        .env("EKYC_TRUSTVISION_ENCRYPTED_KEYS", key_e().id)
}

/// RFC 3339 with a +07:00 offset and whole seconds, like the vendor's example.
fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::from_hms(7, 0, 0).unwrap())
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

fn now() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

fn minutes_from_now(minutes: i64) -> String {
    rfc3339(OffsetDateTime::now_utc() + time::Duration::minutes(minutes))
}

/// `base64(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + TIMESTAMP))`.
fn signature(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    common::tv_signature(secret, method, path, timestamp)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A response, whatever its body.
struct Resp {
    status: u16,
    content_type: String,
    request_id: Option<String>,
    bytes: Vec<u8>,
    body: Value,
}

impl Resp {
    fn raw(&self) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        let cut: String = text.chars().take(1500).collect();
        format!("HTTP {} {}: {cut}", self.status, self.content_type)
    }

    /// HTTP 200 with a `data` object and no `errors`: the data.
    fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "{}", self.raw());
        assert!(
            self.content_type.starts_with("application/json"),
            "{}",
            self.raw()
        );
        assert!(self.body["data"].is_object(), "{}", self.raw());
        assert!(self.body.get("errors").is_none(), "{}", self.raw());
        &self.body["data"]
    }
}

fn send(request: RequestBuilder) -> Resp {
    let response = request.send().expect("request sent");
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type").unwrap_or_default();
    let request_id = header("x-request-id");
    let bytes = response.bytes().expect("body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        content_type,
        request_id,
        bytes,
        body,
    }
}

/// The dialect under `/api` of one gateway.
struct Tv<'g> {
    gateway: &'g Gateway,
    http: Client,
}

impl<'g> Tv<'g> {
    fn new(gateway: &'g Gateway) -> Self {
        Tv {
            gateway,
            http: common::client(),
        }
    }

    fn url(&self, path: &str) -> String {
        self.gateway.url(&format!("/api{path}"))
    }

    /// An unsigned request.
    fn bare(&self, method: &str, path: &str) -> RequestBuilder {
        self.http.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            self.url(path),
        )
    }

    /// Signed by `key` at `timestamp` over `path` without its query string.
    fn signed_at(&self, key: &Key, method: &str, path: &str, timestamp: &str) -> RequestBuilder {
        let signed_path = path.split('?').next().unwrap();
        let sig = signature(&key.secret, method, signed_path, timestamp);
        self.bare(method, path)
            .header("Authorization", format!("TV {}:{sig}", key.id))
            .header("X-TV-Timestamp", timestamp)
    }

    fn signed(&self, key: &Key, method: &str, path: &str) -> RequestBuilder {
        self.signed_at(key, method, path, &now())
    }

    fn get(&self, key: &Key, path: &str) -> Resp {
        send(self.signed(key, "GET", path))
    }

    fn post(&self, key: &Key, path: &str, body: &Value) -> Resp {
        send(self.signed(key, "POST", path).json(body))
    }

    fn patch(&self, key: &Key, path: &str, body: &Value) -> Resp {
        send(self.signed(key, "PATCH", path).json(body))
    }

    fn upload_json(&self, key: &Key, bytes: &[u8], label: &str) -> String {
        let reply = self.post(
            key,
            "/v1/images",
            &json!({"base64": b64(bytes), "label": label}),
        );
        id_of(&reply, "image_id")
    }
}

fn id_of(reply: &Resp, field: &str) -> String {
    let id = reply.ok()[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field}: {}", reply.raw()))
        .to_owned();
    let parsed = uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("{field} {id} is a UUID"));
    assert_eq!(parsed.get_version_num(), 4, "{field} {id} is a UUIDv4");
    assert_eq!(id, id.to_lowercase(), "lowercase (T56)");
    id
}

fn unknown_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The vendor's description of each HTTP-level code (spec 4.4, `002:L212-224`).
fn vendor_message(code: &str) -> &'static str {
    match code {
        "access_denied_exception" => "You are not authorized to perform the action.",
        "image_too_large_exception" => "The input image size exceeds the allowed limit (15MB).",
        "file_too_large_exception" => "The input file size exceeds the allowed limit (15MB).",
        "invalid_image_format_exception" => "The provided image format is not supported (JPG/PNG)",
        "invalid_parameter_exception" => "Input parameter violates a constraint.",
        "request_time_too_skewed" => "The X-TV-Timestamp header is expired, need a newer one.",
        "image_not_found_exception" => "The image ID is not found in DB.",
        "request_not_found_exception" => "The request ID is not found when polling result by id",
        "not_allow_delete_exception" => "Not allow to delete file",
        "request_timeout_exception" => "Request takes too long to process",
        "rate_limit_exception" => "The number of requests exceeded your throughput limit.",
        other => panic!("no vendor message for {other}"),
    }
}

/// The error envelope (spec 4.3 outcome 3): this status, exactly one error with this code and the
/// vendor's message, `data == {}`, and `detail.field` equal to `field` (absent for `None`).
fn assert_error(reply: &Resp, status: u16, code: &str, field: Option<&str>) {
    let context = reply.raw();
    assert_eq!(reply.status, status, "{context}");
    assert!(
        reply.content_type.starts_with("application/json"),
        "{context}"
    );
    assert_eq!(reply.body["data"], json!({}), "data is empty: {context}");
    let errors = reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors[]: {context}"));
    assert_eq!(errors.len(), 1, "{context}");
    assert_eq!(errors[0]["code"], code, "{context}");
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(vendor_message(code)),
        "message {message:?}: {context}"
    );
    assert!(errors[0]["detail"].is_object(), "{context}");
    match field {
        Some(field) => assert_eq!(errors[0]["detail"]["field"], field, "{context}"),
        None => assert!(
            errors[0]["detail"].get("field").is_none(),
            "no detail.field expected: {context}"
        ),
    }
}

/// Runs the named sub-cases, each caught on its own, and fails with the list of those that failed.
fn run_cases(cases: &[(&str, &dyn Fn())]) {
    let mut failed = Vec::new();
    for (name, case) in cases {
        eprintln!("-- case {name}");
        let started = Instant::now();
        if catch_unwind(AssertUnwindSafe(case)).is_err() {
            failed.push(*name);
        }
        eprintln!("-- case {name} done in {:?}", started.elapsed());
    }
    assert!(failed.is_empty(), "failed cases: {failed:?}");
}

struct Photos {
    obama_1: Vec<u8>,
    obama_2: Vec<u8>,
    coffee: Vec<u8>,
}

fn photos() -> Option<Photos> {
    Some(Photos {
        obama_1: face("obama_1.jpg")?,
        obama_2: face("obama_2.jpg")?,
        coffee: face("noface_coffee.png")?,
    })
}

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

// ---------------------------------------------------------------------------------------------
// The main gateway
// ---------------------------------------------------------------------------------------------

#[test]
fn every_error_row_and_the_loops_that_close_them() {
    let Some(photos) = photos() else {
        return;
    };
    let gateway = start_gateway_with(options());
    let tv = Tv::new(&gateway);
    let p = &photos;
    run_cases(&[
        ("signing on every route", &|| signing_on_every_route(&tv)),
        ("authorization and timestamp matrix", &|| {
            authorization_and_timestamp(&tv)
        }),
        ("unknown ids", &|| unknown_ids(&tv, p)),
        ("malformed bodies", &|| malformed_bodies(&tv, p)),
        ("parameter rows", &|| parameter_rows(&tv, p)),
        ("uploads and downloads", &|| uploads_and_downloads(&tv, p)),
        ("processed but failed", &|| processed_but_failed(&tv, p)),
        ("x-request-id correlation", &|| correlation(&tv, p)),
        ("temporary credentials", &|| temporary_credentials(&tv, p)),
        ("transactions", &|| transactions(&tv, p)),
        ("response encryption", &|| encryption(&tv, p)),
        ("services not yet served", &|| not_yet_served(&tv)),
    ]);
}

/// Every route this part serves, as (method, path, a body that would otherwise pass the frame).
fn routes() -> Vec<(&'static str, String, Option<Value>)> {
    let id = unknown_id();
    vec![
        ("POST", "/v1/images".into(), Some(json!({}))),
        ("GET", format!("/v1/images/{id}"), None),
        ("PATCH", format!("/v1/images/{id}"), Some(json!({}))),
        ("POST", "/v1/files".into(), Some(json!({}))),
        ("GET", format!("/v1/files/{id}"), None),
        ("POST", "/v1/compare_faces_sync".into(), Some(json!({}))),
        ("POST", "/v1/detect_faces_sync".into(), Some(json!({}))),
        ("POST", "/v1/index_faces_sync".into(), Some(json!({}))),
        ("POST", "/v1/search_faces_sync".into(), Some(json!({}))),
        ("POST", "/v1/alert_faces_sync".into(), Some(json!({}))),
        ("POST", "/v1/delete_faces".into(), Some(json!({}))),
        ("POST", "/v1/search_metadata".into(), Some(json!({}))),
        ("POST", "/v1/delete_files".into(), Some(json!({}))),
        ("GET", format!("/v1/requests_by_req_id/{id}"), None),
        ("GET", format!("/v1/requests_by_x_req_id/{id}"), None),
        ("POST", "/v1/temporary_credential".into(), Some(json!({}))),
        ("POST", "/v1/transactions".into(), Some(json!({}))),
        (
            "POST",
            format!("/v1/transactions/{id}/finish"),
            Some(json!({})),
        ),
        ("GET", "/v1/client_settings".into(), None),
        ("GET", format!("/v1/face_images/{id}"), None),
    ]
}

fn with_body(request: RequestBuilder, body: &Option<Value>) -> RequestBuilder {
    match body {
        Some(body) => request.json(body),
        None => request,
    }
}

/// 401 for a wrong signature and 400 for a stale timestamp on every route (appendix A: all but TV-22
/// list 401; TV-22 has no table, T33, and is signed like the rest).
fn signing_on_every_route(tv: &Tv) {
    let a = key_a();
    let wrong = Key::new(&a.id, "not-the-secret-of-a-at-all");
    for (method, path, body) in routes() {
        let reply = send(with_body(tv.signed(&wrong, method, &path), &body));
        assert_error(&reply, 401, "access_denied_exception", None);
        let stale = minutes_from_now(-16);
        let reply = send(with_body(tv.signed_at(&a, method, &path, &stale), &body));
        assert_error(&reply, 400, "request_time_too_skewed", None);
        let unsigned = send(with_body(tv.bare(method, &path), &body));
        assert_error(&unsigned, 401, "access_denied_exception", None);
    }
}

fn authorization_and_timestamp(tv: &Tv) {
    let a = key_a();
    let path = "/v1/client_settings";
    let good = |request: RequestBuilder| send(request);

    // Positive controls: a good signature; a signature over the full path (T4); 14 minutes either way.
    good(tv.signed(&a, "GET", path)).ok();
    let ts = now();
    let full = signature(&a.secret, "GET", "/api/v1/client_settings", &ts);
    good(
        tv.bare("GET", path)
            .header("Authorization", format!("TV {}:{full}", a.id))
            .header("X-TV-Timestamp", &ts),
    )
    .ok();
    for minutes in [-14, 14] {
        good(tv.signed_at(&a, "GET", path, &minutes_from_now(minutes))).ok();
    }

    // 401: bad signature (wrong secret, wrong method, wrong path), unknown key, malformed
    // Authorization, missing Authorization, missing timestamp.
    let ts = now();
    let sig = signature(&a.secret, "GET", path, &ts);
    let denied = |authorization: Option<String>, timestamp: Option<&str>, what: &str| {
        let mut request = tv.bare("GET", path);
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("X-TV-Timestamp", timestamp);
        }
        let reply = send(request);
        eprintln!("   401 case: {what}");
        assert_error(&reply, 401, "access_denied_exception", None);
    };
    denied(
        Some(format!(
            "TV {}:{}",
            a.id,
            signature("another-secret-entirely", "GET", path, &ts)
        )),
        Some(&ts),
        "wrong secret",
    );
    denied(
        Some(format!(
            "TV {}:{}",
            a.id,
            signature(&a.secret, "POST", path, &ts)
        )),
        Some(&ts),
        "wrong method",
    );
    denied(
        Some(format!(
            "TV {}:{}",
            a.id,
            signature(&a.secret, "GET", "/v1/images", &ts)
        )),
        Some(&ts),
        "wrong path",
    );
    denied(
        Some(format!(
            "TV {}:{}",
            a.id,
            signature(&a.secret, "GET", path, &minutes_from_now(-1))
        )),
        Some(&ts),
        "signed over another timestamp",
    );
    let stranger = Key::new(&unknown_id(), &a.secret);
    denied(
        Some(format!(
            "TV {}:{}",
            stranger.id,
            signature(&a.secret, "GET", path, &ts)
        )),
        Some(&ts),
        "unknown key",
    );
    denied(
        Some(format!("Bearer {}:{sig}", a.id)),
        Some(&ts),
        "not TV scheme",
    );
    denied(Some(format!("TV {}{sig}", a.id)), Some(&ts), "no colon");
    denied(
        Some(format!("TV {}:not base64!", a.id)),
        Some(&ts),
        "signature not base64",
    );
    denied(Some("TV ".into()), Some(&ts), "empty credentials");
    denied(None, Some(&ts), "missing Authorization");
    denied(
        Some(format!("TV {}:{sig}", a.id)),
        None,
        "missing X-TV-Timestamp",
    );

    // 400 request_time_too_skewed: 16 minutes old, 16 minutes ahead, not RFC 3339 (each signed
    // correctly over the timestamp it carries).
    for ts in [
        minutes_from_now(-16),
        minutes_from_now(16),
        "2019-04-21 18:00:15".to_owned(),
        OffsetDateTime::now_utc().unix_timestamp().to_string(),
        "Sun, 21 Apr 2019 18:00:15 +0700".to_owned(),
        "yesterday".to_owned(),
    ] {
        let reply = send(tv.signed_at(&a, "GET", path, &ts));
        assert_error(&reply, 400, "request_time_too_skewed", None);
    }

    // T3: skew is checked first: a stale request with a wrong signature, an unknown key or a
    // malformed Authorization is 400, not 401.
    let stale = minutes_from_now(-16);
    let wrong_sig = signature("another-secret-entirely", "GET", path, &stale);
    for authorization in [
        format!("TV {}:{wrong_sig}", a.id),
        format!("TV {}:{wrong_sig}", unknown_id()),
        "garbage".to_owned(),
    ] {
        let reply = send(
            tv.bare("GET", path)
                .header("Authorization", authorization)
                .header("X-TV-Timestamp", &stale),
        );
        assert_error(&reply, 400, "request_time_too_skewed", None);
    }
    let reply = send(
        tv.bare("GET", path)
            .header("Authorization", format!("TV {}:{wrong_sig}", a.id))
            .header("X-TV-Timestamp", "not-a-time"),
    );
    assert_error(&reply, 400, "request_time_too_skewed", None);
}

/// 404 rows: ids that name nothing of this key.
fn unknown_ids(tv: &Tv, p: &Photos) {
    let a = key_a();
    let known = tv.upload_json(&a, &p.obama_1, "portrait");
    let unknown = unknown_id();

    // TV-05: image1.id, image2.id.
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": unknown}, "image2": {"id": known}}),
    );
    assert_error(&reply, 404, "image_not_found_exception", Some("image1.id"));
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": known}, "image2": {"id": unknown}}),
    );
    assert_error(&reply, 404, "image_not_found_exception", Some("image2.id"));

    // TV-02, TV-04, TV-20, face crops.
    let reply = tv.get(&a, &format!("/v1/images/{unknown}"));
    assert_error(&reply, 404, "image_not_found_exception", Some("image_id"));
    let reply = tv.get(&a, &format!("/v1/files/{unknown}"));
    assert_error(&reply, 404, "image_not_found_exception", Some("file_id"));
    let reply = tv.patch(
        &a,
        &format!("/v1/images/{unknown}"),
        &json!({"metadata": {"k": "v"}}),
    );
    assert_error(&reply, 404, "image_not_found_exception", Some("image_id"));
    let reply = tv.get(&a, &format!("/v1/face_images/{unknown}"));
    assert_error(&reply, 404, "image_not_found_exception", Some("face_id"));

    // TV-13, TV-15, TV-16, TV-17: image.id; TV-18: image_ids (T29).
    for route in [
        "/v1/detect_faces_sync",
        "/v1/index_faces_sync",
        "/v1/search_faces_sync",
        "/v1/alert_faces_sync",
    ] {
        let reply = tv.post(&a, route, &json!({"image": {"id": unknown}}));
        assert_error(&reply, 404, "image_not_found_exception", Some("image.id"));
    }
    let reply = tv.post(
        &a,
        "/v1/delete_faces",
        &json!({"image_ids": [known, unknown]}),
    );
    assert_error(&reply, 404, "image_not_found_exception", Some("image_ids"));

    // TV-22, TV-23 (T8): request_not_found_exception, no field.
    let reply = tv.get(&a, &format!("/v1/requests_by_req_id/{unknown}"));
    assert_error(&reply, 404, "request_not_found_exception", None);
    let reply = tv.get(&a, "/v1/requests_by_x_req_id/never-sent-this-id");
    assert_error(&reply, 404, "request_not_found_exception", None);

    // TV-21: 405 (T32), nothing deleted.
    let reply = tv.post(
        &a,
        "/v1/delete_files",
        &json!({"file_ids": [known, unknown]}),
    );
    assert_error(&reply, 405, "not_allow_delete_exception", Some("file_ids"));
    let still = send(tv.signed(&a, "GET", &format!("/v1/images/{known}")));
    assert_eq!(still.status, 200, "{}", still.raw());
    assert_eq!(still.bytes, p.obama_1, "the known image was not deleted");

    // TV-32 (T43): 400 transaction_id.
    let reply = tv.post(
        &a,
        &format!("/v1/transactions/{unknown}/finish"),
        &json!({}),
    );
    assert_error(
        &reply,
        400,
        "invalid_parameter_exception",
        Some("transaction_id"),
    );

    // X-TV-Transaction naming no transaction.
    let reply = send(
        tv.signed(&a, "POST", "/v1/compare_faces_sync")
            .header("X-TV-Transaction", unknown_id())
            .json(&json!({"image1": {"id": known}, "image2": {"id": known}})),
    );
    assert_error(
        &reply,
        400,
        "invalid_parameter_exception",
        Some("X-TV-Transaction"),
    );

    // A path the dialect does not serve at all.
    let reply = send(tv.signed(&a, "POST", "/v1/no_such_route").json(&json!({})));
    assert_eq!(reply.status, 404, "{}", reply.raw());
    assert_eq!(reply.body["data"], json!({}), "{}", reply.raw());
    assert_eq!(
        reply.body["errors"][0]["code"],
        "not_found",
        "{}",
        reply.raw()
    );
}

/// Content-Type and body rows.
fn malformed_bodies(tv: &Tv, p: &Photos) {
    let a = key_a();
    let known = tv.upload_json(&a, &p.obama_1, "portrait");
    let good = json!({"image1": {"id": known}, "image2": {"id": known}}).to_string();
    let patch_path = format!("/v1/images/{known}");
    let json_routes = [
        ("POST", "/v1/compare_faces_sync"),
        ("POST", "/v1/detect_faces_sync"),
        ("POST", "/v1/index_faces_sync"),
        ("POST", "/v1/search_faces_sync"),
        ("POST", "/v1/alert_faces_sync"),
        ("POST", "/v1/delete_faces"),
        ("POST", "/v1/search_metadata"),
        ("POST", "/v1/delete_files"),
        ("POST", "/v1/temporary_credential"),
        ("POST", "/v1/transactions"),
        ("PATCH", patch_path.as_str()),
    ];
    for (method, path) in json_routes {
        // A JSON route given text/xml: 400 naming the header.
        let reply = send(
            tv.signed(&a, method, path)
                .header(CONTENT_TYPE, "text/xml")
                .body(format!("<request>{good}</request>")),
        );
        assert_error(
            &reply,
            400,
            "invalid_parameter_exception",
            Some("Content-Type"),
        );
        // Not JSON, and JSON that is not an object.
        for body in ["{\"image1\": {\"id\": ", "[1, 2]", "\"text\""] {
            let reply = send(
                tv.signed(&a, method, path)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body),
            );
            assert_error(&reply, 400, "invalid_parameter_exception", Some("body"));
        }
    }
    // The same for the upload routes' JSON form.
    for path in ["/v1/images", "/v1/files"] {
        let reply = send(
            tv.signed(&a, "POST", path)
                .header(CONTENT_TYPE, "application/json")
                .body("{not json"),
        );
        assert_error(&reply, 400, "invalid_parameter_exception", Some("body"));
    }
    // A multipart body that is not multipart.
    let reply = send(
        tv.signed(&a, "POST", "/v1/images")
            .header(CONTENT_TYPE, "multipart/form-data; boundary=xyz")
            .body("this is not a multipart body"),
    );
    assert_error(&reply, 400, "invalid_parameter_exception", Some("body"));
}

/// 400 `invalid_parameter_exception` rows naming their field, and 415.
fn parameter_rows(tv: &Tv, p: &Photos) {
    let a = key_a();
    let known = tv.upload_json(&a, &p.obama_1, "portrait");
    let jpeg = b64(&p.obama_1);
    let invalid = |reply: Resp, field: &str| {
        assert_error(&reply, 400, "invalid_parameter_exception", Some(field));
    };

    // TV-01 JSON: label (T57), metadata (T50), base64, both/neither.
    let upload = |body: Value| tv.post(&a, "/v1/images", &body);
    invalid(upload(json!({"base64": jpeg, "label": "selfie"})), "label");
    invalid(
        upload(json!({"base64": jpeg, "label": "ID_CARD.VN.CCCD.FRONT"})),
        "label",
    );
    invalid(upload(json!({"base64": jpeg})), "label");
    invalid(upload(json!({"base64": jpeg, "label": 5})), "label");
    for metadata in [
        json!("not json"),
        json!([1]),
        json!("[1, 2]"),
        json!(42),
        json!({"nested": {"a": 1}}),
        json!({"list": [1]}),
    ] {
        invalid(
            upload(json!({"base64": jpeg, "label": "portrait", "metadata": metadata})),
            "metadata",
        );
    }
    invalid(
        upload(json!({"base64": "%%% not base64 %%%", "label": "portrait"})),
        "base64",
    );
    invalid(upload(json!({"label": "portrait"})), "file");
    let reply = upload(json!({"base64": b64(GIF), "label": "portrait"}));
    assert_error(
        &reply,
        415,
        "invalid_image_format_exception",
        Some("base64"),
    );
    let reply =
        upload(json!({"base64": b64(b"just some text, not an image"), "label": "portrait"}));
    assert_error(
        &reply,
        415,
        "invalid_image_format_exception",
        Some("base64"),
    );
    // T50: metadata as a string holding an object is fine.
    let ok = upload(json!({"base64": jpeg, "label": "portrait", "metadata": "{\"k\": \"v\"}"}));
    id_of(&ok, "image_id");

    // TV-01 multipart.
    let multipart =
        |form: multipart::Form| send(tv.signed(&a, "POST", "/v1/images").multipart(form));
    let file = |bytes: &[u8], name: &str, mime: &str| {
        multipart::Part::bytes(bytes.to_vec())
            .file_name(name.to_owned())
            .mime_str(mime)
            .unwrap()
    };
    let reply = multipart(
        multipart::Form::new()
            .part("file", file(GIF, "anim.gif", "image/gif"))
            .text("label", "portrait"),
    );
    assert_error(&reply, 415, "invalid_image_format_exception", Some("file"));
    let reply = multipart(
        multipart::Form::new()
            .part("file", file(b"hello", "notes.txt", "text/plain"))
            .text("label", "portrait"),
    );
    assert_error(&reply, 415, "invalid_image_format_exception", Some("file"));
    invalid(
        multipart(
            multipart::Form::new()
                .part("file", file(&p.obama_1, "p.jpg", "image/jpeg"))
                .text("label", "not-a-label"),
        ),
        "label",
    );
    invalid(
        multipart(
            multipart::Form::new()
                .part("file", file(&p.obama_1, "p.jpg", "image/jpeg"))
                .text("label", "portrait")
                .text("metadata", "not json"),
        ),
        "metadata",
    );
    invalid(
        multipart(
            multipart::Form::new()
                .part("file", file(&p.obama_1, "p.jpg", "image/jpeg"))
                .text("label", "portrait")
                .text("metadata", "[1]"),
        ),
        "metadata",
    );
    invalid(
        multipart(
            multipart::Form::new()
                .part("file", file(&p.obama_1, "p.jpg", "image/jpeg"))
                .text("base64", jpeg.clone())
                .text("label", "portrait"),
        ),
        "file",
    );
    invalid(
        multipart(multipart::Form::new().text("label", "portrait")),
        "file",
    );

    // TV-03: label must be video/audio (T51), a file is required, metadata.
    let upload_file =
        |form: multipart::Form| send(tv.signed(&a, "POST", "/v1/files").multipart(form));
    invalid(
        upload_file(
            multipart::Form::new()
                .part(
                    "file",
                    file(b"\x1a\x45\xdf\xa3webm", "v.webm", "video/webm"),
                )
                .text("label", "portrait"),
        ),
        "label",
    );
    invalid(
        upload_file(multipart::Form::new().part(
            "file",
            file(b"\x1a\x45\xdf\xa3webm", "v.webm", "video/webm"),
        )),
        "label",
    );
    invalid(
        upload_file(
            multipart::Form::new()
                .part(
                    "file",
                    file(b"\x1a\x45\xdf\xa3webm", "v.webm", "video/webm"),
                )
                .text("label", "video")
                .text("metadata", "not json"),
        ),
        "metadata",
    );
    invalid(
        upload_file(multipart::Form::new().text("label", "video")),
        "file",
    );
    invalid(tv.post(&a, "/v1/files", &json!({"frames": []})), "frames");
    let reply = upload_file(
        multipart::Form::new()
            .part(
                "file",
                file(b"\x1a\x45\xdf\xa3webm", "v.webm", "video/webm"),
            )
            .text("label", "video")
            .text("parent_id", unknown_id()),
    );
    assert_error(&reply, 404, "image_not_found_exception", Some("parent_id"));

    // TV-05 ImageData (spec 4.5): exactly one of id/base64, named `<image>.id`.
    let compare = |body: Value| tv.post(&a, "/v1/compare_faces_sync", &body);
    invalid(compare(json!({})), "image1.id");
    invalid(
        compare(json!({"image1": {}, "image2": {"id": known}})),
        "image1.id",
    );
    invalid(
        compare(json!({"image1": {"id": null}, "image2": {"id": known}})),
        "image1.id",
    );
    invalid(
        compare(json!({"image1": {"id": known, "base64": jpeg}, "image2": {"id": known}})),
        "image1.id",
    );
    invalid(compare(json!({"image1": {"id": known}})), "image2.id");
    invalid(
        compare(json!({"image1": {"id": known}, "image2": {}})),
        "image2.id",
    );
    invalid(
        compare(json!({"image1": {"id": ""}, "image2": {"id": known}})),
        "image1.id",
    );
    invalid(
        compare(json!({"image1": "an id", "image2": {"id": known}})),
        "image1",
    );
    invalid(
        compare(json!({"image1": {"base64": "%%%"}, "image2": {"id": known}})),
        "image1.base64",
    );
    invalid(
        compare(json!({"image1": {"base64": jpeg, "label": "face"}, "image2": {"id": known}})),
        "image1.label",
    );
    invalid(
        compare(
            json!({"image1": {"base64": jpeg, "metadata": "not json"}, "image2": {"id": known}}),
        ),
        "image1.metadata",
    );
    invalid(
        compare(json!({"image1": {"base64": jpeg, "metadata": [1]}, "image2": {"id": known}})),
        "image1.metadata",
    );
    invalid(
        compare(json!({"image1": {"embedding": [0.1]}, "image2": {"id": known}})),
        "image1.id",
    );
    let reply = compare(json!({"image1": {"id": known}, "image2": {"base64": b64(GIF)}}));
    assert_error(
        &reply,
        415,
        "invalid_image_format_exception",
        Some("image2.base64"),
    );
    for kind in [json!(0), json!(4), json!("x"), json!(true)] {
        invalid(
            compare(json!({"image1": {"id": known}, "image2": {"id": known}, "type": kind})),
            "type",
        );
    }

    // TV-13, TV-15..19.
    invalid(
        tv.post(&a, "/v1/detect_faces_sync", &json!({"image": {}})),
        "image.id",
    );
    invalid(
        tv.post(
            &a,
            "/v1/detect_faces_sync",
            &json!({"image": {"id": known}, "return_embedding": "perhaps"}),
        ),
        "return_embedding",
    );
    invalid(
        tv.post(
            &a,
            "/v1/index_faces_sync",
            &json!({"image": {"id": known}, "collection": "bad\u{1}name"}),
        ),
        "collection",
    );
    invalid(
        tv.post(
            &a,
            "/v1/search_faces_sync",
            &json!({"image": {"id": known}, "collections": "one"}),
        ),
        "collections",
    );
    invalid(
        tv.post(
            &a,
            "/v1/search_faces_sync",
            &json!({"image": {"id": known}, "max_faces": 0}),
        ),
        "max_faces",
    );
    invalid(
        tv.post(
            &a,
            "/v1/search_faces_sync",
            &json!({"image": {"id": known}, "special_id_type": "cmnd"}),
        ),
        "special_id_type",
    );
    invalid(
        tv.post(
            &a,
            "/v1/alert_faces_sync",
            &json!({"image": {"embedding": [0.5, 0.5]}}),
        ),
        "image.embedding",
    );
    invalid(tv.post(&a, "/v1/delete_faces", &json!({})), "image_ids");
    invalid(
        tv.post(&a, "/v1/delete_faces", &json!({"image_ids": []})),
        "image_ids",
    );
    invalid(
        tv.post(&a, "/v1/delete_faces", &json!({"image_ids": [1]})),
        "image_ids",
    );
    invalid(tv.post(&a, "/v1/search_metadata", &json!({})), "metadata");
    invalid(
        tv.post(&a, "/v1/search_metadata", &json!({"metadata": {}})),
        "metadata",
    );
    invalid(
        tv.post(&a, "/v1/search_metadata", &json!({"metadata": "not json"})),
        "metadata",
    );
    invalid(
        tv.post(
            &a,
            "/v1/search_metadata",
            &json!({"metadata": {"k": "v"}, "max_results": 0}),
        ),
        "max_results",
    );

    // TV-20 (T31).
    let path = format!("/v1/images/{known}");
    invalid(tv.patch(&a, &path, &json!({})), "metadata");
    invalid(
        tv.patch(&a, &path, &json!({"metadata": "not json"})),
        "metadata",
    );
    invalid(tv.patch(&a, &path, &json!({"metadata": [1]})), "metadata");
    invalid(
        tv.patch(&a, &path, &json!({"metadata": {"k": "v"}, "label": "face"})),
        "label",
    );
    invalid(
        tv.patch(
            &a,
            &path,
            &json!({"metadata": {"k": "v"}, "override": "maybe"}),
        ),
        "override",
    );

    // TV-21 (T32).
    invalid(tv.post(&a, "/v1/delete_files", &json!({})), "file_ids");
    invalid(
        tv.post(&a, "/v1/delete_files", &json!({"file_ids": []})),
        "file_ids",
    );
    invalid(
        tv.post(&a, "/v1/delete_files", &json!({"file_ids": [7]})),
        "file_ids",
    );
    let many: Vec<String> = (0..101).map(|_| unknown_id()).collect();
    invalid(
        tv.post(&a, "/v1/delete_files", &json!({"file_ids": many})),
        "file_ids",
    );

    // TV-23 max_results.
    for bad in ["0", "1001", "many"] {
        invalid(
            tv.get(
                &a,
                &format!("/v1/requests_by_x_req_id/some-id?max_results={bad}"),
            ),
            "max_results",
        );
    }

    // TV-25 (T36).
    let issue = |body: Value| tv.post(&a, "/v1/temporary_credential", &body);
    invalid(issue(json!({"duration_seconds": 0})), "duration_seconds");
    invalid(
        issue(json!({"duration_seconds": 86_401})),
        "duration_seconds",
    );
    invalid(
        issue(json!({"duration_seconds": "soon"})),
        "duration_seconds",
    );
    invalid(issue(json!({"services": "all"})), "services");
    invalid(
        issue(json!({"services": {"compare_faces": "yes"}})),
        "services",
    );

    // TV-31, TV-32.
    invalid(
        tv.post(&a, "/v1/transactions", &json!({"channel_name": 5})),
        "channel_name",
    );
    invalid(
        tv.post(&a, "/v1/transactions", &json!({"metadata": "not json"})),
        "metadata",
    );
    let opened = tv.post(&a, "/v1/transactions", &json!({"channel_name": "rows"}));
    let id = id_of(&opened, "id");
    invalid(
        tv.post(
            &a,
            &format!("/v1/transactions/{id}/finish"),
            &json!({"status_code": "done"}),
        ),
        "status_code",
    );
}

/// TV-01/TV-02 in both forms, TV-20's merge, `X-DOWNLOAD-BASE64` (T52), TV-03/TV-04.
fn uploads_and_downloads(tv: &Tv, p: &Photos) {
    let a = key_a();

    // Multipart: file + label + metadata (a JSON string).
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(p.obama_1.clone())
                .file_name("portrait.jpg")
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .text("label", "portrait")
        .text("metadata", r#"{"customer": "c-1", "attempt": 2}"#);
    let reply = send(tv.signed(&a, "POST", "/v1/images").multipart(form));
    let multipart_id = id_of(&reply, "image_id");
    assert_eq!(
        reply.body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["data"]
    );

    // JSON: base64 + label + metadata (an object); a PNG.
    let reply = tv.post(
        &a,
        "/v1/images",
        &json!({"base64": b64(&p.coffee), "label": "id_card.vn.cccd.front", "metadata": {"side": "front"}}),
    );
    let json_id = id_of(&reply, "image_id");
    assert_ne!(multipart_id, json_id);

    // Binary downloads with the sniffed type.
    for (id, bytes, mime) in [
        (&multipart_id, &p.obama_1, "image/jpeg"),
        (&json_id, &p.coffee, "image/png"),
    ] {
        let reply = send(tv.signed(&a, "GET", &format!("/v1/images/{id}")));
        assert_eq!(reply.status, 200, "{}", reply.raw());
        assert_eq!(reply.content_type, mime);
        assert!(
            reply.bytes == *bytes,
            "the downloaded bytes are the uploaded ones"
        );
    }

    // X-DOWNLOAD-BASE64: true -> a text data URI that decodes to the uploaded bytes.
    let reply = send(
        tv.signed(&a, "GET", &format!("/v1/images/{multipart_id}"))
            .header("X-DOWNLOAD-BASE64", "true"),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw());
    assert!(
        reply.content_type.starts_with("text/plain"),
        "{}",
        reply.content_type
    );
    let text = String::from_utf8(reply.bytes.clone()).unwrap();
    let payload = text
        .strip_prefix("data:image/jpeg;base64,")
        .unwrap_or_else(|| panic!("a JPEG data URI: {}", &text[..text.len().min(80)]));
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .expect("standard base64");
    assert!(
        decoded == p.obama_1,
        "the data URI decodes to the uploaded bytes"
    );
    let reply = send(
        tv.signed(&a, "GET", &format!("/v1/images/{json_id}"))
            .header("X-DOWNLOAD-BASE64", "true"),
    );
    assert!(
        String::from_utf8_lossy(&reply.bytes).starts_with("data:image/png;base64,"),
        "{}",
        reply.raw()
    );
    // Anything but `true` is a binary download.
    let reply = send(
        tv.signed(&a, "GET", &format!("/v1/images/{multipart_id}"))
            .header("X-DOWNLOAD-BASE64", "false"),
    );
    assert_eq!(reply.content_type, "image/jpeg");

    // TV-20: merge without override keeps old values and adds new keys; override replaces.
    let path = format!("/v1/images/{multipart_id}");
    let data = tv
        .patch(
            &a,
            &path,
            &json!({"metadata": {"customer": "c-2", "new": true}}),
        )
        .ok()
        .clone();
    assert_eq!(data["image_id"], multipart_id.as_str());
    assert_eq!(data["label"], "portrait");
    assert_eq!(
        data["metadata"],
        json!({"customer": "c-1", "attempt": 2, "new": true})
    );
    let data = tv
        .patch(
            &a,
            &path,
            &json!({"metadata": "{\"customer\": \"c-3\"}", "override": true, "label": "id_card.vn.cccd.back"}),
        )
        .ok()
        .clone();
    assert_eq!(
        data["metadata"],
        json!({"customer": "c-3", "attempt": 2, "new": true})
    );
    assert_eq!(data["label"], "id_card.vn.cccd.back");

    // TV-03/TV-04: a video file, downloaded back in both forms.
    let video = b"\x1a\x45\xdf\xa3 not really a webm but it starts like one".to_vec();
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(video.clone())
                .file_name("clip.webm")
                .mime_str("video/webm")
                .unwrap(),
        )
        .text("label", "video");
    let reply = send(tv.signed(&a, "POST", "/v1/files").multipart(form));
    let file_id = id_of(&reply, "file_id");
    let reply = send(tv.signed(&a, "GET", &format!("/v1/files/{file_id}")));
    assert_eq!(reply.status, 200, "{}", reply.raw());
    assert_eq!(reply.content_type, "video/webm");
    assert_eq!(reply.bytes, video);
    let reply = send(
        tv.signed(&a, "GET", &format!("/v1/files/{file_id}"))
            .header("X-DOWNLOAD-BASE64", "true"),
    );
    assert_eq!(
        String::from_utf8_lossy(&reply.bytes),
        format!("data:video/webm;base64,{}", b64(&video))
    );
}

/// TV-05 with a real image without a face: HTTP 200, `data.status: "failure"`, the route's failure
/// code, and the request retrievable by TV-22 (spec 4.3 outcome 2, 4.6).
fn processed_but_failed(tv: &Tv, p: &Photos) {
    let a = key_a();
    let selfie = tv.upload_json(&a, &p.obama_1, "portrait");
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": selfie}, "image2": {"base64": b64(&p.coffee), "label": "portrait"}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw());
    let data = &reply.body["data"];
    assert_eq!(data["status"], "failure", "{}", reply.raw());
    let request_id = data["request_id"]
        .as_str()
        .unwrap_or_else(|| panic!("data.request_id: {}", reply.raw()))
        .to_owned();
    assert_eq!(
        reply.request_id.as_deref(),
        Some(request_id.as_str()),
        "the X-Request-ID header"
    );
    let errors = reply.body["errors"].as_array().expect("errors[]");
    assert_eq!(errors.len(), 1, "{}", reply.raw());
    assert_eq!(errors[0]["code"], "image_has_no_faces", "{}", reply.raw());
    assert_eq!(errors[0]["detail"]["field"], "image2", "{}", reply.raw());

    // The same with the faceless image first.
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"base64": b64(&p.coffee)}, "image2": {"id": selfie}}),
    );
    assert_eq!(reply.body["data"]["status"], "failure", "{}", reply.raw());
    assert_eq!(reply.body["errors"][0]["code"], "image_has_no_faces");
    assert_eq!(reply.body["errors"][0]["detail"]["field"], "image1");

    // TV-22 finds the failed request, with its service.
    let stored = tv.get(&a, &format!("/v1/requests_by_req_id/{request_id}"));
    let stored = stored.ok();
    assert_eq!(stored["request_id"], request_id.as_str(), "{stored}");
    assert_eq!(stored["status"], "failure", "{stored}");
    assert_eq!(stored["service"], "compare_faces", "{stored}");
}

/// Spec 4.6, T34: requests sent with the same `X-Request-ID` are listed by TV-23 under their services,
/// newest first, `max_results` caps them; the query string is not signed (T4).
fn correlation(tv: &Tv, p: &Photos) {
    let a = key_a();
    let image1 = tv.upload_json(&a, &p.obama_1, "portrait");
    let image2 = tv.upload_json(&a, &p.obama_2, "id_card.vn.cccd.front");
    let correlation = format!("corr-{}", unknown_id());
    let compare = send(
        tv.signed(&a, "POST", "/v1/compare_faces_sync")
            .header("X-Request-ID", &correlation)
            .json(&json!({"image1": {"id": image1}, "image2": {"id": image2}})),
    );
    let compare_id = compare.ok()["request_id"].as_str().unwrap().to_owned();
    assert_eq!(compare.ok()["status"], "success");
    assert_eq!(
        compare.ok()["compare_faces"][0]["result"],
        "matched",
        "{}",
        compare.raw()
    );
    assert_ne!(
        compare_id, correlation,
        "the server's request id is its own"
    );
    let detect = send(
        tv.signed(&a, "POST", "/v1/detect_faces_sync")
            .header("X-Request-ID", &correlation)
            .json(&json!({"image": {"id": image1}})),
    );
    let detect_id = detect.ok()["request_id"].as_str().unwrap().to_owned();
    // A request under another correlation id is not listed.
    send(
        tv.signed(&a, "POST", "/v1/detect_faces_sync")
            .header("X-Request-ID", format!("{correlation}-other"))
            .json(&json!({"image": {"id": image2}})),
    )
    .ok();

    let listed = tv.get(&a, &format!("/v1/requests_by_x_req_id/{correlation}"));
    let data = listed.ok();
    let entries = |service: &str| -> Vec<Value> {
        data[service]
            .as_array()
            .unwrap_or_else(|| panic!("data.{service}[]: {data}"))
            .clone()
    };
    let compares = entries("compare_faces");
    let detects = entries("detect_faces");
    assert_eq!(compares.len(), 1, "{data}");
    assert_eq!(detects.len(), 1, "{data}");
    assert_eq!(compares[0]["data"]["request_id"], compare_id.as_str());
    assert_eq!(compares[0]["data"]["x_request_id"], correlation.as_str());
    assert_eq!(compares[0]["data"]["access_key_id"], a.id.as_str());
    assert_eq!(compares[0]["data"]["status"], "success");
    assert_eq!(detects[0]["data"]["request_id"], detect_id.as_str());
    let file_ids: Vec<&str> = data["file_ids"]
        .as_array()
        .expect("file_ids[]")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(file_ids.contains(&image1.as_str()), "{data}");
    assert!(file_ids.contains(&image2.as_str()), "{data}");
    assert_eq!(
        data["final_result"]["full_input_file"]["main_selfie_id"],
        image1.as_str(),
        "{data}"
    );
    assert_eq!(
        data["final_result"]["full_input_file"]["id_card_front_id"],
        image2.as_str(),
        "{data}"
    );

    // max_results=1: only the newest (the detect).
    let listed = tv.get(
        &a,
        &format!("/v1/requests_by_x_req_id/{correlation}?max_results=1"),
    );
    let data = listed.ok();
    let listed_ids: Vec<&str> = data
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "file_ids" && *k != "final_result")
        .flat_map(|(_, v)| v.as_array().into_iter().flatten())
        .filter_map(|e| e["data"]["request_id"].as_str())
        .collect();
    assert_eq!(listed_ids, [detect_id.as_str()], "{data}");
}

/// TV-25 (4.1, T7, T36): a temporary pair signs like its issuer within its `services` until it expires,
/// and cannot issue another.
fn temporary_credentials(tv: &Tv, p: &Photos) {
    let a = key_a();
    // The short-lived one first, so that its wait overlaps the rest.
    let short = tv.post(
        &a,
        "/v1/temporary_credential",
        &json!({"duration_seconds": 1}),
    );
    let short_issued = Instant::now();
    let short_key = Key::new(
        short.ok()["access_key"].as_str().unwrap(),
        short.ok()["secret"].as_str().unwrap(),
    );
    tv.get(&short_key, "/v1/client_settings").ok();

    let issued = tv.post(
        &a,
        "/v1/temporary_credential",
        &json!({"duration_seconds": 600, "services": {"compare_faces": true, "search_faces": false}}),
    );
    let data = issued.ok().clone();
    let temp = Key::new(
        data["access_key"].as_str().expect("access_key"),
        data["secret"].as_str().expect("secret"),
    );
    assert_ne!(temp.id, a.id);
    assert!(temp.secret.len() >= 16, "{data}");
    let expire_at = OffsetDateTime::parse(data["expire_at"].as_str().unwrap(), &Rfc3339)
        .expect("expire_at is RFC 3339");
    let left = (expire_at - OffsetDateTime::now_utc()).whole_seconds();
    assert!((580..=610).contains(&left), "expires in {left} s: {data}");

    // Its issuer's images; compare allowed.
    let image1 = tv.upload_json(&a, &p.obama_1, "portrait");
    let image2 = tv.upload_json(&temp, &p.obama_2, "portrait");
    let compare = tv.post(
        &temp,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": image1}, "image2": {"id": image2}}),
    );
    assert_eq!(compare.ok()["status"], "success", "{}", compare.raw());
    // The image the temporary key uploaded is its issuer's.
    let reply = send(tv.signed(&a, "GET", &format!("/v1/images/{image2}")));
    assert_eq!(reply.status, 200, "{}", reply.raw());

    // Not granted: 401.
    for route in ["/v1/search_faces_sync", "/v1/detect_faces_sync"] {
        let reply = tv.post(&temp, route, &json!({"image": {"id": image1}}));
        assert_error(&reply, 401, "access_denied_exception", None);
    }
    let settings = tv.get(&temp, "/v1/client_settings");
    let settings = &settings.ok()["settings"];
    assert_eq!(settings["enable_compare_faces"], true, "{settings}");
    assert_eq!(settings["enable_face_retrieval"], false, "{settings}");

    // A temporary key cannot issue another.
    let reply = tv.post(&temp, "/v1/temporary_credential", &json!({}));
    assert_error(&reply, 401, "access_denied_exception", None);
    // Signed with the wrong secret: 401.
    let forged = Key::new(&temp.id, "0123456789abcdef0123456789abcdef");
    let reply = tv.get(&forged, "/v1/client_settings");
    assert_error(&reply, 401, "access_denied_exception", None);

    // The 1-second one has expired 2.5 s after it was issued.
    let wait = Duration::from_millis(2500).saturating_sub(short_issued.elapsed());
    std::thread::sleep(wait);
    let reply = tv.get(&short_key, "/v1/client_settings");
    assert_error(&reply, 401, "access_denied_exception", None);
}

/// TV-31/TV-32 (4.8, T42, T43).
fn transactions(tv: &Tv, p: &Photos) {
    let a = key_a();
    let channel = format!("web-{}", unknown_id());
    let open = |channel: &str| {
        let reply = tv.post(
            &a,
            "/v1/transactions",
            &json!({"channel_name": channel, "reference_id": "ref-1", "customer_name": "N. V. A", "metadata": {"k": "v"}}),
        );
        (id_of(&reply, "id"), id_of(&reply, "channel_id"))
    };
    let (first, channel_id) = open(&channel);
    let (second, same_channel_id) = open(&channel);
    let (_, other_channel_id) = open(&format!("{channel}-2"));
    assert_ne!(first, second);
    assert_eq!(
        channel_id, same_channel_id,
        "same channel_name, same channel_id"
    );
    assert_ne!(channel_id, other_channel_id);

    // An open transaction may be named by processing calls.
    let image = tv.upload_json(&a, &p.obama_1, "portrait");
    let reply = send(
        tv.signed(&a, "POST", "/v1/detect_faces_sync")
            .header("X-TV-Transaction", &first)
            .json(&json!({"image": {"id": image}})),
    );
    assert_eq!(reply.ok()["status"], "success");

    // Finishing twice is idempotent and returns the id.
    for _ in 0..2 {
        let reply = tv.post(
            &a,
            &format!("/v1/transactions/{first}/finish"),
            &json!({"vilcaf_number": "V-1", "status_code": 1}),
        );
        assert_eq!(reply.ok()["id"], first.as_str(), "{}", reply.raw());
    }
    // A finished transaction is no longer open.
    let reply = send(
        tv.signed(&a, "POST", "/v1/detect_faces_sync")
            .header("X-TV-Transaction", &first)
            .json(&json!({"image": {"id": image}})),
    );
    assert_error(
        &reply,
        400,
        "invalid_parameter_exception",
        Some("X-TV-Transaction"),
    );
}

/// AES-CBC, zero IV, PKCS#7, the hex text of `data` (trustvision-client.md).
fn decrypt(key: &[u8], hex_text: &str) -> Option<Value> {
    let ciphertext = hex::decode(hex_text).ok()?;
    let iv = [0u8; 16];
    let plain = match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, &iv)
            .ok()?
            .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
            .ok()?,
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .ok()?
            .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
            .ok()?,
        other => panic!("no AES key of {other} bytes"),
    };
    serde_json::from_slice(&plain).ok()
}

/// A value's shape: object keys with their shapes, arrays by their first element, leaves by type.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// Response encryption for a key in `EKYC_TRUSTVISION_ENCRYPTED_KEYS`: `data` is hex of AES-CBC with
/// key `secret[..16]` (+ `X-TV-Transaction[..16]` when a transaction is named).
fn encryption(tv: &Tv, p: &Photos) {
    let (a, e) = (key_a(), key_e());
    let body = json!({
        "image1": {"base64": b64(&p.obama_1), "label": "portrait"},
        "image2": {"base64": b64(&p.obama_2), "label": "portrait"},
    });
    let plain = tv.post(&a, "/v1/compare_faces_sync", &body);
    let plain = plain.ok().clone();

    let hex_data = |reply: &Resp| -> String {
        assert_eq!(reply.status, 200, "{}", reply.raw());
        reply.body["data"]
            .as_str()
            .unwrap_or_else(|| panic!("data is a hex string: {}", reply.raw()))
            .to_owned()
    };

    // Without a transaction: AES-128 with the secret's first 16 characters.
    let reply = tv.post(&e, "/v1/compare_faces_sync", &body);
    assert!(reply.body.get("errors").is_none(), "{}", reply.raw());
    let hex_text = hex_data(&reply);
    assert!(hex_text.len() % 32 == 0 && hex_text.bytes().all(|b| b.is_ascii_hexdigit()));
    let key16 = &e.secret.as_bytes()[..16];
    let data = decrypt(key16, &hex_text).expect("decrypts with secret[..16]");
    assert_eq!(data["status"], "success", "{data}");
    assert_eq!(
        data["request_id"].as_str(),
        reply.request_id.as_deref(),
        "{data}"
    );
    assert_eq!(data["compare_faces"][0]["result"], "matched", "{data}");
    assert_eq!(
        shape(&data),
        shape(&plain),
        "same shape as an unencrypted compare"
    );
    assert_eq!(
        data["compare_faces"].as_array().map(Vec::len),
        plain["compare_faces"].as_array().map(Vec::len)
    );

    // With a transaction: AES-256 with secret[..16] + transaction id[..16].
    let opened = tv.post(&e, "/v1/transactions", &json!({"channel_name": "enc"}));
    // Transactions are not among the calls the client decrypts: plain.
    let transaction = id_of(&opened, "id");
    let reply = send(
        tv.signed(&e, "POST", "/v1/compare_faces_sync")
            .header("X-TV-Transaction", &transaction)
            .json(&body),
    );
    let hex_text = hex_data(&reply);
    let key32 = [key16, &transaction.as_bytes()[..16]].concat();
    let data = decrypt(&key32, &hex_text).expect("decrypts with secret[..16] + transaction[..16]");
    assert_eq!(data["status"], "success", "{data}");
    assert_eq!(
        shape(&data),
        shape(&plain),
        "same shape as an unencrypted compare"
    );
    assert!(
        decrypt(key16, &hex_text).is_none(),
        "the 16-byte key does not open it"
    );

    // A processed-but-failed reply: data encrypted, errors plain.
    let reply = tv.post(
        &e,
        "/v1/compare_faces_sync",
        &json!({"image1": {"base64": b64(&p.coffee)}, "image2": {"base64": b64(&p.obama_1)}}),
    );
    let data = decrypt(key16, &hex_data(&reply)).expect("decrypts");
    assert_eq!(data["status"], "failure", "{data}");
    assert_eq!(
        reply.body["errors"][0]["code"],
        "image_has_no_faces",
        "{}",
        reply.raw()
    );

    // Errors and routes the client does not decrypt stay plain.
    let reply = tv.post(
        &e,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": unknown_id()}, "image2": {"id": unknown_id()}}),
    );
    assert_error(&reply, 404, "image_not_found_exception", Some("image1.id"));
    let image = tv.upload_json(&e, &p.obama_1, "portrait");
    let settings = tv.get(&e, "/v1/client_settings");
    assert_eq!(settings.ok()["settings"]["enable_encryption"], true);
    let settings = tv.get(&a, "/v1/client_settings");
    assert_eq!(settings.ok()["settings"]["enable_encryption"], false);
    let reply = send(tv.signed(&e, "GET", &format!("/v1/images/{image}")));
    assert!(reply.bytes == p.obama_1, "downloads are not encrypted");
}

/// Routes later parts build: signature first, then 401 naming the service.
fn not_yet_served(tv: &Tv) {
    let a = key_a();
    for (path, service) in [
        ("/v1/verify_face_liveness_sync", "verify_face_liveness"),
        ("/v1/read_id_card_info_sync", "read_id_card_info"),
        ("/v1/ekyc", "ekyc"),
    ] {
        let reply = tv.post(&a, path, &json!({"images": []}));
        assert_error(&reply, 401, "access_denied_exception", None);
        assert_eq!(
            reply.body["errors"][0]["detail"]["service"],
            service,
            "{}",
            reply.raw()
        );
        let unsigned = send(tv.bare("POST", path).json(&json!({})));
        assert_error(&unsigned, 401, "access_denied_exception", None);
        assert!(
            unsigned.body["errors"][0]["detail"]
                .get("service")
                .is_none(),
            "{}",
            unsigned.raw()
        );
        let stale = send(
            tv.signed_at(&a, "POST", path, &minutes_from_now(-20))
                .json(&json!({})),
        );
        assert_error(&stale, 400, "request_time_too_skewed", None);
    }
}

// ---------------------------------------------------------------------------------------------
// Gateways with other settings
// ---------------------------------------------------------------------------------------------

/// 413 with `EKYC_TRUSTVISION_MAX_IMAGE_BYTES=20000` and real photos larger than that.
#[test]
fn images_and_files_over_the_limit_are_413() {
    let Some(photo) = face("obama_1.jpg") else {
        return;
    };
    let Some(small) = face("tom_hanks_1.png") else {
        return;
    };
    let limit = 20_000;
    assert!(photo.len() > limit && small.len() < limit);
    // The body bound of an upload is the larger of max_image_bytes + 1 MiB and max_body_bytes.
    let gateway = start_gateway_with(
        options()
            .env("EKYC_TRUSTVISION_MAX_IMAGE_BYTES", limit)
            .env("EKYC_TRUSTVISION_MAX_BODY_BYTES", 1024 * 1024),
    );
    let tv = Tv::new(&gateway);
    let a = key_a();
    let too_large = |reply: &Resp, field: &str| {
        assert_error(reply, 413, "image_too_large_exception", Some(field));
    };

    // TV-01 multipart and JSON.
    let form = |bytes: &[u8]| {
        multipart::Form::new()
            .part(
                "file",
                multipart::Part::bytes(bytes.to_vec())
                    .file_name("p.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            )
            .text("label", "portrait")
    };
    let reply = send(tv.signed(&a, "POST", "/v1/images").multipart(form(&photo)));
    too_large(&reply, "file");
    let reply = tv.post(
        &a,
        "/v1/images",
        &json!({"base64": b64(&photo), "label": "portrait"}),
    );
    too_large(&reply, "base64");
    // Under the limit is fine.
    let reply = send(tv.signed(&a, "POST", "/v1/images").multipart(form(&small)));
    let small_id = id_of(&reply, "image_id");
    // A body over limit + 1 MiB is refused before it is read.
    let huge: Vec<u8> = photo
        .iter()
        .copied()
        .cycle()
        .take(limit + 1024 * 1024 + 10)
        .collect();
    let reply = send(tv.signed(&a, "POST", "/v1/images").multipart(form(&huge)));
    too_large(&reply, "body");

    // TV-03: file_too_large_exception.
    let video: Vec<u8> = b"\x1a\x45\xdf\xa3"
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0u8, limit))
        .collect();
    let file_form = |bytes: &[u8]| {
        multipart::Form::new()
            .part(
                "file",
                multipart::Part::bytes(bytes.to_vec())
                    .file_name("v.webm")
                    .mime_str("video/webm")
                    .unwrap(),
            )
            .text("label", "video")
    };
    let reply = send(
        tv.signed(&a, "POST", "/v1/files")
            .multipart(file_form(&video)),
    );
    assert_error(&reply, 413, "file_too_large_exception", Some("file"));
    let huge_video: Vec<u8> = video
        .iter()
        .copied()
        .cycle()
        .take(limit + 1024 * 1024 + 10)
        .collect();
    let reply = send(
        tv.signed(&a, "POST", "/v1/files")
            .multipart(file_form(&huge_video)),
    );
    assert_error(&reply, 413, "file_too_large_exception", Some("file"));
    let reply = send(
        tv.signed(&a, "POST", "/v1/files")
            .multipart(file_form(&video[..limit])),
    );
    id_of(&reply, "file_id");

    // Inline images on processing routes.
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": small_id}, "image2": {"base64": b64(&photo)}}),
    );
    too_large(&reply, "image2.base64");
    let reply = tv.post(
        &a,
        "/v1/detect_faces_sync",
        &json!({"image": {"base64": b64(&photo)}}),
    );
    too_large(&reply, "image.base64");
}

/// 429 with `EKYC_TRUSTVISION_RATE_LIMIT_PER_MINUTE=3`, per long-term key (T54).
#[test]
fn the_fourth_call_within_a_minute_is_429() {
    let gateway = start_gateway_with(options().env("EKYC_TRUSTVISION_RATE_LIMIT_PER_MINUTE", 3));
    let tv = Tv::new(&gateway);
    let (a, b) = (key_a(), key_b());
    // Unsigned calls are refused before they count.
    for _ in 0..5 {
        assert_error(
            &send(tv.bare("GET", "/v1/client_settings")),
            401,
            "access_denied_exception",
            None,
        );
    }
    // Three calls of A, one of them issuing a temporary key whose calls count as A's.
    tv.get(&a, "/v1/client_settings").ok();
    let issued = tv.post(&a, "/v1/temporary_credential", &json!({}));
    let temp = Key::new(
        issued.ok()["access_key"].as_str().unwrap(),
        issued.ok()["secret"].as_str().unwrap(),
    );
    tv.get(&temp, "/v1/client_settings").ok();
    // The fourth within the minute, on any route.
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"id": unknown_id()}, "image2": {"id": unknown_id()}}),
    );
    assert_error(&reply, 429, "rate_limit_exception", None);
    assert_error(
        &tv.get(&temp, "/v1/client_settings"),
        429,
        "rate_limit_exception",
        None,
    );
    assert_error(
        &tv.get(&a, &format!("/v1/images/{}", unknown_id())),
        429,
        "rate_limit_exception",
        None,
    );
    // Another key has its own budget.
    tv.get(&b, "/v1/client_settings").ok();
}

/// 408 with `EKYC_TRUSTVISION_REQUEST_TIMEOUT_MS=1`: a compare of two real faces cannot finish.
#[test]
fn a_compare_past_the_timeout_is_408() {
    let (Some(first), Some(second)) = (face("obama_1.jpg"), face("obama_2.jpg")) else {
        return;
    };
    let gateway = start_gateway_with(options().env("EKYC_TRUSTVISION_REQUEST_TIMEOUT_MS", 1));
    let tv = Tv::new(&gateway);
    let a = key_a();
    let reply = tv.post(
        &a,
        "/v1/compare_faces_sync",
        &json!({"image1": {"base64": b64(&first)}, "image2": {"base64": b64(&second)}}),
    );
    assert_error(&reply, 408, "request_timeout_exception", None);
    // Authentication is answered before the clock starts.
    let wrong = Key::new(&a.id, "wrong-secret-wrong-secret");
    let reply = tv.post(&wrong, "/v1/compare_faces_sync", &json!({}));
    assert_error(&reply, 401, "access_denied_exception", None);
}

/// TV-31's fields are all optional (`002:L5367-5377`); the vendor's own example request sends only
/// `reference_id` (`002:L5385-5387`) and gets an `id` and a `channel_id`.
#[test]
fn a_transaction_opens_without_a_channel_name() {
    let gateway = start_gateway_with(options());
    let tv = Tv::new(&gateway);
    let a = key_a();
    for body in [
        json!({"reference_id": "536d2457-bfc0-4249-85f2-8c4053bdec58"}),
        json!({}),
    ] {
        let reply = tv.post(&a, "/v1/transactions", &body);
        let id = id_of(&reply, "id");
        id_of(&reply, "channel_id");
        let finished = tv.post(&a, &format!("/v1/transactions/{id}/finish"), &json!({}));
        assert_eq!(finished.ok()["id"], id.as_str());
    }
}
