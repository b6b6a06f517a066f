//! Conformance: each record kind and each query the dialects need.

use super::{face, faces_in, fresh, ids, media, metadata, person, request, Harness};
use crate::{
    Document, FaceId, MediaId, MediaPatch, MetadataMerge, Namespace, PersonId, RecordKind,
    RequestId, Store, StoreError, StoreExt, TenantId,
};
use serde_json::json;

pub fn person_crud<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let group = Namespace::new("client-1", "group");
    let alice = person(&group, "c5r7jedkujdbnasarhn0");
    let id = alice.person_id.clone();

    assert_eq!(store.get_person(&group, &id).expect("reads"), None);
    store.put_person(&alice).expect("puts");
    let entry = store
        .get_person(&group, &id)
        .expect("reads")
        .expect("exists");
    assert_eq!(entry.person, alice);
    assert!(entry.face_ids.is_empty());

    // Replacing a person's metadata keeps its faces attached.
    store
        .put_face(&face(&group, "f1", Some(id.as_str()), 1))
        .expect("face puts");
    let mut renamed = alice.clone();
    renamed.metadata = metadata(json!({"name": "Alice"}));
    store.put_person(&renamed).expect("replaces");
    let entry = store
        .get_person(&group, &id)
        .expect("reads")
        .expect("exists");
    assert_eq!(entry.person.metadata, renamed.metadata);
    assert_eq!(entry.face_ids, vec![FaceId::new("f1")]);

    assert_eq!(
        store.delete_person(&group, &id).expect("deletes"),
        Some(vec![FaceId::new("f1")])
    );
    assert_eq!(store.get_person(&group, &id).expect("reads"), None);
    assert_eq!(store.delete_person(&group, &id).expect("deletes"), None);
}

pub fn face_crud_keeps_embeddings_exact<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let collection = Namespace::new("client-1", "default");
    let mut first = face(&collection, "f-b", None, 1);
    // Values whose bits must survive: extremes, a subnormal, negative zero.
    first.embedding.values[..5].copy_from_slice(&[f32::MAX, f32::MIN, 1e-45, -0.0, 0.1]);
    first.source_media_id = Some(MediaId::new("m1"));
    let second = face(&collection, "f-a", None, 2);
    store.put_face(&first).expect("puts");
    store.put_face(&second).expect("puts");

    let read = store
        .get_face(&collection, &first.face_id)
        .expect("reads")
        .expect("exists");
    assert_eq!(read, first);
    let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&read.embedding.values), bits(&first.embedding.values));
    assert_eq!(read.embedding.model_id, "arcface-r100@1");

    assert_eq!(ids(&faces_in(&store, &collection)), vec!["f-a", "f-b"]);

    let new_metadata = metadata(json!({"national_id": "6666"}));
    store
        .write(&mut |tx| tx.set_face_metadata(&collection, &first.face_id, &new_metadata))
        .expect("sets metadata");
    let read = store
        .get_face(&collection, &first.face_id)
        .expect("reads")
        .expect("exists");
    assert_eq!(read.metadata, new_metadata);
    assert_eq!(read.embedding, first.embedding);

    assert!(store
        .delete_face(&collection, &first.face_id)
        .expect("deletes"));
    assert!(!store
        .delete_face(&collection, &first.face_id)
        .expect("deletes"));
    assert_eq!(
        store.get_face(&collection, &first.face_id).expect("reads"),
        None
    );
    let missing =
        store.write(&mut |tx| tx.set_face_metadata(&collection, &first.face_id, &new_metadata));
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            kind: RecordKind::Face,
            ..
        })
    ));
    assert_eq!(ids(&faces_in(&store, &collection)), vec!["f-a"]);
}

pub fn face_needs_an_existing_person<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let group = Namespace::new("client-1", "group");
    let outcome = store.put_face(&face(&group, "f1", Some("nobody"), 1));
    assert!(matches!(
        outcome,
        Err(StoreError::NotFound {
            kind: RecordKind::Person,
            ..
        })
    ));
    assert!(faces_in(&store, &group).is_empty());

    // A person of another collection does not count.
    let other = Namespace::new("client-1", "other");
    store.put_person(&person(&other, "p1")).expect("puts");
    assert!(store.put_face(&face(&group, "f1", Some("p1"), 1)).is_err());
    assert!(faces_in(&store, &group).is_empty());
}

