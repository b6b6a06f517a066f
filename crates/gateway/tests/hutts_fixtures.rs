//! Replays every fixture of `fixtures/hutts/` (format: its README) over real HTTP against the real
//! binary, on the dialect's own listener.

mod common;

use std::path::PathBuf;

use base64::Engine as _;
use common::{client, start_gateway_with, to_reply, GatewayOptions};
use serde_json::Value;
use testdata::{sample_za_fields, za_card_scan_and_photo, CardPose};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/hutts")
}

/// The synthetic cards the fixtures name: (scan, photo), JPEG.
fn synthetic_cards() -> Option<(Vec<u8>, Vec<u8>)> {
    let pose = CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.6,
        rotation_degrees: 3.0,
        tilt: (0.03, 0.0),
        corner_radius: testdata::ID1_CORNER_RADIUS,
    };
    za_card_scan_and_photo(&sample_za_fields(), "faces/noface_rocket.jpg", &pose, 0.8)
}

fn data_uri(prefix: &str, bytes: &[u8]) -> String {
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Replaces image specs by data URIs; `None` when a data file is absent (said loudly).
fn resolve(value: &Value, cards: &(Vec<u8>, Vec<u8>)) -> Option<Value> {
    Some(match value {
        Value::Object(spec) if spec.contains_key("file_data_uri") => {
            let bytes = testdata::read(spec["file_data_uri"].as_str().unwrap())?;
            Value::String(data_uri("data:image/jpeg;base64,", &bytes))
        }
        Value::Object(spec) if spec.contains_key("synthetic") => {
            let bytes = match spec["synthetic"].as_str().unwrap() {
                "za_smart_id_scan" => &cards.0,
                "za_smart_id_photo" => &cards.1,
                other => panic!("unknown synthetic image {other}"),
            };
            let prefix = spec
                .get("prefix")
                .and_then(Value::as_str)
                .unwrap_or("data:image/jpeg;base64,");
            Value::String(data_uri(prefix, bytes))
        }
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| Some((k.clone(), resolve(v, cards)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

/// Differences between expected and actual, exact except where `rules` (path -> rule) say.
fn compare(
    path: &str,
    expected: &Value,
    actual: &Value,
    rules: &serde_json::Map<String, Value>,
    out: &mut Vec<String>,
) {
    if let Some(rule) = rules.get(path).and_then(Value::as_str) {
        let ok = if let Some(range) = rule.strip_prefix("number ") {
            let (low, high) = range.split_once("..").expect("number A..B");
            let (low, high): (f64, f64) = (low.parse().unwrap(), high.parse().unwrap());
            actual.as_f64().is_some_and(|n| n >= low && n <= high)
        } else if let Some(prefix) = rule.strip_prefix("string prefix ") {
            actual
                .as_str()
                .is_some_and(|s| s.starts_with(prefix) && s.len() > prefix.len())
        } else {
            panic!("unknown rule {rule}")
        };
        if !ok {
            out.push(format!("{path}: {actual} breaks `{rule}`"));
        }
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match (e.get(key), a.get(key)) {
                    (Some(e), Some(a)) => compare(&sub, e, a, rules, out),
                    (Some(_), None) => out.push(format!("{sub}: missing")),
                    (None, Some(a)) => out.push(format!("{sub}: unexpected {a}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, got {a}")),
    }
}

#[test]
fn every_hutts_fixture_replays() {
    let Some(cards) = synthetic_cards() else {
        return;
    };
    let gateway = start_gateway_with(GatewayOptions::default());
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/hutts")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "fixtures found: {files:?}");
    let mut failures = Vec::new();
    for file in &files {
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let Some(body) = resolve(&fixture["request"]["json"], &cards) else {
            eprintln!("!!! SKIPPED {}: a data file is absent", file.display());
            continue;
        };
        let url = format!(
            "http://{}{}",
            gateway.hutts,
            fixture["request"]["path"].as_str().unwrap()
        );
        let reply = to_reply(client().post(url).json(&body).send().expect("POST"));
        let mut differences = Vec::new();
        let expected_status = fixture["response"]["status"].as_u64().unwrap() as u16;
        if reply.status != expected_status {
            differences.push(format!(
                "status: expected {expected_status}, got {}",
                reply.status
            ));
        }
        let rules = fixture["match"].as_object().cloned().unwrap_or_default();
        compare(
            "",
            &fixture["response"]["json"],
            &reply.body,
            &rules,
            &mut differences,
        );
        if !differences.is_empty() {
            failures.push(format!(
                "{}:\n  {}",
                file.display(),
                differences.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
