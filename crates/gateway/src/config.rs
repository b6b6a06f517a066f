//! The one typed configuration. Sources, later ones winning: built-in defaults ([`Config::default`]), a
//! commented TOML file (`--config FILE`, example in `config/ekyc-gateway.example.toml`), `EKYC_*`
//! environment variables ([`ENV_VARS`]), then command-line flags ([`CliOverrides`]).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format as _, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every setting of the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the shared listener: every enabled dialect plus `/healthz`, `/readyz` and `/metrics`.
    /// Default `127.0.0.1:8080`. Env `EKYC_LISTEN`, flag `--listen`.
    pub listen: SocketAddr,
    /// Where the gateway keeps its state (created at start). Default `$XDG_DATA_HOME/ekyc-gateway`, else
    /// `~/.local/share/ekyc-gateway`. Env `EKYC_DATA_DIR`, flag `--data-dir`.
    pub data_dir: PathBuf,
    /// Where `models setup` puts the verified weight files and `serve` loads them from. Default
    /// `$XDG_CACHE_HOME/ekyc-gateway/models`, else `~/.cache/ekyc-gateway/models`. Env `EKYC_MODEL_DIR`,
    /// flag `--model-dir`.
    pub model_dir: PathBuf,
    /// Log line format: `human` (default) or `json` (one object per line). Env `EKYC_LOG_FORMAT`,
    /// flag `--log-json`.
    pub log_format: LogFormat,
    /// Which log lines to keep, in `tracing` filter syntax (`info`, `ekyc_gateway=debug,info`, ...).
    /// Default `info`. Env `EKYC_LOG_FILTER`.
    pub log_filter: String,
    /// Largest request body accepted, in bytes; larger bodies get the dialect's 413. Default 32 MiB: two
    /// 10 MiB images grow by a third in Base64 and a little more in form encoding. Env `EKYC_MAX_BODY_BYTES`,
    /// flag `--max-body-bytes`.
    pub max_body_bytes: usize,
    /// HTTP worker threads per listener; 0 means one per CPU core. Face comparisons run on a separate
    /// blocking pool. Default 0. Env `EKYC_WORKERS`, flag `--workers`.
    pub workers: usize,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT before connections are dropped.
    /// Default 30. Env `EKYC_SHUTDOWN_TIMEOUT_SECS`.
    pub shutdown_timeout_secs: u64,
    /// The store of enrolled faces, media and records (sled, in `data_dir/store`).
    pub store: StoreConfig,
    /// The `stateless` dialect (`POST /identity/image_verification/stateless`, spec section 3).
    pub stateless: StatelessConfig,
    /// The `aisolution` dialect (`POST /v1/<route>?token=...`, spec section 5).
    pub aisolution: AisolutionConfig,
    /// The `trustvision` dialect (HMAC-signed `/api/v1/...`, spec section 4).
    pub trustvision: TrustVisionConfig,
    /// The `hutts` dialect (`POST /extractAll` ..., spec section 2).
    pub hutts: HuttsConfig,
}

/// Settings of the `hutts` dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HuttsConfig {
    /// Serve it at all (on the shared listener and on its own). Default true. Env
    /// `EKYC_HUTTS_ENABLED`.
    pub enabled: bool,
    /// The dialect's own listener, where a Hutts client's `http://localhost:5000/...` lands. `off`
    /// disables it; the shared listener still serves the dialect. Default `127.0.0.1:5000`. Env
    /// `EKYC_HUTTS_LISTEN`.
    pub listen: Listener,
    /// verifyID's `is_match`: the calibrated face score (0-1) at or above which the faces match.
    /// Default 0.7. Env `EKYC_HUTTS_FACE_THRESHOLD`.
    pub face_threshold: f32,
    /// Largest decoded image, in bytes. Default 10 MiB. Env `EKYC_HUTTS_MAX_IMAGE_BYTES`.
    pub max_image_bytes: usize,
}

