//! Shared by the HTTP tests: start the real `ekyc-gateway` binary on free loopback ports with a temp data
//! directory, wait for `/readyz`, talk to it over HTTP, and read the real photos in `shared/data/`.
//!
//! Every test binary compiles this module but uses only part of it.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use serde_json::Value;

pub const ROUTE: &str = "/identity/image_verification/stateless";
/// The vendor sample's key and IV (`001:L253`), the gateway's defaults.
pub const SAMPLE_KEY: &str = "dcbbad6765e14139a07d34b92292a672";
pub const SAMPLE_IV: &str = "df25d188a061";

/// How long a fresh gateway may take to verify and load its models.
const READY_TIMEOUT: Duration = Duration::from_secs(180);

/// A running gateway. Killed on drop; its log is printed if the test failed.
pub struct Gateway {
    child: Child,
    pub shared: SocketAddr,
    /// The stateless dialect's own listener.
    pub stateless: SocketAddr,
    /// The hutts dialect's own listener.
    pub hutts: SocketAddr,
    log_path: PathBuf,
    /// The data directory (the store is in `store/` inside it).
    pub data_dir: PathBuf,
    _owned_data_dir: Option<tempfile::TempDir>,
}

/// Options for one gateway process.
#[derive(Default)]
pub struct GatewayOptions {
    /// Extra environment variables (`EKYC_*`).
    pub env: Vec<(String, String)>,
    /// Extra command-line flags after `serve`.
    pub args: Vec<String>,
    /// Use this data directory (kept after the gateway stops) instead of a fresh temporary one.
    pub data_dir: Option<PathBuf>,
}

impl GatewayOptions {
    pub fn env(mut self, name: &str, value: impl ToString) -> Self {
        self.env.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    pub fn data_dir(mut self, dir: &Path) -> Self {
        self.data_dir = Some(dir.to_owned());
        self
    }
}

pub fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().unwrap()
}

/// Start a gateway and wait until `/readyz` answers 200.
pub fn start_gateway() -> Gateway {
    start_gateway_with(GatewayOptions::default())
}

pub fn start_gateway_with(options: GatewayOptions) -> Gateway {
    let gateway = spawn_gateway(options);
    gateway.wait_ready();
    gateway
}

/// Start a gateway without waiting for it.
pub fn spawn_gateway(options: GatewayOptions) -> Gateway {
    let (data_dir, owned_data_dir) = match &options.data_dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let dir = tempfile::tempdir().expect("temp data dir");
            (dir.path().to_owned(), Some(dir))
        }
    };
    // One log per start: a restarted gateway on the same directory keeps the earlier log.
    let log_path = data_dir.join(format!("gateway-{}.log", free_port().port()));
    let log = std::fs::File::create(&log_path).expect("log file");
    let shared = free_port();
    let stateless = free_port();
    let hutts = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ekyc-gateway"));
    command
        .arg("serve")
        .args(&options.args)
        .env("EKYC_LISTEN", shared.to_string())
        .env("EKYC_STATELESS_LISTEN", stateless.to_string())
        .env("EKYC_HUTTS_LISTEN", hutts.to_string())
        .env("EKYC_DATA_DIR", &data_dir)
        .env("EKYC_LOG_FORMAT", "json")
        .env("EKYC_WORKERS", "2")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    for (name, value) in &options.env {
        command.env(name, value);
    }
    let child = command.spawn().expect("start the ekyc-gateway binary");
    Gateway {
        child,
        shared,
        stateless,
        hutts,
        log_path,
        data_dir,
        _owned_data_dir: owned_data_dir,
    }
}

impl Gateway {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.shared, path)
    }

    pub fn stateless_url(&self, path: &str) -> String {
        format!("http://{}{}", self.stateless, path)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn wait_ready(&self) {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut child_exited = None;
        while Instant::now() < deadline {
            if let Ok(response) = client.get(self.url("/readyz")).send() {
                if response.status() == 200 {
                    return;
                }
            }
            // `try_wait` needs `&mut`; a cheap probe of the log suffices to fail fast on a dead process.
            if let Some(status) = self.exited() {
                child_exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the gateway never became ready ({}); models must be set up (`ekyc-gateway models setup`, or \
             EKYC_MODEL_DIR). Its log:\n{}",
            child_exited.map_or("timed out".to_owned(), |status| format!("exited: {status}")),
            self.log()
        );
    }

    /// The process's exit status if it has exited (reads /proc, so `&self` is enough).
    fn exited(&self) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Field 3 is the state; `Z` (zombie) means exited and not yet reaped.
        let state = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .next()?
            .to_owned();
        (state == "Z").then(|| "exited".to_owned())
    }

    /// Send a signal with the system's `kill` (the workspace forbids `unsafe`, so no libc here).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status();
        assert!(
            status.is_ok_and(|status| status.success()),
            "kill -{name} failed"
        );
    }

    /// Wait for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "---- gateway log ({}) ----\n{}",
                self.log_path.display(),
                self.log()
            );
        }
    }
}

/// `shared/data`, beside the repository, or `EKYC_SHARED_DATA`.
pub fn shared_data() -> PathBuf {
    match std::env::var_os("EKYC_SHARED_DATA") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")),
    }
}

