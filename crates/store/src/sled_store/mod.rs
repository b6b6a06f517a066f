//! The [`Store`] on sled, an embedded transactional key-value store.
//!
//! - **One transaction per request.** [`Store::write`] runs a sled transaction over all the trees
//!   (the key layout is documented in `keys.rs`). sled commits a transaction's writes as one
//!   sealed batch in its log, so after a crash recovery finds all of them or none. sled 0.34 runs
//!   transactions one at a time (a global write lock), so keep them short: encode embeddings and
//!   images before `write`.
//! - **Durability.** With [`Durability::Flush`] every committing call ends with `Db::flush` (an
//!   fsync) before it returns; [`Durability::Buffered`] leaves that to sled's background flusher
//!   (`flush_every_ms`).
//! - **Deletes and disk growth.** sled is log-structured: a delete or overwrite appends to the log
//!   and the old bytes stay on disk until sled's segment cleaner rewrites the segments that fall
//!   below its utilisation threshold, so the files shrink late and never below the live data plus
//!   the cleaner's slack. Deletes here are always real removals (no soft-delete flags that would
//!   keep dead faces in the scans); media bytes live in their own tree, so patching metadata never
//!   rewrites an image; large values (images) go to sled's blob files, freed when the key is
//!   removed. [`SledOptions::mode`] `LowSpace` makes the cleaner more eager. How big a store gets
//!   after mass deletes is measured by `just bench` (issue 4), and a full export/import into a
//!   fresh directory compacts it completely.

mod codec;
mod keys;
mod tx;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use crate::{
    Document, DocumentStream, Durability, Face, FaceId, FaceStream, Media, MediaId, MediaInfo,
    MediaStream, Metadata, Namespace, PersonEntry, PersonId, PersonStream, RecordKind, RequestId,
    RequestRecord, Store, StoreError, TenantId, WriteTx, WriteWork, SCHEMA_VERSION,
};
use tx::SledTx;

/// Key of the schema version (big-endian `u32`) in sled's default tree.
const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

/// The migrations this build ships, from each older version to the next. Version 1 is the first.
pub const MIGRATIONS: &[Migration] = &[];

/// How to open a [`SledStore`].
#[derive(Debug, Clone)]
pub struct SledOptions {
    /// When committing calls return; [`Durability::Flush`] by default.
    pub durability: Durability,
    /// sled's page cache, in bytes (sled's default is 1 GiB).
    pub cache_capacity_bytes: u64,
    /// How often sled flushes in the background; `None` disables it (then only [`Durability::Flush`]
    /// and [`Store::flush`] write to disk).
    pub flush_every_ms: Option<u64>,
    /// sled's `HighThroughput` (default) or `LowSpace` (more eager segment cleaning).
    pub mode: sled::Mode,
    /// How long opening waits for the directory's lock before [`StoreError::Locked`] (3 s by
    /// default): after the last handle of a store is dropped, sled's background threads can hold
    /// the lock a moment longer, so reopening in the same process may briefly find it taken.
    pub lock_wait: Duration,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            durability: Durability::Flush,
            cache_capacity_bytes: 256 * 1024 * 1024,
            flush_every_ms: Some(500),
            mode: sled::Mode::HighThroughput,
            lock_wait: Duration::from_secs(3),
        }
    }
}

/// One step of schema migration: turns a store at version `from` into one at `from + 1`. The
/// version is bumped (and flushed) only after `apply` succeeds, so a step interrupted by a crash
/// runs again on the next open: `apply` must be safe to rerun.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub from: u32,
    pub description: &'static str,
    pub apply: fn(&MigrationContext<'_>) -> Result<(), StoreError>,
}

/// What a migration step may touch: the raw sled database (old layouts) and the store (writes in
/// the current layout, through the usual transactions).
pub struct MigrationContext<'a> {
    store: &'a SledStore,
}

impl MigrationContext<'_> {
    pub fn db(&self) -> &sled::Db {
        &self.store.db
    }

    pub fn store(&self) -> &SledStore {
        self.store
    }
}