impl Default for HuttsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: Listener::On(SocketAddr::from(([127, 0, 0, 1], 5000))),
            face_threshold: 0.7,
            max_image_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Settings of the `trustvision` dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustVisionConfig {
    /// Serve it at all (under `/api` on the shared listener). Default true. Env
    /// `EKYC_TRUSTVISION_ENABLED`.
    pub enabled: bool,
    /// The long-term key pairs, each `access_key_id:secret`; each pair is its own client. No
    /// default: with none, every call answers 401 `access_denied_exception`. Never logged. Env
    /// `EKYC_TRUSTVISION_KEYS` (comma-separated, read verbatim).
    pub keys: TokenList,
    /// Access key ids whose responses are encrypted (`data` as the hex string the vendor's client
    /// decrypts). Default none. Env `EKYC_TRUSTVISION_ENCRYPTED_KEYS` (comma-separated).
    pub encrypted_keys: TokenList,
    /// `matched` / `unsure` score thresholds of each compare `type` profile.
    pub profiles: TrustVisionProfiles,
    /// Largest image or file, decoded, in bytes ("15MB"). Default 15 MiB. Env
    /// `EKYC_TRUSTVISION_MAX_IMAGE_BYTES`.
    pub max_image_bytes: usize,
    /// Largest JSON body in bytes (inline base64 images). Default 48 MiB. Env
    /// `EKYC_TRUSTVISION_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// Past this many milliseconds a request answers 408 `request_timeout_exception`. Default
    /// 60000. Env `EKYC_TRUSTVISION_REQUEST_TIMEOUT_MS`.
    pub request_timeout_ms: u64,
    /// Requests per minute per long-term key before 429 `rate_limit_exception`; 0 = no limit
    /// (default). Env `EKYC_TRUSTVISION_RATE_LIMIT_PER_MINUTE`.
    pub rate_limit_per_minute: u32,
    /// Collection used when a request names none. Default `default`. Env
    /// `EKYC_TRUSTVISION_DEFAULT_COLLECTION`.
    pub default_collection: String,
    /// The collection name whose faces, across every local client, are alert_faces' suspects.
    /// Default `suspects`. Env `EKYC_TRUSTVISION_SUSPECT_COLLECTION`.
    pub suspect_collection: String,
    /// Lifetime of a temporary credential when the request gives none. Default 900. Env
    /// `EKYC_TRUSTVISION_TEMPORARY_CREDENTIAL_DEFAULT_SECS`.
    pub temporary_credential_default_secs: u64,
    /// Longest lifetime a temporary credential may ask for. Default 86400. Env
    /// `EKYC_TRUSTVISION_TEMPORARY_CREDENTIAL_MAX_SECS`.
    pub temporary_credential_max_secs: u64,
    /// `country` in client settings. Default `vn`. Env `EKYC_TRUSTVISION_COUNTRY`.
    pub country: String,
    /// Whether clients may delete their uploads (else 405 `not_allow_delete_exception`). Default
    /// true. Env `EKYC_TRUSTVISION_ALLOW_DELETE_FILES`.
    pub allow_delete_files: bool,
}

/// Thresholds of the three compare profiles (TV-05 `type` 1, 2, 3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustVisionProfiles {
    /// `type: 1`. Env `EKYC_TRUSTVISION_ID_VS_ID_MATCHED` / `_UNSURE`.
    pub id_vs_id: TrustVisionThresholds,
    /// `type: 2`, and compares without a `type`. Env `EKYC_TRUSTVISION_ID_VS_SELFIE_MATCHED` /
    /// `_UNSURE`.
    pub id_vs_selfie: TrustVisionThresholds,
    /// `type: 3`; also alert_faces' match threshold. Env
    /// `EKYC_TRUSTVISION_SELFIE_VS_SELFIE_MATCHED` / `_UNSURE`.
    pub selfie_vs_selfie: TrustVisionThresholds,
}

/// Scores (0-1): at or above `matched` a pair is `matched`, at or above `unsure` `unsure`, else
/// `unmatched`. Defaults 0.7 and 0.6 (the vendor's examples: 0.738 matched, 0.5098 unmatched).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustVisionThresholds {
    pub matched: f32,
    pub unsure: f32,
}

impl Default for TrustVisionThresholds {
    fn default() -> Self {
        Self {
            matched: 0.7,
            unsure: 0.6,
        }
    }
}

impl Default for TrustVisionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            keys: TokenList::default(),
            encrypted_keys: TokenList::default(),
            profiles: TrustVisionProfiles::default(),
            max_image_bytes: 15 * 1024 * 1024,
            max_body_bytes: 48 * 1024 * 1024,
            request_timeout_ms: 60_000,
            rate_limit_per_minute: 0,
            default_collection: "default".to_owned(),
            suspect_collection: "suspects".to_owned(),
            temporary_credential_default_secs: 900,
            temporary_credential_max_secs: 86_400,
            country: "vn".to_owned(),
            allow_delete_files: true,
        }
    }
}

