//! The conformance suite on sled, and what only sled has: its migrations, its raw layout.

use std::path::Path;

use super::{Migration, MigrationContext, SledOptions, SledStore};
use crate::conformance::Harness;
use crate::{
    Durability, Embedding, Face, FaceId, Metadata, Namespace, RecordKind, Store, StoreError,
    StoreExt, SCHEMA_VERSION,
};

#[derive(Default)]
struct SledHarness;

impl Harness for SledHarness {
    type Store = SledStore;

    fn open(&self, dir: &Path) -> Result<SledStore, StoreError> {
        SledStore::open(dir, &SledOptions::default())
    }

    fn stamp_schema_version(&self, dir: &Path, version: u32) -> Result<(), StoreError> {
        let db = super::open_db(dir, &SledOptions::default())?;
        db.insert(super::SCHEMA_VERSION_KEY, &version.to_be_bytes())
            .map_err(StoreError::backend)?;
        db.flush().map_err(StoreError::backend)?;
        Ok(())
    }
}

mod conformance {
    crate::conformance_tests!(super::SledHarness);
}

/// Writes a made-up "version 0" layout: no schema version, one `faces_v0` tree of JSON records
/// keyed `tenant/collection/face id`, embeddings as JSON arrays.
fn write_version_0(dir: &Path) {
    let db = sled::open(dir).expect("opens");
    let faces = db.open_tree("faces_v0").expect("tree");
    for (key, value) in [
        (
            "t1/c/f1",
            r#"{"model":"m0","embedding":[0.5,-0.25],"meta":{"k":"v"}}"#,
        ),
        ("t2/c/f2", r#"{"model":"m0","embedding":[1.0],"meta":{}}"#),
    ] {
        faces.insert(key, value).expect("inserts");
    }
    db.flush().expect("flushes");
}

fn migrate_faces_v0(context: &MigrationContext<'_>) -> Result<(), StoreError> {
    let old = context
        .db()
        .open_tree("faces_v0")
        .map_err(StoreError::backend)?;
    for item in old.iter() {
        let (key, value) = item.map_err(StoreError::backend)?;
        let key = String::from_utf8(key.to_vec())
            .map_err(|e| StoreError::corrupt(RecordKind::Face, e))?;
        let mut parts = key.splitn(3, '/');
        let (Some(tenant), Some(collection), Some(face_id)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(StoreError::corrupt(RecordKind::Face, "v0 key"));
        };
        let value: serde_json::Value =
            serde_json::from_slice(&value).map_err(|e| StoreError::corrupt(RecordKind::Face, e))?;
        let face = Face {
            namespace: Namespace::new(tenant, collection),
            face_id: FaceId::new(face_id),
            person_id: None,
            embedding: Embedding {
                model_id: value["model"].as_str().unwrap_or_default().to_owned(),
                values: value["embedding"]
                    .as_array()
                    .map(|values| {
                        values
                            .iter()
                            .filter_map(|v| v.as_f64())
                            .map(|v| v as f32)
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            bounding_box: None,
            metadata: value["meta"].as_object().cloned().unwrap_or_default(),
            source_media_id: None,
            created_at_ms: 0,
        };
        // Rerunnable: putting the same face twice is the same as once.
        context.store().put_face(&face)?;
    }
    context
        .db()
        .drop_tree("faces_v0")
        .map_err(StoreError::backend)?;
    Ok(())
}

const V0_TO_V1: Migration = Migration {
    from: 0,
    description: "faces_v0 JSON records into the faces tree",
    apply: migrate_faces_v0,
};

#[test]
fn version_0_is_migrated_on_open() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_version_0(dir.path());
    {
        let store =
            SledStore::open_with_migrations(dir.path(), &SledOptions::default(), &[V0_TO_V1])
                .expect("migrates");
        assert_eq!(store.schema_version(), SCHEMA_VERSION);
    }
    // Reopened by the shipped build (no migrations): it is version 1 now, the old tree is gone.
    let store = SledStore::open(dir.path(), &SledOptions::default()).expect("opens as current");
    let f1 = store
        .get_face(&Namespace::new("t1", "c"), &FaceId::new("f1"))
        .expect("reads")
        .expect("migrated");
    assert_eq!(f1.embedding.values, vec![0.5, -0.25]);
    assert_eq!(f1.embedding.model_id, "m0");
    assert_eq!(f1.metadata.get("k"), Some(&serde_json::json!("v")));
    assert_eq!(store.all_faces().count(), 2);
    assert!(!store
        .db
        .tree_names()
        .iter()
        .any(|name| name.as_ref() == b"faces_v0"));
}

#[test]
fn an_old_version_without_a_migration_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_version_0(dir.path());
    match SledStore::open(dir.path(), &SledOptions::default()) {
        Err(StoreError::NoMigration { found: 0, .. }) => {}
        Err(other) => panic!("expected NoMigration, got {other}"),
        Ok(_) => panic!("an unmigratable store must not open"),
    }
    // Still version 0 with its data: a later build with the migration can open it.
    SledStore::open_with_migrations(dir.path(), &SledOptions::default(), &[V0_TO_V1])
        .expect("migrates");
}

#[test]
fn a_failed_migration_keeps_the_old_version_and_reruns() {
    fn fails(_: &MigrationContext<'_>) -> Result<(), StoreError> {
        Err(StoreError::invalid("migration", "disk full (simulated)"))
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_version_0(dir.path());
    let failing = Migration {
        from: 0,
        description: "always fails",
        apply: fails,
    };
    match SledStore::open_with_migrations(dir.path(), &SledOptions::default(), &[failing]) {
        Err(StoreError::Migration { from: 0, source }) => {
            assert!(source.to_string().contains("disk full"));
        }
        Err(other) => panic!("expected Migration, got {other}"),
        Ok(_) => panic!("a failed migration must not open"),
    }
    let store = SledStore::open_with_migrations(dir.path(), &SledOptions::default(), &[V0_TO_V1])
        .expect("the rerun migrates");
    assert_eq!(store.all_faces().count(), 2);
}

#[test]
fn buffered_writes_survive_reopen_after_flush() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = SledOptions {
        durability: Durability::Buffered,
        flush_every_ms: None,
        ..SledOptions::default()
    };
    let ns = Namespace::new("t", "c");
    {
        let store = SledStore::open(dir.path(), &options).expect("opens");
        store
            .put_face(&crate::conformance::face(&ns, "f1", None, 1))
            .expect("puts");
        store.flush().expect("flushes");
    }
    let store = SledStore::open(dir.path(), &options).expect("reopens");
    assert!(store
        .get_face(&ns, &FaceId::new("f1"))
        .expect("reads")
        .is_some());
}

#[test]
fn a_corrupt_record_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ns = Namespace::new("t", "c");
    {
        let store = SledStore::open(dir.path(), &SledOptions::default()).expect("opens");
        store
            .put_face(&crate::conformance::face(&ns, "f1", None, 1))
            .expect("puts");
        let key = super::keys::face_key(&ns, &FaceId::new("f1")).expect("key");
        store
            .trees
            .faces
            .insert(key, &[0xFF, 0xFF, 0xFF][..])
            .expect("inserts");
        store
            .trees
            .faces
            .insert(b"\x00", &b""[..])
            .expect("inserts");
    }
    let store = SledStore::open(dir.path(), &SledOptions::default()).expect("opens");
    assert!(matches!(
        store.get_face(&ns, &FaceId::new("f1")),
        Err(StoreError::Corrupt {
            kind: RecordKind::Face,
            ..
        })
    ));
    let results: Vec<_> = store.all_faces().collect();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(Result::is_err));
    let filter = Metadata::new();
    assert!(store.find_faces_by_metadata(&ns, &filter, 10).is_err());
}

#[test]
fn a_store_open_elsewhere_is_reported_as_locked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let _held = SledStore::open(dir.path(), &SledOptions::default()).expect("opens");
    let impatient = SledOptions {
        lock_wait: std::time::Duration::from_millis(50),
        ..SledOptions::default()
    };
    match SledStore::open(dir.path(), &impatient) {
        Err(error @ StoreError::Locked { .. }) => {
            assert!(error.to_string().contains("another process"), "{error}");
        }
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("sled allows one open store per directory"),
    }
}

#[test]
fn a_first_open_interrupted_before_stamping_opens_as_new() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    {
        // The trees exist but hold nothing, and no version was written.
        let db = super::open_db(dir.path(), &SledOptions::default()).expect("opens");
        super::open_trees(&db).expect("creates trees");
        db.flush().expect("flushes");
    }
    let store = SledStore::open(dir.path(), &SledOptions::default()).expect("opens as new");
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    assert_eq!(
        super::read_schema_version(&store.db).expect("reads"),
        Some(SCHEMA_VERSION)
    );
}
