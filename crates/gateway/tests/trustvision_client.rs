//! The vendor's own published JavaScript client, `@tsocial/trustvision-sdk` 2.11.2 (pinned in
//! `clients/trustvision-sdk/package-lock.json`), unchanged, against the real binary on the shared listener
//! under `/api`: `clients/trustvision-sdk/drive.js` runs every step through the client and prints what it
//! got; this test checks those results against the photos on disk and against the same comparison made by a
//! signed request written here independently of both the client and the dialect.
//!
//! Three client configurations against one gateway: no transactions and no encryption (plain key),
//! transactions and encryption (the key the gateway encrypts responses for), transactions without encryption
//! (plain key).

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aes_gcm::aes::cipher::generic_array::GenericArray;
use aes_gcm::aes::cipher::{BlockDecrypt, KeyInit};
use aes_gcm::aes::{Aes128, Aes192, Aes256};
use common::{client, face, shared_data, start_gateway_with, Gateway, GatewayOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// How long one run of the driver may take (three uploads, model inference, transaction polling).
const DRIVER_TIMEOUT: Duration = Duration::from_secs(300);

struct Key {
    id: &'static str,
    secret: &'static str,
    encrypted: bool,
}

const PLAIN: Key = Key {
    id: "3f1d0c55-7b0e-4d7e-9a61-0b7f2a9c1e01",
    secret: "tv-secret-plain-0123456789abcdef",
    encrypted: false,
};

const ENCRYPTED: Key = Key {
    id: "9b2e6a10-55c4-4f0a-8e3d-6c1f4b7a2d02",
    secret: "tv-secret-encrypted-0123456789ab",
    encrypted: true,
};

struct Combination {
    name: &'static str,
    key: &'static Key,
    transactions: bool,
    encryption: bool,
}

const COMBINATIONS: [Combination; 4] = [
    Combination {
        name: "plain",
        key: &PLAIN,
        transactions: false,
        encryption: false,
    },
    Combination {
        name: "transactions+encryption",
        key: &ENCRYPTED,
        transactions: true,
        encryption: true,
    },
    Combination {
        name: "transactions",
        key: &PLAIN,
        transactions: true,
        encryption: false,
    },
    // Without a transaction the client decrypts with the secret's first 16 characters alone (AES-128).
    Combination {
        name: "encryption",
        key: &ENCRYPTED,
        transactions: false,
        encryption: true,
    },
];

/// The client methods the SDK wraps with its transaction and decryption decorators, by route.
const DECORATED_ROUTES: [&str; 5] = [
    "/api/v1/compare_faces_sync",
    "/api/v1/detect_faces_sync",
    "/api/v1/index_faces_sync",
    "/api/v1/search_faces_sync",
    "/api/v1/delete_faces",
];

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn client_dir() -> PathBuf {
    workspace_root().join("clients/trustvision-sdk")
}

fn options() -> GatewayOptions {
    GatewayOptions::default()
        .env(
            "EKYC_TRUSTVISION_KEYS",
            format!(
                "{}:{},{}:{}",
                PLAIN.id, PLAIN.secret, ENCRYPTED.id, ENCRYPTED.secret
            ),
        )
        .env("EKYC_TRUSTVISION_ENCRYPTED_KEYS", ENCRYPTED.id)
}

/// `node` must be there: the setup installs it, so its absence is a failure, not a skip.
fn require_node() {
    match Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => {
            eprintln!("node {}", String::from_utf8_lossy(&output.stdout).trim())
        }
        Ok(output) => panic!(
            "`node --version` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(err) => {
            panic!("`node` is required for the TrustVision client test and is not runnable: {err}")
        }
    }
}