/// Settings of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `flush` (default): a request that writes returns only once its writes are on disk, so nothing
    /// acknowledged is lost in a crash. `buffered`: writes reach the disk within half a second (faster
    /// bulk loads; a crash may lose the last moments, never half a write). Env `EKYC_STORE_DURABILITY`.
    pub durability: StoreDurability,
    /// sled's page cache in MiB. Default 256. Env `EKYC_STORE_CACHE_MIB`.
    pub cache_mib: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreDurability {
    Flush,
    Buffered,
}

/// Settings of the `aisolution` dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AisolutionConfig {
    /// Serve it at all. Default true. Env `EKYC_AISOLUTION_ENABLED`.
    pub enabled: bool,
    /// The clients' tokens, each `token` or `token:group_id` (the 16-character group id addface shows;
    /// derived from the token when absent). No default: with none, every call answers `INVALID_REQUEST`
    /// "invalid token". Never logged. Env `EKYC_AISOLUTION_TOKENS` (comma-separated, read verbatim).
    pub tokens: TokenList,
    /// Score (0-1) at or above which facecompare/idholding say `SAME PERSON` and addface joins the
    /// matching person. Default 0.70. Env `EKYC_AISOLUTION_SAME_PERSON`.
    pub same_person: f32,
    /// Score at or above which the judgment is `NOT SURE` (below `same_person`); also searchface's
    /// floor. Default 0.50. Env `EKYC_AISOLUTION_NOT_SURE`.
    pub not_sure: f32,
    /// Largest decoded image in bytes; larger gets `IMAGE_INVALID_SIZE` ("2M", spec A8). Default 2 MiB.
    /// Env `EKYC_AISOLUTION_MAX_IMAGE_BYTES`.
    pub max_image_bytes: usize,
    /// Most persons searchface returns. Default 5. Env `EKYC_AISOLUTION_SEARCH_LIMIT`.
    pub search_limit: usize,
    /// gliswadetail: where WhatsApp account facts come from, and the lookups' jobs and callbacks.
    pub whatsapp: WhatsAppConfig,
}

/// Settings of aisolution's `gliswadetail` (WhatsApp detail detection, spec section 9 items 1-2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhatsAppConfig {
    /// `none` (default: no source of WhatsApp data exists offline; lookups answer `RETRY_LATER`, or
    /// `whatsapp: "unavailable"` with `servstatus=y`) or `file` (an operator-written table of demo
    /// numbers, `provider_file`). Env `EKYC_AISOLUTION_WHATSAPP_PROVIDER`.
    pub provider: WhatsAppProvider,
    /// The table for `provider = "file"` (TOML or JSON). Env `EKYC_AISOLUTION_WHATSAPP_PROVIDER_FILE`.
    pub provider_file: PathBuf,
    /// Countries, callback hosts, retries and timeouts (`command::messaging::LookupSettings`).
    pub lookup: command::messaging::LookupSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhatsAppProvider {
    None,
    File,
}

impl Default for WhatsAppConfig {
    fn default() -> Self {
        Self {
            provider: WhatsAppProvider::None,
            provider_file: PathBuf::new(),
            lookup: command::messaging::LookupSettings::default(),
        }
    }
}

/// Client tokens: a TOML array of strings, or one comma-separated string (the environment variable).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TokenList(pub Vec<Secret>);

impl TokenList {
    /// `(token, group_id)` pairs.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0
            .iter()
            .map(|entry| match entry.expose().split_once(':') {
                Some((token, group)) => (token.trim(), Some(group.trim())),
                None => (entry.expose().trim(), None),
            })
    }
}

impl fmt::Debug for TokenList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} tokens redacted>", self.0.len())
    }
}

impl Serialize for TokenList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Secret::expose))
    }
}

impl<'de> Deserialize<'de> for TokenList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            List(Vec<String>),
            Text(String),
        }
        let items = match Form::deserialize(deserializer)? {
            Form::List(items) => items,
            Form::Text(text) => text.split(',').map(str::to_owned).collect(),
        };
        Ok(TokenList(
            items
                .into_iter()
                .filter(|item| !item.trim().is_empty())
                .map(Secret::new)
                .collect(),
        ))
    }
}

