//! Key layout: every key is a sequence of parts, each a string as a big-endian `u16` length then
//! its UTF-8 bytes, or a fixed 8-byte big-endian number. Length prefixes make any string safe as
//! a part (no separator to escape) and keep prefix scans exact: the prefix of tenant `a` can
//! never match tenant `ab`. Every key starts with the tenant, so a tenant's records are one range.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `persons` | tenant, collection, person id | person |
//! | `faces` | tenant, collection, face id | face header + little-endian f32 embedding |
//! | `media` | tenant, media id | media description |
//! | `media_bytes` | tenant, media id | raw bytes |
//! | `media_faces` | tenant, media id | (collection, face id) list |
//! | `requests` | tenant, request id | request record |
//! | `requests_by_correlation` | tenant, correlation id, !created_at, !sequence | request id |
//! | `counters` | tenant, counter name | `u64` big-endian |
//! | `documents` | kind, tenant, key | document (JSON text + time) |
//!
//! `documents` is the one tree whose keys start with something other than the tenant: the kind,
//! so that the jobs of one kind can be found for every tenant at start (every read by a caller
//! still names the tenant).

use crate::{RecordKind, StoreError};

/// Builds a key part by part.
pub(crate) struct Key(Vec<u8>);

impl Key {
    pub(crate) fn new() -> Self {
        Key(Vec::with_capacity(64))
    }

    /// Appends a string part; `what` names it in the error if it is empty or too long.
    pub(crate) fn part(mut self, what: &'static str, value: &str) -> Result<Self, StoreError> {
        if value.is_empty() {
            return Err(StoreError::invalid(what, "must not be empty"));
        }
        self.push_str(what, value)?;
        Ok(self)
    }

    /// Appends a string part that may be empty (a collection name).
    pub(crate) fn part_allow_empty(
        mut self,
        what: &'static str,
        value: &str,
    ) -> Result<Self, StoreError> {
        self.push_str(what, value)?;
        Ok(self)
    }

    pub(crate) fn number(mut self, value: u64) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    fn push_str(&mut self, what: &'static str, value: &str) -> Result<(), StoreError> {
        let length = u16::try_from(value.len())
            .map_err(|_| StoreError::invalid(what, format!("longer than {} bytes", u16::MAX)))?;
        self.0.extend_from_slice(&length.to_be_bytes());
        self.0.extend_from_slice(value.as_bytes());
        Ok(())
    }
}

/// Reads a key back part by part; a malformed key is a [`StoreError::Corrupt`] of `kind`.
pub(crate) struct KeyReader<'k> {
    rest: &'k [u8],
    kind: RecordKind,
}

impl<'k> KeyReader<'k> {
    pub(crate) fn new(key: &'k [u8], kind: RecordKind) -> Self {
        KeyReader { rest: key, kind }
    }

    pub(crate) fn part(&mut self) -> Result<String, StoreError> {
        let (length, rest) = self
            .rest
            .split_first_chunk::<2>()
            .ok_or_else(|| StoreError::corrupt(self.kind, "key ends inside a length"))?;
        let length = usize::from(u16::from_be_bytes(*length));
        if rest.len() < length {
            return Err(StoreError::corrupt(self.kind, "key ends inside a part"));
        }
        let (bytes, rest) = rest.split_at(length);
        self.rest = rest;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| StoreError::corrupt(self.kind, "key part is not UTF-8"))
    }
}

use crate::{FaceId, MediaId, Namespace, PersonId, RequestId, TenantId};

pub(crate) fn tenant_prefix(tenant: &TenantId) -> Result<Key, StoreError> {
    Key::new().part("tenant", tenant.as_str())
}

/// The prefix of every person and face key of a namespace.
pub(crate) fn namespace_prefix(namespace: &Namespace) -> Result<Key, StoreError> {
    tenant_prefix(&namespace.tenant)?.part_allow_empty("collection", &namespace.collection)
}

pub(crate) fn person_key(namespace: &Namespace, id: &PersonId) -> Result<Vec<u8>, StoreError> {
    Ok(namespace_prefix(namespace)?
        .part("person id", id.as_str())?
        .into_bytes())
}

pub(crate) fn face_key(namespace: &Namespace, id: &FaceId) -> Result<Vec<u8>, StoreError> {
    Ok(namespace_prefix(namespace)?
        .part("face id", id.as_str())?
        .into_bytes())
}