pub fn replacing_a_face_moves_its_indexes<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let group = Namespace::new("client-1", "group");
    let tenant = group.tenant.clone();
    store.put_person(&person(&group, "pa")).expect("puts");
    store.put_person(&person(&group, "pb")).expect("puts");
    let mut f1 = face(&group, "f1", Some("pa"), 1);
    f1.source_media_id = Some(MediaId::new("m1"));
    store.put_face(&f1).expect("puts");

    let mut moved = face(&group, "f1", Some("pb"), 2);
    moved.source_media_id = Some(MediaId::new("m2"));
    store.put_face(&moved).expect("replaces");

    let pa = store
        .get_person(&group, &PersonId::new("pa"))
        .expect("reads");
    assert_eq!(pa.expect("exists").face_ids, Vec::<FaceId>::new());
    assert_eq!(
        ids(&store
            .faces_of_person(&group, &PersonId::new("pb"))
            .expect("reads")),
        vec!["f1"]
    );
    assert!(store
        .faces_of_media(&tenant, &MediaId::new("m1"))
        .expect("reads")
        .is_empty());
    assert_eq!(
        store
            .faces_of_media(&tenant, &MediaId::new("m2"))
            .expect("reads"),
        vec![moved.clone()]
    );
    // Putting the same face again does not duplicate it in its person's list.
    store.put_face(&moved).expect("puts again");
    let pb = store
        .get_person(&group, &PersonId::new("pb"))
        .expect("reads");
    assert_eq!(pb.expect("exists").face_ids, vec![FaceId::new("f1")]);
}

pub fn delete_person_cascades_to_its_faces<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let group = Namespace::new("client-1", "group");
    let tenant = group.tenant.clone();
    store
        .write(&mut |tx| {
            tx.put_person(&person(&group, "p1"))?;
            tx.put_person(&person(&group, "p2"))?;
            for (id, owner, seed) in [
                ("a", "p1", 1),
                ("b", "p1", 2),
                ("c", "p2", 3),
                ("d", "p1", 4),
            ] {
                let mut f = face(&group, id, Some(owner), seed);
                f.source_media_id = Some(MediaId::new(format!("m-{id}")));
                tx.put_face(&f)?;
            }
            Ok(())
        })
        .expect("enrols");
    assert_eq!(
        ids(&store
            .faces_of_person(&group, &PersonId::new("p1"))
            .expect("reads")),
        vec!["a", "b", "d"]
    );

    let deleted = store
        .delete_person(&group, &PersonId::new("p1"))
        .expect("deletes");
    assert_eq!(
        deleted,
        Some(vec![FaceId::new("a"), FaceId::new("b"), FaceId::new("d")])
    );
    assert_eq!(ids(&faces_in(&store, &group)), vec!["c"]);
    assert!(store
        .faces_of_person(&group, &PersonId::new("p1"))
        .expect("reads")
        .is_empty());
    assert!(store
        .faces_of_media(&tenant, &MediaId::new("m-a"))
        .expect("reads")
        .is_empty());
    assert_eq!(
        ids(&store
            .faces_of_person(&group, &PersonId::new("p2"))
            .expect("reads")),
        vec!["c"]
    );
}

pub fn media_crud_and_metadata_patch<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    let id = MediaId::new("20b457d2-cf11-4c2b-a491-8137ae6b0bc8");
    let mut image = media(&tenant, id.as_str(), &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
    image.info.tag = Some("india".into());
    image.info.parent_id = Some(MediaId::new("file-1"));
    store.put_media(&image).expect("puts");
    assert_eq!(
        store.get_media(&tenant, &id).expect("reads"),
        Some(image.clone())
    );
    assert_eq!(
        store.get_media_info(&tenant, &id).expect("reads"),
        Some(image.info.clone())
    );

    let patch = |value, merge, label: Option<&str>| MediaPatch {
        metadata: metadata(value),
        merge,
        label: label.map(str::to_owned),
    };
    let info = store
        .patch_media(
            &tenant,
            &id,
            &patch(
                json!({"app_id": 5555, "national_id": "6666"}),
                MetadataMerge::KeepExisting,
                None,
            ),
        )
        .expect("patches");
    assert_eq!(
        info.metadata,
        metadata(json!({"app_id": 3333, "national_id": "6666"}))
    );
    let info = store
        .patch_media(
            &tenant,
            &id,
            &patch(
                json!({"app_id": 5555}),
                MetadataMerge::Overwrite,
                Some("selfie"),
            ),
        )
        .expect("patches");
    assert_eq!(
        info.metadata,
        metadata(json!({"app_id": 5555, "national_id": "6666"}))
    );
    assert_eq!(info.label.as_deref(), Some("selfie"));
    let info = store
        .patch_media(
            &tenant,
            &id,
            &patch(json!({"x": true}), MetadataMerge::Replace, None),
        )
        .expect("patches");
    assert_eq!(info.metadata, metadata(json!({"x": true})));
    assert_eq!(info.label.as_deref(), Some("selfie"));
    let stored = store
        .get_media(&tenant, &id)
        .expect("reads")
        .expect("exists");
    assert_eq!(stored.info, info);
    assert_eq!(stored.bytes, image.bytes);

    let missing = store.patch_media(
        &tenant,
        &MediaId::new("nope"),
        &patch(json!({}), MetadataMerge::Overwrite, None),
    );
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            kind: RecordKind::Media,
            ..
        })
    ));
    assert!(store.delete_media(&tenant, &id).expect("deletes"));
    assert!(!store.delete_media(&tenant, &id).expect("deletes"));
    assert_eq!(store.get_media(&tenant, &id).expect("reads"), None);
    assert_eq!(store.get_media_info(&tenant, &id).expect("reads"), None);
}