/// Settings of the `stateless` dialect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatelessConfig {
    /// Serve the dialect at all (on the shared listener and on its own). Default true.
    /// Env `EKYC_STATELESS_ENABLED`.
    pub enabled: bool,
    /// The dialect's own listener, so the vendor's clients only change their base URL (the vendor's Java
    /// sample posts to port 3000). `off` disables it; the shared listener still serves the dialect.
    /// Default `127.0.0.1:3000`. Env `EKYC_STATELESS_LISTEN`, flag `--stateless-listen`.
    pub listen: Listener,
    /// AES-256-GCM key shared with the clients: 32 characters, used as their UTF-8 bytes (spec 3.1).
    /// Default: the vendor sample's key, which is public; set your own. Never logged. Env
    /// `EKYC_STATELESS_AES_KEY` (read verbatim). No flag, so it stays out of process listings.
    pub aes_key: Secret,
    /// GCM nonce shared with the clients: 12 characters, used as their UTF-8 bytes. Default: the vendor
    /// sample's `df25d188a061`. Never logged. Env `EKYC_STATELESS_AES_IV` (read verbatim).
    pub aes_iv: Secret,
    /// Limits on each decrypted image (spec X3/S5): byte size -> code 2004, pixel size -> code 2003.
    /// Defaults: 16 B..10 MiB, 32..8192 px a side, 40 Mpx (`engine::ImageLimits::default()`). Env
    /// `EKYC_STATELESS_LIMITS_{MIN_BYTES,MAX_BYTES,MIN_SIDE,MAX_SIDE,MAX_PIXELS}`.
    pub limits: engine::ImageLimits,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines with the request's span (`request{request_id=...}`) in front of each message.
    Human,
    /// One JSON object per line, with the request's span fields (including `request_id`) in each.
    Json,
}

/// A listen address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    Off,
    On(SocketAddr),
}

/// A string that is never printed: `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The only way to read the value: callers say so by name.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The vendor sample's key and IV (`001:L253`): public, so only fit for trials; the docs say to replace them.
pub const SAMPLE_AES_KEY: &str = "dcbbad6765e14139a07d34b92292a672";
pub const SAMPLE_AES_IV: &str = "df25d188a061";

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: default_data_dir(),
            model_dir: crate::models::default_cache_dir(),
            log_format: LogFormat::Human,
            log_filter: "info".to_owned(),
            max_body_bytes: 32 * 1024 * 1024,
            workers: 0,
            shutdown_timeout_secs: 30,
            store: StoreConfig::default(),
            stateless: StatelessConfig::default(),
            aisolution: AisolutionConfig::default(),
            trustvision: TrustVisionConfig::default(),
            hutts: HuttsConfig::default(),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            durability: StoreDurability::Flush,
            cache_mib: 256,
        }
    }
}

impl Default for AisolutionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            tokens: TokenList::default(),
            same_person: 0.70,
            not_sure: 0.50,
            max_image_bytes: 2 * 1024 * 1024,
            search_limit: 5,
            whatsapp: WhatsAppConfig::default(),
        }
    }
}

impl Default for StatelessConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: Listener::On(SocketAddr::from(([127, 0, 0, 1], 3000))),
            aes_key: Secret::new(SAMPLE_AES_KEY),
            aes_iv: Secret::new(SAMPLE_AES_IV),
            limits: engine::ImageLimits::default(),
        }
    }
}

/// `$XDG_DATA_HOME/ekyc-gateway`, else `~/.local/share/ekyc-gateway`, else `./ekyc-gateway-data`.
fn default_data_dir() -> PathBuf {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|value| !value.is_empty()) {
        return PathBuf::from(xdg).join("ekyc-gateway");
    }
    match std::env::var_os("HOME").filter(|value| !value.is_empty()) {
        Some(home) => PathBuf::from(home).join(".local/share/ekyc-gateway"),
        None => PathBuf::from("ekyc-gateway-data"),
    }
}

impl Serialize for Listener {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Listener::Off => serializer.serialize_str("off"),
            Listener::On(addr) => serializer.collect_str(addr),
        }
    }
}

impl std::str::FromStr for Listener {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().eq_ignore_ascii_case("off") {
            return Ok(Listener::Off);
        }
        text.trim()
            .parse()
            .map(Listener::On)
            .map_err(|_| format!("`{text}` is neither `off` nor an address like 127.0.0.1:3000"))
    }
}

