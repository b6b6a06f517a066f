//! The service end to end: a real sled store in a temp dir, a FileProvider table, and a real HTTP
//! receiver on a local port for callbacks. Each test has its own directory and port.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::{SledOptions, SledStore, Store, TenantId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

use super::*;

mod callbacks;
mod lookups;
mod resume;

const TABLE: &str = r#"
    [numbers."+6281387300008"]
    whatsapp = "yes"
    status_update = "20180825"
    signature = "Saya suka global"
    business_user = false
    avatar = true

    [numbers."+639171234567"]
    whatsapp = "no"

    [numbers."+84912345678"]
    whatsapp = "no"
    delay_ms = 300

    [numbers."+919876543210"]
    whatsapp = "yes"
    status_update = "20240131"
    signature = "Hey there"
    business_user = true
    avatar = false
    delay_ms = 300
"#;

/// The documented callback query for `+6281387300008` (aisolution-api.txt L482).
const YES_QUERY: &str = "number=%2B6281387300008&whatsapp=yes&status_update=20180825\
                         &signature=Saya+suka+global&business_user=no&avatar=yes";

/// A provider that counts the lookups it is asked for.
struct Counting {
    inner: Arc<dyn MessagingAccountProvider>,
    calls: AtomicUsize,
}

impl Counting {
    fn new(inner: impl MessagingAccountProvider + 'static) -> Arc<Self> {
        Arc::new(Counting {
            inner: Arc::new(inner),
            calls: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl MessagingAccountProvider for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn lookup<'a>(&'a self, number: &'a E164Number) -> ProviderFuture<'a> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.lookup(number)
    }
}

fn table() -> FileProvider {
    FileProvider::from_toml(TABLE).expect("test table")
}

fn settings() -> LookupSettings {
    LookupSettings {
        callback_hosts: vec!["127.0.0.1".to_owned()],
        callback_attempts: 3,
        callback_backoff_ms: 40,
        callback_timeout_ms: 1000,
        answer_within_ms: 1000,
        lookup_timeout_ms: 5000,
        result_ttl_secs: 3600,
        ..LookupSettings::default()
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    service: WhatsAppLookups,
}

fn fixture(provider: Arc<dyn MessagingAccountProvider>, settings: LookupSettings) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SledStore::open(dir.path().join("store"), &SledOptions::default()).unwrap());
    let service = WhatsAppLookups::new(store.clone(), provider, &settings).unwrap();
    Fixture {
        _dir: dir,
        store,
        service,
    }
}

fn tenant() -> TenantId {
    TenantId::from("client-a")
}

fn e164(text: &str) -> E164Number {
    E164Number::parse_e164(text).unwrap()
}

fn request(number: &str) -> LookupRequest {
    LookupRequest {
        number: number.to_owned(),
        ..LookupRequest::default()
    }
}

fn with_callback(number: &str, callback: &str) -> LookupRequest {
    LookupRequest {
        callback: Some(callback.to_owned()),
        ..request(number)
    }
}

fn yes_details() -> AccountDetails {
    AccountDetails {
        status_update: "20180825".to_owned(),
        signature: "Saya suka global".to_owned(),
        business_user: false,
        avatar: true,
    }
}

async fn wait_for_job(
    service: &WhatsAppLookups,
    number: &str,
    what: &str,
    done: impl Fn(&WhatsAppJob) -> bool,
) -> WhatsAppJob {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(job) = service.job(&tenant(), &e164(number)).await.unwrap() {
            if done(&job) {
                return job;
            }
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn delivery(job: &WhatsAppJob) -> Option<DeliveryState> {
    job.callback.as_ref().map(|c| c.delivery)
}

fn is_done(job: &WhatsAppJob) -> bool {
    matches!(job.state, JobState::Done { .. })
}

#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16),
    /// Read the request and never answer.
    Silent,
}

/// A callback receiver on a local port: answers by `script`, then `otherwise`, and records each
/// request line with its arrival time.
struct Receiver {
    base: String,
    hits: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Receiver {
    async fn start(script: Vec<Reply>, otherwise: Reply) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
        let recorded = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let hits = recorded.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&chunk[..n]),
                        }
                        if head.len() > 16 * 1024 {
                            return;
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let line: Vec<&str> = head.lines().next().unwrap_or("").split(' ').collect();
                    let reply = {
                        let mut hits = hits.lock().unwrap();
                        let reply = script.get(hits.len()).copied().unwrap_or(otherwise);
                        hits.push((Instant::now(), line[..2.min(line.len())].join(" ")));
                        reply
                    };
                    match reply {
                        Reply::Status(code) => {
                            let answer = format!(
                                "HTTP/1.1 {code} Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            );
                            let _ = socket.write_all(answer.as_bytes()).await;
                            let _ = socket.shutdown().await;
                        }
                        Reply::Silent => tokio::time::sleep(Duration::from_secs(30)).await,
                    }
                });
            }
        });
        Receiver { base, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self) -> Vec<String> {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    fn times(&self) -> Vec<Instant> {
        self.hits.lock().unwrap().iter().map(|(t, _)| *t).collect()
    }
}

fn answer_yes() -> LookupAnswer {
    LookupAnswer::Registered {
        number: e164("+6281387300008"),
        details: yes_details(),
    }
}

fn stored_job(number: &str, state: JobState, callback: Option<CallbackJob>) -> WhatsAppJob {
    WhatsAppJob {
        number: number.to_owned(),
        lookup_id: format!("before-the-stop-{number}"),
        state,
        created_at_ms: 1_000,
        updated_at_ms: 1_000,
        callback,
    }
}
