//! `just bench`: the face pipeline's speed and memory, stage by stage and end to end over HTTP.
//!
//! Inputs: two 640x480 JPEGs made from two real photos of one person (../shared/data/faces).
//! Prints per-stage latency in process (decode, detect, landmarks, align, embed), end-to-end
//! stateless compare latency over real HTTP against the release binary with 1 and 2 concurrent
//! clients (p50, p95, throughput), the server's resident memory after warm-up, and, when the peer's
//! venv is given in EKYC_PEER_PYTHON, Python face_recognition on the same pair. Targets (issue 3, on
//! a 2-core machine): p50 <= 60 ms with one client, >= 25 compares/s with two, RSS <= 300 MB.

use std::io::Cursor;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use engine::{FaceEngine, ImageLimits, ModelFiles};

const KEY: &[u8; 32] = b"dcbbad6765e14139a07d34b92292a672";
const IV: &[u8; 12] = b"df25d188a061";
const STAGE_RUNS: usize = 50;
const HTTP_RUNS: usize = 100;

fn main() {
    let shared = std::env::var_os("EKYC_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let work = tempfile::tempdir().expect("temp dir");
    let (a, b) = (
        work.path().join("a_640x480.jpg"),
        work.path().join("b_640x480.jpg"),
    );
    for (src, dst) in [("obama_1.jpg", &a), ("obama_2.jpg", &b)] {
        let path = shared.join("faces").join(src);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!(
                "!!! SKIPPED: {} is absent; nothing was measured",
                path.display()
            );
            return;
        };
        std::fs::write(dst, to_640x480_jpeg(&bytes)).expect("write input");
    }
    let (a_bytes, b_bytes) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    println!(
        "inputs: two 640x480 JPEGs ({} and {} bytes) from obama_1.jpg and obama_2.jpg",
        a_bytes.len(),
        b_bytes.len()
    );
    println!(
        "machine: {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    stages(&a_bytes);
    let ours = http(&a_bytes, &b_bytes);
    peer(&a, &b, ours);
}

fn to_640x480_jpeg(bytes: &[u8]) -> Vec<u8> {
    let image = image::load_from_memory(bytes)
        .expect("test photo decodes")
        .into_rgb8();
    let (w, h) = image.dimensions();
    // Crop to 4:3, centred horizontally and at 40 % vertically (a portrait's head stays in frame),
    // then resize; JPEG quality 92. The peer gets the very same files.
    let (cw, ch) = if w * 3 > h * 4 {
        (h * 4 / 3, h)
    } else {
        (w, w * 3 / 4)
    };
    let crop = image::imageops::crop_imm(&image, (w - cw) / 2, (h - ch) * 2 / 5, cw, ch).to_image();
    let resized = image::imageops::resize(&crop, 640, 480, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    resized
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .expect("encode");
    out
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, samples: &mut [f64]) -> f64 {
    let p50 = percentile(samples, 0.5);
    println!(
        "{name:<28} p50 {p50:7.2} ms   p95 {:7.2} ms   (n={})",
        percentile(samples, 0.95),
        samples.len()
    );
    p50
}

fn stages(bytes: &[u8]) {
    let engine =
        FaceEngine::load(&ModelFiles::in_dir(&ModelFiles::default_dir())).expect("models set up");
    let limits = ImageLimits::default();
    let ms = |start: Instant| start.elapsed().as_secs_f64() * 1e3;
    let mut samples: [Vec<f64>; 6] = Default::default();
    for run in 0..STAGE_RUNS + 3 {
        let t = Instant::now();
        let image = engine.decode(bytes, &limits).unwrap();
        let decode = ms(t);
        let t = Instant::now();
        let detected = engine.detect(&image, false).unwrap();
        let detect = ms(t);
        let face = detected.largest().unwrap().clone();
        let t = Instant::now();
        let landmarks = engine.landmarks(&detected.image, &face).unwrap();
        let mesh = ms(t);
        let t = Instant::now();
        let _chip = engine.aligned_chip(&detected.image, &landmarks).unwrap();
        let align = ms(t);
        let t = Instant::now();
        let _ = engine.embed(&detected.image, &landmarks).unwrap();
        let align_embed = ms(t);
        let t = Instant::now();
        let _ = engine.analyze_largest_face(&image, false).unwrap();
        let whole = ms(t);
        if run >= 3 {
            for (slot, v) in samples.iter_mut().zip([
                decode,
                detect,
                mesh,
                align,
                (align_embed - align).max(0.0),
                whole,
            ]) {
                slot.push(v);
            }
        }
    }
    println!("\n== per stage, one 640x480 image, in process, one thread");
    let names = [
        "decode",
        "detect (short-range)",
        "landmarks (mesh)",
        "align",
        "embed (ResNet)",
        "all of one image",
    ];
    for (name, s) in names.iter().zip(samples.iter_mut()) {
        report(name, s);
    }
}

struct Gateway {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_gateway() -> Gateway {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ekyc-gateway"))
        .arg("serve")
        .env("EKYC_LISTEN", format!("127.0.0.1:{port}"))
        .env("EKYC_DATA_DIR", data.path())
        .env("EKYC_STATELESS_LISTEN", "off")
        .env("EKYC_LOG_FILTER", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("gateway starts");
    let gateway = Gateway {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _data: data,
    };
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client
            .get(format!("{}/readyz", gateway.base))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            return gateway;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("gateway not ready within 60 s");
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Returns the one-client p50 in ms.
fn http(a: &[u8], b: &[u8]) -> f64 {
    let cipher = Aes256Gcm::new_from_slice(KEY).unwrap();
    let encrypt = |bytes: &[u8]| {
        base64::engine::general_purpose::STANDARD
            .encode(cipher.encrypt(Nonce::from_slice(IV), bytes).unwrap())
    };
    let body = serde_urlencoded::to_string([
        ("first_encrypted_image", encrypt(a)),
        ("second_encrypted_image", encrypt(b)),
    ])
    .unwrap();
    let gateway = start_gateway();
    let url = format!("{}/identity/image_verification/stateless", gateway.base);
    println!(
        "\n== end to end over HTTP: POST /identity/image_verification/stateless (release binary)"
    );
    println!(
        "RSS after start-up:          {:7.1} MB",
        rss_mb(gateway.child.id())
    );
    let call = |client: &reqwest::blocking::Client| -> f64 {
        let t = Instant::now();
        let response = client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .expect("request");
        let json: serde_json::Value = response.json().expect("json");
        assert_eq!(json["code"], 1000, "{json}");
        t.elapsed().as_secs_f64() * 1e3
    };
    let client = reqwest::blocking::Client::new();
    for _ in 0..10 {
        call(&client);
    }
    println!(
        "RSS after warm-up:           {:7.1} MB",
        rss_mb(gateway.child.id())
    );
    let mut one_client_p50 = f64::NAN;
    for clients in [1usize, 2] {
        let start = Instant::now();
        let mut all: Vec<f64> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..clients)
                .map(|_| {
                    scope.spawn(|| {
                        let client = reqwest::blocking::Client::new();
                        (0..HTTP_RUNS).map(|_| call(&client)).collect::<Vec<f64>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let wall = start.elapsed().as_secs_f64();
        let p50 = report(&format!("{clients} concurrent client(s)"), &mut all);
        if clients == 1 {
            one_client_p50 = p50;
        }
        println!(
            "{:<28} {:7.1} compares/s",
            "  throughput",
            all.len() as f64 / wall
        );
    }
    println!(
        "RSS after the runs:          {:7.1} MB",
        rss_mb(gateway.child.id())
    );
    one_client_p50
}

fn peer(a: &Path, b: &Path, ours_p50: f64) {
    println!("\n== peer: Python face_recognition (dlib HOG + ResNet), same pair, one thread");
    let Some(python) = std::env::var_os("EKYC_PEER_PYTHON") else {
        println!("not run: set EKYC_PEER_PYTHON to a venv's python with bench/peer's requirements (just bench does)");
        return;
    };
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../bench/peer/face_recognition_compare.py");
    let output = Command::new(python)
        .arg(script)
        .arg(a)
        .arg(b)
        .args(["--repeat", "20"])
        .output();
    match output {
        Ok(out) if out.status.success() => {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            let latency = &json["latency_ms"];
            println!(
                "face_recognition compare     p50 {:7.2} ms   p95 {:7.2} ms   (distance {})",
                latency["p50"].as_f64().unwrap_or(f64::NAN),
                latency["p95"].as_f64().unwrap_or(f64::NAN),
                json["distance"]
            );
            let theirs = latency["p50"].as_f64().unwrap_or(f64::NAN);
            println!(
                "ratio: face_recognition p50 / ekyc-gateway p50 over HTTP = {:.1}x",
                theirs / ours_p50
            );
        }
        Ok(out) => println!(
            "peer failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => println!("peer could not start: {e}"),
    }
}