impl<'de> Deserialize<'de> for Listener {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Environment variables, each with the key it sets. Explicit rather than derived from names, so that
/// `EKYC_DATA_DIR` is `data_dir` (not `data.dir`), unrelated `EKYC_*` variables are not mistaken for typos,
/// and this table is the list of what can be set.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("EKYC_LISTEN", "listen"),
    ("EKYC_DATA_DIR", "data_dir"),
    ("EKYC_MODEL_DIR", "model_dir"),
    ("EKYC_LOG_FORMAT", "log_format"),
    ("EKYC_LOG_FILTER", "log_filter"),
    ("EKYC_MAX_BODY_BYTES", "max_body_bytes"),
    ("EKYC_WORKERS", "workers"),
    ("EKYC_SHUTDOWN_TIMEOUT_SECS", "shutdown_timeout_secs"),
    ("EKYC_STORE_DURABILITY", "store.durability"),
    ("EKYC_STORE_CACHE_MIB", "store.cache_mib"),
    ("EKYC_STATELESS_ENABLED", "stateless.enabled"),
    ("EKYC_STATELESS_LISTEN", "stateless.listen"),
    (
        "EKYC_STATELESS_LIMITS_MIN_BYTES",
        "stateless.limits.min_bytes",
    ),
    (
        "EKYC_STATELESS_LIMITS_MAX_BYTES",
        "stateless.limits.max_bytes",
    ),
    (
        "EKYC_STATELESS_LIMITS_MIN_SIDE",
        "stateless.limits.min_side",
    ),
    (
        "EKYC_STATELESS_LIMITS_MAX_SIDE",
        "stateless.limits.max_side",
    ),
    (
        "EKYC_STATELESS_LIMITS_MAX_PIXELS",
        "stateless.limits.max_pixels",
    ),
    ("EKYC_AISOLUTION_ENABLED", "aisolution.enabled"),
    ("EKYC_AISOLUTION_SAME_PERSON", "aisolution.same_person"),
    ("EKYC_AISOLUTION_NOT_SURE", "aisolution.not_sure"),
    (
        "EKYC_AISOLUTION_MAX_IMAGE_BYTES",
        "aisolution.max_image_bytes",
    ),
    ("EKYC_AISOLUTION_SEARCH_LIMIT", "aisolution.search_limit"),
    (
        "EKYC_AISOLUTION_WHATSAPP_PROVIDER",
        "aisolution.whatsapp.provider",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_PROVIDER_FILE",
        "aisolution.whatsapp.provider_file",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_DEFAULT_COUNTRY",
        "aisolution.whatsapp.lookup.default_country",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_CALLBACK_HOSTS",
        "aisolution.whatsapp.lookup.callback_hosts",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_CALLBACK_ATTEMPTS",
        "aisolution.whatsapp.lookup.callback_attempts",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_CALLBACK_BACKOFF_MS",
        "aisolution.whatsapp.lookup.callback_backoff_ms",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_CALLBACK_TIMEOUT_MS",
        "aisolution.whatsapp.lookup.callback_timeout_ms",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_ANSWER_WITHIN_MS",
        "aisolution.whatsapp.lookup.answer_within_ms",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_LOOKUP_TIMEOUT_MS",
        "aisolution.whatsapp.lookup.lookup_timeout_ms",
    ),
    (
        "EKYC_AISOLUTION_WHATSAPP_RESULT_TTL_SECS",
        "aisolution.whatsapp.lookup.result_ttl_secs",
    ),
    ("EKYC_HUTTS_ENABLED", "hutts.enabled"),
    ("EKYC_HUTTS_LISTEN", "hutts.listen"),
    ("EKYC_HUTTS_FACE_THRESHOLD", "hutts.face_threshold"),
    ("EKYC_HUTTS_MAX_IMAGE_BYTES", "hutts.max_image_bytes"),
    ("EKYC_TRUSTVISION_ENABLED", "trustvision.enabled"),
    (
        "EKYC_TRUSTVISION_ID_VS_ID_MATCHED",
        "trustvision.profiles.id_vs_id.matched",
    ),
    (
        "EKYC_TRUSTVISION_ID_VS_ID_UNSURE",
        "trustvision.profiles.id_vs_id.unsure",
    ),
    (
        "EKYC_TRUSTVISION_ID_VS_SELFIE_MATCHED",
        "trustvision.profiles.id_vs_selfie.matched",
    ),
    (
        "EKYC_TRUSTVISION_ID_VS_SELFIE_UNSURE",
        "trustvision.profiles.id_vs_selfie.unsure",
    ),
    (
        "EKYC_TRUSTVISION_SELFIE_VS_SELFIE_MATCHED",
        "trustvision.profiles.selfie_vs_selfie.matched",
    ),
    (
        "EKYC_TRUSTVISION_SELFIE_VS_SELFIE_UNSURE",
        "trustvision.profiles.selfie_vs_selfie.unsure",
    ),
    (
        "EKYC_TRUSTVISION_MAX_IMAGE_BYTES",
        "trustvision.max_image_bytes",
    ),
    (
        "EKYC_TRUSTVISION_MAX_BODY_BYTES",
        "trustvision.max_body_bytes",
    ),
    (
        "EKYC_TRUSTVISION_REQUEST_TIMEOUT_MS",
        "trustvision.request_timeout_ms",
    ),
    (
        "EKYC_TRUSTVISION_RATE_LIMIT_PER_MINUTE",
        "trustvision.rate_limit_per_minute",
    ),
    (
        "EKYC_TRUSTVISION_DEFAULT_COLLECTION",
        "trustvision.default_collection",
    ),
    (
        "EKYC_TRUSTVISION_SUSPECT_COLLECTION",
        "trustvision.suspect_collection",
    ),
    (
        "EKYC_TRUSTVISION_TEMPORARY_CREDENTIAL_DEFAULT_SECS",
        "trustvision.temporary_credential_default_secs",
    ),
    (
        "EKYC_TRUSTVISION_TEMPORARY_CREDENTIAL_MAX_SECS",
        "trustvision.temporary_credential_max_secs",
    ),
    ("EKYC_TRUSTVISION_COUNTRY", "trustvision.country"),
    (
        "EKYC_TRUSTVISION_ALLOW_DELETE_FILES",
        "trustvision.allow_delete_files",
    ),
];