/// A photo from `shared/data/faces/`, or `None` after saying loudly that the case is skipped.
pub fn face(name: &str) -> Option<Vec<u8>> {
    let path = shared_data().join("faces").join(name);
    read_or_skip(&path)
}

pub fn read_or_skip(path: &Path) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            eprintln!(
                "\n!!!!!!!! SKIPPED: {} is not readable ({err}); set EKYC_SHARED_DATA to the shared data dir !!!!!!!!\n",
                path.display()
            );
            None
        }
    }
}

/// Encrypt as the vendor's Java client does, written here independently of the dialect's own cipher code:
/// AES-256-GCM, key and nonce = UTF-8 bytes of the strings, tag appended, standard padded Base64.
pub fn encrypt_with(key: &str, iv: &str, plaintext: &[u8]) -> String {
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).expect("32-byte key");
    let sealed = cipher
        .encrypt(Nonce::from_slice(iv.as_bytes()), plaintext)
        .expect("encrypt");
    base64::engine::general_purpose::STANDARD.encode(sealed)
}

pub fn encrypt(plaintext: &[u8]) -> String {
    encrypt_with(SAMPLE_KEY, SAMPLE_IV, plaintext)
}

/// A response: status, the `X-Request-ID` header, and the JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub request_id_header: Option<String>,
    pub body: Value,
    pub raw: String,
}

impl Reply {
    pub fn code(&self) -> Option<i64> {
        self.body.get("code").and_then(Value::as_i64)
    }

    pub fn score(&self) -> f64 {
        self.body
            .get("verification_score")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("no verification_score in {} {}", self.status, self.raw))
    }

    pub fn body_request_id(&self) -> Option<&str> {
        self.body.get("request_id").and_then(Value::as_str)
    }

    /// The abnormal envelope (`001:L147-151`) with this HTTP status, code and message, and a request id
    /// equal to the header.
    pub fn assert_abnormal(&self, status: u16, code: i64, message: &str) {
        assert_eq!(
            (
                self.status,
                self.code(),
                self.body.get("message").and_then(Value::as_str)
            ),
            (status, Some(code), Some(message)),
            "full body: {}",
            self.raw
        );
        self.assert_request_id();
        let keys: Vec<&String> = self.body.as_object().unwrap().keys().collect();
        assert_eq!(
            keys.len(),
            3,
            "exactly code, message, request_id: {}",
            self.raw
        );
    }

    pub fn assert_request_id(&self) {
        let header = self
            .request_id_header
            .as_deref()
            .expect("X-Request-ID header");
        assert_eq!(
            self.body_request_id(),
            Some(header),
            "body request_id equals the header: {}",
            self.raw
        );
        let parsed = uuid::Uuid::parse_str(header).expect("request id is a UUID");
        assert_eq!(parsed.get_version_num(), 4, "UUIDv4: {header}");
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

pub fn to_reply(response: reqwest::blocking::Response) -> Reply {
    let status = response.status().as_u16();
    let request_id_header = response
        .headers()
        .get("x-request-id")
        .map(|value| value.to_str().unwrap().to_owned());
    let raw = response.text().unwrap();
    let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
    Reply {
        status,
        request_id_header,
        body,
        raw,
    }
}

/// POST a form the way the Java sample's `UrlEncodedFormEntity` does (every field URL-encoded).
pub fn post_form(url: &str, fields: &[(&str, &str)]) -> Reply {
    to_reply(client().post(url).form(fields).send().expect("POST"))
}

/// Encrypt two images and compare them over the shared listener.
pub fn compare(gateway: &Gateway, first: &[u8], second: &[u8], extra: &[(&str, &str)]) -> Reply {
    let first = encrypt(first);
    let second = encrypt(second);
    let mut fields = vec![
        ("first_encrypted_image", first.as_str()),
        ("second_encrypted_image", second.as_str()),
    ];
    fields.extend_from_slice(extra);
    post_form(&gateway.url(ROUTE), &fields)
}

/// Send raw bytes over a fresh TCP connection and return the raw response (for requests reqwest will not
/// produce, such as a POST without any length).
pub fn raw_http(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// Body of a raw HTTP/1.1 response (`Connection: close`, so no chunking questions).
pub fn raw_body(response: &str) -> Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|err| panic!("JSON body ({err}): {response}"))
}

/// Runs `ekyc-gateway <args>` to completion with the given data directory; (success, stdout, stderr).
pub fn run_cli(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ekyc-gateway"))
        .args(args)
        .env("EKYC_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .output()
        .expect("run the ekyc-gateway binary");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Standard base64 of a file's bytes, as aisolution clients send images.
pub fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// TrustVision signing as a client computes it (`002:L15-29`):
/// `base64(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + TIMESTAMP))`, PATH without `/api` and
/// without the query string.
pub fn tv_signature(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{method}\n{path}\n{timestamp}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// An RFC 3339 `X-TV-Timestamp` `offset_secs` from now, with the vendor example's `+07:00` offset
/// and whole seconds (`2019-04-21T18:00:15+07:00`).
pub fn tv_timestamp(offset_secs: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    (time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs))
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        .replace_nanosecond(0)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}
