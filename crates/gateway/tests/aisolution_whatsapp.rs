//! aisolution `gliswadetail` over real HTTP with the operator-table provider (demo data, as the
//! docs say), a country allow-list, and a real local callback receiver.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use common::{client, start_gateway_with, to_reply, GatewayOptions};

const TOKEN: &str = "wa-token";

/// Accepts HTTP requests, answers 200, and sends each request line down the channel.
fn receiver() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            let mut stream = stream;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = tx.send(line.trim_end().to_owned());
        }
    });
    (port, rx)
}

#[test]
fn gliswadetail_answers_from_the_provider_and_calls_back_once() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("numbers.toml");
    std::fs::write(
        &table,
        r#"
# Demo data typed for this test: NOT real WhatsApp accounts.
unlisted = "unavailable"
[numbers."+6281387300008"]
whatsapp = "yes"
status_update = "20180825"
signature = "Saya suka global"
business_user = false
avatar = true
[numbers."+639171234567"]
whatsapp = "no"
[numbers."+6281234567890"]
whatsapp = "yes"
status_update = "20240101"
signature = "slow"
business_user = true
avatar = false
delay_ms = 1500
"#,
    )
    .unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[aisolution.whatsapp]
provider = "file"
provider_file = "{}"
[aisolution.whatsapp.lookup]
countries = ["ID", "PH"]
callback_hosts = ["127.0.0.1"]
answer_within_ms = 300
callback_backoff_ms = 50
"#,
            table.display()
        ),
    )
    .unwrap();
    let gateway = start_gateway_with(
        GatewayOptions::default()
            .env("EKYC_AISOLUTION_TOKENS", TOKEN)
            .env("EKYC_CONFIG", config.display()),
    );
    let post = |fields: &[(&str, &str)]| {
        to_reply(
            client()
                .post(gateway.url(&format!("/v1/gliswadetail?token={TOKEN}")))
                .form(fields)
                .send()
                .unwrap(),
        )
    };

    // `003:L442-452`: the national number of the seed's request, answered in E.164.
    let yes = post(&[("number", "81387300008")]);
    assert_eq!(yes.body["status"], "OK", "{}", yes.raw);
    assert_eq!(
        yes.body["message"],
        serde_json::json!({"number": "+6281387300008", "whatsapp": "yes", "status_update": "20180825",
            "signature": "Saya suka global", "business_user": "no", "avatar": "yes"})
    );
    let no = post(&[("number", "0917 123 4567"), ("country", "PH")]);
    assert_eq!(
        no.body["message"],
        serde_json::json!({"number": "+639171234567", "whatsapp": "no"}),
        "{}",
        no.raw
    );
    // A16: a valid number of a country not looked up here is FAIL; a malformed one INVALID_INPUT.
    let vietnam = post(&[("number", "912345678"), ("country", "VN")]);
    assert_eq!(vietnam.body["status"], "FAIL", "{}", vietnam.raw);
    let garbage = post(&[("number", "12ab")]);
    assert_eq!(garbage.body["status"], "INVALID_INPUT", "{}", garbage.raw);
    let missing = post(&[]);
    assert_eq!(missing.body["status"], "INVALID_REQUEST", "{}", missing.raw);
    // Section 9 item 2: a callback host outside the allow-list is refused.
    let elsewhere = post(&[
        ("number", "81387300008"),
        ("callback", "https://example.org/cb"),
    ]);
    assert_eq!(
        elsewhere.body["status"], "INVALID_INPUT",
        "{}",
        elsewhere.raw
    );
    // Not in the table: unavailable, honestly (servstatus=y) or RETRY_LATER.
    let unknown = post(&[("number", "81122334455")]);
    assert_eq!(unknown.body["status"], "RETRY_LATER", "{}", unknown.raw);
    let unknown = post(&[("number", "81122334455"), ("servstatus", "y")]);
    assert_eq!(
        unknown.body["message"]["whatsapp"], "unavailable",
        "{}",
        unknown.raw
    );

    // A slow lookup: `checking` first, then the result by callback, exactly once.
    let (port, calls) = receiver();
    let callback = format!("http://127.0.0.1:{port}/hook");
    let checking = post(&[("number", "81234567890"), ("callback", &callback)]);
    assert_eq!(
        checking.body["message"],
        serde_json::json!({"number": "+6281234567890", "whatsapp": "checking"}),
        "{}",
        checking.raw
    );
    let call = calls
        .recv_timeout(Duration::from_secs(20))
        .expect("the callback arrives");
    assert_eq!(
        call,
        "GET /hook?number=%2B6281234567890&whatsapp=yes&status_update=20240101&signature=slow&business_user=yes&avatar=no HTTP/1.1"
    );
    // Re-asked (the documented polling): the result, and no second callback.
    let done = post(&[("number", "81234567890"), ("callback", &callback)]);
    assert_eq!(done.body["message"]["whatsapp"], "yes", "{}", done.raw);
    assert!(
        calls.recv_timeout(Duration::from_millis(800)).is_err(),
        "called back twice"
    );
}
