//! Stored values: `postcard` (compact, non-self-describing binary) for the fixed fields; JSON
//! objects (metadata, ledger bodies) as JSON text inside them, since postcard cannot carry
//! `serde_json::Value`; embeddings as raw little-endian `f32` bytes after the face header, so a
//! metadata scan never decodes a vector and loading one is a straight copy.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::keys::read_namespaced_key;
use crate::{
    BoundingBox, Document, Embedding, Face, FaceId, Media, MediaId, MediaInfo, Metadata, Namespace,
    Person, PersonEntry, PersonId, RecordKind, RequestId, RequestRecord, StoreError, TenantId,
};

fn encode<T: Serialize>(kind: RecordKind, value: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(value).map_err(|e| StoreError::encode(kind, e))
}

fn decode<T: DeserializeOwned>(kind: RecordKind, bytes: &[u8]) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::corrupt(kind, e))
}

fn metadata_to_text(kind: RecordKind, metadata: &Metadata) -> Result<String, StoreError> {
    serde_json::to_string(metadata).map_err(|e| StoreError::encode(kind, e))
}

fn metadata_from_text(kind: RecordKind, text: &str) -> Result<Metadata, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(kind, e))
}

fn json_to_text(kind: RecordKind, value: &serde_json::Value) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::encode(kind, e))
}

fn json_from_text(kind: RecordKind, text: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(kind, e))
}

#[derive(Serialize, Deserialize)]
struct PersonValue {
    metadata: String,
    created_at_ms: u64,
    face_ids: Vec<String>,
}

pub(crate) fn encode_person(person: &Person, face_ids: &[FaceId]) -> Result<Vec<u8>, StoreError> {
    encode(
        RecordKind::Person,
        &PersonValue {
            metadata: metadata_to_text(RecordKind::Person, &person.metadata)?,
            created_at_ms: person.created_at_ms,
            face_ids: face_ids.iter().map(|id| id.as_str().to_owned()).collect(),
        },
    )
}

pub(crate) fn decode_person(key: &[u8], value: &[u8]) -> Result<PersonEntry, StoreError> {
    let (namespace, person_id) = read_namespaced_key(key, RecordKind::Person)?;
    let stored: PersonValue = decode(RecordKind::Person, value)?;
    Ok(PersonEntry {
        person: Person {
            namespace,
            person_id: PersonId::new(person_id),
            metadata: metadata_from_text(RecordKind::Person, &stored.metadata)?,
            created_at_ms: stored.created_at_ms,
        },
        face_ids: stored.face_ids.into_iter().map(FaceId::new).collect(),
    })
}

/// A face value without its embedding, which follows it in the stored bytes.
#[derive(Serialize, Deserialize)]
pub(crate) struct FaceHeader {
    pub(crate) person_id: Option<String>,
    pub(crate) model_id: String,
    pub(crate) bounding_box: Option<[f32; 4]>,
    pub(crate) metadata: String,
    pub(crate) source_media_id: Option<String>,
    pub(crate) created_at_ms: u64,
}

impl FaceHeader {
    pub(crate) fn metadata(&self) -> Result<Metadata, StoreError> {
        metadata_from_text(RecordKind::Face, &self.metadata)
    }
}

pub(crate) fn encode_face(face: &Face) -> Result<Vec<u8>, StoreError> {
    let header = FaceHeader {
        person_id: face.person_id.as_ref().map(|id| id.as_str().to_owned()),
        model_id: face.embedding.model_id.clone(),
        bounding_box: face
            .bounding_box
            .map(|b| [b.left, b.top, b.width, b.height]),
        metadata: metadata_to_text(RecordKind::Face, &face.metadata)?,
        source_media_id: face
            .source_media_id
            .as_ref()
            .map(|id| id.as_str().to_owned()),
        created_at_ms: face.created_at_ms,
    };
    let mut bytes = encode(RecordKind::Face, &header)?;
    bytes.reserve(face.embedding.values.len() * 4);
    for value in &face.embedding.values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    Ok(bytes)
}

