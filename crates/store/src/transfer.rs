//! Export and import as JSON lines: how a team moves its enrolled faces between deployments (and,
//! with a namespace mapping, between dialects: an aisolution group into a TrustVision collection).
//!
//! One JSON object per line, each with a `record` field: first a `header`, then every `media`
//! (description, and its bytes in base64 when asked), every `person`, every `face` (embedding with
//! its model id). Media come before the faces detected in them and persons before their faces, so
//! an import can write each line as it reads it.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::{
    BoundingBox, Embedding, Face, FaceId, Media, MediaId, MediaInfo, Metadata, Namespace, Person,
    PersonId, Store, StoreError, TenantId,
};

/// The `format` of the header line.
pub const EXPORT_FORMAT: &str = "ekyc-gateway-export";
/// The version of the line format (not the store's schema).
pub const EXPORT_VERSION: u32 = 1;

/// One line of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Line {
    Header {
        format: String,
        version: u32,
        exported_at_ms: u64,
    },
    Media {
        tenant: String,
        media_id: String,
        content_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent_id: Option<String>,
        #[serde(default)]
        metadata: Metadata,
        created_at_ms: u64,
        /// The bytes, base64; absent in a references-only export.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bytes_base64: Option<String>,
    },
    Person {
        tenant: String,
        collection: String,
        person_id: String,
        #[serde(default)]
        metadata: Metadata,
        created_at_ms: u64,
    },
    Face {
        tenant: String,
        collection: String,
        face_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person_id: Option<String>,
        model_id: String,
        embedding: Vec<f32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bounding_box: Option<BoundingBox>,
        #[serde(default)]
        metadata: Metadata,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_media_id: Option<String>,
        created_at_ms: u64,
    },
}

/// What an export or import carried, or what a store holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub media: u64,
    pub media_bytes: u64,
    pub persons: u64,
    pub faces: u64,
    /// Faces by the model that embedded them.
    pub faces_by_model: BTreeMap<String, u64>,
    /// Persons and faces by namespace (`tenant/collection`), media by tenant.
    pub namespaces: BTreeMap<String, NamespaceCounts>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NamespaceCounts {
    pub persons: u64,
    pub faces: u64,
}

/// Whether an export carries media bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaContent {
    /// Descriptions and bytes: a complete copy (needed by `store reembed` on the other side).
    Bytes,
    /// Descriptions only: faces keep their `source_media_id`, the images stay behind.
    References,
}

/// Counts the store's records (a full scan; no bytes are read).
pub fn stats(store: &dyn Store) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    for media in store.all_media() {
        media?;
        counts.media += 1;
    }
    for person in store.all_persons() {
        let person = person?;
        counts.persons += 1;
        counts
            .namespaces
            .entry(person.person.namespace.to_string())
            .or_default()
            .persons += 1;
    }
    for face in store.all_faces() {
        let face = face?;
        counts.faces += 1;
        *counts
            .faces_by_model
            .entry(face.embedding.model_id.clone())
            .or_default() += 1;
        counts
            .namespaces
            .entry(face.namespace.to_string())
            .or_default()
            .faces += 1;
    }
    Ok(counts)
}

/// Writes every record as JSON lines.
pub fn export(
    store: &dyn Store,
    media: MediaContent,
    out: &mut dyn Write,
) -> Result<Counts, TransferError> {
    let mut counts = Counts::default();
    write_line(
        out,
        &Line::Header {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            exported_at_ms: crate::unix_millis_now(),
        },
    )?;
    for info in store.all_media() {
        let info = info?;
        let bytes_base64 = match media {
            MediaContent::References => None,
            MediaContent::Bytes => store.get_media(&info.tenant, &info.media_id)?.map(|media| {
                counts.media_bytes += media.bytes.len() as u64;
                STANDARD.encode(media.bytes)
            }),
        };
        counts.media += 1;
        write_line(
            out,
            &Line::Media {
                tenant: info.tenant.to_string(),
                media_id: info.media_id.to_string(),
                content_type: info.content_type,
                label: info.label,
                tag: info.tag,
                parent_id: info.parent_id.map(|id| id.to_string()),
                metadata: info.metadata,
                created_at_ms: info.created_at_ms,
                bytes_base64,
            },
        )?;
    }
    for entry in store.all_persons() {
        let person = entry?.person;
        counts.persons += 1;
        write_line(
            out,
            &Line::Person {
                tenant: person.namespace.tenant.to_string(),
                collection: person.namespace.collection,
                person_id: person.person_id.to_string(),
                metadata: person.metadata,
                created_at_ms: person.created_at_ms,
            },
        )?;
    }
    for face in store.all_faces() {
        let face = face?;
        counts.faces += 1;
        *counts
            .faces_by_model
            .entry(face.embedding.model_id.clone())
            .or_default() += 1;
        write_line(
            out,
            &Line::Face {
                tenant: face.namespace.tenant.to_string(),
                collection: face.namespace.collection,
                face_id: face.face_id.to_string(),
                person_id: face.person_id.map(|id| id.to_string()),
                model_id: face.embedding.model_id,
                embedding: face.embedding.values,
                bounding_box: face.bounding_box,
                metadata: face.metadata,
                source_media_id: face.source_media_id.map(|id| id.to_string()),
                created_at_ms: face.created_at_ms,
            },
        )?;
    }
    out.flush()?;
    Ok(counts)
}

