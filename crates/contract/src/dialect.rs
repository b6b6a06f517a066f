//! What differs between the four dialects for a contract test: how a request is signed or
//! encrypted (re-done at replay time, never replayed byte for byte), which keys the tool needs, and
//! how an answer's outcome label is read (the label the route catalogues name errors by).
//! Written from the vendor documents, independently of the dialect crates' own code.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;

use crate::fixture::Signing;
use crate::vars::{substitute, Vars};
use crate::ContractError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Hutts,
    Stateless,
    Trustvision,
    Aisolution,
}

/// The label of a successful answer.
pub const OK: &str = "ok";

impl Dialect {
    pub const ALL: [Dialect; 4] = [
        Dialect::Hutts,
        Dialect::Stateless,
        Dialect::Trustvision,
        Dialect::Aisolution,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Hutts => "hutts",
            Dialect::Stateless => "stateless",
            Dialect::Trustvision => "trustvision",
            Dialect::Aisolution => "aisolution",
        }
    }

    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }

    /// What `--keys` means for this dialect.
    pub fn keys_help(self) -> &'static str {
        match self {
            Dialect::Hutts => "none (the Hutts server has no authentication)",
            Dialect::Stateless => "KEY:IV, the AES-256-GCM key (32 characters) and IV (12 characters); default: the vendor sample's",
            Dialect::Trustvision => "ACCESS_KEY_ID:SECRET, a long-term key pair",
            Dialect::Aisolution => "TOKEN, sent as `$TOKEN` where fixtures put it (the `token` query parameter)",
        }
    }

    /// The outcome label of an answer: [`OK`] for success, otherwise the dialect's error code:
    /// TrustVision `errors[0].code` (`failure:<code>` on a 200), aisolution `status`, stateless
    /// `code`, hutts the HTTP status.
    pub fn outcome(self, status: u16, body: Option<&Value>) -> String {
        let null = Value::Null;
        let body = body.unwrap_or(&null);
        match self {
            Dialect::Trustvision => match body["errors"][0]["code"].as_str() {
                Some(code) if status == 200 => format!("failure:{code}"),
                Some(code) => code.to_owned(),
                None if status < 400 => OK.to_owned(),
                None => status.to_string(),
            },
            Dialect::Aisolution => match body["status"].as_str() {
                Some("OK") => OK.to_owned(),
                Some(code) => code.to_owned(),
                None if status < 400 => OK.to_owned(),
                None => status.to_string(),
            },
            Dialect::Stateless => match body["code"].as_u64() {
                Some(1000) => OK.to_owned(),
                Some(code) => code.to_string(),
                None if status < 400 => OK.to_owned(),
                None => status.to_string(),
            },
            Dialect::Hutts => {
                if status < 400 && body["success"] != Value::Bool(false) {
                    OK.to_owned()
                } else {
                    status.to_string()
                }
            }
        }
    }
}

/// The stateless dialect's image encryption: AES-256-GCM with a fixed IV, base64 of ciphertext+tag.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    nonce: [u8; 12],
}

impl Cipher {
    pub fn new(key: &str, iv: &str) -> Result<Cipher, ContractError> {
        let aead = Aes256Gcm::new_from_slice(key.as_bytes())
            .map_err(|_| ContractError::Keys("the AES key must be 32 bytes".into()))?;
        let nonce: [u8; 12] = iv
            .as_bytes()
            .try_into()
            .map_err(|_| ContractError::Keys("the AES IV must be 12 bytes".into()))?;
        Ok(Cipher { aead, nonce })
    }

    pub fn encrypt(&self, plaintext: &[u8]) -> String {
        let sealed = self
            .aead
            .encrypt(Nonce::from_slice(&self.nonce), plaintext)
            .expect("AES-GCM encryption of an in-memory buffer cannot fail below 64 GiB");
        STANDARD.encode(sealed)
    }
}

/// The vendor sample's AES key and IV (`001:L253`): public, the stateless default.
pub const SAMPLE_AES_KEY: &str = "dcbbad6765e14139a07d34b92292a672";
pub const SAMPLE_AES_IV: &str = "df25d188a061";

/// The credentials a run signs with.
#[derive(Clone, Default)]
pub struct Keys {
    trustvision: Option<(String, String)>,
    token: Option<String>,
    aes: Option<(String, String)>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys { <redacted> }")
    }
}

impl Keys {
    /// Parses `--keys` for a dialect (see [`Dialect::keys_help`]).
    pub fn parse(dialect: Dialect, keys: Option<&str>) -> Result<Keys, ContractError> {
        let pair = |text: &str| {
            text.split_once(':')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .ok_or_else(|| ContractError::Keys(format!("expected {}", dialect.keys_help())))
        };
        let mut out = Keys::default();
        match (dialect, keys) {
            (Dialect::Hutts, _) => {}
            (Dialect::Stateless, None) => {
                out.aes = Some((SAMPLE_AES_KEY.to_owned(), SAMPLE_AES_IV.to_owned()));
            }
            (Dialect::Stateless, Some(keys)) => out.aes = Some(pair(keys)?),
            (Dialect::Trustvision, Some(keys)) => out.trustvision = Some(pair(keys)?),
            (Dialect::Aisolution, Some(token)) => out.token = Some(token.to_owned()),
            (_, None) => {
                return Err(ContractError::Keys(format!(
                    "--keys is required for {}: {}",
                    dialect.name(),
                    dialect.keys_help()
                )))
            }
        }
        if let Some((key, iv)) = &out.aes {
            Cipher::new(key, iv)?;
        }
        Ok(out)
    }