/// The trees of one store, by role.
pub(crate) struct TreeSet<T> {
    pub(crate) persons: T,
    pub(crate) faces: T,
    pub(crate) media: T,
    pub(crate) media_bytes: T,
    pub(crate) media_faces: T,
    pub(crate) requests: T,
    pub(crate) requests_by_correlation: T,
    pub(crate) counters: T,
    pub(crate) documents: T,
}

impl<T> TreeSet<T> {
    fn as_array(&self) -> [&T; 9] {
        [
            &self.persons,
            &self.faces,
            &self.media,
            &self.media_bytes,
            &self.media_faces,
            &self.requests,
            &self.requests_by_correlation,
            &self.counters,
            &self.documents,
        ]
    }

    fn from_slice(trees: &[T]) -> Option<TreeSet<&T>> {
        match trees {
            [persons, faces, media, media_bytes, media_faces, requests, requests_by_correlation, counters, documents] => {
                Some(TreeSet {
                    persons,
                    faces,
                    media,
                    media_bytes,
                    media_faces,
                    requests,
                    requests_by_correlation,
                    counters,
                    documents,
                })
            }
            _ => None,
        }
    }
}

/// The sled-backed [`Store`]. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct SledStore {
    db: sled::Db,
    trees: TreeSet<sled::Tree>,
    durability: Durability,
    path: PathBuf,
}

impl SledStore {
    /// Opens (creating if needed) the store in directory `path`, migrating an older schema with
    /// [`MIGRATIONS`]; a newer schema is refused with [`StoreError::SchemaTooNew`].
    pub fn open(path: impl AsRef<Path>, options: &SledOptions) -> Result<SledStore, StoreError> {
        Self::open_with_migrations(path, options, MIGRATIONS)
    }

