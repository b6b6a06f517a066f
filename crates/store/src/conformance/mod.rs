//! The contract every [`Store`] implementation must pass. A backend plugs in with one line:
//!
//! ```ignore
//! mod conformance {
//!     ekyc_store::conformance_tests!(crate::MyHarness::default());
//! }
//! ```
//!
//! which expands to one `#[test]` per suite function below, each on a fresh temporary directory.
//! Compiled for this crate's own tests, and for other crates with the `conformance` feature.

mod integrity;
mod records;

use std::path::Path;

pub use integrity::*;
pub use records::*;

use crate::{
    BoundingBox, Embedding, Face, FaceId, Media, MediaId, MediaInfo, Metadata, Namespace, Person,
    PersonId, RequestId, RequestRecord, Store, StoreError, TenantId,
};

/// How the suite opens a backend.
pub trait Harness: Sync {
    type Store: Store + 'static;

    /// Opens (creating if needed) the store kept in `dir`, which exists and may be reused after a
    /// previous store on it was dropped.
    fn open(&self, dir: &Path) -> Result<Self::Store, StoreError>;

    /// Records `version` as the schema version of the store in `dir` (no store open on it), as a
    /// newer or older build would have left it.
    fn stamp_schema_version(&self, dir: &Path, version: u32) -> Result<(), StoreError>;
}

/// Expands to one `#[test]` per conformance test, each calling the suite with `$harness`.
#[macro_export]
macro_rules! conformance_tests {
    ($harness:expr) => {
        $crate::conformance_tests!(@each $harness;
            person_crud,
            face_crud_keeps_embeddings_exact,
            face_needs_an_existing_person,
            replacing_a_face_moves_its_indexes,
            delete_person_cascades_to_its_faces,
            media_crud_and_metadata_patch,
            faces_of_media_span_collections_and_delete_with_it,
            metadata_search_is_exact_and_scoped,
            all_faces_streams_every_namespace,
            ledger_by_request_id_and_by_correlation_newest_first,
            counters_are_atomic_under_concurrent_increments,
            documents_crud_scoped_by_tenant_and_kind,
            persons_and_media_list_across_tenants,
            tenants_are_isolated,
            collections_are_separate_and_case_sensitive,
            multi_record_writes_commit_together,
            failed_writes_leave_nothing,
            readers_never_see_half_a_write,
            invalid_input_is_refused,
            reopen_keeps_everything,
            newer_schema_is_refused_and_left_untouched,
        );
    };
    (@each $harness:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::conformance::$name(&$harness);
            }
        )+
    };
}

/// A fresh temporary directory and a store opened on it.
pub(crate) fn fresh<H: Harness>(harness: &H) -> (tempfile::TempDir, H::Store) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = harness.open(dir.path()).expect("a fresh store opens");
    (dir, store)
}

/// `json!({...})` as a metadata object.
pub(crate) fn metadata(value: serde_json::Value) -> Metadata {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("metadata must be an object, got {other}"),
    }
}

pub(crate) fn person(namespace: &Namespace, id: &str) -> Person {
    Person {
        namespace: namespace.clone(),
        person_id: PersonId::new(id),
        metadata: metadata(serde_json::json!({"name": id})),
        created_at_ms: 1_700_000_000_000,
    }
}

/// A face with a 512-d embedding derived from `seed`, so different faces differ.
pub(crate) fn face(namespace: &Namespace, id: &str, person_id: Option<&str>, seed: u32) -> Face {
    Face {
        namespace: namespace.clone(),
        face_id: FaceId::new(id),
        person_id: person_id.map(PersonId::new),
        embedding: Embedding {
            model_id: "arcface-r100@1".into(),
            values: (0..512u32)
                .map(|i| ((i * 31 + seed * 17) % 97) as f32 / 97.0 - 0.5)
                .collect(),
        },
        bounding_box: Some(BoundingBox {
            left: 10.5,
            top: 20.25,
            width: 100.0,
            height: 120.0,
        }),
        metadata: metadata(serde_json::json!({"seed": seed})),
        source_media_id: None,
        created_at_ms: 1_700_000_000_000 + u64::from(seed),
    }
}

pub(crate) fn media(tenant: &TenantId, id: &str, bytes: &[u8]) -> Media {
    Media {
        info: MediaInfo {
            tenant: tenant.clone(),
            media_id: MediaId::new(id),
            content_type: "image/jpeg".into(),
            label: Some("portrait".into()),
            tag: None,
            parent_id: None,
            metadata: metadata(serde_json::json!({"app_id": 3333})),
            created_at_ms: 1_700_000_000_000,
        },
        bytes: bytes.to_vec(),
    }
}

pub(crate) fn request(
    tenant: &TenantId,
    id: &str,
    correlation_id: Option<&str>,
    created_at_ms: u64,
) -> RequestRecord {
    RequestRecord {
        tenant: tenant.clone(),
        request_id: RequestId::new(id),
        service: "compare_faces".into(),
        correlation_id: correlation_id.map(str::to_owned),
        created_at_ms,
        request: serde_json::json!({"access_key_id": "key-1", "file_ids": [{"id": "m1"}]}),
        response: serde_json::json!({"data": {"request_id": id, "score": 0.93}}),
    }
}

/// The ids of `faces`, in order.
pub(crate) fn ids(faces: &[Face]) -> Vec<&str> {
    faces.iter().map(|f| f.face_id.as_str()).collect()
}

/// Every face of a namespace, collected.
pub(crate) fn faces_in<S: Store + ?Sized>(store: &S, namespace: &Namespace) -> Vec<Face> {
    store
        .faces_in_namespace(namespace)
        .collect::<Result<Vec<_>, _>>()
        .expect("faces decode")
}
