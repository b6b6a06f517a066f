//! Recall of the quantised search against the exact scan, on data shaped like an enrolment base:
//! mostly unrelated faces, plus people enrolled several times (clusters of near-duplicates), which
//! is where int8 rounding could reorder the nearest faces.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::namespace::PreparedQuery;
use super::tests::{embedding, face, index, nudge, random_unit, NO_FLOOR};
use super::{FaceHit, FaceIndex};
use engine::FaceEmbedding;

const FACES: usize = 20_000;
const CLUSTERS: usize = 1_000;
const FACES_PER_CLUSTER: usize = 10;
const QUERIES: usize = 400;

/// The nearest face by int8 codes alone: a shortlist of one, so the re-rank cannot correct it.
fn int8_nearest(index: &FaceIndex, query: &FaceEmbedding) -> String {
    let ns = &index.namespaces["ns"];
    let nearest = ns.scan_quantised(&PreparedQuery::new(&query.values), 1, 1, None);
    ns.face(nearest[0].row).face_id.clone()
}

fn ids(hits: &[FaceHit]) -> Vec<&str> {
    hits.iter().map(|h| h.face_id.as_str()).collect()
}

#[test]
fn quantised_search_recalls_the_exact_nearest_faces() {
    let mut rng = StdRng::seed_from_u64(20_000);
    let mut index = index();
    let mut stored = Vec::with_capacity(FACES);
    // Clustered people: each enrolled 10 times with a spread from near-identical to a new photo.
    for c in 0..CLUSTERS {
        let centre = random_unit(&mut rng);
        for i in 0..FACES_PER_CLUSTER {
            let sigma = rng.gen_range(0.002..0.04);
            let values = nudge(&mut rng, &centre, sigma);
            stored.push(values.clone());
            let person = format!("p{c}");
            index
                .upsert(
                    "ns".into(),
                    face(&format!("c{c}-{i}"), Some(&person), values),
                )
                .unwrap();
        }
    }
    // Everyone else, once.
    while stored.len() < FACES {
        let values = random_unit(&mut rng);
        let id = format!("u{}", stored.len());
        stored.push(values.clone());
        index.upsert("ns".into(), face(&id, None, values)).unwrap();
    }
    // Churn, so the scans run over swap-removed rows: 500 faces leave, 500 strangers enrol.
    for c in 0..CLUSTERS / 2 {
        assert!(index.remove_face("ns", &format!("c{c}-0")));
        let values = random_unit(&mut rng);
        index
            .upsert("ns".into(), face(&format!("v{c}"), None, values))
            .unwrap();
    }
    index.assert_consistent();
    assert_eq!(index.len("ns"), FACES);

    // Queries: new photos of enrolled faces (half in clusters, half loners) and strangers.
    let queries: Vec<_> = (0..QUERIES)
        .map(|q| match q % 4 {
            0 | 1 => {
                let target = &stored[rng.gen_range(0..CLUSTERS * FACES_PER_CLUSTER)];
                embedding(nudge(&mut rng, target, 0.01))
            }
            2 => {
                let target = &stored[rng.gen_range(CLUSTERS * FACES_PER_CLUSTER..FACES)];
                embedding(nudge(&mut rng, target, 0.03))
            }
            _ => embedding(random_unit(&mut rng)),
        })
        .collect();

    let (mut exact_time, mut quantised_time) = (Duration::ZERO, Duration::ZERO);
    let (mut top1_agree, mut top10_found, mut int8_top1_agree) = (0usize, 0usize, 0usize);
    for query in &queries {
        let started = Instant::now();
        let exact = index.search_exact("ns", query, 10, NO_FLOOR, None).unwrap();
        exact_time += started.elapsed();
        let started = Instant::now();
        let quantised = index.search("ns", query, 10, NO_FLOOR, None).unwrap();
        quantised_time += started.elapsed();

        assert_eq!((exact.len(), quantised.len()), (10, 10));
        top1_agree += usize::from(exact[0].face_id == quantised[0].face_id);
        int8_top1_agree += usize::from(int8_nearest(&index, query) == exact[0].face_id);
        let truth: HashSet<&str> = ids(&exact).into_iter().collect();
        top10_found += ids(&quantised)
            .iter()
            .filter(|id| truth.contains(*id))
            .count();
        // Re-ranking makes every returned distance exact, whichever faces were shortlisted.
        for hit in &quantised {
            if let Some(same) = exact.iter().find(|e| e.face_id == hit.face_id) {
                assert_eq!(same.distance, hit.distance);
            }
        }
    }
    let recall_at_1 = top1_agree as f64 / QUERIES as f64;
    let recall_at_10 = top10_found as f64 / (QUERIES * 10) as f64;
    let int8_recall_at_1 = int8_top1_agree as f64 / QUERIES as f64;
    let per_query = |t: Duration| t.as_secs_f64() * 1e3 / QUERIES as f64;
    // Informational only: debug-profile timings on a shared machine; `just bench` holds the figures.
    println!(
        "{FACES} faces, {QUERIES} queries: recall@1 {recall_at_1:.4}, recall@10 {recall_at_10:.4} \
         (int8 alone, no re-rank: recall@1 {int8_recall_at_1:.4}); \
         exact {:.3} ms/query, quantised + re-rank {:.3} ms/query",
        per_query(exact_time),
        per_query(quantised_time),
    );
    assert!(recall_at_1 >= 0.99, "recall@1 {recall_at_1}");
    assert!(recall_at_10 >= 0.98, "recall@10 {recall_at_10}");
    // Otherwise the data would be too easy to tell a re-ranked shortlist from none at all.
    assert!(
        int8_recall_at_1 < 1.0,
        "int8 alone already finds every nearest face"
    );
}
