//! The store's one error type.

use std::fmt;
use std::path::PathBuf;

/// What kind of record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Person,
    Face,
    Media,
    Request,
    Counter,
    Document,
    Schema,
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordKind::Person => "person",
            RecordKind::Face => "face",
            RecordKind::Media => "media",
            RecordKind::Request => "request",
            RecordKind::Counter => "counter",
            RecordKind::Document => "document",
            RecordKind::Schema => "schema",
        })
    }
}

/// Boxed error of a storage backend (sled, or a later one), kept as the `source`.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist for this tenant (records of other tenants do not exist for it).
    #[error("{kind} `{id}` not found")]
    NotFound { kind: RecordKind, id: String },

    #[error("{kind} `{id}` already exists")]
    AlreadyExists { kind: RecordKind, id: String },

    /// A caller error: an empty id, a name too long for a key, a counter overflow.
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },

    /// The data directory was written by a newer build; it is left untouched.
    #[error(
        "the store at {path} has schema version {found}, but this build of ekyc-gateway reads \
         versions up to {supported}: upgrade ekyc-gateway, or point it at another data directory"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    /// Another process holds the data directory (sled allows one process per directory).
    #[error("the store at {path} is locked: another process (a running gateway?) has it open")]
    Locked { path: PathBuf },

    /// The data directory has an older schema version that no migration of this build upgrades.
    #[error(
        "the store at {path} has schema version {found}, and this build has no migration from it"
    )]
    NoMigration { path: PathBuf, found: u32 },

    /// A migration step failed; the stored version stays at `from` so the step reruns on next open.
    #[error("migrating the store from schema version {from} failed: {source}")]
    Migration {
        from: u32,
        #[source]
        source: Box<StoreError>,
    },

    /// A stored record could not be decoded.
    #[error("stored {kind} record is corrupt: {reason}")]
    Corrupt { kind: RecordKind, reason: String },

    /// A record could not be encoded.
    #[error("{kind} record could not be encoded: {reason}")]
    Encode { kind: RecordKind, reason: String },

    /// The storage backend failed (I/O, corruption reported by the backend).
    #[error("storage backend failed: {0}")]
    Backend(#[source] BackendError),
}

impl StoreError {
    pub fn not_found(kind: RecordKind, id: impl fmt::Display) -> Self {
        StoreError::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub(crate) fn corrupt(kind: RecordKind, reason: impl fmt::Display) -> Self {
        StoreError::Corrupt {
            kind,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn encode(kind: RecordKind, reason: impl fmt::Display) -> Self {
        StoreError::Encode {
            kind,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(error))
    }
}