    /// [`SledStore::open`] with an explicit migration list (tests bring their own old layouts).
    pub fn open_with_migrations(
        path: impl AsRef<Path>,
        options: &SledOptions,
        migrations: &[Migration],
    ) -> Result<SledStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let db = open_db(&path, options)?;
        // Check the version before creating any tree: a newer store is left as it was.
        let stored = read_schema_version(&db)?;
        if let Some(found) = stored.filter(|&found| found > SCHEMA_VERSION) {
            return Err(StoreError::SchemaTooNew {
                path,
                found,
                supported: SCHEMA_VERSION,
            });
        }
        // An unversioned directory holding records predates versioning: version 0. (Empty trees
        // alone are a first open that stopped before stamping.)
        let holds_data = holds_records(&db)?;
        let trees = open_trees(&db)?;
        let store = SledStore {
            db,
            trees,
            durability: options.durability,
            path,
        };
        match stored {
            None if !holds_data => store.stamp_schema_version(SCHEMA_VERSION)?,
            None => store.migrate(0, migrations)?,
            Some(found) if found < SCHEMA_VERSION => store.migrate(found, migrations)?,
            Some(_) => {}
        }
        Ok(store)
    }

    /// Writes `version` as the store's schema version and flushes. For migrations and for tests
    /// that simulate a store written by another build.
    pub fn stamp_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.db
            .insert(SCHEMA_VERSION_KEY, &version.to_be_bytes())
            .map_err(StoreError::backend)?;
        self.db.flush().map_err(StoreError::backend)?;
        Ok(())
    }

    /// The directory the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the store occupies on disk, as sled counts them.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(StoreError::backend)
    }

    fn migrate(&self, from: u32, migrations: &[Migration]) -> Result<(), StoreError> {
        let context = MigrationContext { store: self };
        let mut version = from;
        while version < SCHEMA_VERSION {
            let step = migrations
                .iter()
                .find(|step| step.from == version)
                .ok_or_else(|| StoreError::NoMigration {
                    path: self.path.clone(),
                    found: version,
                })?;
            (step.apply)(&context).map_err(|source| StoreError::Migration {
                from: version,
                source: Box::new(source),
            })?;
            version += 1;
            self.stamp_schema_version(version)?;
        }
        Ok(())
    }

    /// Runs `work` in one sled transaction over every tree; flushes afterwards when `flush`.
    fn transact(&self, work: &mut WriteWork<'_>, flush: bool) -> Result<(), StoreError> {
        let work = RefCell::new(work);
        let trees = self.trees.as_array();
        let outcome = Transactional::<StoreError>::transaction(
            &trees[..],
            |view: &Vec<TransactionalTree>| {
                let trees = TreeSet::from_slice(view).ok_or_else(|| {
                    ConflictableTransactionError::Abort(StoreError::invalid(
                        "transaction",
                        "sled returned an unexpected set of trees",
                    ))
                })?;
                let mut tx = SledTx::new(trees);
                let result = (*work.borrow_mut())(&mut tx);
                // A sled conflict or storage error inside `work` must reach sled as such (to retry
                // or fail), whatever `work` made of the StoreError it was handed.
                if let Some(interrupted) = tx.take_interruption() {
                    return Err(interrupted.into());
                }
                result.map_err(ConflictableTransactionError::Abort)
            },
        );
        match outcome {
            Ok(()) => {}
            Err(TransactionError::Abort(error)) => return Err(error),
            Err(TransactionError::Storage(error)) => return Err(StoreError::backend(error)),
        }
        if flush {
            self.db.flush().map_err(StoreError::backend)?;
        }
        Ok(())
    }

    /// Reads through a transaction: one consistent view across trees, no flush.
    fn read<T>(
        &self,
        mut work: impl FnMut(&mut dyn WriteTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut output = None;
        self.transact(
            &mut |tx| {
                output = Some(work(tx)?);
                Ok(())
            },
            false,
        )?;
        output.ok_or_else(|| StoreError::invalid("transaction", "read finished without running"))
    }

    fn scan_faces<'a>(&'a self, prefix: Result<Vec<u8>, StoreError>) -> FaceStream<'a> {
        match prefix {
            Err(error) => Box::new(std::iter::once(Err(error))),
            Ok(prefix) => Box::new(self.trees.faces.scan_prefix(prefix).map(|item| {
                let (key, value) = item.map_err(StoreError::backend)?;
                codec::decode_face(&key, &value)
            })),
        }
    }
}

/// Opens the sled database, waiting up to [`SledOptions::lock_wait`] for its lock.
pub(crate) fn open_db(path: &Path, options: &SledOptions) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(options.cache_capacity_bytes)
        .flush_every_ms(options.flush_every_ms)
        .mode(options.mode);
    let deadline = Instant::now() + options.lock_wait;
    let mut pause = Duration::from_millis(5);
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            // sled reports a taken lock only as text: "could not acquire lock on ...".
            Err(sled::Error::Io(error)) if error.to_string().contains("could not acquire lock") => {
                if Instant::now() >= deadline {
                    return Err(StoreError::Locked {
                        path: path.to_path_buf(),
                    });
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Err(error) => return Err(StoreError::backend(error)),
        }
    }
}

