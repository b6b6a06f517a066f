//! Conformance: isolation between tenants, atomicity, input checks, persistence, schema versions.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{face, faces_in, fresh, ids, media, metadata, person, request, Harness};
use crate::{
    FaceId, MediaId, MediaPatch, MetadataMerge, Namespace, PersonId, RecordKind, RequestId, Store,
    StoreError, StoreExt, TenantId, SCHEMA_VERSION,
};
use serde_json::json;

/// Writes one of every record kind for `tenant` in collection `c`, with fixed ids.
fn enrol_everything<S: Store + ?Sized>(store: &S, tenant: &TenantId) {
    let ns = Namespace::new(tenant.clone(), "c");
    store
        .write(&mut |tx| {
            tx.put_media(&media(tenant, "m1", b"jpeg"))?;
            tx.put_person(&person(&ns, "p1"))?;
            let mut f = face(&ns, "f1", Some("p1"), 1);
            f.source_media_id = Some(MediaId::new("m1"));
            f.metadata = metadata(json!({"national_id": "123"}));
            tx.put_face(&f)?;
            tx.put_request(&request(tenant, "r1", Some("x1"), 1_000))?;
            tx.increment_counter(tenant, "n", 1).map(drop)
        })
        .expect("enrols");
}

/// Asserts that `tenant` sees none of another tenant's fixed-id records.
fn sees_nothing<S: Store + ?Sized>(store: &S, tenant: &TenantId) {
    let ns = Namespace::new(tenant.clone(), "c");
    let (p1, f1, m1) = (PersonId::new("p1"), FaceId::new("f1"), MediaId::new("m1"));
    assert_eq!(store.get_person(&ns, &p1).expect("reads"), None);
    assert!(store.faces_of_person(&ns, &p1).expect("reads").is_empty());
    assert_eq!(store.get_face(&ns, &f1).expect("reads"), None);
    assert!(faces_in(store, &ns).is_empty());
    let filter = metadata(json!({"national_id": "123"}));
    assert!(store
        .find_faces_by_metadata(&ns, &filter, 10)
        .expect("searches")
        .is_empty());
    assert!(store.faces_of_media(tenant, &m1).expect("reads").is_empty());
    assert_eq!(store.get_media(tenant, &m1).expect("reads"), None);
    assert_eq!(store.get_media_info(tenant, &m1).expect("reads"), None);
    assert_eq!(
        store
            .get_request(tenant, &RequestId::new("r1"))
            .expect("reads"),
        None
    );
    assert!(store
        .requests_by_correlation(tenant, "x1", 10)
        .expect("reads")
        .is_empty());
    assert_eq!(store.counter(tenant, "n").expect("reads"), 0);
}