/// Environment variables read verbatim: figment would parse an all-digit key as a number and lose leading
/// zeros, and a secret must arrive byte for byte.
pub const VERBATIM_ENV_VARS: &[(&str, &str)] = &[
    ("EKYC_STATELESS_AES_KEY", "stateless.aes_key"),
    ("EKYC_STATELESS_AES_IV", "stateless.aes_iv"),
    ("EKYC_AISOLUTION_TOKENS", "aisolution.tokens"),
    ("EKYC_TRUSTVISION_KEYS", "trustvision.keys"),
    (
        "EKYC_TRUSTVISION_ENCRYPTED_KEYS",
        "trustvision.encrypted_keys",
    ),
];

/// Values given as command-line flags: each `Some` overrides every other source.
#[derive(Debug, Default, Clone, Serialize)]
pub struct CliOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    #[serde(skip_serializing_if = "StatelessOverrides::is_empty")]
    pub stateless: StatelessOverrides,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct StatelessOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<Listener>,
}

impl StatelessOverrides {
    fn is_empty(&self) -> bool {
        self.listen.is_none()
    }
}

/// Why the configuration cannot be used; names the setting, never prints a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(Box<figment::Error>),
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration: {0}")]
    Stateless(#[from] dialect_stateless::crypto::CipherConfigError),
    #[error("configuration: {setting} must be {requirement}")]
    OutOfRange {
        setting: &'static str,
        requirement: &'static str,
    },
}

