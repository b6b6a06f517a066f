//! [`WriteTx`] over the trees of one sled transaction.

use sled::transaction::{TransactionalTree, UnabortableTransactionError};
use sled::IVec;

use super::codec;
use super::keys;
use super::TreeSet;
use crate::{
    Document, Face, FaceId, FaceRef, Media, MediaId, MediaInfo, MediaPatch, Metadata, Namespace,
    Person, PersonEntry, PersonId, RecordKind, RequestRecord, StoreError, TenantId, WriteTx,
};

pub(crate) struct SledTx<'v> {
    trees: TreeSet<&'v TransactionalTree>,
    /// The first sled conflict or storage error met; handed back to sled when the work returns,
    /// so that sled retries (conflict) or fails (storage) the transaction.
    interrupted: Option<UnabortableTransactionError>,
}

impl<'v> SledTx<'v> {
    pub(crate) fn new(trees: TreeSet<&'v TransactionalTree>) -> Self {
        SledTx {
            trees,
            interrupted: None,
        }
    }

    pub(crate) fn take_interruption(&mut self) -> Option<UnabortableTransactionError> {
        self.interrupted.take()
    }

    fn sled<T>(&mut self, result: Result<T, UnabortableTransactionError>) -> Result<T, StoreError> {
        result.map_err(|error| {
            let reported = StoreError::backend(error.clone());
            self.interrupted.get_or_insert(error);
            reported
        })
    }

    fn get(&mut self, tree: &TransactionalTree, key: &[u8]) -> Result<Option<IVec>, StoreError> {
        self.sled(tree.get(key))
    }

    fn insert(
        &mut self,
        tree: &TransactionalTree,
        key: &[u8],
        value: impl Into<IVec>,
    ) -> Result<(), StoreError> {
        self.sled(tree.insert(key, value).map(drop))
    }

    /// Removes the key; whether it was there.
    fn remove(&mut self, tree: &TransactionalTree, key: &[u8]) -> Result<bool, StoreError> {
        self.sled(tree.remove(key).map(|old| old.is_some()))
    }

    /// Removes a face record and its media index entry (not its person's list); its header if it
    /// existed.
    fn remove_face_record(
        &mut self,
        namespace: &Namespace,
        face_id: &FaceId,
    ) -> Result<Option<codec::FaceHeader>, StoreError> {
        let key = keys::face_key(namespace, face_id)?;
        let Some(value) = self.get(self.trees.faces, &key)? else {
            return Ok(None);
        };
        let (header, _) = codec::decode_face_header(&value)?;
        self.remove(self.trees.faces, &key)?;
        if let Some(media_id) = &header.source_media_id {
            self.unlink_media_face(namespace, &MediaId::new(media_id.as_str()), face_id)?;
        }
        Ok(Some(header))
    }

    fn media_faces(&mut self, media_key: &[u8]) -> Result<Vec<(String, String)>, StoreError> {
        match self.get(self.trees.media_faces, media_key)? {
            Some(value) => codec::decode_media_faces(&value),
            None => Ok(Vec::new()),
        }
    }

    fn link_media_face(
        &mut self,
        namespace: &Namespace,
        media_id: &MediaId,
        face_id: &FaceId,
    ) -> Result<(), StoreError> {
        let key = keys::media_key(&namespace.tenant, media_id)?;
        let mut faces = self.media_faces(&key)?;
        let entry = (namespace.collection.clone(), face_id.as_str().to_owned());
        if !faces.contains(&entry) {
            faces.push(entry);
        }
        self.insert(
            self.trees.media_faces,
            &key,
            codec::encode_media_faces(&faces)?,
        )
    }

    fn unlink_media_face(
        &mut self,
        namespace: &Namespace,
        media_id: &MediaId,
        face_id: &FaceId,
    ) -> Result<(), StoreError> {
        let key = keys::media_key(&namespace.tenant, media_id)?;
        let mut faces = self.media_faces(&key)?;
        faces.retain(|(collection, id)| {
            !(collection == &namespace.collection && id == face_id.as_str())
        });
        if faces.is_empty() {
            self.remove(self.trees.media_faces, &key)?;
            Ok(())
        } else {
            self.insert(
                self.trees.media_faces,
                &key,
                codec::encode_media_faces(&faces)?,
            )
        }
    }

