//! Everything a dialect must remember, behind one [`Store`] trait (dialects.md 6.5 and 7.2):
//! persons, faces, media, the request ledger and counters, in namespaces scoped by tenant.
//!
//! - **Tenancy.** Every call names the tenant (client id) it acts for, and every key starts with
//!   it: a tenant cannot read, list, search, patch or delete another tenant's records; to it they do
//!   not exist ([`StoreError::NotFound`], `None`, `false`, empty lists).
//! - **Atomicity.** All writes of one request go through one [`Store::write`] call: they commit
//!   together or not at all, and nothing half-written is ever visible to readers or after a crash.
//! - **Durability.** With [`Durability::Flush`] (the default) a committing call returns only after
//!   the commit is on disk.
//! - **Schema.** The stored schema version is checked on open: a newer one is refused with
//!   [`StoreError::SchemaTooNew`], an older one is migrated.
//!
//! [`sled_store::SledStore`] is the implementation. The `conformance` module (built for this
//! crate's tests, and elsewhere with the `conformance` feature) is the contract every implementation must pass.

mod error;
pub mod ids;
mod model;
pub mod sled_store;
pub mod transfer;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use error::{BackendError, RecordKind, StoreError};
pub use model::{
    unix_millis_now, BoundingBox, Document, Durability, Embedding, Face, FaceId, FaceRef, Media,
    MediaId, MediaInfo, MediaPatch, Metadata, MetadataMerge, Namespace, Person, PersonEntry,
    PersonId, RequestId, RequestRecord, TenantId,
};
pub use sled_store::{SledOptions, SledStore};

/// The schema version this build writes. Version history: 1 = first release layout.
pub const SCHEMA_VERSION: u32 = 1;

/// A lazily decoded sequence of faces, in key order.
pub type FaceStream<'a> = Box<dyn Iterator<Item = Result<Face, StoreError>> + Send + 'a>;

/// A lazily decoded sequence of persons, in key order.
pub type PersonStream<'a> = Box<dyn Iterator<Item = Result<PersonEntry, StoreError>> + Send + 'a>;

/// A lazily decoded sequence of media descriptions (no bytes), in key order.
pub type MediaStream<'a> = Box<dyn Iterator<Item = Result<MediaInfo, StoreError>> + Send + 'a>;

/// A lazily decoded sequence of documents, in key order.
pub type DocumentStream<'a> = Box<dyn Iterator<Item = Result<Document, StoreError>> + Send + 'a>;

/// The work of one request: runs inside a transaction. It may run more than once (a backend may
/// retry on a conflict), so it must do nothing but call `tx` and compute; return `Err` to abort,
/// and every write it made is discarded.
pub type WriteWork<'w> = dyn FnMut(&mut dyn WriteTx) -> Result<(), StoreError> + 'w;

/// Reads and atomic writes of everything the dialects keep. Object safe: the command layer holds an
/// `Arc<dyn Store>`. Convenience single-record writes are in [`StoreExt`].
pub trait Store: Send + Sync {
    /// The schema version of the open store (always [`SCHEMA_VERSION`] once opened).
    fn schema_version(&self) -> u32;

