//! Store-scale benchmark: the sled store and the start-up index load at 10 k, 100 k and 1 M faces.
//!
//! `cargo bench -p ekyc-command --bench store_scale` (`STORE_BENCH_MAX=100000` stops after 100 k;
//! `STORE_BENCH_MODES=HighThroughput` skips the `LowSpace` comparison rows; `STORE_BENCH_CHURN=0`
//! skips the churn cycles).
//!
//! The embeddings are the search bench's synthetic identities, derived from real embeddings of
//! `../shared/data/faces` (see `common`). Per size and sled mode, each step in a fresh child
//! process (so that its memory figures start from a clean heap):
//!
//! 1. **Insert.** A fresh [`store::SledStore`] (buffered durability, as `store import` opens it)
//!    takes N faces in one namespace, 1 000 per transaction, then one flush: time, faces/s, size
//!    on disk.
//! 2. **Start-up load.** The store reopened with default options (what `serve` opens) and
//!    [`ekyc_command::gallery::FaceGallery::open`], the function `serve` runs at start: time,
//!    faces loaded, memory.
//! 3. **Disk after deletes.** Every other face deleted (1 000 per transaction), flushed: size on
//!    disk right after and after reopening; then the half exported and imported into a fresh
//!    directory (`store export` + `store import`, the documented compaction path), and for
//!    comparison copied into a fresh directory 1 000 faces per transaction; then churn cycles on
//!    the halved store (insert N/2 new faces, delete the N/2 older ones) to see whether the size
//!    stays bounded under steady turnover.
//!
//! Sizes on disk are given three ways (see `DiskSize`): sled's own count, the files' lengths, and
//! the blocks they occupy.

mod common;
#[path = "store_scale/disk.rs"]
mod disk;
#[path = "store_scale/steps.rs"]
mod steps;

use std::path::PathBuf;
use std::time::Instant;

use common::{load_average, real_embeddings, thousands, Synthetic};
use disk::{DiskSize, MIB};
use serde::{Deserialize, Serialize};
use steps::{CleanerMode, DeleteResult, InsertResult, LoadResult, BATCH, COLLECTION, TENANT};

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const CHURN_CYCLES: usize = 4;
/// Set (to a JSON [`Job`]) in the child process that runs one step.
const CHILD_ENV: &str = "STORE_BENCH_CHILD_JOB";
/// Prefix of the child's last line: its result as JSON.
const RESULT_PREFIX: &str = "STORE_BENCH_RESULT ";

// The target (issue 4, "store scale") on this 2-core machine.
const TARGET_FACES: usize = 1_000_000;
const TARGET_LOAD_S: f64 = 30.0;