    /// Adds or removes `face_id` in the person's face list; [`StoreError::NotFound`] if the person
    /// is absent.
    fn update_person_faces(
        &mut self,
        namespace: &Namespace,
        person_id: &PersonId,
        face_id: &FaceId,
        attach: bool,
    ) -> Result<(), StoreError> {
        let mut entry = self
            .get_person(namespace, person_id)?
            .ok_or_else(|| StoreError::not_found(RecordKind::Person, person_id))?;
        if attach {
            if !entry.face_ids.contains(face_id) {
                entry.face_ids.push(face_id.clone());
            }
        } else {
            entry.face_ids.retain(|id| id != face_id);
        }
        let key = keys::person_key(namespace, person_id)?;
        self.insert(
            self.trees.persons,
            &key,
            codec::encode_person(&entry.person, &entry.face_ids)?,
        )
    }
}

impl WriteTx for SledTx<'_> {
    fn put_person(&mut self, person: &Person) -> Result<(), StoreError> {
        let key = keys::person_key(&person.namespace, &person.person_id)?;
        let face_ids = match self.get(self.trees.persons, &key)? {
            Some(value) => codec::decode_person(&key, &value)?.face_ids,
            None => Vec::new(),
        };
        self.insert(
            self.trees.persons,
            &key,
            codec::encode_person(person, &face_ids)?,
        )
    }

    fn get_person(
        &mut self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<PersonEntry>, StoreError> {
        let key = keys::person_key(namespace, person_id)?;
        self.get(self.trees.persons, &key)?
            .map(|value| codec::decode_person(&key, &value))
            .transpose()
    }

    fn delete_person(
        &mut self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<Vec<FaceId>>, StoreError> {
        let Some(entry) = self.get_person(namespace, person_id)? else {
            return Ok(None);
        };
        for face_id in &entry.face_ids {
            self.remove_face_record(namespace, face_id)?;
        }
        let key = keys::person_key(namespace, person_id)?;
        self.remove(self.trees.persons, &key)?;
        Ok(Some(entry.face_ids))
    }

    fn put_face(&mut self, face: &Face) -> Result<(), StoreError> {
        let key = keys::face_key(&face.namespace, &face.face_id)?;
        let value = codec::encode_face(face)?;
        // Replacing a face: drop it from its old person and media first (they may be the same).
        if let Some(old) = self.remove_face_record(&face.namespace, &face.face_id)? {
            if let Some(old_person) = old.person_id {
                let old_person = PersonId::new(old_person);
                self.update_person_faces(&face.namespace, &old_person, &face.face_id, false)?;
            }
        }
        if let Some(person_id) = &face.person_id {
            self.update_person_faces(&face.namespace, person_id, &face.face_id, true)?;
        }
        if let Some(media_id) = &face.source_media_id {
            self.link_media_face(&face.namespace, media_id, &face.face_id)?;
        }
        self.insert(self.trees.faces, &key, value)
    }

    fn get_face(
        &mut self,
        namespace: &Namespace,
        face_id: &FaceId,
    ) -> Result<Option<Face>, StoreError> {
        let key = keys::face_key(namespace, face_id)?;
        self.get(self.trees.faces, &key)?
            .map(|value| codec::decode_face(&key, &value))
            .transpose()
    }

    fn delete_face(&mut self, namespace: &Namespace, face_id: &FaceId) -> Result<bool, StoreError> {
        let Some(old) = self.remove_face_record(namespace, face_id)? else {
            return Ok(false);
        };
        if let Some(person_id) = old.person_id {
            self.update_person_faces(namespace, &PersonId::new(person_id), face_id, false)?;
        }
        Ok(true)
    }

    fn set_face_metadata(
        &mut self,
        namespace: &Namespace,
        face_id: &FaceId,
        metadata: &Metadata,
    ) -> Result<(), StoreError> {
        let key = keys::face_key(namespace, face_id)?;
        let value = self
            .get(self.trees.faces, &key)?
            .ok_or_else(|| StoreError::not_found(RecordKind::Face, face_id))?;
        let value = codec::replace_face_metadata(&value, metadata)?;
        self.insert(self.trees.faces, &key, value)
    }

    fn faces_of_media(
        &mut self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Vec<FaceRef>, StoreError> {
        let key = keys::media_key(tenant, media_id)?;
        Ok(self
            .media_faces(&key)?
            .into_iter()
            .map(|(collection, face_id)| FaceRef {
                namespace: Namespace::new(tenant.clone(), collection),
                face_id: FaceId::new(face_id),
            })
            .collect())
    }

    fn put_media(&mut self, media: &Media) -> Result<(), StoreError> {
        let key = keys::media_key(&media.info.tenant, &media.info.media_id)?;
        let info = codec::encode_media_info(&media.info)?;
        self.insert(self.trees.media, &key, info)?;
        self.insert(self.trees.media_bytes, &key, media.bytes.as_slice())
    }

    fn get_media_info(
        &mut self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<MediaInfo>, StoreError> {
        let key = keys::media_key(tenant, media_id)?;
        self.get(self.trees.media, &key)?
            .map(|value| codec::decode_media_info(tenant, media_id, &value))
            .transpose()
    }

    fn patch_media(
        &mut self,
        tenant: &TenantId,
        media_id: &MediaId,
        patch: &MediaPatch,
    ) -> Result<MediaInfo, StoreError> {
        let mut info = self
            .get_media_info(tenant, media_id)?
            .ok_or_else(|| StoreError::not_found(RecordKind::Media, media_id))?;
        patch.apply_to(&mut info);
        let key = keys::media_key(tenant, media_id)?;
        self.insert(self.trees.media, &key, codec::encode_media_info(&info)?)?;
        Ok(info)
    }

    fn delete_media(&mut self, tenant: &TenantId, media_id: &MediaId) -> Result<bool, StoreError> {
        let key = keys::media_key(tenant, media_id)?;
        let existed = self.remove(self.trees.media, &key)?;
        self.remove(self.trees.media_bytes, &key)?;
        Ok(existed)
    }

    fn put_request(&mut self, record: &RequestRecord) -> Result<(), StoreError> {
        let key = keys::request_key(&record.tenant, &record.request_id)?;
        if self.get(self.trees.requests, &key)?.is_some() {
            return Err(StoreError::AlreadyExists {
                kind: RecordKind::Request,
                id: record.request_id.to_string(),
            });
        }
        let sequence = self
            .trees
            .requests
            .generate_id()
            .map_err(StoreError::backend)?;
        if let Some(correlation_id) = &record.correlation_id {
            let index_key = keys::correlation_key(
                &record.tenant,
                correlation_id,
                record.created_at_ms,
                sequence,
            )?;
            self.insert(
                self.trees.requests_by_correlation,
                &index_key,
                record.request_id.as_str().as_bytes(),
            )?;
        }
        self.insert(
            self.trees.requests,
            &key,
            codec::encode_request(record, sequence)?,
        )
    }

    fn increment_counter(
        &mut self,
        tenant: &TenantId,
        name: &str,
        by: u64,
    ) -> Result<u64, StoreError> {
        let key = keys::counter_key(tenant, name)?;
        let current = match self.get(self.trees.counters, &key)? {
            Some(value) => codec::decode_counter(&value)?,
            None => 0,
        };
        let next = current
            .checked_add(by)
            .ok_or_else(|| StoreError::invalid("counter", format!("`{name}` would overflow")))?;
        self.insert(self.trees.counters, &key, &codec::encode_counter(next)[..])?;
        Ok(next)
    }

    fn put_document(&mut self, document: &Document) -> Result<(), StoreError> {
        let key = keys::document_key(&document.tenant, &document.kind, &document.key)?;
        self.insert(
            self.trees.documents,
            &key,
            codec::encode_document(document)?,
        )
    }

    fn get_document(
        &mut self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, StoreError> {
        let key = keys::document_key(tenant, kind, key)?;
        self.get(self.trees.documents, &key)?
            .map(|value| codec::decode_document(&key, &value))
            .transpose()
    }

    fn delete_document(
        &mut self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        let key = keys::document_key(tenant, kind, key)?;
        self.remove(self.trees.documents, &key)
    }
}
