//! The vendor's Java sample, re-done in Node.js with built-in modules only
//! (`tests/clients/stateless_java_equivalent.mjs`), against the real binary on the dialect's own listener,
//! the way the sample posts to `http://127.0.0.1:3000/identity/image_verification/stateless`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use serde_json::Value;

fn client_script() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/clients/stateless_java_equivalent.mjs"
    ))
}

fn node_available() -> bool {
    match Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => true,
        _ => {
            eprintln!("\n!!!!!!!! SKIPPED: `node` is not installed; the Java-equivalent client test did not run !!!!!!!!\n");
            false
        }
    }
}

#[test]
fn the_client_reproduces_the_spec_test_vector() {
    if !node_available() {
        return;
    }
    let output = Command::new("node")
        .arg(client_script())
        .arg("--self-test")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_java_equivalent_client_gets_a_match_and_a_documented_error() {
    if !node_available() {
        return;
    }
    let faces = shared_data().join("faces");
    let (obama_1, obama_2, coffee) = (
        faces.join("obama_1.jpg"),
        faces.join("obama_2.jpg"),
        faces.join("noface_coffee.png"),
    );
    if [&obama_1, &obama_2, &coffee]
        .iter()
        .any(|path| read_or_skip(path).is_none())
    {
        return;
    }
    let gateway = start_gateway();
    let url = gateway.stateless_url(ROUTE);
    let run = |first: &PathBuf, second: &PathBuf| -> (Value, Value) {
        let output = Command::new("node")
            .arg(client_script())
            .arg(&url)
            .arg(first)
            .arg(second)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
        let body: Value =
            serde_json::from_str(summary["body"].as_str().unwrap()).expect("JSON body");
        (summary, body)
    };

    let (summary, body) = run(&obama_1, &obama_2);
    assert_eq!(summary["status"], 200, "{summary}");
    assert_eq!(body["code"], 1000, "{body}");
    assert!(body["verification_score"].as_f64().unwrap() > 0.7, "{body}");
    assert_eq!(body["request_id"], summary["x_request_id"], "{summary}");
    assert_eq!(
        body.as_object().unwrap().len(),
        3,
        "exactly code, verification_score, request_id: {body}"
    );

    let (summary, body) = run(&obama_1, &coffee);
    assert_eq!(summary["status"], 400, "{summary}");
    assert_eq!(
        (body["code"].as_i64(), body["message"].as_str()),
        (Some(4000), Some("detection failed")),
        "{body}"
    );
    assert_eq!(body["request_id"], summary["x_request_id"]);
}
