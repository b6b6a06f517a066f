//! Face collections as TrustVision keeps them (S2 `IndexFace` with the `Append` policy, S3, S4 by
//! image, S5, and image changes that reach the faces indexed from an image): a face belongs to the
//! image it was indexed from, not to a person, and carries that image's metadata.

use std::sync::PoisonError;

use engine::{AnalyzedFace, FaceEmbedding};
use store::{
    Embedding, Face, FaceId, MediaId, MediaInfo, MediaPatch, Metadata, Namespace, StoreError,
    StoreExt, TenantId,
};

use super::{indexed, stored_box, FaceGallery, GalleryError};
use crate::records::Batch;
use crate::score::CalibratedScore;

/// A face found in a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionMatch {
    pub face_id: FaceId,
    /// The image the face was indexed from.
    pub media_id: Option<MediaId>,
    pub score: CalibratedScore,
    pub metadata: Metadata,
}

/// What indexing an image did.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedImage {
    pub face_id: FaceId,
    /// The image was already indexed in this collection: its face was replaced, not added.
    pub replaced: bool,
}

impl FaceGallery {
    /// Indexes `face` (found in the stored image `media_id`) into the collection, with `metadata`.
    /// Indexing the same image into the same collection again replaces its face (same face id);
    /// the stored metadata is then kept unless `update_metadata`. `batch` commits in the same
    /// transaction (the inline image, the ledger entry).
    pub fn index_image_face(
        &self,
        namespace: &Namespace,
        media_id: &MediaId,
        face: &AnalyzedFace,
        metadata: Metadata,
        update_metadata: bool,
        batch: &Batch,
    ) -> Result<IndexedImage, GalleryError> {
        let now = store::unix_millis_now();
        let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = self.store.write_with(|tx| {
            batch.apply(tx)?;
            let existing = tx
                .faces_of_media(&namespace.tenant, media_id)?
                .into_iter()
                .find(|r| &r.namespace == namespace);
            let previous = match &existing {
                Some(r) => tx.get_face(namespace, &r.face_id)?,
                None => None,
            };
            let metadata = match (&previous, update_metadata) {
                (Some(previous), false) => previous.metadata.clone(),
                _ => metadata.clone(),
            };
            let face = Face {
                namespace: namespace.clone(),
                face_id: previous
                    .as_ref()
                    .map(|p| p.face_id.clone())
                    .unwrap_or_else(store::ids::new_face_id),
                person_id: None,
                embedding: Embedding {
                    model_id: face.embedding.model_id.clone(),
                    values: face.embedding.values.clone(),
                },
                bounding_box: Some(stored_box(&face.detection.bbox)),
                metadata,
                source_media_id: Some(media_id.clone()),
                created_at_ms: previous.as_ref().map_or(now, |p| p.created_at_ms),
            };
            tx.put_face(&face)?;
            Ok((face, previous.is_some()))
        })?;
        let (face, replaced) = stored;
        let face_id = face.face_id.clone();
        self.write_index()
            .upsert(namespace.clone(), indexed(face))?;
        Ok(IndexedImage { face_id, replaced })
    }

    /// The faces of the collection nearest `query`, best first, at most `limit`, each scored at
    /// least `min_score`.
    pub fn search_collection(
        &self,
        namespace: &Namespace,
        query: &FaceEmbedding,
        limit: usize,
        min_score: CalibratedScore,
    ) -> Result<Vec<CollectionMatch>, GalleryError> {
        let hits = self
            .read_index()
            .search(namespace, query, limit, min_score, None)?;
        let mut matches = Vec::with_capacity(hits.len());
        for hit in hits {
            let face_id = FaceId::new(hit.face_id);
            // A face deleted between the search and this read is simply not reported.
            if let Some(face) = self.store.get_face(namespace, &face_id)? {
                matches.push(CollectionMatch {
                    face_id,
                    media_id: face.source_media_id,
                    score: hit.score,
                    metadata: face.metadata,
                });
            }
        }
        Ok(matches)
    }