pub fn tenants_are_isolated<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let owner = TenantId::new("a");
    // "ab" shares a byte prefix with "a"; "A" differs only in case.
    let intruders = [TenantId::new("b"), TenantId::new("ab"), TenantId::new("A")];
    enrol_everything(&store, &owner);
    for intruder in &intruders {
        sees_nothing(&store, intruder);
        let ns = Namespace::new(intruder.clone(), "c");
        // Nothing of the owner's can be changed or deleted through the intruder's scope.
        assert_eq!(
            store
                .delete_person(&ns, &PersonId::new("p1"))
                .expect("runs"),
            None
        );
        assert!(!store.delete_face(&ns, &FaceId::new("f1")).expect("runs"));
        assert!(!store
            .delete_media(intruder, &MediaId::new("m1"))
            .expect("runs"));
        let patch = MediaPatch {
            metadata: metadata(json!({"stolen": true})),
            merge: MetadataMerge::Replace,
            label: None,
        };
        assert!(matches!(
            store.patch_media(intruder, &MediaId::new("m1"), &patch),
            Err(StoreError::NotFound { .. })
        ));
        let set =
            store.write(&mut |tx| tx.set_face_metadata(&ns, &FaceId::new("f1"), &patch.metadata));
        assert!(matches!(set, Err(StoreError::NotFound { .. })));
        assert!(store
            .write(&mut |tx| tx
                .faces_of_media(intruder, &MediaId::new("m1"))
                .map(|f| assert!(f.is_empty())))
            .is_ok());
    }
    // The same ids written by another tenant are that tenant's own records.
    let twin = &intruders[0];
    enrol_everything(&store, twin);
    assert!(store
        .delete_person(&Namespace::new(twin.clone(), "c"), &PersonId::new("p1"))
        .expect("runs")
        .is_some());
    assert!(store.delete_media(twin, &MediaId::new("m1")).expect("runs"));

    // The owner's records are all still there, unchanged.
    let ns = Namespace::new(owner.clone(), "c");
    let f1 = store
        .get_face(&ns, &FaceId::new("f1"))
        .expect("reads")
        .expect("exists");
    assert_eq!(f1.metadata, metadata(json!({"national_id": "123"})));
    assert_eq!(
        ids(&store
            .faces_of_person(&ns, &PersonId::new("p1"))
            .expect("reads")),
        vec!["f1"]
    );
    let info = store
        .get_media_info(&owner, &MediaId::new("m1"))
        .expect("reads")
        .expect("exists");
    assert_eq!(info.metadata, metadata(json!({"app_id": 3333})));
    assert_eq!(
        store
            .faces_of_media(&owner, &MediaId::new("m1"))
            .expect("reads")
            .len(),
        1
    );
    assert!(store
        .get_request(&owner, &RequestId::new("r1"))
        .expect("reads")
        .is_some());
    assert_eq!(
        store
            .requests_by_correlation(&owner, "x1", 10)
            .expect("reads")
            .len(),
        1
    );
    assert_eq!(store.counter(&owner, "n").expect("reads"), 1);
    assert_eq!(store.counter(twin, "n").expect("reads"), 1);
}

pub fn collections_are_separate_and_case_sensitive<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let lower = Namespace::new("client-1", "vip");
    let upper = Namespace::new("client-1", "VIP");
    store.put_face(&face(&lower, "f1", None, 1)).expect("puts");
    store.put_face(&face(&upper, "f1", None, 2)).expect("puts");
    store.put_face(&face(&upper, "f2", None, 3)).expect("puts");
    assert_eq!(ids(&faces_in(&store, &lower)), vec!["f1"]);
    assert_eq!(ids(&faces_in(&store, &upper)), vec!["f1", "f2"]);
    assert!(store
        .delete_face(&lower, &FaceId::new("f1"))
        .expect("deletes"));
    assert!(store
        .get_face(&upper, &FaceId::new("f1"))
        .expect("reads")
        .is_some());
}

pub fn multi_record_writes_commit_together<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    let ns = Namespace::new(tenant.clone(), "group");
    let person_count = store
        .write_with(|tx| {
            tx.put_media(&media(&tenant, "m1", b"jpeg"))?;
            tx.put_person(&person(&ns, "p1"))?;
            tx.put_face(&face(&ns, "f1", Some("p1"), 1))?;
            tx.put_face(&face(&ns, "f2", Some("p1"), 2))?;
            tx.put_request(&request(&tenant, "r1", Some("x"), 1))?;
            tx.increment_counter(&tenant, "enrolments", 2)?;
            // Reads inside the transaction see its own writes.
            assert!(tx.get_media_info(&tenant, &MediaId::new("m1"))?.is_some());
            assert!(tx.get_face(&ns, &FaceId::new("f2"))?.is_some());
            Ok(tx
                .get_person(&ns, &PersonId::new("p1"))?
                .map(|p| p.face_ids.len()))
        })
        .expect("commits");
    assert_eq!(person_count, Some(2));
    assert!(store
        .get_media(&tenant, &MediaId::new("m1"))
        .expect("reads")
        .is_some());
    assert_eq!(
        store
            .faces_of_person(&ns, &PersonId::new("p1"))
            .expect("reads")
            .len(),
        2
    );
    assert!(store
        .get_request(&tenant, &RequestId::new("r1"))
        .expect("reads")
        .is_some());
    assert_eq!(store.counter(&tenant, "enrolments").expect("reads"), 2);
}