/// Moves records of one namespace (or every namespace of one tenant) to another on import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceMapping {
    pub from_tenant: String,
    /// `None`: every collection of the tenant keeps its name.
    pub from_collection: Option<String>,
    pub to_tenant: String,
    pub to_collection: Option<String>,
}

impl std::str::FromStr for NamespaceMapping {
    type Err = String;

    /// `tenant=tenant2` or `tenant/collection=tenant2/collection2`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (from, to) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: expected FROM=TO"))?;
        let split = |side: &str| match side.split_once('/') {
            Some((tenant, collection)) => (tenant.to_owned(), Some(collection.to_owned())),
            None => (side.to_owned(), None),
        };
        let (from_tenant, from_collection) = split(from);
        let (to_tenant, to_collection) = split(to);
        if from_tenant.is_empty() || to_tenant.is_empty() {
            return Err(format!("`{text}`: tenants must not be empty"));
        }
        if from_collection.is_some() != to_collection.is_some() {
            return Err(format!(
                "`{text}`: map a tenant to a tenant, or a tenant/collection to a tenant/collection"
            ));
        }
        Ok(NamespaceMapping {
            from_tenant,
            from_collection,
            to_tenant,
            to_collection,
        })
    }
}

fn map_namespace(mappings: &[NamespaceMapping], namespace: Namespace) -> Namespace {
    for mapping in mappings {
        if namespace.tenant.as_str() != mapping.from_tenant {
            continue;
        }
        match (&mapping.from_collection, &mapping.to_collection) {
            (Some(from), Some(to)) if *from == namespace.collection => {
                return Namespace::new(mapping.to_tenant.as_str(), to.as_str());
            }
            (None, _) => return Namespace::new(mapping.to_tenant.as_str(), namespace.collection),
            _ => {}
        }
    }
    namespace
}

fn map_tenant(mappings: &[NamespaceMapping], tenant: String) -> String {
    mappings
        .iter()
        .find(|m| m.from_tenant == tenant && m.from_collection.is_none())
        .map_or(tenant, |m| m.to_tenant.clone())
}

/// Why an import or export stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
}

