//! The gallery: every enrolled face, kept in the [`Store`] and mirrored in the in-memory
//! [`FaceIndex`] for 1:N search (S2 `IndexFace`, S3 `SearchFaces`, S4 `DeleteFaces`).
//!
//! - **Start.** [`FaceGallery::open`] streams every stored face into the index. Faces embedded by
//!   another model than the running engine's are refused as a whole ([`GalleryError::ModelMismatch`]):
//!   their distances would mean nothing next to the engine's, so `serve` stops and names
//!   `ekyc-gateway store reembed`.
//! - **Writes.** One enrolment is one store transaction (the original image as media, the person,
//!   the face), flushed before it returns; only then is the index updated, still under the
//!   gallery's write lock, so a face is searchable as soon as its request returns, and a crash
//!   between the two loses nothing (the index is rebuilt from the store at start).
//! - **Concurrency.** The CPU-heavy part (decode, detect, embed) runs before the lock. The lock
//!   covers the short search-then-write of a merging enrolment, so two requests for the same new
//!   person cannot both create it.

mod alerts;
mod collections;
mod reembed;

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use engine::{AnalyzedFace, EngineError, FaceEmbedding, ImageLimits};
use store::{
    BoundingBox, Embedding, Face, FaceId, Media, MediaId, MediaInfo, Metadata, Namespace, Person,
    PersonId, Store, StoreError, StoreExt,
};

use crate::compare::FaceVerifier;
use crate::score::CalibratedScore;
use crate::search::{FaceIndex, FaceIndexError, IndexedFace};

pub use alerts::{
    AlertQuery, PeriodCounts, SuspectAlert, SuspectMatch, INQUIRY_COLLECTION, PERIODS,
};
pub use collections::{CollectionMatch, IndexedImage};
pub use reembed::{reembed, ReembedReport};

/// Why a gallery command failed.
#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    /// The image could not be used (undecodable, too large, no face...): the client's input.
    #[error(transparent)]
    Image(#[from] EngineError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("index: {0}")]
    Index(#[from] FaceIndexError),
    /// Stored faces were embedded by another model than the running one.
    #[error(
        "the store holds {count} face(s) embedded by model `{found}`, but this gateway embeds with \
         `{expected}`: their distances are not comparable; run `ekyc-gateway store reembed` (it \
         re-embeds every face from its stored original image) before serving"
    )]
    ModelMismatch {
        found: String,
        expected: String,
        count: usize,
    },
}

/// The outcome of a merging enrolment (aisolution `addface`).
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    pub person_id: PersonId,
    pub face_id: FaceId,
    /// Faces the person has now, this one included.
    pub person_count: usize,
    /// The face joined an existing person (scored at least the merge threshold) rather than
    /// starting a new one.
    pub merged: bool,
}

/// A person found by a search, with the score of its best face.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMatch {
    pub person_id: PersonId,
    pub score: CalibratedScore,
}

/// Faces enrolled in every namespace: the store of record plus the search index.
pub struct FaceGallery {
    store: Arc<dyn Store>,
    index: RwLock<FaceIndex<Namespace>>,
    /// Serialises the search-then-write of enrolments and deletions (see the module docs).
    writes: Mutex<()>,
    verifier: FaceVerifier,
}

/// How many stored faces the index loaded, and how long it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GalleryLoad {
    pub faces: usize,
    pub elapsed: std::time::Duration,
}