/// Install the pinned client from the lockfile when it is not there yet.
fn require_sdk() {
    let dir = client_dir();
    if dir
        .join("node_modules/@tsocial/trustvision-sdk/package.json")
        .is_file()
    {
        return;
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("could not run `npm ci` in {}: {err}", dir.display()));
    assert!(
        output.status.success(),
        "`npm ci` in {} failed ({}):\n{}\n{}",
        dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Run `drive.js` for one combination and parse the one JSON object it prints.
fn drive(gateway: &Gateway, combination: &Combination, collection: &str) -> Value {
    let scratch = tempfile::tempdir().unwrap();
    let (stdout_path, stderr_path) = (scratch.path().join("out"), scratch.path().join("err"));
    let mut child = Command::new("node")
        .arg("drive.js")
        .current_dir(client_dir())
        .env("TV_BASE_URL", gateway.url("/api"))
        .env("TV_ACCESS_KEY", combination.key.id)
        .env("TV_SECRET", combination.key.secret)
        .env(
            "TV_TRANSACTIONS",
            if combination.transactions { "1" } else { "0" },
        )
        .env(
            "TV_ENCRYPTION",
            if combination.encryption { "1" } else { "0" },
        )
        .env("TV_FACES_DIR", shared_data().join("faces"))
        .env("TV_COLLECTION", collection)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("start node drive.js");
    let deadline = Instant::now() + DRIVER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let status = status.unwrap_or_else(|| {
        panic!(
            "[{}] drive.js did not finish within {DRIVER_TIMEOUT:?}\nstdout: {stdout}\nstderr: {stderr}",
            combination.name
        )
    });
    assert!(
        status.success(),
        "[{}] drive.js failed ({status}):\nstderr: {stderr}\nstdout: {stdout}",
        combination.name
    );
    if !stderr.trim().is_empty() {
        eprintln!("[{}] drive.js stderr: {stderr}", combination.name);
    }
    serde_json::from_str(stdout.trim()).unwrap_or_else(|err| {
        panic!(
            "[{}] drive.js printed no JSON ({err}): {stdout}",
            combination.name
        )
    })
}

/// An RFC 3339 timestamp, now.
fn rfc3339_now() -> String {
    common::tv_timestamp(0)
}

/// AES-CBC with a zero IV and PKCS#7 padding, hex in; the key is the UTF-8 bytes given.
fn decrypt_hex(ciphertext_hex: &str, key: &[u8]) -> Vec<u8> {
    let ciphertext = hex::decode(ciphertext_hex).expect("encrypted data is hex");
    assert!(
        !ciphertext.is_empty() && ciphertext.chunks_exact(16).remainder().is_empty(),
        "ciphertext is whole AES blocks: {} bytes",
        ciphertext.len()
    );
    let decrypt_block = |block: &mut [u8]| {
        let block = GenericArray::from_mut_slice(block);
        match key.len() {
            16 => Aes128::new_from_slice(key).unwrap().decrypt_block(block),
            24 => Aes192::new_from_slice(key).unwrap().decrypt_block(block),
            32 => Aes256::new_from_slice(key).unwrap().decrypt_block(block),
            other => panic!("AES key of {other} bytes"),
        }
    };
    let mut previous = [0u8; 16];
    let mut plaintext = Vec::with_capacity(ciphertext.len());
    for chunk in ciphertext.chunks(16) {
        let mut block = [0u8; 16];
        block.copy_from_slice(chunk);
        decrypt_block(&mut block);
        plaintext.extend(block.iter().zip(previous).map(|(byte, prev)| byte ^ prev));
        previous.copy_from_slice(chunk);
    }
    let pad = usize::from(*plaintext.last().unwrap());
    assert!(
        (1..=16).contains(&pad)
            && plaintext[plaintext.len() - pad..]
                .iter()
                .all(|&b| usize::from(b) == pad),
        "PKCS#7 padding"
    );
    plaintext.truncate(plaintext.len() - pad);
    plaintext
}

/// A request signed the way the TrustVision API documents it, made without the vendor client.
struct Signer<'a> {
    gateway: &'a Gateway,
    key: &'a Key,
}

impl Signer<'_> {
    /// Send `method path` (path relative to `/api`) with an optional JSON body; returns (status, body).
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        transaction: Option<&str>,
    ) -> (u16, Value) {
        let timestamp = rfc3339_now();
        let signature = common::tv_signature(self.key.secret, method, path, &timestamp);
        let url = self.gateway.url(&format!("/api{path}"));
        let mut request = client()
            .request(method.parse().unwrap(), &url)
            .header("Authorization", format!("TV {}:{signature}", self.key.id))
            .header("X-TV-Timestamp", &timestamp);
        if let Some(transaction) = transaction {
            request = request.header("X-TV-Transaction", transaction);
        }
        request = match body {
            Some(body) => request.json(body),
            // As the vendor's client sends a bodiless POST (fetch states `Content-Length: 0`).
            None => request
                .header("Content-Type", "application/json")
                .body(Vec::new()),
        };
        let response = request
            .send()
            .unwrap_or_else(|err| panic!("{method} {url}: {err}"));
        let status = response.status().as_u16();
        let raw = response.text().unwrap();
        let body = serde_json::from_str(&raw).unwrap_or_else(|err| {
            panic!("{method} {url} answered {status} with non-JSON ({err}): {raw}")
        });
        (status, body)
    }

    /// The `data` of a 200 answer, decrypted when this key's responses are encrypted.
    fn data(&self, what: &str, status: u16, body: &Value, transaction: Option<&str>) -> Value {
        assert_eq!(status, 200, "{what}: {body}");
        let errors = &body["errors"];
        assert!(
            errors.is_null() || errors.as_array().is_some_and(Vec::is_empty),
            "{what}: {body}"
        );
        match &body["data"] {
            Value::String(ciphertext) => {
                assert!(
                    self.key.encrypted,
                    "{what}: data encrypted for a plain key: {body}"
                );
                let mut key = self.key.secret.as_bytes()[..16].to_vec();
                let transaction = transaction.unwrap_or("").as_bytes();
                key.extend_from_slice(&transaction[..transaction.len().min(16)]);
                let plaintext = decrypt_hex(ciphertext, &key);
                serde_json::from_slice(&plaintext).unwrap_or_else(|err| {
                    panic!(
                        "{what}: decrypted data is not JSON ({err}): {}",
                        String::from_utf8_lossy(&plaintext)
                    )
                })
            }
            data => {
                assert!(
                    !self.key.encrypted,
                    "{what}: data not encrypted for an encrypting key: {body}"
                );
                data.clone()
            }
        }
    }

    /// Compare two stored images with a direct signed request, inside a transaction when asked to.
    fn compare(&self, image1: &str, image2: &str, transactions: bool) -> Value {
        let transaction = transactions.then(|| {
            let (status, body) = self.send("POST", "/v1/transactions", Some(&json!({})), None);
            assert_eq!(status, 200, "POST /v1/transactions: {body}");
            body["data"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("no data.id from POST /v1/transactions: {body}"))
                .to_owned()
        });
        let request = json!({"image1": {"id": image1}, "image2": {"id": image2}});
        let (status, body) = self.send(
            "POST",
            "/v1/compare_faces_sync",
            Some(&request),
            transaction.as_deref(),
        );
        let data = self.data(
            "direct compare_faces_sync",
            status,
            &body,
            transaction.as_deref(),
        );
        if let Some(transaction) = &transaction {
            let path = format!("/v1/transactions/{transaction}/finish");
            let (status, body) = self.send("POST", &path, None, None);
            assert_eq!(status, 200, "POST {path}: {body}");
        }
        data
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn str_at<'a>(value: &'a Value, pointer: &str, context: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{context}: no string at {pointer} in {value}"))
}