pub fn failed_writes_leave_nothing<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    let ns = Namespace::new(tenant.clone(), "group");
    store.put_person(&person(&ns, "kept")).expect("puts");

    // The work aborts with its own error after writing: the caller gets that error unchanged.
    let outcome = store.write(&mut |tx| {
        tx.put_media(&media(&tenant, "m1", b"jpeg"))?;
        tx.put_person(&person(&ns, "p1"))?;
        tx.put_face(&face(&ns, "f1", Some("p1"), 1))?;
        tx.put_request(&request(&tenant, "r1", Some("x"), 1))?;
        tx.increment_counter(&tenant, "enrolments", 1)?;
        tx.delete_person(&ns, &PersonId::new("kept"))?;
        Err(StoreError::NotFound {
            kind: RecordKind::Media,
            id: "the-liveness-frame".into(),
        })
    });
    match outcome {
        Err(StoreError::NotFound {
            kind: RecordKind::Media,
            id,
        }) => assert_eq!(id, "the-liveness-frame"),
        other => panic!("expected the work's own error, got {other:?}"),
    }
    // A store error part-way (a face of a missing person) aborts the writes made before it.
    let outcome = store.write(&mut |tx| {
        tx.put_media(&media(&tenant, "m1", b"jpeg"))?;
        tx.put_face(&face(&ns, "f0", None, 0))?;
        tx.put_face(&face(&ns, "f1", Some("missing"), 1))
    });
    assert!(matches!(
        outcome,
        Err(StoreError::NotFound {
            kind: RecordKind::Person,
            ..
        })
    ));

    assert_eq!(
        store
            .get_media(&tenant, &MediaId::new("m1"))
            .expect("reads"),
        None
    );
    assert_eq!(
        store.get_person(&ns, &PersonId::new("p1")).expect("reads"),
        None
    );
    assert!(store
        .get_person(&ns, &PersonId::new("kept"))
        .expect("reads")
        .is_some());
    assert!(faces_in(&store, &ns).is_empty());
    assert_eq!(
        store
            .get_request(&tenant, &RequestId::new("r1"))
            .expect("reads"),
        None
    );
    assert!(store
        .requests_by_correlation(&tenant, "x", 10)
        .expect("reads")
        .is_empty());
    assert_eq!(store.counter(&tenant, "enrolments").expect("reads"), 0);
    assert!(store.all_faces().next().is_none());
}

pub fn readers_never_see_half_a_write<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    let ns = Namespace::new(tenant.clone(), "group");
    const WRITES: u32 = 150;
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut checks = 0u32;
            while !done.load(Ordering::Acquire) {
                for i in 0..WRITES {
                    // The face is written in the same transaction as the request, the person and
                    // the counter: seeing one means seeing all of them.
                    if store
                        .get_face(&ns, &FaceId::new(format!("f{i}")))
                        .expect("reads")
                        .is_some()
                    {
                        let request = RequestId::new(format!("r{i}"));
                        assert!(store
                            .get_request(&tenant, &request)
                            .expect("reads")
                            .is_some());
                        assert!(store
                            .get_person(&ns, &PersonId::new(format!("p{i}")))
                            .expect("reads")
                            .is_some());
                        assert!(
                            store.counter(&tenant, "enrolments").expect("reads") > u64::from(i)
                        );
                        checks += 1;
                    }
                }
            }
            checks
        });
        for i in 0..WRITES {
            store
                .write(&mut |tx| {
                    tx.put_person(&person(&ns, &format!("p{i}")))?;
                    tx.put_face(&face(&ns, &format!("f{i}"), Some(&format!("p{i}")), i))?;
                    tx.put_request(&request(
                        &tenant,
                        &format!("r{i}"),
                        Some("burst"),
                        u64::from(i),
                    ))?;
                    tx.increment_counter(&tenant, "enrolments", 1).map(drop)
                })
                .expect("commits");
        }
        done.store(true, Ordering::Release);
        assert!(reader.join().expect("reader finishes") > 0);
    });
    assert_eq!(
        store
            .requests_by_correlation(&tenant, "burst", 1000)
            .expect("reads")
            .len(),
        WRITES as usize
    );
}