impl Config {
    /// Every source layered in order; `file` is `--config`.
    pub fn figment(file: Option<&Path>, cli: &CliOverrides) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::raw().filter_map(|name| {
            ENV_VARS
                .iter()
                .find(|(env_name, _)| name.as_str().eq_ignore_ascii_case(env_name))
                .map(|(_, key)| (*key).into())
        }));
        for (env_name, key) in VERBATIM_ENV_VARS {
            if let Ok(value) = std::env::var(env_name) {
                figment = figment.merge(Serialized::default(key, value));
            }
        }
        figment.merge(Serialized::defaults(cli))
    }

    /// Load and check the configuration.
    pub fn load(file: Option<&Path>, cli: &CliOverrides) -> Result<Config, ConfigError> {
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
        }
        let config: Config = Self::figment(file, cli)
            .extract()
            .map_err(|err| ConfigError::Invalid(Box::new(err)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks serde cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.stateless.cipher()?;
        if self.max_body_bytes == 0 {
            return Err(ConfigError::OutOfRange {
                setting: "max_body_bytes",
                requirement: "at least 1",
            });
        }
        let ai = &self.aisolution;
        if !(0.0..=1.0).contains(&ai.not_sure)
            || !(0.0..=1.0).contains(&ai.same_person)
            || ai.not_sure > ai.same_person
        {
            return Err(ConfigError::OutOfRange {
                setting: "aisolution.not_sure / aisolution.same_person",
                requirement: "scores with 0 <= not_sure <= same_person <= 1",
            });
        }
        if ai.tokens.entries().any(|(token, group)| {
            token.is_empty()
                || group.is_some_and(|g| g.is_empty() || g.contains(char::is_whitespace))
        }) {
            return Err(ConfigError::OutOfRange {
                setting: "aisolution.tokens",
                requirement: "a list of `token` or `token:group_id`, none empty",
            });
        }
        if !(0.0..=1.0).contains(&self.hutts.face_threshold) {
            return Err(ConfigError::OutOfRange {
                setting: "hutts.face_threshold",
                requirement: "a score from 0 to 1",
            });
        }
        let tv = &self.trustvision;
        for (setting, t) in [
            ("trustvision.profiles.id_vs_id", tv.profiles.id_vs_id),
            (
                "trustvision.profiles.id_vs_selfie",
                tv.profiles.id_vs_selfie,
            ),
            (
                "trustvision.profiles.selfie_vs_selfie",
                tv.profiles.selfie_vs_selfie,
            ),
        ] {
            if !(0.0..=1.0).contains(&t.unsure)
                || !(0.0..=1.0).contains(&t.matched)
                || t.unsure > t.matched
            {
                return Err(ConfigError::OutOfRange {
                    setting,
                    requirement: "scores with 0 <= unsure <= matched <= 1",
                });
            }
        }
        if tv.keys.0.iter().any(|entry| {
            entry
                .expose()
                .split_once(':')
                .is_none_or(|(id, secret)| id.trim().is_empty() || secret.is_empty())
        }) {
            return Err(ConfigError::OutOfRange {
                setting: "trustvision.keys",
                requirement: "a list of `access_key_id:secret`, none empty",
            });
        }
        if tv.request_timeout_ms == 0 || tv.max_image_bytes == 0 || tv.max_body_bytes == 0 {
            return Err(ConfigError::OutOfRange {
                setting: "trustvision.request_timeout_ms / max_image_bytes / max_body_bytes",
                requirement: "at least 1",
            });
        }
        if tv.temporary_credential_default_secs == 0
            || tv.temporary_credential_default_secs > tv.temporary_credential_max_secs
        {
            return Err(ConfigError::OutOfRange {
                setting: "trustvision.temporary_credential_default_secs",
                requirement: "from 1 to trustvision.temporary_credential_max_secs",
            });
        }
        let limits = &self.stateless.limits;
        if limits.min_bytes > limits.max_bytes {
            return Err(ConfigError::OutOfRange {
                setting: "stateless.limits.min_bytes",
                requirement: "at most stateless.limits.max_bytes",
            });
        }
        if limits.min_side > limits.max_side {
            return Err(ConfigError::OutOfRange {
                setting: "stateless.limits.min_side",
                requirement: "at most stateless.limits.max_side",
            });
        }
        Ok(())
    }
}

impl StatelessConfig {
    pub fn cipher(
        &self,
    ) -> Result<dialect_stateless::ImageCipher, dialect_stateless::crypto::CipherConfigError> {
        dialect_stateless::ImageCipher::new(self.aes_key.expose(), self.aes_iv.expose())
    }
}

