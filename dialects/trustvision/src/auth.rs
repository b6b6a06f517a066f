//! Request signing (`002:L1-111`, spec 4.1): `Authorization: TV <AccessKeyID>:<Signature>` with
//! `Signature = base64(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + TIMESTAMP))` and the same
//! timestamp in `X-TV-Timestamp`, within 15 minutes of the server's clock.
//!
//! Order (`002:L90-111`, T3): the timestamp is checked first (400 `request_time_too_skewed`), then
//! the key and the signature (401 `access_denied_exception`). The signed path is the one the
//! vendor's client signs: the route path without the API mount prefix (`/api`) and without the
//! query string (T4); a signature over the full request path is accepted too.

use std::collections::{BTreeSet, HashMap};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::TenantId;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::TrustVisionError;

/// The vendor's skew window (`002:L90-95`).
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// A long-term key pair from configuration.
#[derive(Clone)]
pub struct LongTermKey {
    pub secret: String,
    /// `data` of the processing routes' 200 responses (the calls the vendor's client decrypts) is
    /// sent encrypted for this key (trustvision-client.md, `frame::Route::encrypts`).
    pub encrypt_responses: bool,
}

impl std::fmt::Debug for LongTermKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LongTermKey")
            .field("secret", &"<redacted>")
            .field("encrypt_responses", &self.encrypt_responses)
            .finish()
    }
}

/// The configured long-term keys, by access key id.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    keys: HashMap<String, LongTermKey>,
}

impl Keys {
    /// `pairs`: (access key id, secret); `encrypted`: the ids whose responses are encrypted.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>, encrypted: &[String]) -> Self {
        let keys = pairs
            .into_iter()
            .map(|(id, secret)| {
                let encrypt_responses = encrypted.iter().any(|e| e == &id);
                (
                    id,
                    LongTermKey {
                        secret,
                        encrypt_responses,
                    },
                )
            })
            .collect();
        Self { keys }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn get(&self, access_key_id: &str) -> Option<&LongTermKey> {
        self.keys.get(access_key_id)
    }
}

/// The tenant that owns everything a long-term key (and the temporary keys it issued) creates:
/// each key pair is its own client, so key pairs never see each other's records.
pub fn tenant_of(access_key_id: &str) -> TenantId {
    TenantId::new(format!("trustvision:{access_key_id}"))
}

/// A temporary credential (TV-25) as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TemporaryCredential {
    pub secret: String,
    /// The long-term key that issued it: its tenant and its response encryption apply.
    pub issued_by: String,
    pub expire_at_ms: u64,
    /// Services it may call (`None`: the same as the issuing key).
    pub services: Option<BTreeSet<String>>,
}

/// Who signed a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The key id in the `Authorization` header (recorded as `access_key_id`).
    pub access_key_id: String,
    /// The secret that signed (the response encryption key starts with it).
    pub secret: String,
    pub tenant: TenantId,
    /// The long-term key behind it (rate limits are per long-term key).
    pub root_key_id: String,
    pub temporary: bool,
    pub services: Option<BTreeSet<String>>,
    pub encrypt_responses: bool,
}

impl Principal {
    /// Whether the key may call the service (temporary keys may be restricted, TV-25).
    pub fn may_use(&self, service: &str) -> bool {
        self.services
            .as_ref()
            .is_none_or(|services| services.contains(service))
    }
}

/// What a request presents.
pub struct Presented<'a> {
    pub method: &'a str,
    /// Accepted signed paths, most likely first.
    pub paths: &'a [&'a str],
    pub authorization: Option<&'a str>,
    pub timestamp: Option<&'a str>,
}