    /// Runs `work` as one transaction: all its writes commit together, or none do. Reads inside the
    /// transaction see its own writes. Returns `work`'s error unchanged when it aborts.
    fn write(&self, work: &mut WriteWork<'_>) -> Result<(), StoreError>;

    /// Flushes everything written so far to disk (useful after [`Durability::Buffered`] writes).
    fn flush(&self) -> Result<(), StoreError>;

    fn get_person(
        &self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<PersonEntry>, StoreError>;

    /// The person's faces, oldest first.
    fn faces_of_person(
        &self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Vec<Face>, StoreError>;

    fn get_face(&self, namespace: &Namespace, face_id: &FaceId)
        -> Result<Option<Face>, StoreError>;

    /// The faces of one namespace, in a stable order (key order: by id length, then id; plain id
    /// order for same-length ids such as UUIDs).
    fn faces_in_namespace<'a>(&'a self, namespace: &Namespace) -> FaceStream<'a>;

    /// Every face of every tenant and namespace, grouped by namespace: what the 1:N index loads at
    /// start. Decoded lazily; one sequential scan.
    fn all_faces(&self) -> FaceStream<'_>;

    /// Every person of every tenant and namespace, in key order (export, statistics).
    fn all_persons(&self) -> PersonStream<'_>;

    /// Every media description of every tenant, without bytes, in key order (export, statistics).
    fn all_media(&self) -> MediaStream<'_>;

    /// The tenant's faces detected in `media_id`, in every collection.
    fn faces_of_media(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Vec<Face>, StoreError>;

    /// Faces of the namespace whose metadata has every key of `filter` with an equal JSON value
    /// (TV-19), at most `limit`, in the order of [`Store::faces_in_namespace`]. A scan of the
    /// namespace that decodes only the metadata of non-matching faces.
    fn find_faces_by_metadata(
        &self,
        namespace: &Namespace,
        filter: &Metadata,
        limit: usize,
    ) -> Result<Vec<Face>, StoreError>;

    fn get_media(&self, tenant: &TenantId, media_id: &MediaId)
        -> Result<Option<Media>, StoreError>;

    /// The media's description without reading its bytes.
    fn get_media_info(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<MediaInfo>, StoreError>;

    fn get_request(
        &self,
        tenant: &TenantId,
        request_id: &RequestId,
    ) -> Result<Option<RequestRecord>, StoreError>;

    /// The tenant's requests sharing `correlation_id` (TV-23), newest first (by `created_at_ms`,
    /// then by commit order), at most `limit`.
    fn requests_by_correlation(
        &self,
        tenant: &TenantId,
        correlation_id: &str,
        limit: usize,
    ) -> Result<Vec<RequestRecord>, StoreError>;

    /// The counter's value (0 if never incremented).
    fn counter(&self, tenant: &TenantId, name: &str) -> Result<u64, StoreError>;

    fn get_document(
        &self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, StoreError>;

    /// Every document of `kind`, of every tenant, in key order (for instance the jobs a restart
    /// must resume).
    fn documents_of_kind<'a>(&'a self, kind: &str) -> DocumentStream<'a>;
}

/// The writes available inside [`Store::write`]. Reads here see the transaction's own writes.
pub trait WriteTx {
    /// Creates the person, or replaces its metadata and `created_at_ms` (its faces stay attached).
    fn put_person(&mut self, person: &Person) -> Result<(), StoreError>;

    fn get_person(
        &mut self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<PersonEntry>, StoreError>;

    /// Deletes the person and all its faces; returns the deleted face ids, or `None` if there was
    /// no such person (AI-5 `PERSON_ID_NOT_EXIST`).
    fn delete_person(
        &mut self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<Vec<FaceId>>, StoreError>;

    /// Creates or replaces the face. Its person, if any, must exist in the same namespace
    /// ([`StoreError::NotFound`] otherwise); the person's face list and the media index follow.
    fn put_face(&mut self, face: &Face) -> Result<(), StoreError>;

    fn get_face(
        &mut self,
        namespace: &Namespace,
        face_id: &FaceId,
    ) -> Result<Option<Face>, StoreError>;

    /// Deletes the face (its person stays); `false` if there was no such face.
    fn delete_face(&mut self, namespace: &Namespace, face_id: &FaceId) -> Result<bool, StoreError>;

    /// Replaces the face's metadata (TV-20 propagates image metadata to its faces).
    fn set_face_metadata(
        &mut self,
        namespace: &Namespace,
        face_id: &FaceId,
        metadata: &Metadata,
    ) -> Result<(), StoreError>;

    /// Where the tenant's faces detected in `media_id` live, in every collection.
    fn faces_of_media(
        &mut self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Vec<FaceRef>, StoreError>;

    /// Creates or replaces the media item. Faces detected in it are untouched.
    fn put_media(&mut self, media: &Media) -> Result<(), StoreError>;

    fn get_media_info(
        &mut self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<MediaInfo>, StoreError>;

    /// Applies `patch` and returns the media's new description; [`StoreError::NotFound`] if absent.
    fn patch_media(
        &mut self,
        tenant: &TenantId,
        media_id: &MediaId,
        patch: &MediaPatch,
    ) -> Result<MediaInfo, StoreError>;

    /// Deletes the media item (bytes included); `false` if absent. Faces detected in it stay: use
    /// [`WriteTx::faces_of_media`] + [`WriteTx::delete_face`] in the same transaction to drop them.
    fn delete_media(&mut self, tenant: &TenantId, media_id: &MediaId) -> Result<bool, StoreError>;

    /// Appends to the ledger; [`StoreError::AlreadyExists`] if the request id is taken.
    fn put_request(&mut self, record: &RequestRecord) -> Result<(), StoreError>;

    /// Adds `by` to the counter and returns the new value.
    fn increment_counter(
        &mut self,
        tenant: &TenantId,
        name: &str,
        by: u64,
    ) -> Result<u64, StoreError>;

    /// Creates or replaces the document.
    fn put_document(&mut self, document: &Document) -> Result<(), StoreError>;

    fn get_document(
        &mut self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, StoreError>;

    /// Deletes the document; `false` if absent.
    fn delete_document(
        &mut self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<bool, StoreError>;
}

/// One-call conveniences over [`Store::write`], for every store (including `dyn Store`).
pub trait StoreExt: Store {
    /// [`Store::write`] that returns the value computed by the last run of `work`.
    fn write_with<T>(
        &self,
        mut work: impl FnMut(&mut dyn WriteTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut output = None;
        self.write(&mut |tx| {
            output = Some(work(tx)?);
            Ok(())
        })?;
        output.ok_or_else(|| StoreError::invalid("transaction", "committed without running"))
    }

    fn put_person(&self, person: &Person) -> Result<(), StoreError> {
        self.write(&mut |tx| tx.put_person(person))
    }

    fn delete_person(
        &self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<Vec<FaceId>>, StoreError> {
        self.write_with(|tx| tx.delete_person(namespace, person_id))
    }

    fn put_face(&self, face: &Face) -> Result<(), StoreError> {
        self.write(&mut |tx| tx.put_face(face))
    }

    fn delete_face(&self, namespace: &Namespace, face_id: &FaceId) -> Result<bool, StoreError> {
        self.write_with(|tx| tx.delete_face(namespace, face_id))
    }

    fn put_media(&self, media: &Media) -> Result<(), StoreError> {
        self.write(&mut |tx| tx.put_media(media))
    }

    fn patch_media(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
        patch: &MediaPatch,
    ) -> Result<MediaInfo, StoreError> {
        self.write_with(|tx| tx.patch_media(tenant, media_id, patch))
    }

    fn delete_media(&self, tenant: &TenantId, media_id: &MediaId) -> Result<bool, StoreError> {
        self.write_with(|tx| tx.delete_media(tenant, media_id))
    }

    fn put_request(&self, record: &RequestRecord) -> Result<(), StoreError> {
        self.write(&mut |tx| tx.put_request(record))
    }

    fn increment_counter(&self, tenant: &TenantId, name: &str, by: u64) -> Result<u64, StoreError> {
        self.write_with(|tx| tx.increment_counter(tenant, name, by))
    }

    fn put_document(&self, document: &Document) -> Result<(), StoreError> {
        self.write(&mut |tx| tx.put_document(document))
    }

    fn delete_document(
        &self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        self.write_with(|tx| tx.delete_document(tenant, kind, key))
    }
}

impl<S: Store + ?Sized> StoreExt for S {}