/// The key of a media item in `media`, `media_bytes` and `media_faces`.
pub(crate) fn media_key(tenant: &TenantId, id: &MediaId) -> Result<Vec<u8>, StoreError> {
    Ok(tenant_prefix(tenant)?
        .part("media id", id.as_str())?
        .into_bytes())
}

pub(crate) fn request_key(tenant: &TenantId, id: &RequestId) -> Result<Vec<u8>, StoreError> {
    Ok(tenant_prefix(tenant)?
        .part("request id", id.as_str())?
        .into_bytes())
}

pub(crate) fn correlation_prefix(
    tenant: &TenantId,
    correlation_id: &str,
) -> Result<Key, StoreError> {
    tenant_prefix(tenant)?.part("correlation id", correlation_id)
}

/// Inverted time and sequence so that a forward scan yields the newest request first.
pub(crate) fn correlation_key(
    tenant: &TenantId,
    correlation_id: &str,
    created_at_ms: u64,
    sequence: u64,
) -> Result<Vec<u8>, StoreError> {
    Ok(correlation_prefix(tenant, correlation_id)?
        .number(u64::MAX - created_at_ms)
        .number(u64::MAX - sequence)
        .into_bytes())
}

pub(crate) fn counter_key(tenant: &TenantId, name: &str) -> Result<Vec<u8>, StoreError> {
    Ok(tenant_prefix(tenant)?
        .part("counter name", name)?
        .into_bytes())
}

pub(crate) fn document_kind_prefix(kind: &str) -> Result<Key, StoreError> {
    Key::new().part("document kind", kind)
}

pub(crate) fn document_key(
    tenant: &TenantId,
    kind: &str,
    key: &str,
) -> Result<Vec<u8>, StoreError> {
    Ok(document_kind_prefix(kind)?
        .part("tenant", tenant.as_str())?
        .part("document key", key)?
        .into_bytes())
}

/// Reads (kind, tenant, key) of a `documents` key.
pub(crate) fn read_document_key(key: &[u8]) -> Result<(String, TenantId, String), StoreError> {
    let mut reader = KeyReader::new(key, RecordKind::Document);
    let kind = reader.part()?;
    let tenant = reader.part()?;
    let key = reader.part()?;
    Ok((kind, TenantId::new(tenant), key))
}

/// Reads the tenant and the id of a `media` key.
pub(crate) fn read_media_key(key: &[u8]) -> Result<(TenantId, MediaId), StoreError> {
    let mut reader = KeyReader::new(key, RecordKind::Media);
    let tenant = reader.part()?;
    let media_id = reader.part()?;
    Ok((TenantId::new(tenant), MediaId::new(media_id)))
}

/// Reads the namespace and the last id of a `persons` or `faces` key.
pub(crate) fn read_namespaced_key(
    key: &[u8],
    kind: RecordKind,
) -> Result<(Namespace, String), StoreError> {
    let mut reader = KeyReader::new(key, kind);
    let tenant = reader.part()?;
    let collection = reader.part()?;
    let id = reader.part()?;
    Ok((Namespace::new(tenant, collection), id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_prefixes_are_exact() {
        let key = Key::new()
            .part("tenant", "a")
            .and_then(|k| k.part_allow_empty("collection", ""))
            .map(|k| k.number(7))
            .expect("valid key")
            .into_bytes();
        let mut reader = KeyReader::new(&key, RecordKind::Face);
        assert_eq!(reader.part().expect("tenant"), "a");
        assert_eq!(reader.part().expect("collection"), "");
        assert_eq!(key[key.len() - 8..], 7u64.to_be_bytes());
        // Truncated keys are reported, not read past.
        assert!(KeyReader::new(&key[..1], RecordKind::Face).part().is_err());
        assert!(KeyReader::new(&key[..2], RecordKind::Face).part().is_err());

        let tenant_a = Key::new().part("tenant", "a").expect("valid").into_bytes();
        let tenant_ab = Key::new().part("tenant", "ab").expect("valid").into_bytes();
        assert!(!tenant_ab.starts_with(&tenant_a));
    }

    #[test]
    fn empty_and_oversized_parts_are_refused() {
        assert!(matches!(
            Key::new().part("tenant", ""),
            Err(StoreError::Invalid { what: "tenant", .. })
        ));
        let long = "x".repeat(usize::from(u16::MAX) + 1);
        assert!(Key::new().part("face id", &long).is_err());
    }
}