fn holds_records(db: &sled::Db) -> Result<bool, StoreError> {
    if !db.is_empty() {
        return Ok(true);
    }
    for name in db.tree_names() {
        if !db.open_tree(&name).map_err(StoreError::backend)?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn read_schema_version(db: &sled::Db) -> Result<Option<u32>, StoreError> {
    let Some(bytes) = db.get(SCHEMA_VERSION_KEY).map_err(StoreError::backend)? else {
        return Ok(None);
    };
    let bytes: [u8; 4] = bytes
        .as_ref()
        .try_into()
        .map_err(|_| StoreError::corrupt(RecordKind::Schema, "version is not 4 bytes"))?;
    Ok(Some(u32::from_be_bytes(bytes)))
}

fn open_trees(db: &sled::Db) -> Result<TreeSet<sled::Tree>, StoreError> {
    let open = |name: &str| db.open_tree(name).map_err(StoreError::backend);
    Ok(TreeSet {
        persons: open("persons")?,
        faces: open("faces")?,
        media: open("media")?,
        media_bytes: open("media_bytes")?,
        media_faces: open("media_faces")?,
        requests: open("requests")?,
        requests_by_correlation: open("requests_by_correlation")?,
        counters: open("counters")?,
        documents: open("documents")?,
    })
}

impl Store for SledStore {
    fn schema_version(&self) -> u32 {
        SCHEMA_VERSION
    }

    fn write(&self, work: &mut WriteWork<'_>) -> Result<(), StoreError> {
        self.transact(work, self.durability == Durability::Flush)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(StoreError::backend)?;
        Ok(())
    }

    fn get_person(
        &self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Option<PersonEntry>, StoreError> {
        let key = keys::person_key(namespace, person_id)?;
        self.trees
            .persons
            .get(&key)
            .map_err(StoreError::backend)?
            .map(|value| codec::decode_person(&key, &value))
            .transpose()
    }

    fn faces_of_person(
        &self,
        namespace: &Namespace,
        person_id: &PersonId,
    ) -> Result<Vec<Face>, StoreError> {
        self.read(|tx| {
            let Some(entry) = tx.get_person(namespace, person_id)? else {
                return Ok(Vec::new());
            };
            let mut faces = Vec::with_capacity(entry.face_ids.len());
            for face_id in &entry.face_ids {
                faces.extend(tx.get_face(namespace, face_id)?);
            }
            Ok(faces)
        })
    }

    fn get_face(
        &self,
        namespace: &Namespace,
        face_id: &FaceId,
    ) -> Result<Option<Face>, StoreError> {
        let key = keys::face_key(namespace, face_id)?;
        self.trees
            .faces
            .get(&key)
            .map_err(StoreError::backend)?
            .map(|value| codec::decode_face(&key, &value))
            .transpose()
    }

    fn faces_in_namespace<'a>(&'a self, namespace: &Namespace) -> FaceStream<'a> {
        self.scan_faces(keys::namespace_prefix(namespace).map(keys::Key::into_bytes))
    }

    fn all_faces(&self) -> FaceStream<'_> {
        self.scan_faces(Ok(Vec::new()))
    }

    fn all_persons(&self) -> PersonStream<'_> {
        Box::new(self.trees.persons.iter().map(|item| {
            let (key, value) = item.map_err(StoreError::backend)?;
            codec::decode_person(&key, &value)
        }))
    }

    fn all_media(&self) -> MediaStream<'_> {
        Box::new(self.trees.media.iter().map(|item| {
            let (key, value) = item.map_err(StoreError::backend)?;
            let (tenant, media_id) = keys::read_media_key(&key)?;
            codec::decode_media_info(&tenant, &media_id, &value)
        }))
    }

    fn faces_of_media(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Vec<Face>, StoreError> {
        self.read(|tx| {
            let refs = tx.faces_of_media(tenant, media_id)?;
            let mut faces = Vec::with_capacity(refs.len());
            for face in &refs {
                faces.extend(tx.get_face(&face.namespace, &face.face_id)?);
            }
            Ok(faces)
        })
    }

    fn find_faces_by_metadata(
        &self,
        namespace: &Namespace,
        filter: &Metadata,
        limit: usize,
    ) -> Result<Vec<Face>, StoreError> {
        let prefix = keys::namespace_prefix(namespace)?.into_bytes();
        let mut found = Vec::new();
        for item in self.trees.faces.scan_prefix(prefix) {
            if found.len() >= limit {
                break;
            }
            let (key, value) = item.map_err(StoreError::backend)?;
            // Only the header is decoded for the test; the embedding only for matches.
            let (header, embedding) = codec::decode_face_header(&value)?;
            let metadata = header.metadata()?;
            if filter.iter().all(|(k, v)| metadata.get(k) == Some(v)) {
                let (namespace, face_id) = keys::read_namespaced_key(&key, RecordKind::Face)?;
                found.push(codec::face_from_parts(
                    namespace,
                    FaceId::new(face_id),
                    header,
                    embedding,
                )?);
            }
        }
        Ok(found)
    }

    fn get_media(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<Media>, StoreError> {
        let key = keys::media_key(tenant, media_id)?;
        let trees = [&self.trees.media, &self.trees.media_bytes];
        let outcome = Transactional::<StoreError>::transaction(
            &trees[..],
            |view: &Vec<TransactionalTree>| {
                let [info, bytes] = view.as_slice() else {
                    return Ok(None);
                };
                match (info.get(&key)?, bytes.get(&key)?) {
                    (Some(info), Some(bytes)) => Ok(Some((info, bytes))),
                    _ => Ok(None),
                }
            },
        );
        let found = match outcome {
            Ok(found) => found,
            Err(TransactionError::Abort(error)) => return Err(error),
            Err(TransactionError::Storage(error)) => return Err(StoreError::backend(error)),
        };
        match found {
            Some((info, bytes)) => Ok(Some(codec::media_from_parts(
                codec::decode_media_info(tenant, media_id, &info)?,
                &bytes,
            ))),
            None => Ok(None),
        }
    }

    fn get_media_info(
        &self,
        tenant: &TenantId,
        media_id: &MediaId,
    ) -> Result<Option<MediaInfo>, StoreError> {
        let key = keys::media_key(tenant, media_id)?;
        self.trees
            .media
            .get(&key)
            .map_err(StoreError::backend)?
            .map(|value| codec::decode_media_info(tenant, media_id, &value))
            .transpose()
    }

    fn get_request(
        &self,
        tenant: &TenantId,
        request_id: &RequestId,
    ) -> Result<Option<RequestRecord>, StoreError> {
        let key = keys::request_key(tenant, request_id)?;
        self.trees
            .requests
            .get(&key)
            .map_err(StoreError::backend)?
            .map(|value| codec::decode_request(tenant, request_id, &value))
            .transpose()
    }

    fn requests_by_correlation(
        &self,
        tenant: &TenantId,
        correlation_id: &str,
        limit: usize,
    ) -> Result<Vec<RequestRecord>, StoreError> {
        let prefix = keys::correlation_prefix(tenant, correlation_id)?.into_bytes();
        let mut found = Vec::new();
        for item in self.trees.requests_by_correlation.scan_prefix(prefix) {
            if found.len() >= limit {
                break;
            }
            let (_, request_id) = item.map_err(StoreError::backend)?;
            let request_id = std::str::from_utf8(&request_id)
                .map_err(|_| StoreError::corrupt(RecordKind::Request, "index id is not UTF-8"))?;
            // An index entry whose record is gone (a concurrent delete) is skipped.
            found.extend(self.get_request(tenant, &RequestId::new(request_id))?);
        }
        Ok(found)
    }

    fn counter(&self, tenant: &TenantId, name: &str) -> Result<u64, StoreError> {
        let key = keys::counter_key(tenant, name)?;
        match self.trees.counters.get(&key).map_err(StoreError::backend)? {
            Some(value) => codec::decode_counter(&value),
            None => Ok(0),
        }
    }

    fn get_document(
        &self,
        tenant: &TenantId,
        kind: &str,
        key: &str,
    ) -> Result<Option<Document>, StoreError> {
        let key = keys::document_key(tenant, kind, key)?;
        self.trees
            .documents
            .get(&key)
            .map_err(StoreError::backend)?
            .map(|value| codec::decode_document(&key, &value))
            .transpose()
    }

    fn documents_of_kind<'a>(&'a self, kind: &str) -> DocumentStream<'a> {
        match keys::document_kind_prefix(kind) {
            Err(error) => Box::new(std::iter::once(Err(error))),
            Ok(prefix) => Box::new(self.trees.documents.scan_prefix(prefix.into_bytes()).map(
                |item| {
                    let (key, value) = item.map_err(StoreError::backend)?;
                    codec::decode_document(&key, &value)
                },
            )),
        }
    }
}

#[cfg(test)]
mod tests;
