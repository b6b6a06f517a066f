//! A bounded selection of the `k` nearest rows: a max-heap on distance whose root is the worst row
//! kept, so each offer costs one comparison unless it beats that row.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A row of a namespace's matrix and its squared distance to the query.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub distance_sq: f32,
    pub row: usize,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    /// Nearer first; ties go to the lower row so a selection is deterministic for a given matrix.
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance_sq
            .total_cmp(&other.distance_sq)
            .then(self.row.cmp(&other.row))
    }
}

pub(super) struct TopK {
    k: usize,
    heap: BinaryHeap<Candidate>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(4096)),
        }
    }

    pub fn offer(&mut self, distance_sq: f32, row: usize) {
        let candidate = Candidate { distance_sq, row };
        if self.heap.len() < self.k {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if candidate < *worst {
                *worst = candidate;
            }
        }
    }

    /// The kept rows, nearest first.
    pub fn into_sorted(self) -> Vec<Candidate> {
        self.heap.into_sorted_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_k_smallest_in_order() {
        let distances = [0.9f32, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.0];
        let mut top = TopK::new(4);
        for (row, d) in distances.iter().enumerate() {
            top.offer(*d, row);
        }
        let rows: Vec<usize> = top.into_sorted().iter().map(|c| c.row).collect();
        assert_eq!(rows, vec![9, 1, 5, 3]);

        let mut none = TopK::new(0);
        none.offer(0.0, 0);
        assert!(none.into_sorted().is_empty());
    }
}