impl FaceGallery {
    /// Loads every stored face into a fresh index. Fails on faces of another embedding model.
    pub fn open(
        store: Arc<dyn Store>,
        verifier: FaceVerifier,
    ) -> Result<(FaceGallery, GalleryLoad), GalleryError> {
        let started = std::time::Instant::now();
        let calibration = verifier.calibration().clone();
        let expected = calibration.model_id.clone();
        let mut index: FaceIndex<Namespace> = FaceIndex::new(calibration, engine::EMBEDDING_DIM);
        let mut foreign: Option<(String, usize)> = None;
        let mut faces = 0;
        for face in store.all_faces() {
            let face = face?;
            if face.embedding.model_id != expected {
                let entry = foreign.get_or_insert_with(|| (face.embedding.model_id.clone(), 0));
                entry.1 += 1;
                continue;
            }
            let namespace = face.namespace.clone();
            index.upsert(namespace, indexed(face))?;
            faces += 1;
        }
        if let Some((found, count)) = foreign {
            return Err(GalleryError::ModelMismatch {
                found,
                expected,
                count,
            });
        }
        let load = GalleryLoad {
            faces,
            elapsed: started.elapsed(),
        };
        Ok((
            FaceGallery {
                store,
                index: RwLock::new(index),
                writes: Mutex::new(()),
                verifier,
            },
            load,
        ))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn verifier(&self) -> &FaceVerifier {
        &self.verifier
    }

    /// Faces indexed in the namespace.
    pub fn len(&self, namespace: &Namespace) -> usize {
        self.read_index().len(namespace)
    }

    /// Decodes the image and analyses its largest face (CPU-bound: call from a blocking pool).
    pub fn analyze(&self, image: &[u8], limits: &ImageLimits) -> Result<AnalyzedFace, EngineError> {
        let engine = self.verifier.engine();
        let decoded = engine.decode(image, limits)?;
        engine.analyze_largest_face(&decoded, false)
    }

    /// Enrols the largest face of `image` (already analysed as `face`) into the namespace: it
    /// joins the person of the nearest face when that face scores at least `merge_at`, else it
    /// starts a new person. The original image is stored as media owned by the namespace's tenant
    /// (for `store reembed`). All of it commits in one transaction.
    pub fn enrol_merging(
        &self,
        namespace: &Namespace,
        image: &[u8],
        face: &AnalyzedFace,
        merge_at: CalibratedScore,
    ) -> Result<Enrolled, GalleryError> {
        let now = store::unix_millis_now();
        let media_id = MediaId::new(uuid::Uuid::new_v4().to_string());
        let face_id = FaceId::new(uuid::Uuid::new_v4().to_string());
        let media = Media {
            info: MediaInfo {
                tenant: namespace.tenant.clone(),
                media_id: media_id.clone(),
                content_type: sniff_content_type(image).to_owned(),
                label: Some("enrolment".into()),
                tag: None,
                parent_id: None,
                metadata: Metadata::new(),
                created_at_ms: now,
            },
            bytes: image.to_vec(),
        };

        let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        let nearest = self
            .read_index()
            .search(namespace, &face.embedding, 1, merge_at, None)?
            .into_iter()
            .find_map(|hit| hit.person_id.map(PersonId::new));
        let merged = nearest.is_some();
        let person_id = nearest.unwrap_or_else(store::ids::new_person_id);
        let stored_face = Face {
            namespace: namespace.clone(),
            face_id: face_id.clone(),
            person_id: Some(person_id.clone()),
            embedding: Embedding {
                model_id: face.embedding.model_id.clone(),
                values: face.embedding.values.clone(),
            },
            bounding_box: Some(stored_box(&face.detection.bbox)),
            metadata: Metadata::new(),
            source_media_id: Some(media_id),
            created_at_ms: now,
        };
        let person_count = self.store.write_with(|tx| {
            tx.put_media(&media)?;
            if tx.get_person(namespace, &person_id)?.is_none() {
                tx.put_person(&Person {
                    namespace: namespace.clone(),
                    person_id: person_id.clone(),
                    metadata: Metadata::new(),
                    created_at_ms: now,
                })?;
            }
            tx.put_face(&stored_face)?;
            let entry = tx
                .get_person(namespace, &person_id)?
                .ok_or_else(|| StoreError::not_found(store::RecordKind::Person, &person_id))?;
            Ok(entry.face_ids.len())
        })?;
        self.write_index()
            .upsert(namespace.clone(), indexed(stored_face))?;
        Ok(Enrolled {
            person_id,
            face_id,
            person_count,
            merged,
        })
    }

    /// The persons whose best face scores at least `min_score` against `query`, best first, at
    /// most `max_persons`.
    pub fn search_persons(
        &self,
        namespace: &Namespace,
        query: &FaceEmbedding,
        min_score: CalibratedScore,
        max_persons: usize,
    ) -> Result<Vec<PersonMatch>, GalleryError> {
        // A person may own several of the nearest faces: ask for enough faces to fill the list
        // with distinct persons in all but degenerate cases.
        let hits = self.read_index().search(
            namespace,
            query,
            max_persons.saturating_mul(8).max(32),
            min_score,
            None,
        )?;
        let mut persons: Vec<PersonMatch> = Vec::with_capacity(max_persons);
        for hit in hits {
            let Some(person_id) = hit.person_id else {
                continue;
            };
            if persons.len() < max_persons
                && !persons.iter().any(|p| p.person_id.as_str() == person_id)
            {
                persons.push(PersonMatch {
                    person_id: PersonId::new(person_id),
                    score: hit.score,
                });
            }
        }
        Ok(persons)
    }

    /// Deletes the person, its faces and their original images; `false` if the namespace has no
    /// such person.
    pub fn delete_person(
        &self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<bool, GalleryError> {
        let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
        let deleted = self.store.write_with(|tx| {
            let Some(entry) = tx.get_person(namespace, person_id)? else {
                return Ok(false);
            };
            let mut media = Vec::new();
            for face_id in &entry.face_ids {
                if let Some(face) = tx.get_face(namespace, face_id)? {
                    media.extend(face.source_media_id);
                }
            }
            tx.delete_person(namespace, person_id)?;
            for media_id in &media {
                // An image stays while a face of another collection still refers to it.
                if tx.faces_of_media(&namespace.tenant, media_id)?.is_empty() {
                    tx.delete_media(&namespace.tenant, media_id)?;
                }
            }
            Ok(true)
        })?;
        if deleted {
            self.write_index()
                .remove_person(namespace, person_id.as_str());
        }
        Ok(deleted)
    }

    fn read_index(&self) -> std::sync::RwLockReadGuard<'_, FaceIndex<Namespace>> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, FaceIndex<Namespace>> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A stored face as the index holds it.
fn indexed(face: Face) -> IndexedFace {
    IndexedFace {
        face_id: face.face_id.as_str().to_owned(),
        person_id: face.person_id.map(|p| p.as_str().to_owned()),
        embedding: FaceEmbedding {
            model_id: face.embedding.model_id,
            values: face.embedding.values,
        },
        metadata: face.metadata,
    }
}

pub(crate) fn stored_box(bbox: &engine::BoundingBox) -> BoundingBox {
    BoundingBox {
        left: bbox.left,
        top: bbox.top,
        width: bbox.width,
        height: bbox.height,
    }
}

/// The media type of image bytes, from their signature.
pub fn sniff_content_type(bytes: &[u8]) -> &'static str {
    match image::guess_format(bytes) {
        Ok(format) => format.to_mime_type(),
        Err(_) => "application/octet-stream",
    }
}
