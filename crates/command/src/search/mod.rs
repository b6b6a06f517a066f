//! 1:N face search: an in-memory index of each namespace's face embeddings, answering "which
//! enrolled faces are nearest this one" with calibrated scores, a score floor and metadata filters.
//!
//! Each namespace is a dense row-major f32 matrix (one row per face) plus an int8 copy of it.
//! [`FaceIndex::search_exact`] scans the f32 rows and is the reference. [`FaceIndex::search`] scans
//! the int8 rows (a quarter of the memory traffic) to shortlist `max(4k, 64)` candidates and
//! re-ranks those by exact f32 distance, so the distances and scores it returns are exact; only
//! the choice of candidates is approximate, and its recall against the exact scan is tested.
//!
//! Concurrency: searches take `&self` and writes `&mut self`, and the index is `Send + Sync`, so the
//! owner shares it as `RwLock<FaceIndex>`: searches run in parallel and a write waits for them. A
//! write is a row copy (microseconds), so holding the write lock for it does not starve searches.
//!
//! The store loads every face into the index at start and applies each committed write to it.

mod kernels;
mod namespace;
mod top_k;

#[cfg(test)]
mod recall_tests;
#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

use engine::FaceEmbedding;
use serde_json::{Map, Value};

use crate::score::{CalibratedScore, ScoreCalibration};
use namespace::{FaceRow, Namespace, PreparedQuery};
use top_k::Candidate;

/// The fewest candidates the int8 scan hands to the exact re-rank, whatever `k`.
const MIN_CANDIDATES: usize = 64;
/// Candidates per requested hit handed to the exact re-rank.
const CANDIDATES_PER_HIT: usize = 4;

/// Why the index refused an embedding.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaceIndexError {
    #[error("the embedding has {actual} values; this index holds {expected}-value embeddings")]
    DimensionMismatch { expected: usize, actual: usize },
    #[error("the embedding was made by model `{actual}`; this index holds model `{expected}`")]
    ModelMismatch { expected: String, actual: String },
    #[error("the embedding holds a value that is not a finite number")]
    NonFiniteValue,
}

/// One face to index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedFace {
    /// Unique within its namespace; indexing the same id again replaces the face.
    pub face_id: String,
    pub person_id: Option<String>,
    pub embedding: FaceEmbedding,
    /// Matched by the `filter` of a search.
    pub metadata: Map<String, Value>,
}

/// A face found by a search.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceHit {
    pub face_id: String,
    pub person_id: Option<String>,
    /// Euclidean distance between the query and the face's embedding.
    pub distance: f32,
    pub score: CalibratedScore,
}

/// The faces of every namespace, all embedded by one model. `K` names a namespace (for instance a
/// client and collection); the index treats it as opaque.
#[derive(Debug)]
pub struct FaceIndex<K = String> {
    calibration: ScoreCalibration,
    dimension: usize,
    namespaces: HashMap<K, Namespace>,
}

impl<K: Hash + Eq> FaceIndex<K> {
    /// An empty index of `dimension`-value embeddings made by the model `calibration` describes;
    /// embeddings of any other model are refused, since their distances would mean nothing here.
    pub fn new(calibration: ScoreCalibration, dimension: usize) -> Self {
        Self {
            calibration,
            dimension,
            namespaces: HashMap::new(),
        }
    }

    pub fn model_id(&self) -> &str {
        &self.calibration.model_id
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Indexes the face, replacing any face with the same id in the namespace. Returns true if it
    /// replaced one.
    pub fn upsert(&mut self, namespace: K, face: IndexedFace) -> Result<bool, FaceIndexError> {
        self.check(&face.embedding)?;
        let row = FaceRow {
            face_id: face.face_id,
            person_id: face.person_id,
            metadata: face.metadata,
        };
        let dimension = self.dimension;
        Ok(self
            .namespaces
            .entry(namespace)
            .or_insert_with(|| Namespace::new(dimension))
            .upsert(row, &face.embedding.values))
    }

    /// Removes the face; false if the namespace does not hold it.
    pub fn remove_face<Q>(&mut self, namespace: &Q, face_id: &str) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.edit(namespace, |ns| ns.remove(face_id))
            .unwrap_or(false)
    }