/// Reads JSON lines and writes each record (replacing records with the same ids). Media lines
/// without bytes are references: the target keeps whatever it has under that id. Records are
/// written in batches of [`IMPORT_BATCH_LINES`], one transaction each: an interrupted import can
/// be run again.
pub fn import(
    store: &dyn Store,
    input: &mut dyn BufRead,
    mappings: &[NamespaceMapping],
) -> Result<Counts, TransferError> {
    let mut counts = Counts::default();
    let mut seen_header = false;
    let mut batch = ImportBatch::default();
    for (number, line) in input.lines().enumerate() {
        let number = number + 1;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| TransferError::BadLine {
            line: number,
            reason,
        };
        let record: Line = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        match record {
            Line::Header {
                format, version, ..
            } => {
                if format != EXPORT_FORMAT || version > EXPORT_VERSION {
                    return Err(bad(format!(
                        "format `{format}` version {version}; this build reads `{EXPORT_FORMAT}` up to version {EXPORT_VERSION}"
                    )));
                }
                seen_header = true;
            }
            _ if !seen_header => return Err(bad("the first record must be the header".into())),
            Line::Media {
                tenant,
                media_id,
                content_type,
                label,
                tag,
                parent_id,
                metadata,
                created_at_ms,
                bytes_base64,
            } => {
                let tenant = TenantId::new(map_tenant(mappings, tenant));
                let media_id = MediaId::new(media_id);
                let bytes = match bytes_base64 {
                    Some(text) => STANDARD.decode(text).map_err(|e| bad(e.to_string()))?,
                    None => {
                        // A reference: keep what the target has, if anything.
                        continue;
                    }
                };
                counts.media += 1;
                counts.media_bytes += bytes.len() as u64;
                batch.push(
                    store,
                    number,
                    Pending::Media(Media {
                        info: MediaInfo {
                            tenant,
                            media_id,
                            content_type,
                            label,
                            tag,
                            parent_id: parent_id.map(MediaId::new),
                            metadata,
                            created_at_ms,
                        },
                        bytes,
                    }),
                )?;
            }
            Line::Person {
                tenant,
                collection,
                person_id,
                metadata,
                created_at_ms,
            } => {
                let namespace = map_namespace(mappings, Namespace::new(tenant, collection));
                counts.persons += 1;
                counts
                    .namespaces
                    .entry(namespace.to_string())
                    .or_default()
                    .persons += 1;
                batch.push(
                    store,
                    number,
                    Pending::Person(Person {
                        namespace,
                        person_id: PersonId::new(person_id),
                        metadata,
                        created_at_ms,
                    }),
                )?;
            }
            Line::Face {
                tenant,
                collection,
                face_id,
                person_id,
                model_id,
                embedding,
                bounding_box,
                metadata,
                source_media_id,
                created_at_ms,
            } => {
                let namespace = map_namespace(mappings, Namespace::new(tenant, collection));
                if embedding.is_empty() || !embedding.iter().all(|v| v.is_finite()) {
                    return Err(bad("the embedding is empty or not finite".into()));
                }
                counts.faces += 1;
                *counts.faces_by_model.entry(model_id.clone()).or_default() += 1;
                counts
                    .namespaces
                    .entry(namespace.to_string())
                    .or_default()
                    .faces += 1;
                let face = Face {
                    namespace,
                    face_id: FaceId::new(face_id),
                    person_id: person_id.map(PersonId::new),
                    embedding: Embedding {
                        model_id,
                        values: embedding,
                    },
                    bounding_box,
                    metadata,
                    source_media_id: source_media_id.map(MediaId::new),
                    created_at_ms,
                };
                batch.push(store, number, Pending::Face(face))?;
            }
        }
    }
    batch.commit(store)?;
    store.flush()?;
    Ok(counts)
}

/// Lines per import transaction. One transaction per line costs sled about 2.6 KB of disk per
/// face against about 1.0 KB in batches of 1000 (measured by the `store_scale` bench).
const IMPORT_BATCH_LINES: usize = 1000;
/// Media bytes per import transaction, so that images do not pile up in memory.
const IMPORT_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// One record read and not yet written.
enum Pending {
    Media(Media),
    Person(Person),
    Face(Face),
}

/// Records written together, in the order read (persons before their faces), one transaction per
/// batch: an interrupted import leaves whole batches, and rerunning it replaces them.
#[derive(Default)]
struct ImportBatch {
    records: Vec<(usize, Pending)>,
    bytes: usize,
}

impl ImportBatch {
    fn push(
        &mut self,
        store: &dyn Store,
        line: usize,
        record: Pending,
    ) -> Result<(), TransferError> {
        if let Pending::Media(media) = &record {
            self.bytes += media.bytes.len();
        }
        self.records.push((line, record));
        if self.records.len() >= IMPORT_BATCH_LINES || self.bytes >= IMPORT_BATCH_BYTES {
            self.commit(store)?;
        }
        Ok(())
    }

    fn commit(&mut self, store: &dyn Store) -> Result<(), TransferError> {
        if self.records.is_empty() {
            return Ok(());
        }
        let mut failed_line = None;
        let outcome = store.write(&mut |tx| {
            for (line, record) in &self.records {
                let written = match record {
                    Pending::Media(media) => tx.put_media(media),
                    Pending::Person(person) => tx.put_person(person),
                    Pending::Face(face) => tx.put_face(face),
                };
                if written.is_err() {
                    failed_line = Some(*line);
                }
                written?;
            }
            Ok(())
        });
        match outcome {
            Ok(()) => {
                self.records.clear();
                self.bytes = 0;
                Ok(())
            }
            Err(StoreError::NotFound { .. }) => {
                let line = failed_line.unwrap_or_default();
                let face = self.records.iter().find_map(|(l, record)| match record {
                    Pending::Face(face) if *l == line => Some(face.face_id.to_string()),
                    _ => None,
                });
                Err(TransferError::BadLine {
                    line,
                    reason: format!(
                        "face {}: its person is not in the import",
                        face.unwrap_or_default()
                    ),
                })
            }
            Err(other) => Err(other.into()),
        }
    }
}

