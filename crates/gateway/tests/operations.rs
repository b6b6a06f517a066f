//! The gateway as an operator sees it, over real HTTP against the real binary: health, readiness, metrics,
//! request ids in headers, bodies and log lines, graceful shutdown, refusing to start without models.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;

#[test]
fn health_readiness_metrics_and_request_ids() {
    // Debug level for the gateway's own lines, so the configuration dump is in the log we check for secrets.
    let gateway = start_gateway_with(
        GatewayOptions::default().env("EKYC_LOG_FILTER", "ekyc_gateway=debug,info"),
    );
    let http = client();

    let health = to_reply(http.get(gateway.url("/healthz")).send().unwrap());
    assert_eq!(
        (health.status, health.body["status"].as_str()),
        (200, Some("alive")),
        "{}",
        health.raw
    );
    assert!(
        health.request_id_header.is_some(),
        "every response carries X-Request-ID"
    );
    let ready = to_reply(http.get(gateway.url("/readyz")).send().unwrap());
    assert_eq!(
        (ready.status, ready.body["status"].as_str()),
        (200, Some("ready")),
        "{}",
        ready.raw
    );

    // A comparison, so the dialect and the engine have something to report.
    let compared = match (face("obama_1.jpg"), face("obama_2.jpg")) {
        (Some(a), Some(b)) => {
            let reply = compare(&gateway, &a, &b, &[]);
            assert_eq!(reply.code(), Some(1000), "{}", reply.raw);
            reply.assert_request_id();
            Some(reply)
        }
        _ => None,
    };
    // And a client error.
    let rejected = post_form(&gateway.url(ROUTE), &[("first_encrypted_image", "x")]);
    rejected.assert_abnormal(400, 1200, "invalid argument");
    // Unknown path on the shared listener: counted, 404, still with a request id.
    let unknown = to_reply(http.get(gateway.url("/no/such/route")).send().unwrap());
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body["request_id"].as_str(),
        unknown.request_id_header.as_deref()
    );

    // Distinct requests get distinct ids.
    assert_ne!(health.request_id_header, ready.request_id_header);

    let metrics = http.get(gateway.url("/metrics")).send().unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let metrics = metrics.text().unwrap();
    let expected = [
        r#"ekyc_http_requests_total{dialect="stateless",route="/identity/image_verification/stateless",outcome="client_error"} 1"#,
        r#"ekyc_http_requests_total{dialect="gateway",route="/healthz",outcome="success"} 1"#,
        r#"ekyc_http_requests_total{dialect="gateway",route="unmatched",outcome="client_error"} 1"#,
        r#"ekyc_http_request_duration_seconds_bucket{dialect="stateless",route="/identity/image_verification/stateless",le="0.005"}"#,
        "# TYPE ekyc_http_request_duration_seconds histogram",
    ];
    for line in expected {
        assert!(metrics.contains(line), "/metrics lacks {line}:\n{metrics}");
    }
    if compared.is_some() {
        for line in [
            r#"ekyc_http_requests_total{dialect="stateless",route="/identity/image_verification/stateless",outcome="success"} 1"#,
            // The engine's own per-stage timings, through the same recorder, as real histograms.
            "# TYPE ekyc_engine_stage_seconds histogram",
            "ekyc_engine_stage_seconds_bucket{stage=",
        ] {
            assert!(metrics.contains(line), "/metrics lacks {line}:\n{metrics}");
        }
    }

    // Every log line of a request carries its id: the JSON log has it in the span fields of each line.
    if let Some(reply) = compared {
        let id = reply.request_id_header.unwrap();
        let lines: Vec<Value> = gateway
            .log()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line.to_string().contains(&id))
            .collect();
        assert!(
            lines.len() >= 2,
            "at least the comparison and the closing line of request {id}:\n{}",
            gateway.log()
        );
        for line in &lines {
            assert_eq!(
                line["span"]["request_id"].as_str(),
                Some(id.as_str()),
                "{line}"
            );
        }
        assert!(
            lines
                .iter()
                .any(|line| line["fields"]["message"] == "request finished"
                    && line["fields"]["status"] == 200),
            "closing line with status: {lines:?}"
        );
    }
    // The AES key never reaches the log.
    assert!(
        !gateway.log().contains(SAMPLE_KEY),
        "the AES key leaked into the log"
    );
}

#[test]
fn human_log_format_is_the_default_and_carries_the_request_id() {
    // EKYC_LOG_FORMAT set by the harness is overridden back to human here.
    let gateway = start_gateway_with(GatewayOptions::default().env("EKYC_LOG_FORMAT", "human"));
    let health = to_reply(client().get(gateway.url("/healthz")).send().unwrap());
    let id = health.request_id_header.unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let log = gateway.log();
    let line = log
        .lines()
        .find(|line| line.contains(&id))
        .unwrap_or_else(|| panic!("no line with {id}:\n{log}"));
    assert!(
        line.contains("request finished") && !line.starts_with('{'),
        "{line}"
    );
}

#[test]
fn sigterm_stops_the_gateway_gracefully() {
    let mut gateway = start_gateway();
    gateway.signal("TERM");
    let status = gateway
        .wait_exit(Duration::from_secs(40))
        .expect("the gateway exits after SIGTERM");
    assert!(
        status.success(),
        "clean exit after SIGTERM: {status:?}\n{}",
        gateway.log()
    );
    let log = gateway.log();
    assert!(
        log.contains("shutting down gracefully") && log.contains("SIGTERM"),
        "{log}"
    );
    assert!(log.contains("\"stopped\""), "{log}");
}

