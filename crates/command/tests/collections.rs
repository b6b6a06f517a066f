//! TrustVision-style collections and suspect alerts on the real engine and a real sled store in a
//! temporary directory: index by image, replace on re-index, search, metadata propagation and
//! matching, removal, deletion with the image, and the alert history across two members.

use ekyc_command as command;
use std::sync::{Arc, OnceLock};

use command::gallery::{AlertQuery, FaceGallery, INQUIRY_COLLECTION};
use command::records::{Batch, Records};
use command::{CalibratedScore, FaceVerifier, ImageLimits, ScoreCalibration};
use engine::{FaceEngine, ModelFiles};
use serde_json::json;
use store::{Media, MediaId, MediaInfo, MediaPatch, Metadata, MetadataMerge, Namespace, TenantId};

fn verifier() -> FaceVerifier {
    static ENGINE: OnceLock<Arc<FaceEngine>> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let files = ModelFiles::in_dir(&ModelFiles::default_dir());
        Arc::new(FaceEngine::load(&files).unwrap_or_else(|e| {
            panic!("{e}: run `./just setup` (ekyc-gateway models setup) first")
        }))
    });
    FaceVerifier::new(engine.clone(), Arc::new(ScoreCalibration::bundled()))
}

struct Fixture {
    _dir: tempfile::TempDir,
    gallery: FaceGallery,
    records: Records,
    verifier: FaceVerifier,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn store::Store> =
        Arc::new(store::SledStore::open(dir.path(), &store::SledOptions::default()).unwrap());
    let verifier = verifier();
    let (gallery, _) = FaceGallery::open(store.clone(), verifier.clone()).unwrap();
    Fixture {
        _dir: dir,
        gallery,
        records: Records::new(store),
        verifier,
    }
}

/// Stores the photo as the tenant's image with `metadata`; its id, or `None` (skipped loudly).
fn upload(
    fx: &Fixture,
    tenant: &TenantId,
    photo: &str,
    metadata: Metadata,
) -> Option<(MediaId, Vec<u8>)> {
    let bytes = testdata::read(&format!("faces/{photo}"))?;
    let media = Media {
        info: MediaInfo {
            tenant: tenant.clone(),
            media_id: MediaId::new(uuid::Uuid::new_v4().to_string()),
            content_type: "image/jpeg".into(),
            label: Some("portrait".into()),
            tag: None,
            parent_id: None,
            metadata,
            created_at_ms: store::unix_millis_now(),
        },
        bytes: bytes.clone(),
    };
    let id = media.info.media_id.clone();
    let mut batch = Batch::new();
    batch.put_media(media);
    fx.records.commit(&batch).unwrap();
    Some((id, bytes))
}

fn largest_face(fx: &Fixture, bytes: &[u8]) -> engine::AnalyzedFace {
    let mut faces = fx
        .verifier
        .faces_in(bytes, &ImageLimits::default())
        .unwrap()
        .faces;
    assert!(!faces.is_empty(), "the photo shows a face");
    faces.remove(0)
}

fn meta(value: serde_json::Value) -> Metadata {
    value.as_object().unwrap().clone()
}

