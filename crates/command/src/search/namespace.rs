//! One namespace's faces as a dense, row-major matrix: row `r` of `vectors` (f32) and of `codes`
//! (int8) is the face `faces[r]`. Deleting swaps the last row into the hole so the matrix stays
//! contiguous; `row_of` follows every move.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::kernels::{dot, dot_codes, quantise};
use super::top_k::{Candidate, TopK};

/// What a row knows about its face besides the embedding.
#[derive(Debug, Clone)]
pub(super) struct FaceRow {
    pub face_id: String,
    pub person_id: Option<String>,
    pub metadata: Map<String, Value>,
}

impl FaceRow {
    /// Every key of `filter` is present in the metadata with an equal value.
    fn matches(&self, filter: &Map<String, Value>) -> bool {
        filter
            .iter()
            .all(|(key, wanted)| self.metadata.get(key) == Some(wanted))
    }
}

/// A query prepared once for a scan of many rows.
pub(super) struct PreparedQuery<'a> {
    pub values: &'a [f32],
    pub norm_sq: f32,
    pub codes: Vec<i8>,
    pub step: f32,
}

impl<'a> PreparedQuery<'a> {
    pub fn new(values: &'a [f32]) -> Self {
        let mut codes = vec![0i8; values.len()];
        let step = quantise(values, &mut codes);
        Self {
            values,
            norm_sq: dot(values, values),
            codes,
            step,
        }
    }
}

#[derive(Debug)]
pub(super) struct Namespace {
    dimension: usize,
    vectors: Vec<f32>,
    codes: Vec<i8>,
    /// Per row: the quantisation step of its codes.
    steps: Vec<f32>,
    /// Per row: `|x|²`, so `|q - x|² = |q|² + |x|² - 2 q·x` holds even for a row that is not quite
    /// unit length (the recognizer normalises, but rounding and imports need not be perfect).
    norms_sq: Vec<f32>,
    faces: Vec<FaceRow>,
    row_of: HashMap<String, usize>,
}

impl Namespace {
    pub fn new(dimension: usize) -> Self {
        Self {
            dimension,
            vectors: Vec::new(),
            codes: Vec::new(),
            steps: Vec::new(),
            norms_sq: Vec::new(),
            faces: Vec::new(),
            row_of: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.faces.len()
    }

    pub fn face(&self, row: usize) -> &FaceRow {
        &self.faces[row]
    }

    /// Inserts the face, or overwrites the row already holding its face id; true if it overwrote.
    pub fn upsert(&mut self, face: FaceRow, values: &[f32]) -> bool {
        debug_assert_eq!(values.len(), self.dimension);
        let mut codes = vec![0i8; self.dimension];
        let step = quantise(values, &mut codes);
        let norm_sq = dot(values, values);
        if let Some(&row) = self.row_of.get(&face.face_id) {
            let span = self.span(row);
            self.vectors[span.clone()].copy_from_slice(values);
            self.codes[span].copy_from_slice(&codes);
            self.steps[row] = step;
            self.norms_sq[row] = norm_sq;
            self.faces[row] = face;
            return true;
        }
        self.row_of.insert(face.face_id.clone(), self.faces.len());
        self.vectors.extend_from_slice(values);
        self.codes.extend_from_slice(&codes);
        self.steps.push(step);
        self.norms_sq.push(norm_sq);
        self.faces.push(face);
        false
    }

    /// Removes the face; false if the namespace does not hold it.
    pub fn remove(&mut self, face_id: &str) -> bool {
        let Some(row) = self.row_of.remove(face_id) else {
            return false;
        };
        let last = self.faces.len() - 1;
        if row != last {
            let (hole, tail) = (self.span(row), self.span(last));
            self.vectors.copy_within(tail.clone(), hole.start);
            self.codes.copy_within(tail, hole.start);
            self.row_of.insert(self.faces[last].face_id.clone(), row);
        }
        // `swap_remove` moves the same last row into `row` that the copies above moved.
        self.faces.swap_remove(row);
        self.steps.swap_remove(row);
        self.norms_sq.swap_remove(row);
        self.vectors.truncate(last * self.dimension);
        self.codes.truncate(last * self.dimension);
        true
    }

    /// Removes every face of the person and returns how many. A scan of the rows: removing a person
    /// is rare next to searching, so it does not earn a second map to keep in step.
    pub fn remove_person(&mut self, person_id: &str) -> usize {
        let doomed: Vec<String> = self
            .faces
            .iter()
            .filter(|f| f.person_id.as_deref() == Some(person_id))
            .map(|f| f.face_id.clone())
            .collect();
        doomed.iter().filter(|id| self.remove(id)).count()
    }

    /// The `k` rows nearest the query by exact f32 distance.
    pub fn scan_exact(
        &self,
        query: &PreparedQuery,
        k: usize,
        filter: Option<&Map<String, Value>>,
    ) -> Vec<Candidate> {
        let mut top = TopK::new(k);
        for (row, x) in self.vectors.chunks_exact(self.dimension).enumerate() {
            if filter.is_some_and(|f| !self.faces[row].matches(f)) {
                continue;
            }
            top.offer(self.exact_distance_sq(query, row, x), row);
        }
        top.into_sorted()
    }

    /// The `k` nearest rows among the `candidates` nearest by int8 codes, re-ranked by exact f32
    /// distance. Falls back to the exact scan when the candidates would be every row anyway.
    pub fn scan_quantised(
        &self,
        query: &PreparedQuery,
        k: usize,
        candidates: usize,
        filter: Option<&Map<String, Value>>,
    ) -> Vec<Candidate> {
        if candidates >= self.len() {
            return self.scan_exact(query, k, filter);
        }
        let mut shortlist = TopK::new(candidates);
        for (row, codes) in self.codes.chunks_exact(self.dimension).enumerate() {
            if filter.is_some_and(|f| !self.faces[row].matches(f)) {
                continue;
            }
            let approx_dot = dot_codes(&query.codes, codes) as f32 * query.step * self.steps[row];
            shortlist.offer(query.norm_sq + self.norms_sq[row] - 2.0 * approx_dot, row);
        }
        let mut top = TopK::new(k);
        for Candidate { row, .. } in shortlist.into_sorted() {
            let x = &self.vectors[self.span(row)];
            top.offer(self.exact_distance_sq(query, row, x), row);
        }
        top.into_sorted()
    }

    fn exact_distance_sq(&self, query: &PreparedQuery, row: usize, x: &[f32]) -> f32 {
        // Clamped: rounding can take a near-duplicate's squared distance a hair below zero.
        (query.norm_sq + self.norms_sq[row] - 2.0 * dot(query.values, x)).max(0.0)
    }

    fn span(&self, row: usize) -> std::ops::Range<usize> {
        row * self.dimension..(row + 1) * self.dimension
    }

    /// Checks that every map and array agrees with every other (tests only).
    #[cfg(test)]
    pub fn assert_consistent(&self) {
        let n = self.faces.len();
        assert_eq!(self.vectors.len(), n * self.dimension);
        assert_eq!(self.codes.len(), n * self.dimension);
        assert_eq!((self.steps.len(), self.norms_sq.len()), (n, n));
        assert_eq!(self.row_of.len(), n);
        for (row, face) in self.faces.iter().enumerate() {
            assert_eq!(self.row_of.get(&face.face_id), Some(&row));
            let x = &self.vectors[self.span(row)];
            assert!((self.norms_sq[row] - dot(x, x)).abs() < 1e-5);
        }
    }
}