/// A request body that stops halfway until told to go on, so a request is surely in flight.
struct PausedBody {
    data: std::io::Cursor<Vec<u8>>,
    pause_at: u64,
    resume: Option<std::sync::mpsc::Receiver<()>>,
    paused: Option<std::sync::mpsc::Sender<()>>,
}

impl std::io::Read for PausedBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.data.position() >= self.pause_at {
            if let (Some(paused), Some(resume)) = (self.paused.take(), self.resume.take()) {
                let _ = paused.send(());
                let _ = resume.recv();
            }
        }
        let room = if self.data.position() < self.pause_at {
            (self.pause_at - self.data.position()) as usize
        } else {
            buf.len()
        };
        let len = buf.len().min(room);
        self.data.read(&mut buf[..len])
    }
}

#[test]
fn sigterm_lets_an_in_flight_comparison_finish() {
    let (Some(a), Some(b)) = (face("obama_1.jpg"), face("obama_2.jpg")) else {
        return;
    };
    let mut gateway = start_gateway();
    let body = format!(
        "first_encrypted_image={}&second_encrypted_image={}",
        encrypt(&a)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D"),
        encrypt(&b)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D"),
    );
    let (paused_tx, paused_rx) = std::sync::mpsc::channel();
    let (resume_tx, resume_rx) = std::sync::mpsc::channel();
    let reader = PausedBody {
        pause_at: body.len() as u64 / 2,
        data: std::io::Cursor::new(body.into_bytes()),
        resume: Some(resume_rx),
        paused: Some(paused_tx),
    };
    let url = gateway.url(ROUTE);
    let request = std::thread::spawn(move || {
        to_reply(
            client()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(reqwest::blocking::Body::new(reader))
                .send()
                .expect("the in-flight request gets its response"),
        )
    });
    paused_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("half the body was sent");
    std::thread::sleep(Duration::from_millis(200));
    gateway.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    resume_tx.send(()).unwrap();
    let reply = request.join().unwrap();
    assert_eq!(
        reply.code(),
        Some(1000),
        "the in-flight comparison completed: {}",
        reply.raw
    );
    let status = gateway
        .wait_exit(Duration::from_secs(40))
        .expect("exits after the request");
    assert!(status.success(), "{status:?}\n{}", gateway.log());
    let log = gateway.log();
    let signalled = log
        .find("shutting down gracefully")
        .expect("the signal was logged");
    let compared = log
        .find("faces compared")
        .expect("the comparison was logged");
    assert!(
        signalled < compared,
        "the signal arrived while the request was in flight:\n{log}"
    );
}

#[test]
fn sigint_stops_the_gateway_too() {
    let mut gateway = start_gateway();
    gateway.signal("INT");
    let status = gateway
        .wait_exit(Duration::from_secs(40))
        .expect("the gateway exits after SIGINT");
    assert!(status.success(), "{status:?}\n{}", gateway.log());
    assert!(gateway.log().contains("SIGINT"));
}

#[test]
fn serve_refuses_to_start_without_models_and_says_how_to_fix_it() {
    let empty_models = tempfile::tempdir().unwrap();
    let mut gateway = spawn_gateway(
        GatewayOptions::default()
            .env("EKYC_MODEL_DIR", empty_models.path().display())
            .env("EKYC_LOG_FORMAT", "human"),
    );
    let status = gateway
        .wait_exit(Duration::from_secs(60))
        .expect("the gateway exits by itself");
    assert!(!status.success(), "non-zero exit without models");
    let log = gateway.log();
    assert!(
        log.contains("ekyc-gateway models setup"),
        "the message names the fixing command:\n{log}"
    );
    assert!(
        log.contains(&empty_models.path().display().to_string()),
        "and the missing file:\n{log}"
    );
    let error_lines: Vec<&str> = log.lines().filter(|line| line.contains("ERROR")).collect();
    assert_eq!(error_lines.len(), 1, "one line:\n{log}");
    // Nothing was listening.
    assert!(std::net::TcpStream::connect(gateway.shared).is_err());
}

#[test]
fn a_bad_configuration_is_refused_before_anything_starts() {
    let mut gateway =
        spawn_gateway(GatewayOptions::default().env("EKYC_STATELESS_AES_KEY", "short"));
    let status = gateway.wait_exit(Duration::from_secs(30)).expect("exits");
    assert_eq!(status.code(), Some(2), "{}", gateway.log());
    assert!(
        gateway.log().contains("AES key must be 32 bytes"),
        "{}",
        gateway.log()
    );
    assert!(
        !gateway.log().contains("short"),
        "the secret is not echoed:\n{}",
        gateway.log()
    );
}

#[test]
fn the_stateless_listener_can_be_turned_off() {
    let gateway = start_gateway_with(
        GatewayOptions::default()
            .arg("--stateless-listen")
            .arg("off"),
    );
    assert!(
        std::net::TcpStream::connect(gateway.stateless).is_err(),
        "nothing on the dedicated port"
    );
    // The shared listener still serves the dialect.
    let reply = post_form(&gateway.url(ROUTE), &[("first_encrypted_image", "x")]);
    reply.assert_abnormal(400, 1200, "invalid argument");
}