    /// Removes from the collection the faces indexed from these images; returns how many. The
    /// images themselves stay. `batch` commits in the same transaction.
    pub fn remove_images_from_collection(
        &self,
        namespace: &Namespace,
        media_ids: &[MediaId],
        batch: &Batch,
    ) -> Result<usize, GalleryError> {
        let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        let removed = self.store.write_with(|tx| {
            batch.apply(tx)?;
            let mut removed = Vec::new();
            for media_id in media_ids {
                for r in tx.faces_of_media(&namespace.tenant, media_id)? {
                    if &r.namespace == namespace && tx.delete_face(namespace, &r.face_id)? {
                        removed.push(r.face_id);
                    }
                }
            }
            Ok(removed)
        })?;
        let mut index = self.write_index();
        for face_id in &removed {
            index.remove_face(namespace, face_id.as_str());
        }
        Ok(removed.len())
    }

    /// Faces of the collection whose metadata holds every key of `filter` with the same value,
    /// compared as text (`"123"` matches `123`, `true` matches `"true"`), at most `limit`.
    pub fn find_by_metadata(
        &self,
        namespace: &Namespace,
        filter: &Metadata,
        limit: usize,
    ) -> Result<Vec<Face>, GalleryError> {
        let text = |value: &serde_json::Value| match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut found = Vec::new();
        for face in self.store.faces_in_namespace(namespace) {
            let face = face?;
            let matches = filter.iter().all(|(key, wanted)| {
                face.metadata
                    .get(key)
                    .is_some_and(|stored| text(stored) == text(wanted))
            });
            if matches {
                found.push(face);
                if found.len() >= limit {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Applies `patch` to the tenant's image and gives every face indexed from it the image's new
    /// metadata (searches return image metadata). `None` if the tenant has no such image.
    pub fn patch_image(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
        patch: &MediaPatch,
    ) -> Result<Option<MediaInfo>, GalleryError> {
        let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        let outcome = self.store.write_with(|tx| {
            if tx.get_media_info(tenant, media_id)?.is_none() {
                return Ok(None);
            }
            let info = tx.patch_media(tenant, media_id, patch)?;
            let mut faces = Vec::new();
            for r in tx.faces_of_media(tenant, media_id)? {
                tx.set_face_metadata(&r.namespace, &r.face_id, &info.metadata)?;
                faces.extend(tx.get_face(&r.namespace, &r.face_id)?);
            }
            Ok(Some((info, faces)))
        })?;
        let Some((info, faces)) = outcome else {
            return Ok(None);
        };
        let mut index = self.write_index();
        for face in faces {
            index.upsert(face.namespace.clone(), indexed(face))?;
        }
        Ok(Some(info))
    }

    /// Deletes the tenant's media items and every face indexed from them, in one transaction;
    /// returns the ids that existed (and are now gone). `batch` commits with them.
    pub fn delete_images(
        &self,
        tenant: &TenantId,
        media_ids: &[MediaId],
        batch: &Batch,
    ) -> Result<Vec<MediaId>, GalleryError> {
        let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        let (deleted, faces) = self.store.write_with(|tx| {
            batch.apply(tx)?;
            let mut deleted = Vec::new();
            let mut faces = Vec::new();
            for media_id in media_ids {
                for r in tx.faces_of_media(tenant, media_id)? {
                    if tx.delete_face(&r.namespace, &r.face_id)? {
                        faces.push(r);
                    }
                }
                if tx.delete_media(tenant, media_id)? {
                    deleted.push(media_id.clone());
                }
            }
            Ok::<_, StoreError>((deleted, faces))
        })?;
        let mut index = self.write_index();
        for r in faces {
            index.remove_face(&r.namespace, r.face_id.as_str());
        }
        Ok(deleted)
    }
}