pub fn faces_of_media_span_collections_and_delete_with_it<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    let image = media(&tenant, "m1", b"jpeg");
    let a = Namespace::new(tenant.clone(), "a");
    let b = Namespace::new(tenant.clone(), "b");
    let mut fa = face(&a, "fa", None, 1);
    let mut fb = face(&b, "fb", None, 2);
    fa.source_media_id = Some(image.info.media_id.clone());
    fb.source_media_id = Some(image.info.media_id.clone());
    store
        .write(&mut |tx| {
            tx.put_media(&image)?;
            tx.put_face(&fa)?;
            tx.put_face(&fb)?;
            tx.put_face(&face(&a, "unrelated", None, 3))
        })
        .expect("enrols");
    let mut found = store
        .faces_of_media(&tenant, &image.info.media_id)
        .expect("reads");
    found.sort_by(|x, y| x.face_id.cmp(&y.face_id));
    assert_eq!(found, vec![fa.clone(), fb.clone()]);

    // TV-21: deleting a file and the faces indexed from it, in one transaction.
    let dropped = store
        .write_with(|tx| {
            let faces = tx.faces_of_media(&tenant, &image.info.media_id)?;
            for f in &faces {
                tx.delete_face(&f.namespace, &f.face_id)?;
            }
            tx.delete_media(&tenant, &image.info.media_id)?;
            Ok(faces.len())
        })
        .expect("deletes");
    assert_eq!(dropped, 2);
    assert!(store
        .faces_of_media(&tenant, &image.info.media_id)
        .expect("reads")
        .is_empty());
    assert_eq!(ids(&faces_in(&store, &a)), vec!["unrelated"]);
    assert!(faces_in(&store, &b).is_empty());
    assert_eq!(
        store
            .get_media(&tenant, &image.info.media_id)
            .expect("reads"),
        None
    );
}

pub fn metadata_search_is_exact_and_scoped<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let collection = Namespace::new("client-1", "default");
    let elsewhere = Namespace::new("client-1", "other");
    let tagged = |ns: &Namespace, id: &str, value: serde_json::Value| {
        let mut f = face(ns, id, None, 1);
        f.metadata = metadata(value);
        f
    };
    store
        .write(&mut |tx| {
            tx.put_face(&tagged(
                &collection,
                "f1",
                json!({"national_id": "123", "app_id": 1}),
            ))?;
            tx.put_face(&tagged(
                &collection,
                "f2",
                json!({"national_id": "123", "app_id": 2}),
            ))?;
            tx.put_face(&tagged(&collection, "f3", json!({"national_id": 123})))?;
            tx.put_face(&tagged(&collection, "f4", json!({})))?;
            tx.put_face(&tagged(&elsewhere, "f5", json!({"national_id": "123"})))
        })
        .expect("enrols");
    let search = |filter, limit| {
        store
            .find_faces_by_metadata(&collection, &metadata(filter), limit)
            .expect("searches")
    };
    assert_eq!(
        ids(&search(json!({"national_id": "123"}), 10)),
        vec!["f1", "f2"]
    );
    assert_eq!(ids(&search(json!({"national_id": 123}), 10)), vec!["f3"]);
    assert_eq!(
        ids(&search(json!({"national_id": "123", "app_id": 2}), 10)),
        vec!["f2"]
    );
    assert!(search(json!({"national_id": "999"}), 10).is_empty());
    assert_eq!(ids(&search(json!({"national_id": "123"}), 1)), vec!["f1"]);
    assert!(search(json!({"national_id": "123"}), 0).is_empty());
    assert_eq!(search(json!({}), 10).len(), 4);
    let found = search(json!({"app_id": 1}), 10);
    assert_eq!(
        found.first().map(|f| &f.embedding),
        Some(&face(&collection, "f1", None, 1).embedding)
    );
}