#[cfg(test)]
// figment's `Jail::expect_with` fixes the closures' error type to its own (large) `figment::Error`.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    const EXAMPLE: &str = include_str!("../../../config/ekyc-gateway.example.toml");

    fn load_in(jail: &Jail, file: Option<&str>, cli: &CliOverrides) -> Config {
        let file = file.map(|name| jail.directory().join(name));
        Config::load(file.as_deref(), cli).unwrap()
    }

    #[test]
    fn the_example_file_states_the_defaults() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file("example.toml", EXAMPLE)?;
            let from_example = load_in(jail, Some("example.toml"), &CliOverrides::default());
            assert_eq!(from_example, Config::default());
            Ok(())
        });
    }

    #[test]
    fn the_example_file_has_every_setting_uncommented_and_correct() {
        // Uncomment the two machine-dependent paths the example leaves commented, and nothing may be missing.
        let full: toml::Table = toml::from_str(
            &EXAMPLE
                .replace("# data_dir", "data_dir")
                .replace("# model_dir", "model_dir"),
        )
        .expect("example parses");
        let defaults = toml::Table::try_from(Config::default()).unwrap();
        let keys = |table: &toml::Table| leaf_keys(table, "");
        assert_eq!(keys(&full), keys(&defaults));
    }

    fn leaf_keys(table: &toml::Table, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            match value {
                toml::Value::Table(inner) => keys.extend(leaf_keys(inner, &format!("{path}."))),
                _ => keys.push(path),
            }
        }
        keys.sort();
        keys
    }

    #[test]
    fn every_setting_has_an_environment_variable() {
        let defaults = toml::Table::try_from(Config::default()).unwrap();
        let mut from_env: Vec<String> = ENV_VARS
            .iter()
            .chain(VERBATIM_ENV_VARS)
            .map(|(_, key)| key.to_string())
            .collect();
        from_env.sort();
        assert_eq!(leaf_keys(&defaults, ""), from_env);
    }

    #[test]
    fn sources_layer_defaults_file_env_flags() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "gateway.toml",
                r#"
                listen = "127.0.0.1:9001"
                workers = 3
                log_format = "json"
                [stateless]
                listen = "off"
                [stateless.limits]
                max_side = 4096
                "#,
            )?;
            let file_only = load_in(jail, Some("gateway.toml"), &CliOverrides::default());
            assert_eq!(file_only.listen, "127.0.0.1:9001".parse().unwrap());
            assert_eq!(file_only.workers, 3);
            assert_eq!(file_only.log_format, LogFormat::Json);
            assert_eq!(file_only.stateless.listen, Listener::Off);
            assert_eq!(file_only.stateless.limits.max_side, 4096);
            assert_eq!(
                file_only.stateless.limits.min_side, 32,
                "untouched keys keep their defaults"
            );

            jail.set_env("EKYC_LISTEN", "127.0.0.1:9002");
            jail.set_env("EKYC_STATELESS_LISTEN", "127.0.0.1:3999");
            jail.set_env("EKYC_STATELESS_LIMITS_MAX_SIDE", "2048");
            jail.set_env("EKYC_DATA_DIR", "/srv/ekyc");
            jail.set_env("EKYC_SHARED_DATA", "/unrelated/variable/is/ignored");
            let with_env = load_in(jail, Some("gateway.toml"), &CliOverrides::default());
            assert_eq!(with_env.listen, "127.0.0.1:9002".parse().unwrap());
            assert_eq!(
                with_env.stateless.listen,
                Listener::On("127.0.0.1:3999".parse().unwrap())
            );
            assert_eq!(with_env.stateless.limits.max_side, 2048);
            assert_eq!(with_env.data_dir, PathBuf::from("/srv/ekyc"));
            assert_eq!(with_env.workers, 3, "the file still wins over defaults");

            let cli = CliOverrides {
                listen: Some("127.0.0.1:9003".parse().unwrap()),
                stateless: StatelessOverrides {
                    listen: Some(Listener::Off),
                },
                ..CliOverrides::default()
            };
            let with_flags = load_in(jail, Some("gateway.toml"), &cli);
            assert_eq!(with_flags.listen, "127.0.0.1:9003".parse().unwrap());
            assert_eq!(with_flags.stateless.listen, Listener::Off);
            assert_eq!(
                with_flags.stateless.limits.max_side, 2048,
                "flags override only what they set"
            );
            Ok(())
        });
    }

    #[test]
    fn secrets_are_read_verbatim_and_never_printed() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("EKYC_STATELESS_AES_KEY", "01234567890123456789012345678901");
            jail.set_env("EKYC_STATELESS_AES_IV", "000000000000");
            let config = load_in(jail, None, &CliOverrides::default());
            assert_eq!(
                config.stateless.aes_key.expose(),
                "01234567890123456789012345678901"
            );
            assert_eq!(config.stateless.aes_iv.expose(), "000000000000");
            let printed = format!("{config:?}");
            assert!(
                !printed.contains("0123456789") && !printed.contains(SAMPLE_AES_IV),
                "{printed}"
            );
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("EKYC_STATELESS_AES_KEY", "too-short-secret");
            let err = Config::load(None, &CliOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("AES key") && !err.contains("too-short-secret"),
                "{err}"
            );

            jail.clear_env();
            jail.create_file("typo.toml", "[stateless]\nlisten_addr = \"127.0.0.1:1\"\n")?;
            let err = Config::load(
                Some(&jail.directory().join("typo.toml")),
                &CliOverrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("listen_addr"), "{err}");

            jail.set_env("EKYC_STATELESS_LISTEN", "port three thousand");
            let err = Config::load(None, &CliOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("neither `off` nor an address"), "{err}");

            let err = Config::load(
                Some(Path::new("/nonexistent/ekyc.toml")),
                &CliOverrides::default(),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("/nonexistent/ekyc.toml"), "{err}");
            Ok(())
        });
    }
}
