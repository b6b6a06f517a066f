use std::collections::HashMap;

use engine::{FaceEmbedding, RECOGNIZER_MODEL_ID};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde_json::{json, Map, Value};

use super::*;

pub(super) const DIM: usize = 128;
pub(super) const NO_FLOOR: CalibratedScore = CalibratedScore(0.0);

pub(super) fn index() -> FaceIndex {
    FaceIndex::new(ScoreCalibration::bundled(), DIM)
}

/// `v` scaled to unit length.
pub(super) fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// A direction drawn uniformly from the unit sphere.
pub(super) fn random_unit(rng: &mut StdRng) -> Vec<f32> {
    unit((0..DIM).map(|_| rng.sample(StandardNormal)).collect())
}

/// `v` moved by Gaussian noise of `sigma` per value, then renormalised.
pub(super) fn nudge(rng: &mut StdRng, v: &[f32], sigma: f32) -> Vec<f32> {
    unit(
        v.iter()
            .map(|x| x + sigma * rng.sample::<f32, _>(StandardNormal))
            .collect(),
    )
}

pub(super) fn embedding(values: Vec<f32>) -> FaceEmbedding {
    FaceEmbedding {
        model_id: RECOGNIZER_MODEL_ID.into(),
        values,
    }
}

pub(super) fn face(id: &str, person: Option<&str>, values: Vec<f32>) -> IndexedFace {
    IndexedFace {
        face_id: id.into(),
        person_id: person.map(Into::into),
        embedding: embedding(values),
        metadata: Map::new(),
    }
}

fn ids(hits: &[FaceHit]) -> Vec<&str> {
    hits.iter().map(|h| h.face_id.as_str()).collect()
}

#[test]
fn exact_top_k_matches_a_brute_force_sort() {
    let mut rng = StdRng::seed_from_u64(1);
    let stored: Vec<(String, FaceEmbedding)> = (0..600)
        .map(|i| (format!("f{i}"), embedding(random_unit(&mut rng))))
        .collect();
    let mut index = index();
    for (id, e) in &stored {
        index
            .upsert("ns".to_string(), face(id, None, e.values.clone()))
            .unwrap();
    }
    for _ in 0..20 {
        let query = embedding(random_unit(&mut rng));
        let mut expected: Vec<(f32, &str)> = stored
            .iter()
            .map(|(id, e)| (query.distance(e), id.as_str()))
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0));
        for k in [1, 10, 100] {
            let exact = index.search_exact("ns", &query, k, NO_FLOOR, None).unwrap();
            let quantised = index.search("ns", &query, k, NO_FLOOR, None).unwrap();
            let want: Vec<&str> = expected[..k].iter().map(|e| e.1).collect();
            assert_eq!(ids(&exact), want, "k = {k}");
            assert_eq!(ids(&quantised), want, "k = {k}");
            for (hit, (distance, _)) in exact.iter().zip(&expected) {
                assert!((hit.distance - distance).abs() < 1e-4);
                assert_eq!(hit.score, ScoreCalibration::bundled().score(hit.distance));
            }
        }
    }
    // k beyond the namespace's size returns every face, and k = 0 none.
    let query = embedding(random_unit(&mut rng));
    assert_eq!(
        index
            .search("ns", &query, 1000, NO_FLOOR, None)
            .unwrap()
            .len(),
        600
    );
    assert!(index
        .search("ns", &query, 0, NO_FLOOR, None)
        .unwrap()
        .is_empty());
}

#[test]
fn upserts_and_deletes_keep_the_rows_in_step_with_the_ids() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut index = index();
    // What the index should hold: face id -> embedding.
    let mut model: HashMap<String, Vec<f32>> = HashMap::new();
    for step in 0..3000 {
        let id = format!("f{}", rng.gen_range(0..300));
        if rng.gen_bool(0.4) {
            let removed = index.remove_face("ns", &id);
            assert_eq!(removed, model.remove(&id).is_some(), "step {step}");
        } else {
            let values = random_unit(&mut rng);
            let replaced = index
                .upsert("ns".into(), face(&id, None, values.clone()))
                .unwrap();
            assert_eq!(replaced, model.insert(id, values).is_some(), "step {step}");
        }
        assert_eq!(index.len("ns"), model.len());
        if step % 100 == 0 {
            index.assert_consistent();
        }
    }
    index.assert_consistent();
    // Every face held is found at distance 0 from its own embedding; no removed face is found.
    for (id, values) in &model {
        let hits = index
            .search_exact("ns", &embedding(values.clone()), 1, NO_FLOOR, None)
            .unwrap();
        assert_eq!(ids(&hits), vec![id.as_str()]);
        assert!(hits[0].distance < 1e-3);
    }
    let everything = index
        .search_exact(
            "ns",
            &embedding(random_unit(&mut rng)),
            1000,
            NO_FLOOR,
            None,
        )
        .unwrap();
    let mut found: Vec<&str> = ids(&everything);
    found.sort();
    let mut held: Vec<&str> = model.keys().map(String::as_str).collect();
    held.sort();
    assert_eq!(found, held);
}

