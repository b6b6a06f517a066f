//! The records the dialects keep (dialects.md 6.5): persons, faces, media, request records.
//!
//! Ids are opaque strings chosen by the caller (see [`crate::ids`] for generators); the store only
//! requires them to be non-empty. Times are milliseconds since the Unix epoch, set by the caller so
//! that one request's records share one clock reading.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A JSON object of client-supplied key/values (TV `metadata`, dialects.md 4.8 TV-01/TV-19/TV-20).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The client that owns a record: every read, list, search and delete is scoped by it.
    TenantId
);
string_id!(
    /// A person in a namespace (aisolution `person_id`, 20-char xid; see [`crate::ids::new_person_id`]).
    PersonId
);
string_id!(
    /// An enrolled face (TrustVision face `id`, a UUID).
    FaceId
);
string_id!(
    /// An uploaded or derived image or file (TrustVision `image_id` / `file_id`, a UUID).
    MediaId
);
string_id!(
    /// The server's id of one request (a UUIDv4, dialects.md 6.4).
    RequestId
);

/// Where faces and persons live: a tenant plus a collection name (a TrustVision collection, which
/// is case-sensitive, or an aisolution client's group).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Namespace {
    pub tenant: TenantId,
    pub collection: String,
}

impl Namespace {
    pub fn new(tenant: impl Into<TenantId>, collection: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            collection: collection.into(),
        }
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tenant, self.collection)
    }
}

/// An axis-aligned box in image pixels (the engine's `BoundingBox`, same fields).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BoundingBox {
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
}

/// A face embedding and the id of the model that made it: embeddings of different models are never
/// comparable, so the model id travels with every vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub model_id: String,
    pub values: Vec<f32>,
}

/// A person: the unit aisolution's `addface` / `delface` work on (AI-3, AI-5).
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub namespace: Namespace,
    pub person_id: PersonId,
    pub metadata: Metadata,
    pub created_at_ms: u64,
}

/// A stored person and the faces attached to it, oldest first (`face_ids.len()` is aisolution's
/// `person_count`). The store maintains `face_ids` as faces are put and deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonEntry {
    pub person: Person,
    pub face_ids: Vec<FaceId>,
}

/// An enrolled face (TV-15 `index_faces`, AI-3 `addface`).
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub namespace: Namespace,
    pub face_id: FaceId,
    /// The person this face belongs to, in the same namespace; `None` for TrustVision faces.
    pub person_id: Option<PersonId>,
    pub embedding: Embedding,
    pub bounding_box: Option<BoundingBox>,
    pub metadata: Metadata,
    /// The media the face was detected in (TV `image_id`); used by TV-18 delete-by-image and for
    /// re-embedding from stored originals.
    pub source_media_id: Option<MediaId>,
    pub created_at_ms: u64,
}

/// Where a face lives, without its payload.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FaceRef {
    pub namespace: Namespace,
    pub face_id: FaceId,
}

/// Everything about a stored media item except its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// The owner: only this tenant can read, patch or delete the media.
    pub tenant: TenantId,
    pub media_id: MediaId,
    /// The media type sniffed from the bytes, e.g. `image/jpeg`, `video/mp4`.
    pub content_type: String,
    /// TV label (dialects.md 4.7 Label table / File label table).
    pub label: Option<String>,
    /// TV `tag` ("India only", TV-01).
    pub tag: Option<String>,
    /// The media this one was derived from or belongs to: TV-03 `parent_id`, transformed images,
    /// video frames.
    pub parent_id: Option<MediaId>,
    pub metadata: Metadata,
    pub created_at_ms: u64,
}

/// A stored media item with its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub info: MediaInfo,
    pub bytes: Vec<u8>,
}

/// How [`MediaPatch::metadata`] combines with the stored metadata (TV-20 `override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataMerge {
    /// The stored object becomes exactly the patch.
    Replace,
    /// Keys of the patch are added; keys already stored take the patch's value.
    Overwrite,
    /// Keys of the patch are added; keys already stored keep their value.
    KeepExisting,
}

/// A change to a media item's label and metadata (TV-20 `PATCH /v1/images/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPatch {
    pub metadata: Metadata,
    pub merge: MetadataMerge,
    /// A new label, or `None` to keep the stored one.
    pub label: Option<String>,
}

impl MediaPatch {
    /// Applies the patch to `info` in place.
    pub fn apply_to(&self, info: &mut MediaInfo) {
        match self.merge {
            MetadataMerge::Replace => info.metadata = self.metadata.clone(),
            MetadataMerge::Overwrite => {
                for (key, value) in &self.metadata {
                    info.metadata.insert(key.clone(), value.clone());
                }
            }
            MetadataMerge::KeepExisting => {
                for (key, value) in &self.metadata {
                    info.metadata
                        .entry(key.clone())
                        .or_insert_with(|| value.clone());
                }
            }
        }
        if let Some(label) = &self.label {
            info.label = Some(label.clone());
        }
    }
}

/// One entry of the request ledger (dialects.md 6.4, TV-22/TV-23).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub tenant: TenantId,
    pub request_id: RequestId,
    /// The dialect's service name, e.g. `verify_face_liveness` (dialects.md 4.7 service table).
    pub service: String,
    /// The client's own correlation id (TrustVision `X-Request-ID`), grouped by TV-23.
    pub correlation_id: Option<String>,
    pub created_at_ms: u64,
    /// What TV-23 needs of the request: access key id, input file ids, labels, gestures.
    pub request: serde_json::Value,
    /// The response body as sent (TV-22 returns it with `service` added).
    pub response: serde_json::Value,
}

/// A small JSON record of a dialect's own state that has no dedicated type: an aisolution WhatsApp
/// lookup job, a TrustVision transaction, a temporary credential. Keyed by tenant, kind and key;
/// written in the same transactions as everything else.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub tenant: TenantId,
    /// What the record is, e.g. `whatsapp_job`; one kind is one key space.
    pub kind: String,
    /// Unique within the tenant and kind.
    pub key: String,
    pub value: serde_json::Value,
    pub updated_at_ms: u64,
}

/// When a committing call returns, relative to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every committing call flushes to disk (fsync) before it returns success: nothing
    /// acknowledged is lost in a crash.
    #[default]
    Flush,
    /// Committing calls return once the write is in memory and visible; the backend flushes in the
    /// background. A crash may lose the last moments of acknowledged writes (never half of one
    /// write). For benchmarks and bulk imports that flush once at the end.
    Buffered,
}

/// Milliseconds since the Unix epoch, now (0 if the clock is before 1970).
pub fn unix_millis_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
