//! The three steps of one size, each run in its own child process: insert, start-up load, and
//! deletes with the disk measurements that follow them.

use std::io::{BufReader, BufWriter, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ekyc_command::gallery::FaceGallery;
use ekyc_command::{FaceVerifier, ScoreCalibration};
use engine::{FaceEngine, ModelFiles};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use store::transfer::{self, MediaContent};
use store::{
    BoundingBox, Durability, Embedding, Face, FaceId, Metadata, Namespace, SledOptions, SledStore,
    Store,
};

use super::disk::{mib, DiskSize};
use crate::common::{peak_rss_kib, rss_kib, thousands, Synthetic};

/// Faces per transaction, for inserts and deletes alike.
pub const BATCH: usize = 1_000;
pub const TENANT: &str = "bench-tenant";
pub const COLLECTION: &str = "bench";
/// Seeds the face ids (random-looking UUIDs, as the gateway makes, but the same on every run).
const ID_SEED: u64 = 0x1D5_FACE;

/// sled's segment cleaner mode (`sled::Mode`, which does not serialise).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum CleanerMode {
    HighThroughput,
    LowSpace,
}

impl CleanerMode {
    fn options(self, durability: Durability) -> SledOptions {
        SledOptions {
            durability,
            mode: match self {
                CleanerMode::HighThroughput => sled::Mode::HighThroughput,
                CleanerMode::LowSpace => sled::Mode::LowSpace,
            },
            ..SledOptions::default()
        }
    }
}

fn namespace() -> Namespace {
    Namespace::new(TENANT, COLLECTION)
}

/// Face `i`'s id: a version-4 UUID from a seeded generator.
fn face_id(i: usize) -> FaceId {
    let bytes: [u8; 16] = StdRng::seed_from_u64(ID_SEED ^ i as u64).gen();
    FaceId::new(
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string(),
    )
}

/// Face `i` as the store keeps it: identity `i`'s indexed embedding, no person.
fn face(synth: &Synthetic, i: usize, created_at_ms: u64) -> Face {
    let mut metadata = Metadata::new();
    metadata.insert("app_id".into(), i.into());
    Face {
        namespace: namespace(),
        face_id: face_id(i),
        person_id: None,
        embedding: Embedding {
            model_id: engine::RECOGNIZER_MODEL_ID.to_owned(),
            values: synth.identity(i).1,
        },
        bounding_box: Some(BoundingBox {
            left: 212.0,
            top: 148.0,
            width: 236.0,
            height: 236.0,
        }),
        metadata,
        source_media_id: None,
        created_at_ms,
    }
}

/// Writes faces `ids` in transactions of [`BATCH`]; returns the time spent in `write`.
fn insert_faces(
    store: &SledStore,
    synth: &Synthetic,
    ids: impl Iterator<Item = usize>,
) -> Duration {
    let created_at_ms = store::unix_millis_now();
    let ids: Vec<usize> = ids.collect();
    let mut spent = Duration::ZERO;
    for chunk in ids.chunks(BATCH) {
        let batch: Vec<Face> = chunk
            .iter()
            .map(|&i| face(synth, i, created_at_ms))
            .collect();
        let started = Instant::now();
        store
            .write(&mut |tx| {
                for face in &batch {
                    tx.put_face(face)?;
                }
                Ok(())
            })
            .expect("insert a batch of faces");
        spent += started.elapsed();
    }
    spent
}

/// Deletes faces `ids` in transactions of [`BATCH`]; returns the time spent in `write`.
fn delete_faces(store: &SledStore, ids: impl Iterator<Item = usize>) -> Duration {
    let namespace = namespace();
    let ids: Vec<usize> = ids.collect();
    let mut spent = Duration::ZERO;
    for chunk in ids.chunks(BATCH) {
        let batch: Vec<FaceId> = chunk.iter().map(|&i| face_id(i)).collect();
        let started = Instant::now();
        let mut missing = 0;
        store
            .write(&mut |tx| {
                missing = 0;
                for face_id in &batch {
                    missing += usize::from(!tx.delete_face(&namespace, face_id)?);
                }
                Ok(())
            })
            .expect("delete a batch of faces");
        spent += started.elapsed();
        assert_eq!(missing, 0, "every deleted face was stored");
    }
    spent
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = work();
    (value, started.elapsed())
}

fn open(dir: &Path, options: &SledOptions) -> SledStore {
    SledStore::open(dir, options).expect("open the store")
}

#[derive(Serialize, Deserialize)]
pub struct InsertResult {
    /// Time in `write` calls plus the final flush.
    pub insert: Duration,
    /// The same with generating the embeddings.
    pub wall: Duration,
    pub disk: DiskSize,
    pub rss_kib: Option<i64>,
}