/// Splits a stored face into its header and its embedding bytes.
pub(crate) fn decode_face_header(value: &[u8]) -> Result<(FaceHeader, &[u8]), StoreError> {
    postcard::take_from_bytes(value).map_err(|e| StoreError::corrupt(RecordKind::Face, e))
}

/// Re-encodes a face with new metadata, keeping the embedding bytes as they are.
pub(crate) fn replace_face_metadata(
    value: &[u8],
    metadata: &Metadata,
) -> Result<Vec<u8>, StoreError> {
    let (mut header, embedding) = decode_face_header(value)?;
    header.metadata = metadata_to_text(RecordKind::Face, metadata)?;
    let mut bytes = encode(RecordKind::Face, &header)?;
    bytes.extend_from_slice(embedding);
    Ok(bytes)
}

fn decode_embedding(bytes: &[u8]) -> Result<Vec<f32>, StoreError> {
    let chunks = bytes.chunks_exact(4);
    if !chunks.remainder().is_empty() {
        return Err(StoreError::corrupt(
            RecordKind::Face,
            format!("embedding of {} bytes is not whole f32s", bytes.len()),
        ));
    }
    Ok(chunks
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

pub(crate) fn decode_face(key: &[u8], value: &[u8]) -> Result<Face, StoreError> {
    let (namespace, face_id) = read_namespaced_key(key, RecordKind::Face)?;
    let (header, embedding) = decode_face_header(value)?;
    face_from_parts(namespace, FaceId::new(face_id), header, embedding)
}

pub(crate) fn face_from_parts(
    namespace: Namespace,
    face_id: FaceId,
    header: FaceHeader,
    embedding: &[u8],
) -> Result<Face, StoreError> {
    Ok(Face {
        namespace,
        face_id,
        metadata: header.metadata()?,
        person_id: header.person_id.map(PersonId::new),
        embedding: Embedding {
            model_id: header.model_id,
            values: decode_embedding(embedding)?,
        },
        bounding_box: header
            .bounding_box
            .map(|[left, top, width, height]| BoundingBox {
                left,
                top,
                width,
                height,
            }),
        source_media_id: header.source_media_id.map(MediaId::new),
        created_at_ms: header.created_at_ms,
    })
}

#[derive(Serialize, Deserialize)]
struct MediaValue {
    content_type: String,
    label: Option<String>,
    tag: Option<String>,
    parent_id: Option<String>,
    metadata: String,
    created_at_ms: u64,
}

pub(crate) fn encode_media_info(info: &MediaInfo) -> Result<Vec<u8>, StoreError> {
    encode(
        RecordKind::Media,
        &MediaValue {
            content_type: info.content_type.clone(),
            label: info.label.clone(),
            tag: info.tag.clone(),
            parent_id: info.parent_id.as_ref().map(|id| id.as_str().to_owned()),
            metadata: metadata_to_text(RecordKind::Media, &info.metadata)?,
            created_at_ms: info.created_at_ms,
        },
    )
}

pub(crate) fn decode_media_info(
    tenant: &TenantId,
    media_id: &MediaId,
    value: &[u8],
) -> Result<MediaInfo, StoreError> {
    let stored: MediaValue = decode(RecordKind::Media, value)?;
    Ok(MediaInfo {
        tenant: tenant.clone(),
        media_id: media_id.clone(),
        content_type: stored.content_type,
        label: stored.label,
        tag: stored.tag,
        parent_id: stored.parent_id.map(MediaId::new),
        metadata: metadata_from_text(RecordKind::Media, &stored.metadata)?,
        created_at_ms: stored.created_at_ms,
    })
}

pub(crate) fn media_from_parts(info: MediaInfo, bytes: &[u8]) -> Media {
    Media {
        info,
        bytes: bytes.to_vec(),
    }
}

/// The faces detected in one media item: (collection, face id) pairs.
pub(crate) fn encode_media_faces(faces: &[(String, String)]) -> Result<Vec<u8>, StoreError> {
    encode(RecordKind::Face, &faces)
}

pub(crate) fn decode_media_faces(value: &[u8]) -> Result<Vec<(String, String)>, StoreError> {
    decode(RecordKind::Face, value)
}

#[derive(Serialize, Deserialize)]
struct RequestValue {
    service: String,
    correlation_id: Option<String>,
    created_at_ms: u64,
    /// Commit order, part of the correlation index key (kept to delete that entry later).
    sequence: u64,
    request: String,
    response: String,
}

pub(crate) fn encode_request(record: &RequestRecord, sequence: u64) -> Result<Vec<u8>, StoreError> {
    encode(
        RecordKind::Request,
        &RequestValue {
            service: record.service.clone(),
            correlation_id: record.correlation_id.clone(),
            created_at_ms: record.created_at_ms,
            sequence,
            request: json_to_text(RecordKind::Request, &record.request)?,
            response: json_to_text(RecordKind::Request, &record.response)?,
        },
    )
}

pub(crate) fn decode_request(
    tenant: &TenantId,
    request_id: &RequestId,
    value: &[u8],
) -> Result<RequestRecord, StoreError> {
    let stored: RequestValue = decode(RecordKind::Request, value)?;
    Ok(RequestRecord {
        tenant: tenant.clone(),
        request_id: request_id.clone(),
        service: stored.service,
        correlation_id: stored.correlation_id,
        created_at_ms: stored.created_at_ms,
        request: json_from_text(RecordKind::Request, &stored.request)?,
        response: json_from_text(RecordKind::Request, &stored.response)?,
    })
}

#[derive(Serialize, Deserialize)]
struct DocumentValue {
    value: String,
    updated_at_ms: u64,
}

pub(crate) fn encode_document(document: &Document) -> Result<Vec<u8>, StoreError> {
    encode(
        RecordKind::Document,
        &DocumentValue {
            value: json_to_text(RecordKind::Document, &document.value)?,
            updated_at_ms: document.updated_at_ms,
        },
    )
}

pub(crate) fn decode_document(key: &[u8], value: &[u8]) -> Result<Document, StoreError> {
    let (kind, tenant, key) = super::keys::read_document_key(key)?;
    let stored: DocumentValue = decode(RecordKind::Document, value)?;
    Ok(Document {
        tenant,
        kind,
        key,
        value: json_from_text(RecordKind::Document, &stored.value)?,
        updated_at_ms: stored.updated_at_ms,
    })
}

pub(crate) fn encode_counter(value: u64) -> [u8; 8] {
    value.to_be_bytes()
}

pub(crate) fn decode_counter(value: &[u8]) -> Result<u64, StoreError> {
    let bytes: [u8; 8] = value
        .try_into()
        .map_err(|_| StoreError::corrupt(RecordKind::Counter, "not 8 bytes"))?;
    Ok(u64::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sled_store::keys::face_key;

    #[test]
    fn embedding_bytes_are_little_endian_f32_after_the_header() {
        let face = Face {
            namespace: Namespace::new("t", "c"),
            face_id: FaceId::new("f"),
            person_id: None,
            embedding: Embedding {
                model_id: "m".into(),
                values: vec![1.0, -0.5],
            },
            bounding_box: None,
            metadata: Metadata::new(),
            source_media_id: None,
            created_at_ms: 1,
        };
        let bytes = encode_face(&face).expect("encodes");
        let tail: Vec<u8> = [1.0f32.to_le_bytes(), (-0.5f32).to_le_bytes()].concat();
        assert!(bytes.ends_with(&tail));
        let key = face_key(&face.namespace, &face.face_id).expect("key");
        assert_eq!(decode_face(&key, &bytes).expect("decodes"), face);
        assert!(decode_face(&key, &bytes[..bytes.len() - 1]).is_err());
    }
}