pub fn all_faces_streams_every_namespace<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let namespaces = [
        Namespace::new("t1", "a"),
        Namespace::new("t1", "b"),
        Namespace::new("t2", "a"),
        Namespace::new("t2", ""),
    ];
    let mut expected = Vec::new();
    store
        .write(&mut |tx| {
            expected.clear();
            for (n, ns) in namespaces.iter().enumerate() {
                for i in 0..25u32 {
                    let f = face(ns, &format!("f{i:02}"), None, i + 100 * n as u32);
                    tx.put_face(&f)?;
                    expected.push(f);
                }
            }
            Ok(())
        })
        .expect("enrols");
    let mut streamed = store
        .all_faces()
        .collect::<Result<Vec<_>, _>>()
        .expect("faces decode");
    let key = |f: &crate::Face| (f.namespace.clone(), f.face_id.clone());
    streamed.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(streamed, expected);
    assert_eq!(faces_in(&store, &namespaces[3]).len(), 25);
}

pub fn ledger_by_request_id_and_by_correlation_newest_first<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    let records = [
        request(&tenant, "r1", Some("HpOapuk3jg"), 1_000),
        request(&tenant, "r2", Some("HpOapuk3jg"), 3_000),
        request(&tenant, "r3", Some("other"), 2_000),
        request(&tenant, "r4", Some("HpOapuk3jg"), 2_000),
        request(&tenant, "r5", None, 2_500),
        // Same millisecond as r2, committed later: newer.
        request(&tenant, "r6", Some("HpOapuk3jg"), 3_000),
    ];
    for record in &records {
        store.put_request(record).expect("records");
    }
    assert_eq!(
        store
            .get_request(&tenant, &RequestId::new("r4"))
            .expect("reads"),
        Some(records[3].clone())
    );
    assert_eq!(
        store
            .get_request(&tenant, &RequestId::new("r9"))
            .expect("reads"),
        None
    );

    let by_correlation = |limit| {
        store
            .requests_by_correlation(&tenant, "HpOapuk3jg", limit)
            .expect("reads")
            .into_iter()
            .map(|r| r.request_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(by_correlation(10), vec!["r6", "r2", "r4", "r1"]);
    assert_eq!(by_correlation(2), vec!["r6", "r2"]);
    assert!(by_correlation(0).is_empty());
    assert!(store
        .requests_by_correlation(&tenant, "hpoapuk3jg", 10)
        .expect("reads")
        .is_empty());

    let mut duplicate = request(&tenant, "r1", Some("HpOapuk3jg"), 9_000);
    duplicate.service = "ekyc".into();
    assert!(matches!(
        store.put_request(&duplicate),
        Err(StoreError::AlreadyExists {
            kind: RecordKind::Request,
            ..
        })
    ));
    assert_eq!(
        store
            .get_request(&tenant, &RequestId::new("r1"))
            .expect("reads"),
        Some(records[0].clone())
    );
    assert_eq!(by_correlation(10).len(), 4);
}

pub fn counters_are_atomic_under_concurrent_increments<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let tenant = TenantId::new("client-1");
    const THREADS: u64 = 4;
    const EACH: u64 = 40;
    let mut seen: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    (0..EACH)
                        .map(|_| {
                            store
                                .increment_counter(&tenant, "inquiries", 1)
                                .expect("increments")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker finishes"))
            .collect()
    });
    seen.sort_unstable();
    // Every increment saw a distinct value: none was lost or doubled.
    assert_eq!(seen, (1..=THREADS * EACH).collect::<Vec<_>>());
    assert_eq!(
        store.counter(&tenant, "inquiries").expect("reads"),
        THREADS * EACH
    );
    assert_eq!(store.counter(&tenant, "other").expect("reads"), 0);
    assert_eq!(
        store
            .increment_counter(&tenant, "inquiries", 10)
            .expect("increments"),
        THREADS * EACH + 10
    );
    store
        .write(&mut |tx| tx.increment_counter(&tenant, "big", u64::MAX).map(drop))
        .expect("increments");
    assert!(matches!(
        store.increment_counter(&tenant, "big", 1),
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(store.counter(&tenant, "big").expect("reads"), u64::MAX);
}

pub fn documents_crud_scoped_by_tenant_and_kind<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let a = TenantId::new("client-a");
    let b = TenantId::new("client-ab");
    let job = |tenant: &TenantId, key: &str, state: &str| Document {
        tenant: tenant.clone(),
        kind: "whatsapp_job".into(),
        key: key.into(),
        value: json!({"state": state, "attempts": 0}),
        updated_at_ms: 1_700_000_000_000,
    };
    store
        .put_document(&job(&a, "+6281", "checking"))
        .expect("put");
    store.put_document(&job(&b, "+6281", "done")).expect("put");
    store
        .put_document(&job(&a, "+6399", "checking"))
        .expect("put");
    let other_kind = Document {
        kind: "transaction".into(),
        ..job(&a, "+6281", "open")
    };
    store.put_document(&other_kind).expect("put");

    let found = store
        .get_document(&a, "whatsapp_job", "+6281")
        .expect("reads")
        .expect("present");
    assert_eq!(found, job(&a, "+6281", "checking"));
    // Tenant `client-ab` never sees `client-a`'s document, and kinds are separate key spaces.
    assert_eq!(
        store
            .get_document(&b, "whatsapp_job", "+6281")
            .expect("reads")
            .expect("present")
            .value["state"],
        "done"
    );
    assert!(store
        .get_document(&b, "whatsapp_job", "+6399")
        .expect("reads")
        .is_none());
    assert_eq!(
        store
            .get_document(&a, "transaction", "+6281")
            .expect("reads")
            .expect("present")
            .value["state"],
        "open"
    );

    // Replacing, listing by kind (every tenant), deleting.
    store.put_document(&job(&a, "+6281", "yes")).expect("put");
    let jobs: Vec<Document> = store
        .documents_of_kind("whatsapp_job")
        .collect::<Result<_, _>>()
        .expect("decodes");
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().all(|d| d.kind == "whatsapp_job"));
    assert!(jobs.contains(&job(&a, "+6281", "yes")));
    assert!(store
        .delete_document(&a, "whatsapp_job", "+6281")
        .expect("deletes"));
    assert!(!store
        .delete_document(&a, "whatsapp_job", "+6281")
        .expect("deletes"));
    assert_eq!(store.documents_of_kind("whatsapp_job").count(), 2);
    assert!(matches!(
        store.put_document(&job(&a, "", "checking")),
        Err(StoreError::Invalid { .. })
    ));
}

