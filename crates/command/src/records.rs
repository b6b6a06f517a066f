//! What a request leaves behind besides faces: stored media (S1), the request ledger (S7), and the
//! small JSON documents dialects keep for their own state (S9 transactions, S10 credentials).
//!
//! A request's writes are gathered in one [`Batch`] and committed together, so that a reply is sent
//! only once everything it mentions (the inline image it stored, the ledger entry its `request_id`
//! names) is on disk, and a failure leaves nothing half-written. [`crate::gallery::FaceGallery`]
//! commits a batch in the same transaction as the faces it writes.

use std::sync::Arc;

use store::{
    Document, Media, MediaId, MediaInfo, RequestId, RequestRecord, Store, StoreError, TenantId,
    WriteTx,
};

/// Writes that commit together, in one store transaction.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    media: Vec<Media>,
    documents: Vec<Document>,
    request: Option<RequestRecord>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores a media item (an upload, or an inline image a processing route was sent).
    pub fn put_media(&mut self, media: Media) -> &mut Self {
        self.media.push(media);
        self
    }

    /// Creates or replaces a document.
    pub fn put_document(&mut self, document: Document) -> &mut Self {
        self.documents.push(document);
        self
    }

    /// Appends the request to the ledger (one per batch; a second call replaces the first).
    pub fn record_request(&mut self, record: RequestRecord) -> &mut Self {
        self.request = Some(record);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.media.is_empty() && self.documents.is_empty() && self.request.is_none()
    }

    /// Applies every write inside `tx` (the caller's transaction).
    pub fn apply(&self, tx: &mut dyn WriteTx) -> Result<(), StoreError> {
        for media in &self.media {
            tx.put_media(media)?;
        }
        for document in &self.documents {
            tx.put_document(document)?;
        }
        if let Some(record) = &self.request {
            tx.put_request(record)?;
        }
        Ok(())
    }
}

/// Reads of media, ledger and documents, and commits of [`Batch`]es, for one store.
#[derive(Clone)]
pub struct Records {
    store: Arc<dyn Store>,
}

impl Records {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Commits the batch in one transaction (flushed before it returns, per the store's durability).
    pub fn commit(&self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.store.write(&mut |tx| batch.apply(tx))
    }

    /// The tenant's media item with its bytes; `None` for another tenant's or an unknown id.
    pub fn media(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<Media>, StoreError> {
        self.store.get_media(tenant, media_id)
    }

    pub fn media_info(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<MediaInfo>, StoreError> {
        self.store.get_media_info(tenant, media_id)
    }

    pub fn request(
        &self,
        tenant: &TenantId,
        request_id: &RequestId,
    ) -> Result<Option<RequestRecord>, StoreError> {
        self.store.get_request(tenant, request_id)
    }

    /// The tenant's requests that share the client's correlation id, newest first.
    pub fn requests_by_correlation(
        &self,
        tenant: &TenantId,
        correlation_id: &str,
        limit: usize,
    ) -> Result<Vec<RequestRecord>, StoreError> {
        self.store
            .requests_by_correlation(tenant, correlation_id, limit)
    }

    pub fn document(
        &self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, StoreError> {
        self.store.get_document(tenant, kind, key)
    }

    /// Runs `work` in one transaction (read-modify-write of documents, e.g. finishing a transaction).
    pub fn write_with<T>(
        &self,
        work: impl FnMut(&mut dyn WriteTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        store::StoreExt::write_with(self.store.as_ref(), work)
    }
}