fn write_line(out: &mut dyn Write, line: &Line) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SledOptions, SledStore, StoreExt};

    fn store_in(dir: &tempfile::TempDir) -> SledStore {
        SledStore::open(dir.path(), &SledOptions::default()).expect("opens")
    }

    #[test]
    fn export_then_import_with_a_mapping_moves_everything() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let source = store_in(&a);
        let group = Namespace::new("aisolution:G1", "G1");
        let person = crate::conformance::person(&group, "c5r7jedkujdbnasarhn0");
        source.put_person(&person).unwrap();
        let mut media = crate::conformance::media(&group.tenant, "m1", b"\xff\xd8jpeg bytes");
        media
            .info
            .metadata
            .insert("k".into(), serde_json::json!("v"));
        source.put_media(&media).unwrap();
        let mut face = crate::conformance::face(&group, "f1", Some("c5r7jedkujdbnasarhn0"), 7);
        face.source_media_id = Some(MediaId::new("m1"));
        source.put_face(&face).unwrap();

        let mut dump = Vec::new();
        let exported = export(&source, MediaContent::Bytes, &mut dump).unwrap();
        assert_eq!(
            (exported.media, exported.persons, exported.faces),
            (1, 1, 1)
        );
        assert_eq!(
            stats(&source).unwrap().faces_by_model,
            exported.faces_by_model
        );
        let text = String::from_utf8(dump.clone()).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text
            .lines()
            .next()
            .unwrap()
            .contains("\"record\":\"header\""));

        // Into another deployment, as a TrustVision-style collection of another tenant.
        let target = store_in(&b);
        let mapping: NamespaceMapping = "aisolution:G1/G1=tv:key1/migrated".parse().unwrap();
        let tenant_mapping: NamespaceMapping = "aisolution:G1=tv:key1".parse().unwrap();
        let imported = import(
            &target,
            &mut std::io::Cursor::new(dump),
            &[mapping, tenant_mapping],
        )
        .unwrap();
        assert_eq!(
            (imported.media, imported.persons, imported.faces),
            (1, 1, 1)
        );
        let moved = Namespace::new("tv:key1", "migrated");
        let got = target
            .get_face(&moved, &FaceId::new("f1"))
            .unwrap()
            .expect("face moved");
        assert_eq!(got.embedding, face.embedding);
        assert_eq!(got.bounding_box, face.bounding_box);
        assert_eq!(got.person_id, face.person_id);
        let got_media = target
            .get_media(&TenantId::new("tv:key1"), &MediaId::new("m1"))
            .unwrap()
            .expect("media moved");
        assert_eq!(got_media.bytes, media.bytes);
        assert_eq!(got_media.info.metadata, media.info.metadata);
        assert!(target
            .get_face(&group, &FaceId::new("f1"))
            .unwrap()
            .is_none());
        assert_eq!(
            target
                .get_person(&moved, &PersonId::new("c5r7jedkujdbnasarhn0"))
                .unwrap()
                .expect("person moved")
                .face_ids,
            vec![FaceId::new("f1")]
        );
    }

    #[test]
    fn bad_input_is_refused_with_its_line_number() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        let no_header = "{\"record\":\"person\",\"tenant\":\"t\",\"collection\":\"c\",\"person_id\":\"p\",\"created_at_ms\":1}\n";
        let err = import(&store, &mut no_header.as_bytes(), &[]).unwrap_err();
        assert!(
            matches!(err, TransferError::BadLine { line: 1, .. }),
            "{err}"
        );
        let orphan = format!(
            "{}\n{}\n",
            r#"{"record":"header","format":"ekyc-gateway-export","version":1,"exported_at_ms":0}"#,
            r#"{"record":"face","tenant":"t","collection":"c","face_id":"f","person_id":"nobody","model_id":"m","embedding":[0.5],"created_at_ms":1}"#
        );
        let err = import(&store, &mut orphan.as_bytes(), &[]).unwrap_err();
        assert!(
            matches!(err, TransferError::BadLine { line: 2, .. }),
            "{err}"
        );
        let newer =
            r#"{"record":"header","format":"ekyc-gateway-export","version":99,"exported_at_ms":0}"#;
        assert!(import(&store, &mut newer.as_bytes(), &[]).is_err());
        assert!("a/b=c".parse::<NamespaceMapping>().is_err());
        assert!("=c".parse::<NamespaceMapping>().is_err());
    }
}