pub fn persons_and_media_list_across_tenants<H: Harness>(harness: &H) {
    let (_dir, store) = fresh(harness);
    let ns_a = Namespace::new("client-a", "group");
    let ns_b = Namespace::new("client-b", "");
    store.put_person(&person(&ns_a, "p1")).expect("put");
    store.put_person(&person(&ns_b, "p2")).expect("put");
    store
        .put_face(&face(&ns_a, "f1", Some("p1"), 1))
        .expect("put");
    store
        .put_media(&media(&ns_a.tenant, "m1", b"one"))
        .expect("put");
    store
        .put_media(&media(&ns_b.tenant, "m2", b"two"))
        .expect("put");

    let persons: Vec<_> = store
        .all_persons()
        .collect::<Result<_, _>>()
        .expect("decodes");
    let mut found: Vec<(Namespace, String, usize)> = persons
        .iter()
        .map(|p| {
            (
                p.person.namespace.clone(),
                p.person.person_id.to_string(),
                p.face_ids.len(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (ns_a.clone(), "p1".into(), 1),
            (ns_b.clone(), "p2".into(), 0)
        ]
    );
    let mut media_ids: Vec<(String, String)> = store
        .all_media()
        .map(|m| m.map(|m| (m.tenant.to_string(), m.media_id.to_string())))
        .collect::<Result<_, _>>()
        .expect("decodes");
    media_ids.sort();
    assert_eq!(
        media_ids,
        vec![
            ("client-a".into(), "m1".into()),
            ("client-b".into(), "m2".into())
        ]
    );
}