#[test]
fn upsert_replaces_embedding_person_and_metadata() {
    let mut index = index();
    let a = unit((0..DIM).map(|i| (i as f32).sin()).collect());
    let b = unit((0..DIM).map(|i| (i as f32).cos()).collect());
    assert!(!index
        .upsert("ns".into(), face("f", Some("p1"), a.clone()))
        .unwrap());
    let mut replacement = face("f", Some("p2"), b.clone());
    replacement.metadata.insert("side".into(), json!("left"));
    assert!(index.upsert("ns".into(), replacement).unwrap());
    assert_eq!(index.len("ns"), 1);

    let hit = &index
        .search("ns", &embedding(b), 1, NO_FLOOR, None)
        .unwrap()[0];
    assert_eq!(hit.person_id.as_deref(), Some("p2"));
    assert!(hit.distance < 1e-3);
    let filter: Map<String, Value> = [("side".to_string(), json!("left"))].into_iter().collect();
    assert_eq!(
        index
            .search("ns", &embedding(a), 1, NO_FLOOR, Some(&filter))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_filter_keeps_only_faces_whose_metadata_has_every_key() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut index = index();
    for i in 0..400 {
        let mut f = face(&format!("f{i}"), None, random_unit(&mut rng));
        f.metadata.insert("branch".into(), json!(i % 4));
        if i % 2 == 0 {
            f.metadata.insert("vip".into(), json!(true));
        }
        index.upsert("ns".into(), f).unwrap();
    }
    let filter: Map<String, Value> = [("branch".to_string(), json!(1))].into_iter().collect();
    let both: Map<String, Value> = [
        ("branch".to_string(), json!(2)),
        ("vip".into(), json!(true)),
    ]
    .into_iter()
    .collect();
    let none: Map<String, Value> = [
        ("branch".to_string(), json!(1)),
        ("vip".into(), json!(true)),
    ]
    .into_iter()
    .collect();
    let query = embedding(random_unit(&mut rng));
    for search in [FaceIndex::search::<str>, FaceIndex::search_exact::<str>] {
        let hits = search(&index, "ns", &query, 1000, NO_FLOOR, Some(&filter)).unwrap();
        assert_eq!(hits.len(), 100);
        assert!(hits
            .iter()
            .all(|h| h.face_id[1..].parse::<u32>().unwrap() % 4 == 1));
        assert_eq!(
            search(&index, "ns", &query, 1000, NO_FLOOR, Some(&both))
                .unwrap()
                .len(),
            100
        );
        assert!(search(&index, "ns", &query, 10, NO_FLOOR, Some(&none))
            .unwrap()
            .is_empty());
        // An empty filter asks for nothing.
        assert_eq!(
            search(&index, "ns", &query, 1000, NO_FLOOR, Some(&Map::new()))
                .unwrap()
                .len(),
            400
        );
    }
}

#[test]
fn the_score_floor_drops_exactly_the_faces_below_it() {
    let mut rng = StdRng::seed_from_u64(4);
    let mut index = index();
    let centre = random_unit(&mut rng);
    // Faces from identical to unrelated, so the scores spread over the whole range.
    for i in 0..200 {
        let sigma = i as f32 * 0.001;
        index
            .upsert(
                "ns".into(),
                face(&format!("f{i}"), None, nudge(&mut rng, &centre, sigma)),
            )
            .unwrap();
    }
    let query = embedding(centre);
    let all = index
        .search_exact("ns", &query, 200, NO_FLOOR, None)
        .unwrap();
    assert!(all.first().unwrap().score.value() > 0.9 && all.last().unwrap().score.value() < 0.1);
    for floor in [0.3, 0.5, 0.7, 0.9] {
        let floor = CalibratedScore(floor);
        let kept = index.search("ns", &query, 200, floor, None).unwrap();
        let expected: Vec<&FaceHit> = all.iter().filter(|h| h.score >= floor).collect();
        assert_eq!(kept.iter().collect::<Vec<_>>(), expected);
        assert!(!kept.is_empty() && kept.len() < 200);
    }
}

#[test]
fn removing_a_person_removes_all_their_faces_and_only_theirs() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut index = index();
    for i in 0..90 {
        let person = format!("p{}", i % 3);
        index
            .upsert(
                "ns".into(),
                face(&format!("f{i}"), Some(&person), random_unit(&mut rng)),
            )
            .unwrap();
    }
    index
        .upsert("ns".into(), face("anon", None, random_unit(&mut rng)))
        .unwrap();
    index
        .upsert("other".into(), face("x", Some("p1"), random_unit(&mut rng)))
        .unwrap();

    assert_eq!(index.remove_person("ns", "p1"), 30);
    assert_eq!(index.remove_person("ns", "p1"), 0);
    index.assert_consistent();
    assert_eq!(index.len("ns"), 61);
    assert_eq!(
        index.len("other"),
        1,
        "another namespace's person of the same id stays"
    );
    let hits = index
        .search_exact("ns", &embedding(random_unit(&mut rng)), 100, NO_FLOOR, None)
        .unwrap();
    assert_eq!(hits.len(), 61);
    assert!(hits.iter().all(|h| h.person_id.as_deref() != Some("p1")));

    assert_eq!(
        index.remove_person("ns", "p0") + index.remove_person("ns", "p2"),
        60
    );
    assert!(index.remove_face("ns", "anon"));
    assert_eq!(index.len("ns"), 0);
    index.assert_consistent();
}