fn main() {
    if let Ok(job) = std::env::var(CHILD_ENV) {
        return common::run_child(&job, RESULT_PREFIX, run_job);
    }
    let started = Instant::now();
    let sizes = common::sizes_up_to(&SIZES, "STORE_BENCH_MAX");
    let modes = modes_from_env();
    let churn = std::env::var("STORE_BENCH_CHURN")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(CHURN_CYCLES);

    println!("== store scale benchmark (sled store + FaceGallery::open) ==");
    println!(
        "machine: {} CPUs, load average at start {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let Some(reals) = real_embeddings("store_scale") else {
        return;
    };
    let synth = Synthetic::from_reals(&reals, common::SHRINK, common::IDENTITY_SIGMA);
    println!(
        "embeddings: the search bench's synthetic identities around {} real embeddings of {}, {} values, model {}",
        reals.len(),
        common::FACES_DIR,
        synth.dimension(),
        synth.model_id
    );
    println!(
        "faces: one namespace ({TENANT}/{COLLECTION}), random-looking UUID ids, a bounding box, metadata {{\"app_id\": i}}, no person;"
    );
    println!(
        "       {BATCH} faces per transaction; sled modes {}; {churn} churn cycle(s)",
        modes
            .iter()
            .map(|m| format!("{m:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "(each step runs in a fresh child process, so its memory is measured from a clean heap)"
    );

    let mut rows = Vec::new();
    let mut failed = 0;
    for &n in &sizes {
        for &mode in &modes {
            match run_row(&synth, n, mode, churn) {
                Ok(row) => rows.push(row),
                Err(e) => {
                    failed += 1;
                    println!("N = {} ({mode:?}): FAILED: {e}", thousands(n));
                }
            }
        }
    }
    print_summary(&rows, churn);
    println!(
        "total wall time {:.1} s (load average at end {})",
        started.elapsed().as_secs_f64(),
        load_average()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

fn modes_from_env() -> Vec<CleanerMode> {
    let Ok(text) = std::env::var("STORE_BENCH_MODES") else {
        return vec![CleanerMode::HighThroughput, CleanerMode::LowSpace];
    };
    let modes: Vec<CleanerMode> = text
        .split(',')
        .filter_map(|m| match m.trim().to_ascii_lowercase().as_str() {
            "highthroughput" | "high" => Some(CleanerMode::HighThroughput),
            "lowspace" | "low" => Some(CleanerMode::LowSpace),
            _ => None,
        })
        .collect();
    if modes.is_empty() {
        vec![CleanerMode::HighThroughput]
    } else {
        modes
    }
}

/// One step, run in a child process.
#[derive(Serialize, Deserialize)]
enum Job {
    Insert {
        dir: PathBuf,
        n: usize,
        mode: CleanerMode,
        synth: Synthetic,
    },
    Load {
        dir: PathBuf,
        n: usize,
        mode: CleanerMode,
    },
    Delete {
        dir: PathBuf,
        work: PathBuf,
        n: usize,
        mode: CleanerMode,
        churn: usize,
        synth: Synthetic,
    },
}

#[derive(Serialize, Deserialize)]
enum JobResult {
    Insert(InsertResult),
    Load(LoadResult),
    Delete(DeleteResult),
}

fn run_job(job: Job) -> JobResult {
    match job {
        Job::Insert {
            dir,
            n,
            mode,
            synth,
        } => JobResult::Insert(steps::run_insert(&dir, n, mode, &synth)),
        Job::Load { dir, n, mode } => JobResult::Load(steps::run_load(&dir, n, mode)),
        Job::Delete {
            dir,
            work,
            n,
            mode,
            churn,
            synth,
        } => JobResult::Delete(steps::run_delete(&dir, &work, n, mode, churn, &synth)),
    }
}

/// The three steps of one size and mode, each in its own child, on one temporary directory.
fn run_row(synth: &Synthetic, n: usize, mode: CleanerMode, churn: usize) -> Result<Row, String> {
    println!();
    println!("-- N = {} faces, sled mode {mode:?} --", thousands(n));
    let work = tempfile::Builder::new()
        .prefix("store-scale-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let dir = work.path().join("store");
    let insert = match common::run_in_child(
        CHILD_ENV,
        RESULT_PREFIX,
        &Job::Insert {
            dir: dir.clone(),
            n,
            mode,
            synth: synth.clone(),
        },
    )? {
        JobResult::Insert(result) => result,
        _ => return Err("the insert step answered another step's result".into()),
    };
    let load = match common::run_in_child(
        CHILD_ENV,
        RESULT_PREFIX,
        &Job::Load {
            dir: dir.clone(),
            n,
            mode,
        },
    )? {
        JobResult::Load(result) => result,
        _ => return Err("the load step answered another step's result".into()),
    };
    let delete = match common::run_in_child(
        CHILD_ENV,
        RESULT_PREFIX,
        &Job::Delete {
            dir,
            work: work.path().to_path_buf(),
            n,
            mode,
            churn,
            synth: synth.clone(),
        },
    )? {
        JobResult::Delete(result) => result,
        _ => return Err("the delete step answered another step's result".into()),
    };
    Ok(Row {
        n,
        mode,
        insert,
        load,
        delete,
    })
}

struct Row {
    n: usize,
    mode: CleanerMode,
    insert: InsertResult,
    load: LoadResult,
    delete: DeleteResult,
}

fn print_summary(rows: &[Row], churn: usize) {
    let mib = |bytes: u64| format!("{:.1}", bytes as f64 / MIB);
    let rss = |kib: Option<i64>| kib.map_or("n/a".into(), |k| format!("{:.1}", k as f64 / 1024.0));
    println!();
    println!("== summary: insert and start-up load ==");
    println!(
        "{:>10} {:>15} {:>9} {:>9} {:>8} {:>8} {:>10} {:>10} {:>12} {:>10}",
        "faces",
        "sled mode",
        "insert s",
        "faces/s",
        "open s",
        "load s",
        "loaded",
        "RSS +MiB",
        "RSS all MiB",
        "peak MiB"
    );
    for r in rows {
        let l = &r.load;
        println!(
            "{:>10} {:>15} {:>9.2} {:>9.0} {:>8.2} {:>8.2} {:>10} {:>10} {:>12} {:>10}",
            thousands(r.n),
            format!("{:?}", r.mode),
            r.insert.insert.as_secs_f64(),
            r.n as f64 / r.insert.insert.as_secs_f64(),
            l.open.as_secs_f64(),
            l.load.as_secs_f64(),
            thousands(l.faces),
            rss(l.rss_after_kib.zip(l.rss_before_kib).map(|(a, b)| a - b)),
            rss(l.rss_after_kib),
            rss(l.peak_kib)
        );
    }
    println!();
    println!("== summary: size on disk, MiB (sled's size_on_disk / sum of file lengths) ==");
    println!(
        "{:>10} {:>15} {:>17} {:>17} {:>17} {:>17} {:>17}",
        "faces",
        "sled mode",
        "after insert",
        "deleted half",
        "reopened",
        "export+import",
        "batched copy"
    );
    let pair = |d: &DiskSize| format!("{} / {}", mib(d.sled), mib(d.files));
    for r in rows {
        let d = &r.delete;
        println!(
            "{:>10} {:>15} {:>17} {:>17} {:>17} {:>17} {:>17}",
            thousands(r.n),
            format!("{:?}", r.mode),
            pair(&r.insert.disk),
            pair(&d.after_delete),
            pair(&d.after_reopen),
            pair(&d.compacted),
            pair(&d.copied)
        );
    }
    println!(
        "(export+import: the live half through `store export` + `store import` into a fresh directory;"
    );
    println!(
        " batched copy: the live half copied into a fresh directory {BATCH} faces per transaction)"
    );
    if churn > 0 {
        println!();
        println!("== summary: churn on the halved store, sled's size_on_disk MiB after each cycle (reopened) ==");
        print!("{:>10} {:>15} {:>12}", "faces", "sled mode", "reopened");
        for cycle in 1..=churn {
            print!(" {:>9}", format!("cycle {cycle}"));
        }
        println!();
        for r in rows {
            print!(
                "{:>10} {:>15} {:>12}",
                thousands(r.n),
                format!("{:?}", r.mode),
                mib(r.delete.after_reopen.sled)
            );
            for (size, _) in &r.delete.churn {
                print!(" {:>9}", mib(size.sled));
            }
            println!();
        }
        println!("(a cycle inserts N/2 new faces and deletes the N/2 older ones: the live count stays N/2)");
    }
    println!();
    println!(
        "target (issue 4): start-up load of {} faces (SledStore::open + FaceGallery::open) <= {TARGET_LOAD_S} s",
        thousands(TARGET_FACES)
    );
    let at_target: Vec<&Row> = rows.iter().filter(|r| r.n == TARGET_FACES).collect();
    if at_target.is_empty() {
        println!(
            "  not measured: this run stopped below {} faces (STORE_BENCH_MAX)",
            thousands(TARGET_FACES)
        );
    }
    for r in at_target {
        let total = (r.load.open + r.load.load).as_secs_f64();
        println!(
            "  {:<15} {total:.2} s (open {:.2} s + load {:.2} s)   {}",
            format!("{:?}", r.mode),
            r.load.open.as_secs_f64(),
            r.load.load.as_secs_f64(),
            if total <= TARGET_LOAD_S {
                "MET"
            } else {
                "NOT MET"
            }
        );
    }
    println!("disk (sled's size_on_disk, relative to right after the N inserts):");
    for r in rows {
        let base = r.insert.disk.sled as f64;
        let ratio = |d: &DiskSize| format!("{:.2}", d.sled as f64 / base);
        let churned: Vec<String> = r.delete.churn.iter().map(|(d, _)| ratio(d)).collect();
        println!(
            "  {:>10} {:<15} deleted half {}, reopened {}, export+import {}, batched copy {}, churn [{}]; {} MiB of export for {} faces",
            thousands(r.n),
            format!("{:?}", r.mode),
            ratio(&r.delete.after_delete),
            ratio(&r.delete.after_reopen),
            ratio(&r.delete.compacted),
            ratio(&r.delete.copied),
            churned.join(", "),
            mib(r.delete.export_bytes),
            thousands(r.delete.exported_faces as usize)
        );
    }
}