#[test]
fn an_indexed_image_is_searchable_replaced_patched_matched_and_removed() {
    let fx = fixture();
    let tenant = TenantId::new("trustvision:a");
    let ns = Namespace::new(tenant.clone(), "c1");
    let Some((obama, obama_bytes)) = upload(
        &fx,
        &tenant,
        "obama_1.jpg",
        meta(json!({"national_id": "123"})),
    ) else {
        return;
    };
    let Some((biden, biden_bytes)) = upload(&fx, &tenant, "biden_1.jpg", Metadata::new()) else {
        return;
    };
    let Some(query) = testdata::read("faces/obama_2.jpg") else {
        return;
    };

    let face = largest_face(&fx, &obama_bytes);
    let first = fx
        .gallery
        .index_image_face(
            &ns,
            &obama,
            &face,
            meta(json!({"national_id": "123"})),
            false,
            &Batch::new(),
        )
        .unwrap();
    assert!(!first.replaced);
    let again = fx
        .gallery
        .index_image_face(
            &ns,
            &obama,
            &face,
            meta(json!({"national_id": "999"})),
            false,
            &Batch::new(),
        )
        .unwrap();
    assert!(
        again.replaced,
        "re-indexing the same image replaces its face"
    );
    assert_eq!(again.face_id, first.face_id);
    assert_eq!(fx.gallery.len(&ns), 1);
    let biden_face = largest_face(&fx, &biden_bytes);
    fx.gallery
        .index_image_face(
            &ns,
            &biden,
            &biden_face,
            Metadata::new(),
            false,
            &Batch::new(),
        )
        .unwrap();

    let probe = largest_face(&fx, &query);
    let hits = fx
        .gallery
        .search_collection(&ns, &probe.embedding, 10, CalibratedScore(0.0))
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].media_id.as_ref(), Some(&obama));
    assert!(
        hits[0].score.value() >= 0.7,
        "same person: {:?}",
        hits[0].score
    );
    assert!(
        hits[1].score.value() < 0.6,
        "different person: {:?}",
        hits[1].score
    );
    assert_eq!(
        hits[0].metadata,
        meta(json!({"national_id": "123"})),
        "kept without update_metadata"
    );

    // Another collection and another tenant see nothing.
    let empty = fx
        .gallery
        .search_collection(
            &Namespace::new(tenant.clone(), "C1"),
            &probe.embedding,
            10,
            CalibratedScore(0.0),
        )
        .unwrap();
    assert!(empty.is_empty(), "collections are case-sensitive");
    let other = fx
        .gallery
        .search_collection(
            &Namespace::new("trustvision:b", "c1"),
            &probe.embedding,
            10,
            CalibratedScore(0.0),
        )
        .unwrap();
    assert!(other.is_empty());

    // A patch reaches the indexed face; metadata matches as text.
    let patch = MediaPatch {
        metadata: meta(json!({"app_id": 5555, "national_id": "ignored"})),
        merge: MetadataMerge::KeepExisting,
        label: None,
    };
    let info = fx
        .gallery
        .patch_image(&tenant, &obama, &patch)
        .unwrap()
        .expect("the image exists");
    assert_eq!(
        info.metadata,
        meta(json!({"national_id": "123", "app_id": 5555}))
    );
    let found = fx
        .gallery
        .find_by_metadata(
            &ns,
            &meta(json!({"app_id": "5555", "national_id": 123})),
            10,
        )
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].face_id, first.face_id);
    assert!(fx
        .gallery
        .find_by_metadata(&ns, &meta(json!({"app_id": "5556"})), 10)
        .unwrap()
        .is_empty());
    assert!(fx
        .gallery
        .patch_image(&TenantId::new("trustvision:b"), &obama, &patch)
        .unwrap()
        .is_none());

    // Removal from the collection keeps the image; deleting the image drops its faces.
    assert_eq!(
        fx.gallery
            .remove_images_from_collection(&ns, std::slice::from_ref(&biden), &Batch::new())
            .unwrap(),
        1
    );
    assert_eq!(fx.gallery.len(&ns), 1);
    assert!(fx.records.media_info(&tenant, &biden).unwrap().is_some());
    let deleted = fx
        .gallery
        .delete_images(&tenant, std::slice::from_ref(&obama), &Batch::new())
        .unwrap();
    assert_eq!(deleted, vec![obama.clone()]);
    assert_eq!(fx.gallery.len(&ns), 0);
    assert!(fx.records.media_info(&tenant, &obama).unwrap().is_none());
}

#[test]
fn alerts_count_suspects_and_inquiries_across_members() {
    let fx = fixture();
    let member_a = TenantId::new("trustvision:a");
    let member_b = TenantId::new("trustvision:b");
    let Some((suspect, suspect_bytes)) = upload(&fx, &member_a, "obama_1.jpg", Metadata::new())
    else {
        return;
    };
    let Some(query_bytes) = testdata::read("faces/obama_2.jpg") else {
        return;
    };
    let Some(stranger_bytes) = testdata::read("faces/biden_1.jpg") else {
        return;
    };
    let face = largest_face(&fx, &suspect_bytes);
    fx.gallery
        .index_image_face(
            &Namespace::new(member_a.clone(), "suspects"),
            &suspect,
            &face,
            Metadata::new(),
            false,
            &Batch::new(),
        )
        .unwrap();
    let query = |bytes: &[u8]| AlertQuery {
        embedding: largest_face(&fx, bytes).embedding,
        source: None,
    };
    let match_at = CalibratedScore(0.7);

    let first = fx
        .gallery
        .alert_suspects(
            &member_b,
            "suspects",
            &[query(&query_bytes)],
            match_at,
            10,
            &Batch::new(),
        )
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        first[0].matches.len(),
        1,
        "member a's suspect matches member b's query"
    );
    assert!(first[0].matches[0].score.value() >= 0.7);
    let day = &first[0].history[0];
    assert_eq!(day.period, "last_1day");
    assert_eq!((day.suspect_faces, day.members_with_suspect_faces), (1, 1));
    assert_eq!(
        (day.inquiries, day.members_inquiring),
        (1, 1),
        "the current inquiry counts"
    );

    let second = fx
        .gallery
        .alert_suspects(
            &member_a,
            "suspects",
            &[query(&query_bytes)],
            match_at,
            10,
            &Batch::new(),
        )
        .unwrap();
    let day = &second[0].history[0];
    assert_eq!(
        (day.inquiries, day.members_inquiring),
        (2, 2),
        "two members asked about this face"
    );

    let stranger = fx
        .gallery
        .alert_suspects(
            &member_a,
            "suspects",
            &[query(&stranger_bytes)],
            match_at,
            10,
            &Batch::new(),
        )
        .unwrap();
    assert!(stranger[0].matches.is_empty());
    let day = &stranger[0].history[0];
    assert_eq!(
        (day.suspect_faces, day.inquiries),
        (0, 1),
        "only its own inquiry"
    );

    // The inquiry log is a collection no client can name.
    assert_eq!(
        fx.gallery
            .len(&Namespace::new(member_a.clone(), INQUIRY_COLLECTION)),
        2
    );
}