#[test]
fn namespaces_do_not_see_each_other() {
    let mut rng = StdRng::seed_from_u64(6);
    let mut index = index();
    let values = random_unit(&mut rng);
    index
        .upsert("a".into(), face("f", None, values.clone()))
        .unwrap();
    index
        .upsert("b".into(), face("g", None, random_unit(&mut rng)))
        .unwrap();
    let query = embedding(values);
    assert_eq!(
        ids(&index.search("b", &query, 5, NO_FLOOR, None).unwrap()),
        vec!["g"]
    );
    assert!(index
        .search("nowhere", &query, 5, NO_FLOOR, None)
        .unwrap()
        .is_empty());
    assert!(!index.remove_face("b", "f"));
    assert_eq!(index.remove_namespace("a"), 1);
    assert!(index
        .search("a", &query, 5, NO_FLOOR, None)
        .unwrap()
        .is_empty());
}

#[test]
fn embeddings_of_another_shape_or_model_are_refused() {
    let mut index = index();
    let short = embedding(unit(vec![1.0; 64]));
    let foreign = FaceEmbedding {
        model_id: "arcface-r100".into(),
        values: unit(vec![1.0; DIM]),
    };
    let mut broken = unit(vec![1.0; DIM]);
    broken[7] = f32::NAN;
    let broken = embedding(broken);

    let wrong_dimension = FaceIndexError::DimensionMismatch {
        expected: 128,
        actual: 64,
    };
    let wrong_model = FaceIndexError::ModelMismatch {
        expected: RECOGNIZER_MODEL_ID.into(),
        actual: "arcface-r100".into(),
    };
    let cases = [
        (short, wrong_dimension),
        (foreign, wrong_model),
        (broken, FaceIndexError::NonFiniteValue),
    ];
    index
        .upsert("ns".into(), face("ok", None, unit(vec![1.0; DIM])))
        .unwrap();
    for (bad, error) in cases {
        let mut f = face("bad", None, vec![]);
        f.embedding = bad.clone();
        assert_eq!(index.upsert("ns".into(), f), Err(error.clone()));
        assert_eq!(
            index.search("ns", &bad, 1, NO_FLOOR, None),
            Err(error.clone())
        );
        assert_eq!(
            index.search_exact("ns", &bad, 1, NO_FLOOR, None),
            Err(error)
        );
    }
    assert_eq!(index.len("ns"), 1, "a refused face is not indexed");
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<FaceIndex<String>>();
    shareable::<std::sync::RwLock<FaceIndex<(String, String)>>>();
}