    /// The values fixtures may name (`$ACCESS_KEY_ID`, `$TOKEN`).
    pub fn vars(&self) -> Vars {
        let mut vars = Vars::new();
        if let Some((id, _)) = &self.trustvision {
            vars.insert("ACCESS_KEY_ID".into(), id.clone());
        }
        if let Some(token) = &self.token {
            vars.insert("TOKEN".into(), token.clone());
        }
        vars
    }

    /// The cipher for this request (a fixture may override key and IV on purpose).
    pub fn cipher(&self, signing: Option<&Signing>) -> Result<Option<Cipher>, ContractError> {
        let Some((key, iv)) = &self.aes else {
            return Ok(None);
        };
        let key = signing.and_then(|s| s.aes_key.as_deref()).unwrap_or(key);
        let iv = signing.and_then(|s| s.aes_iv.as_deref()).unwrap_or(iv);
        Cipher::new(key, iv).map(Some)
    }

    /// TrustVision's headers for a request: `Authorization: TV <id>:<base64 HMAC-SHA256(secret,
    /// METHOD\nPATH\nTIMESTAMP)>` and `X-TV-Timestamp` (`002:L15-29`); PATH without the mount and
    /// query. Empty for other dialects.
    pub fn sign(
        &self,
        dialect: Dialect,
        signing: Option<&Signing>,
        method: &str,
        path: &str,
        vars: &Vars,
    ) -> Vec<(String, String)> {
        let Some((key_id, secret)) = self
            .trustvision
            .as_ref()
            .filter(|_| dialect == Dialect::Trustvision)
        else {
            return Vec::new();
        };
        let default = Signing::default();
        let signing = signing.unwrap_or(&default);
        let text = |v: &Option<String>| v.as_deref().map(|v| substitute(v, vars));
        let key_id = text(&signing.key_id).unwrap_or_else(|| key_id.clone());
        let secret = text(&signing.secret).unwrap_or_else(|| secret.clone());
        let stamp = text(&signing.timestamp)
            .unwrap_or_else(|| tv_timestamp(signing.timestamp_offset_secs.unwrap_or(0)));
        let signed_path = text(&signing.path).unwrap_or_else(|| path.to_owned());
        let mut headers = Vec::new();
        if !signing.omit_authorization {
            let signature = tv_signature(&secret, method, &signed_path, &stamp);
            headers.push(("Authorization".into(), format!("TV {key_id}:{signature}")));
        }
        headers.push(("X-TV-Timestamp".into(), stamp));
        headers
    }
}

/// `base64(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + TIMESTAMP))`.
pub fn tv_signature(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{method}\n{path}\n{timestamp}").as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Now shifted by `offset_secs`, RFC 3339 with the seed's `+07:00` offset and whole seconds, like
/// `2019-04-21T18:00:15+07:00`.
pub fn tv_timestamp(offset_secs: i64) -> String {
    let offset = time::UtcOffset::from_hms(7, 0, 0).expect("a valid offset");
    let at = (time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_secs))
        .to_offset(offset)
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid");
    at.format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 formats every date of this era")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_labels() {
        let tv = serde_json::json!({"data": {}, "errors": [{"code": "access_denied_exception"}]});
        assert_eq!(
            Dialect::Trustvision.outcome(401, Some(&tv)),
            "access_denied_exception"
        );
        assert_eq!(
            Dialect::Trustvision.outcome(200, Some(&tv)),
            "failure:access_denied_exception"
        );
        assert_eq!(
            Dialect::Trustvision.outcome(200, Some(&serde_json::json!({"data": {}}))),
            OK
        );
        let st = serde_json::json!({"code": 2001});
        assert_eq!(Dialect::Stateless.outcome(400, Some(&st)), "2001");
        assert_eq!(
            Dialect::Stateless.outcome(200, Some(&serde_json::json!({"code": 1000}))),
            OK
        );
        assert_eq!(
            Dialect::Aisolution.outcome(200, Some(&serde_json::json!({"status": "RETRY_LATER"}))),
            "RETRY_LATER"
        );
        assert_eq!(
            Dialect::Hutts.outcome(400, Some(&serde_json::json!({"success": false}))),
            "400"
        );
        assert_eq!(Dialect::Hutts.outcome(200, None), OK);
    }

    #[test]
    fn timestamps_have_the_seed_shape() {
        let stamp = tv_timestamp(0);
        assert_eq!(stamp.len(), "2019-04-21T18:00:15+07:00".len(), "{stamp}");
        assert!(stamp.ends_with("+07:00"));
    }
}