pub fn invalid_input_is_refused<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let no_tenant = Namespace::new("", "c");
    assert!(matches!(
        store.put_face(&face(&no_tenant, "f1", None, 1)),
        Err(StoreError::Invalid { what: "tenant", .. })
    ));
    let ns = Namespace::new("client-1", "c");
    assert!(matches!(
        store.put_face(&face(&ns, "", None, 1)),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.get_person(&ns, &PersonId::new("")),
        Err(StoreError::Invalid { .. })
    ));
    let huge = Namespace::new("client-1", "c".repeat(70_000));
    assert!(matches!(
        store.put_person(&person(&huge, "p")),
        Err(StoreError::Invalid { .. })
    ));
    assert!(store
        .faces_in_namespace(&huge)
        .next()
        .is_some_and(|r| r.is_err()));
    assert!(store
        .faces_in_namespace(&no_tenant)
        .next()
        .is_some_and(|r| r.is_err()));
    assert!(store.all_faces().next().is_none());
}

pub fn reopen_keeps_everything<H: Harness>(harness: &H) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tenant = TenantId::new("client-1");
    let ns = Namespace::new(tenant.clone(), "c");
    let (face_before, media_before, request_before) = {
        let store = harness.open(dir.path()).expect("opens");
        enrol_everything(&store, &tenant);
        let found = (
            store.get_face(&ns, &FaceId::new("f1")).expect("reads"),
            store
                .get_media(&tenant, &MediaId::new("m1"))
                .expect("reads"),
            store
                .get_request(&tenant, &RequestId::new("r1"))
                .expect("reads"),
        );
        assert!(found.0.is_some() && found.1.is_some() && found.2.is_some());
        found
    };
    let store = harness.open(dir.path()).expect("reopens");
    assert_eq!(store.schema_version(), SCHEMA_VERSION);
    assert_eq!(
        store.get_face(&ns, &FaceId::new("f1")).expect("reads"),
        face_before
    );
    assert_eq!(
        store
            .get_media(&tenant, &MediaId::new("m1"))
            .expect("reads"),
        media_before
    );
    assert_eq!(
        store
            .get_request(&tenant, &RequestId::new("r1"))
            .expect("reads"),
        request_before
    );
    assert_eq!(
        ids(&store
            .faces_of_person(&ns, &PersonId::new("p1"))
            .expect("reads")),
        vec!["f1"]
    );
    assert_eq!(
        store
            .faces_of_media(&tenant, &MediaId::new("m1"))
            .expect("reads")
            .len(),
        1
    );
    assert_eq!(
        store
            .requests_by_correlation(&tenant, "x1", 10)
            .expect("reads")
            .len(),
        1
    );
    assert_eq!(store.counter(&tenant, "n").expect("reads"), 1);
    // Writes after reopening keep the ledger's commit order.
    store
        .put_request(&request(&tenant, "r2", Some("x1"), 1_000))
        .expect("records");
    let order: Vec<_> = store
        .requests_by_correlation(&tenant, "x1", 10)
        .expect("reads")
        .into_iter()
        .map(|r| r.request_id.to_string())
        .collect();
    assert_eq!(order, vec!["r2", "r1"]);
}

pub fn newer_schema_is_refused_and_left_untouched<H: Harness>(harness: &H) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let tenant = TenantId::new("client-1");
    {
        let store = harness.open(dir.path()).expect("opens");
        enrol_everything(&store, &tenant);
    }
    harness
        .stamp_schema_version(dir.path(), SCHEMA_VERSION + 1)
        .expect("stamps");
    match harness.open(dir.path()) {
        Err(
            error @ StoreError::SchemaTooNew {
                found, supported, ..
            },
        ) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            let message = error.to_string();
            assert!(message.contains("upgrade ekyc-gateway"), "{message}");
            assert!(
                message.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
                "{message}"
            );
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("a newer store must not open"),
    }
    // Refusing changed nothing: stamped back, the data is all there.
    harness
        .stamp_schema_version(dir.path(), SCHEMA_VERSION)
        .expect("stamps");
    let store = harness.open(dir.path()).expect("opens");
    let ns = Namespace::new(tenant.clone(), "c");
    assert!(store
        .get_face(&ns, &FaceId::new("f1"))
        .expect("reads")
        .is_some());
    assert_eq!(store.counter(&tenant, "n").expect("reads"), 1);
}