fn f64_at(value: &Value, pointer: &str, context: &str) -> f64 {
    value
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{context}: no number at {pointer} in {value}"))
}

/// The normalised `data` of a step the client ran, which must have succeeded without `errors`.
fn step<'a>(run: &'a Value, name: &str, context: &str) -> &'a Value {
    let outcome = run
        .pointer(&format!("/steps/{name}"))
        .unwrap_or_else(|| panic!("{context}: no step {name} in {run}"));
    let errors = &outcome["errors"];
    assert!(
        errors.is_null() || errors.as_array().is_some_and(Vec::is_empty),
        "{context}: step {name} reported errors: {outcome}"
    );
    &outcome["data"]
}

/// Metadata as (field, value) pairs, from an object or from an array of `{field, value}`.
fn metadata_pairs(metadata: &Value) -> Vec<(String, String)> {
    let text = |value: &Value| {
        value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned)
    };
    match metadata {
        Value::Object(map) => map
            .iter()
            .map(|(field, value)| (field.clone(), text(value)))
            .collect(),
        Value::Array(items) => items
            .iter()
            .map(|item| (text(&item["field"]), text(&item["value"])))
            .collect(),
        _ => Vec::new(),
    }
}

/// One face pair's verdict from a compare answer, after checking the answer's shape.
fn verdict(data: &Value, image1: &str, image2: &str, context: &str) -> (f64, String) {
    assert_eq!(data["status"], "success", "{context}: {data}");
    assert!(
        data["request_id"].is_string(),
        "{context}: request_id: {data}"
    );
    assert_eq!(str_at(data, "/image1/id", context), image1);
    assert_eq!(str_at(data, "/image2/id", context), image2);
    for side in ["image1", "image2"] {
        let faces = data[side]["faces"]
            .as_array()
            .unwrap_or_else(|| panic!("{context}: {side}.faces: {data}"));
        assert_eq!(faces.len(), 1, "{context}: one face in {side}: {data}");
        for edge in ["top", "right", "bottom", "left", "angle"] {
            assert!(
                faces[0]["bounding_box"][edge].is_number(),
                "{context}: {side} bounding_box.{edge}: {data}"
            );
        }
    }
    let pairs = data["compare_faces"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: compare_faces: {data}"));
    assert_eq!(pairs.len(), 1, "{context}: one face pair: {data}");
    let pair = &pairs[0];
    assert_eq!(
        pair["face1_id"], data["image1"]["faces"][0]["id"],
        "{context}: {data}"
    );
    assert_eq!(
        pair["face2_id"], data["image2"]["faces"][0]["id"],
        "{context}: {data}"
    );
    let score = f64_at(pair, "/score", context);
    assert!((0.0..=1.0).contains(&score), "{context}: score {score}");
    let result = str_at(pair, "/result", context).to_owned();
    let expected = if score >= 0.7 {
        "matched"
    } else if score >= 0.6 {
        "unsure"
    } else {
        "unmatched"
    };
    assert_eq!(
        result, expected,
        "{context}: the verdict follows the score {score}"
    );
    (score, result)
}

/// Every step of one run, checked against the photos on disk and a direct signed comparison.
fn check_run(
    gateway: &Gateway,
    combination: &Combination,
    collection: &str,
    obama_1_sha256: &str,
    run: &Value,
) {
    let context = combination.name;
    assert_eq!(
        run["config"]["transactions"], combination.transactions,
        "{context}"
    );
    assert_eq!(
        run["config"]["encryption"], combination.encryption,
        "{context}"
    );

    // Uploads.
    let obama_1 = str_at(step(run, "upload_obama_1", context), "/image_id", context).to_owned();
    let obama_2 = str_at(step(run, "upload_obama_2", context), "/image_id", context).to_owned();
    let biden_1 = str_at(step(run, "upload_biden_1", context), "/image_id", context).to_owned();
    assert!(
        obama_1 != obama_2 && obama_1 != biden_1 && obama_2 != biden_1,
        "{context}: distinct image ids"
    );

    // Download: the very bytes uploaded.
    assert_eq!(
        str_at(run, "/downloaded_image/sha256", context),
        obama_1_sha256,
        "{context}: downloaded image is the uploaded file: {}",
        run["downloaded_image"]
    );

    // PATCH merges the new metadata into the uploaded one.
    let patched = step(run, "update_metadata", context);
    assert_eq!(str_at(patched, "/image_id", context), obama_1);
    assert_eq!(
        patched["metadata"]["national_id"], "123",
        "{context}: {patched}"
    );
    assert_eq!(
        patched["metadata"]["app_id"], "5555",
        "{context}: {patched}"
    );

    // Compare: same person matched, different person unmatched, and the same scores as a direct request.
    let (same_score, same_result) = verdict(
        step(run, "compare_same", context),
        &obama_1,
        &obama_2,
        &format!("{context} compare obama_1/obama_2"),
    );
    assert_eq!(same_result, "matched", "{context}: score {same_score}");
    assert!(same_score >= 0.7, "{context}: {same_score}");
    let (different_score, different_result) = verdict(
        step(run, "compare_different", context),
        &obama_1,
        &biden_1,
        &format!("{context} compare obama_1/biden_1"),
    );
    assert_eq!(
        different_result, "unmatched",
        "{context}: score {different_score}"
    );
    assert!(different_score < 0.6, "{context}: {different_score}");
    let signer = Signer {
        gateway,
        key: combination.key,
    };
    for (image2, client_score) in [(&obama_2, same_score), (&biden_1, different_score)] {
        let direct = signer.compare(&obama_1, image2, combination.transactions);
        let (direct_score, _) = verdict(
            &direct,
            &obama_1,
            image2,
            &format!("{context} direct compare"),
        );
        eprintln!("[{context}] obama_1 vs {image2}: client {client_score}, direct {direct_score}");
        assert!(
            (direct_score - client_score).abs() <= 1e-9,
            "{context}: the client's score {client_score} differs from the direct request's {direct_score}"
        );
    }

    // Detect: one face with a unit 128-value embedding.
    let detected = step(run, "detect", context);
    assert_eq!(detected["status"], "success", "{context}: {detected}");
    assert_eq!(str_at(detected, "/image/id", context), obama_1);
    let faces = detected["image"]["faces"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: detect image.faces: {detected}"));
    assert_eq!(faces.len(), 1, "{context}: one face detected: {detected}");
    assert!(faces[0]["id"].is_string(), "{context}: face id: {detected}");
    let embedding: Vec<f64> = faces[0]["embedding"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: no embedding: {detected}"))
        .iter()
        .map(|value| value.as_f64().expect("embedding values are numbers"))
        .collect();
    assert_eq!(embedding.len(), 128, "{context}");
    let norm = embedding.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!(
        (norm - 1.0).abs() <= 1e-3,
        "{context}: embedding L2 norm {norm}"
    );

    // Index, then search with another photo of the same person: the indexed image first.
    let indexed = step(run, "index", context);
    assert_eq!(str_at(indexed, "/image/id", context), obama_1);
    assert_eq!(indexed["status"], "success", "{context}: {indexed}");
    let found = step(run, "search", context);
    assert_eq!(found["status"], "success", "{context}: {found}");
    assert_eq!(str_at(found, "/image/id", context), obama_2);
    let hits = found["faces"][0]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: search faces[0] (collection {collection}): {found}"));
    assert!(
        !hits.is_empty(),
        "{context}: the indexed face is found: {found}"
    );
    assert_eq!(
        str_at(&hits[0], "/image_id", context),
        obama_1,
        "{context}: {found}"
    );
    let hit_score = f64_at(&hits[0], "/score", context);
    assert!(
        hit_score >= 0.7,
        "{context}: search score {hit_score}: {found}"
    );
    // The hit carries the image's metadata as patched (an object, or `{field, value}` pairs).
    let metadata = metadata_pairs(&hits[0]["metadata"]);
    for (field, value) in [("national_id", "123"), ("app_id", "5555")] {
        assert!(
            metadata.iter().any(|(f, v)| f == field && v == value),
            "{context}: hit metadata has {field}={value}: {found}"
        );
    }

    // The face crop of that hit is a JPEG.
    let face_image = &run["face_image"];
    assert_eq!(
        face_image["face_id"], hits[0]["id"],
        "{context}: the driver downloaded the first hit's face: {face_image}"
    );
    assert!(
        str_at(face_image, "/magic", context).starts_with("ffd8ff"),
        "{context}: face image is a JPEG: {face_image}"
    );
    let face_length = face_image["length"].as_u64().unwrap_or(0);
    assert!(
        face_length > 100,
        "{context}: face image length: {face_image}"
    );

    // Delete, then the search no longer returns that image.
    let deleted = step(run, "delete", context);
    assert!(deleted["request_id"].is_string(), "{context}: {deleted}");
    let after = step(run, "search_after_delete", context);
    assert_eq!(after["status"], "success", "{context}: {after}");
    let still_there = after["faces"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: search after delete faces: {after}"))
        .iter()
        .flat_map(|hits| hits.as_array().cloned().unwrap_or_default())
        .any(|hit| hit["image_id"] == obama_1.as_str());
    assert!(
        !still_there,
        "{context}: deleted faces are not found: {after}"
    );

    // Client settings tell the client whether responses are encrypted for its key.
    let settings = step(run, "client_settings", context);
    assert_eq!(
        settings["settings"]["enable_encryption"], combination.key.encrypted,
        "{context}: {settings}"
    );
    assert!(settings["country"].is_string(), "{context}: {settings}");
    assert!(settings["card_types"].is_array(), "{context}: {settings}");

    check_wire(combination, run);
}

/// What went over the wire: every answer 200, transactions and encryption exactly where configured.
fn check_wire(combination: &Combination, run: &Value) {
    let context = combination.name;
    let wire = run["wire"].as_array().expect("wire log");
    for exchange in wire {
        assert_eq!(exchange["status"], 200, "{context}: {exchange}");
        let errors = &exchange["errors"];
        assert!(
            errors.is_null() || errors.as_array().is_some_and(Vec::is_empty),
            "{context}: {exchange}"
        );
    }
    let decorated: Vec<&Value> = wire
        .iter()
        .filter(|exchange| DECORATED_ROUTES.contains(&exchange["path"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        decorated.len(),
        7,
        "{context}: 2 compares, detect, index, 2 searches, delete: {}",
        run["wire"]
    );
    let begun = wire
        .iter()
        .filter(|exchange| exchange["path"] == "/api/v1/transactions")
        .count();
    let finished = wire
        .iter()
        .filter(|exchange| {
            let path = exchange["path"].as_str().unwrap_or("");
            path.starts_with("/api/v1/transactions/") && path.ends_with("/finish")
        })
        .count();
    if combination.transactions {
        assert_eq!(
            (begun, finished),
            (7, 7),
            "{context}: one transaction per decorated call"
        );
        for exchange in &decorated {
            assert!(exchange["transaction"].is_string(), "{context}: {exchange}");
        }
    } else {
        assert_eq!((begun, finished), (0, 0), "{context}");
    }
    for exchange in wire {
        let encrypted_on_wire = exchange["data_is_string"] == true;
        let decorated_route = DECORATED_ROUTES.contains(&exchange["path"].as_str().unwrap_or(""));
        assert_eq!(
            encrypted_on_wire,
            combination.key.encrypted && decorated_route,
            "{context}: encrypted data exactly on the decorated routes of the encrypting key: {exchange}"
        );
    }
    for (name, outcome) in run["steps"].as_object().expect("steps") {
        let expected = combination.encryption
            && !matches!(
                name.as_str(),
                "upload_obama_1"
                    | "upload_obama_2"
                    | "upload_biden_1"
                    | "update_metadata"
                    | "client_settings"
            );
        assert_eq!(
            outcome["decrypted_by_client"], expected,
            "{context}: step {name} decrypted by the client: {outcome}"
        );
    }
}

#[test]
fn the_vendor_javascript_client_runs_every_step_against_the_gateway() {
    let Some(obama_1) = face("obama_1.jpg") else {
        return;
    };
    if face("obama_2.jpg").is_none() || face("biden_1.jpg").is_none() {
        return;
    }
    let obama_1_sha256 = sha256_hex(&obama_1);
    require_node();
    require_sdk();
    assert!(
        client_dir().join("drive.js").is_file(),
        "clients/trustvision-sdk/drive.js is missing"
    );

    let gateway = start_gateway_with(options());
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    for combination in &COMBINATIONS {
        let collection = format!(
            "sdk-{}-{}",
            combination.name.replace('+', "-"),
            &run_id[..8]
        );
        let run = drive(&gateway, combination, &collection);
        check_run(&gateway, combination, &collection, &obama_1_sha256, &run);
        eprintln!("[{}] every step checked", combination.name);
    }
}
