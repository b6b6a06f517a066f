//! `?token=TOKEN` on every route (spec 5.1). Each token names a configured client; the client's
//! `group_id` ("actually it's your access key", `003:L278`) namespaces its faces (A11).

use std::collections::HashMap;

use sha2::{Digest as _, Sha256};
use store::{Namespace, TenantId};

/// A configured client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The 16-character group id shown in addface replies.
    pub group_id: String,
}

impl Client {
    /// The client's tenant: every record it makes is scoped by it. Two tokens with the same
    /// group id are one client (token rotation).
    pub fn tenant(&self) -> TenantId {
        TenantId::new(format!("aisolution:{}", self.group_id))
    }

    /// Where the client's faces live.
    pub fn namespace(&self) -> Namespace {
        Namespace::new(self.tenant(), self.group_id.clone())
    }
}

/// Token -> client.
#[derive(Debug, Clone, Default)]
pub struct Clients(HashMap<String, Client>);

impl Clients {
    /// `(token, group_id)` pairs; a missing group id is derived from the token (stable across
    /// restarts, and not the token itself, which is a secret while the group id is shown).
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, Option<&'a str>)>) -> Self {
        Clients(
            entries
                .into_iter()
                .map(|(token, group_id)| {
                    let group_id = group_id.map_or_else(|| derived_group_id(token), str::to_owned);
                    (token.to_owned(), Client { group_id })
                })
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client a token names. Tokens are compared by hash-map lookup: a timing difference
    /// could at most tell that some token shares a hash bucket, not any token's content.
    pub fn resolve(&self, token: Option<&str>) -> Option<&Client> {
        token.and_then(|token| self.0.get(token))
    }
}

/// 16 characters of [A-Za-z0-9], like the seed's `LxiKPLIMGFpXzXas`, from SHA-256 of the token.
pub fn derived_group_id(token: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    Sha256::digest(format!("ekyc-gateway aisolution group\0{token}").as_bytes())
        .iter()
        .take(16)
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_are_configured_or_derived_stably() {
        let clients = Clients::new([("t1", Some("LxiKPLIMGFpXzXas")), ("t2", None)]);
        assert_eq!(
            clients.resolve(Some("t1")).map(|c| c.group_id.as_str()),
            Some("LxiKPLIMGFpXzXas")
        );
        let derived = &clients.resolve(Some("t2")).expect("configured").group_id;
        assert_eq!(derived.len(), 16);
        assert!(derived.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(derived, &derived_group_id("t2"));
        assert_ne!(derived, &derived_group_id("t3"));
        assert!(clients.resolve(Some("nope")).is_none());
        assert!(clients.resolve(None).is_none());
    }
}
