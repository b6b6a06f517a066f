//! `ekyc-gateway store ...` against real stores: import of another deployment's faces, `serve`
//! refusing faces of another embedding model, `store reembed` fixing them from the stored originals,
//! `store stats`, and an export that round-trips.

mod common;

use common::{base64_of, face, run_cli, spawn_gateway, start_gateway_with, GatewayOptions};
use serde_json::{json, Value};

const TOKEN: &str = "cli-token";
const GROUP: &str = "MovedFromElsewhr";

#[test]
fn faces_of_another_model_are_refused_by_serve_until_reembedded() {
    let (Some(obama_1), Some(obama_2)) = (face("obama_1.jpg"), face("obama_2.jpg")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tenant = format!("aisolution:{GROUP}");
    // An export from a deployment whose recognizer was another model: the embedding is not ours.
    let lines = [
        json!({"record": "header", "format": "ekyc-gateway-export", "version": 1, "exported_at_ms": 0}),
        json!({"record": "media", "tenant": tenant, "media_id": "m-obama", "content_type": "image/jpeg",
               "created_at_ms": 1, "bytes_base64": base64_of(&obama_1)}),
        json!({"record": "person", "tenant": tenant, "collection": GROUP,
               "person_id": "c5r7jedkujdbnasarhn0", "created_at_ms": 1}),
        json!({"record": "face", "tenant": tenant, "collection": GROUP, "face_id": "f-obama",
               "person_id": "c5r7jedkujdbnasarhn0", "model_id": "some-older-recognizer-v0",
               "embedding": vec![0.0625f32; 128], "source_media_id": "m-obama", "created_at_ms": 1}),
    ];
    let dump = dir.path().join("dump.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&dump, text).unwrap();
    let data = dir.path().join("data");
    let (ok, _, stderr) = run_cli(&data, &["store", "import", dump.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("store reembed"),
        "import warns of the foreign model: {stderr}"
    );

    // serve refuses to mix models, and says what to run.
    let options = || {
        GatewayOptions::default()
            .env("EKYC_AISOLUTION_TOKENS", format!("{TOKEN}:{GROUP}"))
            .data_dir(&data)
    };
    let mut refused = spawn_gateway(options());
    let status = refused
        .wait_exit(std::time::Duration::from_secs(120))
        .expect("serve stops by itself");
    assert!(!status.success());
    let log = refused.log();
    assert!(
        log.contains("some-older-recognizer-v0") && log.contains("store reembed"),
        "{log}"
    );
    drop(refused);

    // reembed from the stored original; then stats show one model only.
    let (ok, _, stderr) = run_cli(&data, &["store", "reembed"]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("1 face(s) re-embedded"), "{stderr}");
    let (ok, stats, stderr) = run_cli(&data, &["store", "stats"]);
    assert!(ok, "{stderr}");
    let stats: Value = serde_json::from_str(&stats).expect("stats are JSON");
    let by_model = stats["counts"]["faces_by_model"].as_object().unwrap();
    assert_eq!(by_model.len(), 1, "{stats}");
    assert_eq!(by_model.values().next(), Some(&json!(1)));
    assert!(stats["size_on_disk_bytes"].as_u64().unwrap() > 0);

    // Now it serves, and the moved person is found with another photo of him.
    let gateway = start_gateway_with(options());
    let found: Value = common::client()
        .post(gateway.url(&format!("/v1/searchface?token={TOKEN}")))
        .form(&[("img", base64_of(&obama_2))])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(found["status"], "OK", "{found}");
    assert_eq!(
        found["message"][0]["person_id"], "c5r7jedkujdbnasarhn0",
        "{found}"
    );
    drop(gateway);

    // An export of it round-trips into a fresh deployment, references-only is smaller.
    let (ok, full, _) = run_cli(&data, &["store", "export"]);
    assert!(ok);
    let (ok, refs, _) = run_cli(&data, &["store", "export", "--media-references-only"]);
    assert!(ok);
    assert_eq!(full.lines().count(), 4);
    assert!(refs.len() < full.len() / 2);
    assert!(
        full.contains("dlib-resnet"),
        "the re-embedded face carries the engine's model id"
    );
}