/// Verifies the request. `temporary` looks a temporary key up (TV-25).
pub fn verify(
    presented: &Presented<'_>,
    now: OffsetDateTime,
    keys: &Keys,
    temporary: impl FnOnce(&str) -> Result<Option<TemporaryCredential>, TrustVisionError>,
) -> Result<Principal, TrustVisionError> {
    let denied = |reason: &str| TrustVisionError::AccessDenied {
        reason: reason.to_owned(),
    };
    // T2: a missing timestamp cannot be checked against the signature either: access denied;
    // a present but unparseable or stale one is "too skewed".
    let timestamp = presented
        .timestamp
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| denied("missing X-TV-Timestamp"))?;
    let at =
        OffsetDateTime::parse(timestamp, &Rfc3339).map_err(|_| TrustVisionError::TimeTooSkewed)?;
    if (now - at).whole_seconds().abs() > MAX_SKEW_SECONDS {
        return Err(TrustVisionError::TimeTooSkewed);
    }

    let authorization = presented
        .authorization
        .ok_or_else(|| denied("missing Authorization"))?;
    let credentials = authorization
        .trim()
        .strip_prefix("TV ")
        .ok_or_else(|| denied("Authorization is not `TV <key>:<signature>`"))?;
    let (access_key_id, signature) = credentials
        .trim()
        .split_once(':')
        .ok_or_else(|| denied("Authorization is not `TV <key>:<signature>`"))?;
    let signature =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, signature.trim())
            .map_err(|_| denied("signature is not base64"))?;

    let principal = match keys.get(access_key_id) {
        Some(key) => Principal {
            access_key_id: access_key_id.to_owned(),
            secret: key.secret.clone(),
            tenant: tenant_of(access_key_id),
            root_key_id: access_key_id.to_owned(),
            temporary: false,
            services: None,
            encrypt_responses: key.encrypt_responses,
        },
        None => {
            let credential = temporary(access_key_id)?.ok_or_else(|| denied("unknown key"))?;
            let now_ms =
                u64::try_from((now.unix_timestamp_nanos() / 1_000_000).max(0)).unwrap_or(u64::MAX);
            if credential.expire_at_ms <= now_ms {
                return Err(denied("temporary key expired"));
            }
            let root = keys
                .get(&credential.issued_by)
                .ok_or_else(|| denied("the issuing key is no longer configured"))?;
            Principal {
                access_key_id: access_key_id.to_owned(),
                secret: credential.secret,
                tenant: tenant_of(&credential.issued_by),
                root_key_id: credential.issued_by,
                temporary: true,
                services: credential.services,
                encrypt_responses: root.encrypt_responses,
            }
        }
    };

    let signed = presented.paths.iter().any(|path| {
        let mut mac = Hmac::<Sha256>::new_from_slice(principal.secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(string_to_sign(presented.method, path, timestamp).as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&signature).is_ok()
    });
    if !signed {
        return Err(denied("signature does not match"));
    }
    Ok(principal)
}

/// `002:L15-29`: `HttpMethod + "\n" + UrlPath + "\n" + Timestamp`.
pub fn string_to_sign(method: &str, path: &str, timestamp: &str) -> String {
    format!("{}\n{path}\n{timestamp}", method.to_ascii_uppercase())
}