pub fn run_insert(dir: &Path, n: usize, mode: CleanerMode, synth: &Synthetic) -> InsertResult {
    let wall = Instant::now();
    let store = open(dir, &mode.options(Durability::Buffered));
    let written = insert_faces(&store, synth, 0..n);
    let ((), flush) = timed(|| store.flush().expect("flush"));
    let wall = wall.elapsed();
    let insert = written + flush;
    let disk = DiskSize::of(&store);
    let rss_kib = rss_kib();
    println!(
        "insert: {} faces in {:.2} s of write + flush ({:.0} faces/s; flush {:.2} s; {:.1} s with generating the embeddings)",
        thousands(n),
        insert.as_secs_f64(),
        n as f64 / insert.as_secs_f64(),
        flush.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!(
        "  on disk after {} inserts: {} ({:.0} bytes per face by sled's count); VmRSS of the inserting process {}",
        thousands(n),
        disk.describe(),
        disk.sled as f64 / n as f64,
        rss_kib.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    );
    InsertResult {
        insert,
        wall,
        disk,
        rss_kib,
    }
}

#[derive(Serialize, Deserialize)]
pub struct LoadResult {
    /// Loading the face models (before the store; `serve` does it too, not counted in `open + load`).
    pub models: Duration,
    /// `SledStore::open` with default options.
    pub open: Duration,
    /// `FaceGallery::open`, measured around the call.
    pub load: Duration,
    pub faces: usize,
    pub indexed: usize,
    /// VmRSS with the models loaded, before opening the store.
    pub rss_before_kib: Option<i64>,
    /// VmRSS with the store open and the index loaded.
    pub rss_after_kib: Option<i64>,
    pub peak_kib: Option<i64>,
}

pub fn run_load(dir: &Path, n: usize, mode: CleanerMode) -> LoadResult {
    let model_dir = ModelFiles::default_dir();
    let (engine, models) =
        timed(|| FaceEngine::load(&ModelFiles::in_dir(&model_dir)).expect("the face models load"));
    let verifier = FaceVerifier::new(Arc::new(engine), Arc::new(ScoreCalibration::bundled()));
    let rss_before_kib = rss_kib();
    let (store, open_time) = timed(|| open(dir, &mode.options(Durability::Flush)));
    let store: Arc<dyn Store> = Arc::new(store);
    let ((gallery, report), load) =
        timed(|| FaceGallery::open(store, verifier).expect("FaceGallery::open"));
    let rss_after_kib = rss_kib();
    let indexed = gallery.len(&namespace());
    assert_eq!(indexed, n, "every stored face is in the index");
    assert_eq!(report.faces, n, "FaceGallery::open reports every face");
    let peak_kib = peak_rss_kib();
    let delta = rss_after_kib
        .zip(rss_before_kib)
        .map_or("n/a".into(), |(a, b)| {
            format!("+{:.1} MiB", (a - b) as f64 / 1024.0)
        });
    println!(
        "start-up load: SledStore::open {:.2} s + FaceGallery::open {:.2} s (it reports {:.2} s) for {} faces = {:.0} faces/s; {} indexed in {TENANT}/{COLLECTION}",
        open_time.as_secs_f64(),
        load.as_secs_f64(),
        report.elapsed.as_secs_f64(),
        thousands(report.faces),
        report.faces as f64 / (open_time + load).as_secs_f64(),
        thousands(indexed)
    );
    println!(
        "  memory: VmRSS {} for store + index (models alone {:.1} MiB, loaded in {:.2} s), {:.1} MiB in all, peak {:.1} MiB",
        delta,
        rss_before_kib.unwrap_or(0) as f64 / 1024.0,
        models.as_secs_f64(),
        rss_after_kib.unwrap_or(0) as f64 / 1024.0,
        peak_kib.unwrap_or(0) as f64 / 1024.0
    );
    LoadResult {
        models,
        open: open_time,
        load,
        faces: report.faces,
        indexed,
        rss_before_kib,
        rss_after_kib,
        peak_kib,
    }
}

#[derive(Serialize, Deserialize)]
pub struct DeleteResult {
    pub deleted: usize,
    pub delete: Duration,
    pub after_delete: DiskSize,
    pub after_reopen: DiskSize,
    pub export: Duration,
    pub export_bytes: u64,
    pub exported_faces: u64,
    pub import: Duration,
    pub compacted: DiskSize,
    /// The live faces copied into a fresh store in transactions of [`BATCH`].
    pub copied: DiskSize,
    /// The halved store after each churn cycle (reopened), with the cycle's time.
    pub churn: Vec<(DiskSize, Duration)>,
}

pub fn run_delete(
    dir: &Path,
    work: &Path,
    n: usize,
    mode: CleanerMode,
    churn: usize,
    synth: &Synthetic,
) -> DeleteResult {
    // Every other face: the odd ones go, the even ones stay.
    let store = open(dir, &mode.options(Durability::Buffered));
    let deleted = n / 2;
    let written = delete_faces(&store, (1..n).step_by(2));
    let ((), flush) = timed(|| store.flush().expect("flush"));
    let delete = written + flush;
    let after_delete = DiskSize::of(&store);
    println!(
        "delete: {} faces (every other) in {:.2} s of write + flush ({:.0} faces/s)",
        thousands(deleted),
        delete.as_secs_f64(),
        deleted as f64 / delete.as_secs_f64()
    );
    println!(
        "  on disk right after: {} ({:.0} bytes per live face)",
        after_delete.describe(),
        after_delete.sled as f64 / (n - deleted) as f64
    );
    drop(store);
    let store = open(dir, &mode.options(Durability::Flush));
    let after_reopen = DiskSize::of(&store);
    println!("  on disk after reopening: {}", after_reopen.describe());

    // The documented compaction path: `store export` to a file, `store import` into a fresh
    // directory (buffered and flushed once, as the CLI does).
    let export_path = work.join("export.jsonl");
    let (counts, export) = timed(|| {
        let file = std::fs::File::create(&export_path).expect("create the export file");
        let mut out = BufWriter::new(file);
        let counts = transfer::export(&store, MediaContent::Bytes, &mut out).expect("store export");
        out.flush().expect("write the export file");
        counts
    });
    let export_bytes = std::fs::metadata(&export_path).map_or(0, |m| m.len());
    assert_eq!(
        counts.faces as usize,
        n - deleted,
        "the export holds the live faces"
    );
    let fresh_dir = work.join("compacted");
    let (compacted, import) = timed(|| {
        let fresh = open(
            &fresh_dir,
            &SledOptions {
                durability: Durability::Buffered,
                ..SledOptions::default()
            },
        );
        let file = std::fs::File::open(&export_path).expect("open the export file");
        transfer::import(&fresh, &mut BufReader::new(file), &[]).expect("store import");
        fresh.flush().expect("flush");
        fresh
    });
    drop(compacted);
    let compacted = DiskSize::of(&open(&fresh_dir, &SledOptions::default()));
    std::fs::remove_file(&export_path).expect("remove the export file");
    println!(
        "  export + import into a fresh store: export {:.2} s ({} of JSON lines, {} faces), import {:.2} s; fresh store after reopening: {}",
        export.as_secs_f64(),
        mib(export_bytes),
        thousands(counts.faces as usize),
        import.as_secs_f64(),
        compacted.describe()
    );
    std::fs::remove_dir_all(&fresh_dir).expect("remove the compacted copy");

    // The same live faces copied into a fresh store in transactions of BATCH: how small sled
    // keeps them when they are written the way the inserts above were.
    let (copied, copy) = timed(|| {
        let fresh = open(&fresh_dir, &mode.options(Durability::Buffered));
        let faces: Vec<Face> = store
            .all_faces()
            .collect::<Result<_, _>>()
            .expect("read the live faces");
        for batch in faces.chunks(BATCH) {
            fresh
                .write(&mut |tx| {
                    for face in batch {
                        tx.put_face(face)?;
                    }
                    Ok(())
                })
                .expect("copy a batch of faces");
        }
        fresh.flush().expect("flush");
        fresh
    });
    drop(copied);
    let copied = DiskSize::of(&open(&fresh_dir, &mode.options(Durability::Flush)));
    println!(
        "  the live faces copied into a fresh store {BATCH} per transaction: {:.2} s; after reopening: {}",
        copy.as_secs_f64(),
        copied.describe()
    );
    std::fs::remove_dir_all(&fresh_dir).expect("remove the copy");

    // Churn on the halved store: each cycle inserts N/2 new faces and deletes the N/2 older ones.
    drop(store);
    let mut cycles = Vec::new();
    let mut live: Vec<usize> = (0..n).step_by(2).collect();
    let mut next = n;
    for cycle in 1..=churn {
        let store = open(dir, &mode.options(Durability::Buffered));
        let fresh: Vec<usize> = (next..next + live.len()).collect();
        next += live.len();
        let started = Instant::now();
        insert_faces(&store, synth, fresh.iter().copied());
        delete_faces(&store, live.iter().copied());
        store.flush().expect("flush");
        let elapsed = started.elapsed();
        let before_reopen = DiskSize::of(&store);
        drop(store);
        let size = DiskSize::of(&open(dir, &mode.options(Durability::Flush)));
        println!(
            "  churn cycle {cycle}: +{} new faces, -{} older ones in {:.2} s; on disk {} (after reopening: {})",
            thousands(fresh.len()),
            thousands(live.len()),
            elapsed.as_secs_f64(),
            before_reopen.describe(),
            size.describe()
        );
        live = fresh;
        cycles.push((size, elapsed));
    }
    DeleteResult {
        deleted,
        delete,
        after_delete,
        after_reopen,
        export,
        export_bytes,
        exported_faces: counts.faces,
        import,
        compacted,
        copied,
        churn: cycles,
    }
}