    /// Removes every face of the person; returns how many.
    pub fn remove_person<Q>(&mut self, namespace: &Q, person_id: &str) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.edit(namespace, |ns| ns.remove_person(person_id))
            .unwrap_or(0)
    }

    /// Forgets the namespace and its faces; returns how many faces it held.
    pub fn remove_namespace<Q>(&mut self, namespace: &Q) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.namespaces.remove(namespace).map_or(0, |ns| ns.len())
    }

    /// Every namespace that holds at least one face, in no particular order.
    pub fn namespaces(&self) -> impl Iterator<Item = &K> {
        self.namespaces.keys()
    }

    /// How many faces the namespace holds.
    pub fn len<Q>(&self, namespace: &Q) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.namespaces.get(namespace).map_or(0, Namespace::len)
    }

    /// The `top_k` faces nearest the query, nearest first, scored at least `min_score` and matching
    /// every key of `filter`: int8 shortlist, exact re-rank (see the module documentation).
    pub fn search<Q>(
        &self,
        namespace: &Q,
        query: &FaceEmbedding,
        top_k: usize,
        min_score: CalibratedScore,
        filter: Option<&Map<String, Value>>,
    ) -> Result<Vec<FaceHit>, FaceIndexError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let candidates = top_k.saturating_mul(CANDIDATES_PER_HIT).max(MIN_CANDIDATES);
        self.run(namespace, query, min_score, |ns, q| {
            ns.scan_quantised(q, top_k, candidates, filter)
        })
    }

    /// As [`FaceIndex::search`], by an exact scan of every row: the reference.
    pub fn search_exact<Q>(
        &self,
        namespace: &Q,
        query: &FaceEmbedding,
        top_k: usize,
        min_score: CalibratedScore,
        filter: Option<&Map<String, Value>>,
    ) -> Result<Vec<FaceHit>, FaceIndexError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.run(namespace, query, min_score, |ns, q| {
            ns.scan_exact(q, top_k, filter)
        })
    }

    fn run<Q>(
        &self,
        namespace: &Q,
        query: &FaceEmbedding,
        min_score: CalibratedScore,
        scan: impl FnOnce(&Namespace, &PreparedQuery) -> Vec<Candidate>,
    ) -> Result<Vec<FaceHit>, FaceIndexError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.check(query)?;
        let Some(ns) = self.namespaces.get(namespace) else {
            return Ok(Vec::new());
        };
        let nearest = scan(ns, &PreparedQuery::new(&query.values));
        // The score falls as the distance grows, so the floor cuts a tail off the nearest-first
        // list: applying it after the top-k selection loses no face that clears it.
        Ok(nearest
            .into_iter()
            .map(|Candidate { distance_sq, row }| {
                let distance = distance_sq.sqrt();
                let face = ns.face(row);
                FaceHit {
                    face_id: face.face_id.clone(),
                    person_id: face.person_id.clone(),
                    distance,
                    score: self.calibration.score(distance),
                }
            })
            .take_while(|hit| hit.score >= min_score)
            .collect())
    }

    /// Applies `change` to the namespace, and forgets the namespace once it holds no faces.
    fn edit<Q, T>(&mut self, namespace: &Q, change: impl FnOnce(&mut Namespace) -> T) -> Option<T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let ns = self.namespaces.get_mut(namespace)?;
        let out = change(ns);
        if ns.len() == 0 {
            self.namespaces.remove(namespace);
        }
        Some(out)
    }

    fn check(&self, embedding: &FaceEmbedding) -> Result<(), FaceIndexError> {
        if embedding.model_id != self.calibration.model_id {
            return Err(FaceIndexError::ModelMismatch {
                expected: self.calibration.model_id.clone(),
                actual: embedding.model_id.clone(),
            });
        }
        if embedding.values.len() != self.dimension {
            return Err(FaceIndexError::DimensionMismatch {
                expected: self.dimension,
                actual: embedding.values.len(),
            });
        }
        if !embedding.values.iter().all(|v| v.is_finite()) {
            return Err(FaceIndexError::NonFiniteValue);
        }
        Ok(())
    }

    /// Checks every namespace's bookkeeping (tests only).
    #[cfg(test)]
    fn assert_consistent(&self) {
        for ns in self.namespaces.values() {
            assert!(ns.len() > 0, "an empty namespace was kept");
            ns.assert_consistent();
        }
    }
}