/// The signature a client computes (tests and tools).
pub fn sign(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(string_to_sign(method, path, timestamp).as_bytes());
    base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        mac.finalize().into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret-0123456789";
    const TS: &str = "2019-04-21T18:00:15+07:00";

    /// The derived vectors of spec 4.1 (computed with the documented algorithm).
    #[test]
    fn signatures_match_the_spec_vectors() {
        assert_eq!(
            sign(SECRET, "POST", "/v1/images", TS),
            "XUeVdq9LCOCCsKdzg79i+LtdnWOeMwZsw3o5AD/NWx4="
        );
        assert_eq!(
            sign(
                SECRET,
                "GET",
                "/v1/images/7db00808-0416-45cf-a5cb-3b6dfbd7bb74",
                TS
            ),
            "NkrcmDfiwX9tJ2R5Q6pOFT5VA8Ut7BmcvjhxmgqZ1SY="
        );
        assert_eq!(
            sign(SECRET, "GET", "/v1/requests_by_x_req_id/HpOapuk3jg", TS),
            "8HLRYPmMNQU3lncOiIwL01c2htG1JTbcRBsLpXz3EJ4="
        );
    }

    fn keys() -> Keys {
        Keys::new([("key-1".to_owned(), SECRET.to_owned())], &[])
    }

    fn at(ts: &str) -> OffsetDateTime {
        OffsetDateTime::parse(ts, &Rfc3339).unwrap()
    }

    fn check(
        authorization: Option<&str>,
        timestamp: Option<&str>,
        now: &str,
    ) -> Result<Principal, TrustVisionError> {
        let presented = Presented {
            method: "POST",
            paths: &["/v1/images", "/api/v1/images"],
            authorization,
            timestamp,
        };
        verify(&presented, at(now), &keys(), |_| Ok(None))
    }

    #[test]
    fn a_good_signature_passes_within_the_window_and_fails_outside_it() {
        let auth = format!("TV key-1:{}", sign(SECRET, "POST", "/v1/images", TS));
        let principal =
            check(Some(&auth), Some(TS), "2019-04-21T11:14:00Z").expect("within 15 min");
        assert_eq!(principal.tenant.as_str(), "trustvision:key-1");
        assert_eq!(
            check(Some(&auth), Some(TS), "2019-04-21T11:15:16Z").unwrap_err(),
            TrustVisionError::TimeTooSkewed
        );
        assert_eq!(
            check(Some(&auth), Some(TS), "2019-04-21T10:44:00Z").unwrap_err(),
            TrustVisionError::TimeTooSkewed
        );
        // Skew is checked before the signature (T3).
        assert_eq!(
            check(
                Some("TV key-1:AAAA"),
                Some("yesterday"),
                "2019-04-21T11:00:15Z"
            )
            .unwrap_err(),
            TrustVisionError::TimeTooSkewed
        );
    }

    #[test]
    fn every_bad_credential_is_access_denied() {
        let now = "2019-04-21T11:00:15Z";
        let good = sign(SECRET, "POST", "/v1/images", TS);
        for auth in [
            None,
            Some(format!("Bearer key-1:{good}")),
            Some(format!("TV key-1{good}")),
            Some(format!("TV key-2:{good}")),
            Some(format!(
                "TV key-1:{}",
                sign("other", "POST", "/v1/images", TS)
            )),
            Some(format!(
                "TV key-1:{}",
                sign(SECRET, "GET", "/v1/images", TS)
            )),
            Some("TV key-1:not base64!".to_owned()),
        ] {
            let err = check(auth.as_deref(), Some(TS), now).unwrap_err();
            assert!(
                matches!(err, TrustVisionError::AccessDenied { .. }),
                "{auth:?}: {err:?}"
            );
        }
        let auth = format!("TV key-1:{good}");
        assert!(matches!(
            check(Some(&auth), None, now).unwrap_err(),
            TrustVisionError::AccessDenied { .. }
        ));
    }

    #[test]
    fn temporary_keys_sign_until_they_expire() {
        let credential = TemporaryCredential {
            secret: "temp-secret".into(),
            issued_by: "key-1".into(),
            expire_at_ms: at("2019-04-21T11:10:00Z").unix_timestamp() as u64 * 1000,
            services: Some(BTreeSet::from(["compare_faces".to_owned()])),
        };
        let auth = format!(
            "TV temp-1:{}",
            sign("temp-secret", "POST", "/v1/images", TS)
        );
        let presented = Presented {
            method: "POST",
            paths: &["/v1/images"],
            authorization: Some(&auth),
            timestamp: Some(TS),
        };
        let principal = verify(&presented, at("2019-04-21T11:05:00Z"), &keys(), |id| {
            assert_eq!(id, "temp-1");
            Ok(Some(credential.clone()))
        })
        .expect("valid until 11:10");
        assert_eq!(principal.tenant.as_str(), "trustvision:key-1");
        assert!(principal.temporary);
        assert!(principal.may_use("compare_faces"));
        assert!(!principal.may_use("search_faces"));
        let expired = verify(&presented, at("2019-04-21T11:10:01Z"), &keys(), |_| {
            Ok(Some(credential.clone()))
        });
        assert!(matches!(
            expired,
            Err(TrustVisionError::AccessDenied { .. })
        ));
    }
}
