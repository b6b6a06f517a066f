//! The store on disk (`<data_dir>/store`, sled) and the `store` subcommands: `stats`, `export`,
//! `import`, `reembed`.

use std::io::{BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use command::gallery::reembed;
use command::{FaceVerifier, ScoreCalibration};
use store::transfer::{self, MediaContent, NamespaceMapping};
use store::{Durability, SledOptions, SledStore};

use crate::config::{Config, StoreDurability};

/// Where the store lives inside the data directory.
pub fn store_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("store")
}

/// Where `store compact` builds the compact copy, and where the old store waits while the two are
/// swapped.
fn compact_dirs(data_dir: &Path) -> (PathBuf, PathBuf) {
    (
        data_dir.join("store.compacting"),
        data_dir.join("store.before-compact"),
    )
}

/// Finishes or undoes a `store compact` a crash interrupted: the old store is put back unless the
/// swap was complete.
fn recover_interrupted_compaction(data_dir: &Path) -> anyhow::Result<()> {
    let dir = store_dir(data_dir);
    let (copy, old) = compact_dirs(data_dir);
    if old.exists() {
        if dir.exists() {
            // The swap finished; only the old copy's removal was interrupted.
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&old, &dir)?;
        }
    }
    if copy.exists() {
        std::fs::remove_dir_all(&copy)?;
    }
    Ok(())
}

/// Opens (creating) the store; a newer schema, a lock held by a running gateway and corruption are
/// reported in one line naming the directory.
pub fn open(config: &Config, durability: Option<Durability>) -> anyhow::Result<Arc<SledStore>> {
    let dir = store_dir(&config.data_dir);
    recover_interrupted_compaction(&config.data_dir)
        .context("cannot recover from an interrupted `store compact`")?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the store directory {}", dir.display()))?;
    let options = SledOptions {
        durability: durability.unwrap_or(match config.store.durability {
            StoreDurability::Flush => Durability::Flush,
            StoreDurability::Buffered => Durability::Buffered,
        }),
        cache_capacity_bytes: config.store.cache_mib.saturating_mul(1024 * 1024),
        ..SledOptions::default()
    };
    let store = SledStore::open(&dir, &options)
        .with_context(|| format!("cannot open the store in {}", dir.display()))?;
    Ok(Arc::new(store))
}

/// `store stats`: counts by namespace and by embedding model, and the size on disk.
pub fn stats(config: &Config) -> anyhow::Result<()> {
    let store = open(config, None)?;
    let counts = transfer::stats(store.as_ref())?;
    let report = serde_json::json!({
        "store": store.path(),
        "schema_version": store::SCHEMA_VERSION,
        "size_on_disk_bytes": store.size_on_disk()?,
        "counts": counts,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// `store export`: JSON lines to a file or stdout.
pub fn export(config: &Config, output: Option<&Path>, references_only: bool) -> anyhow::Result<()> {
    let store = open(config, None)?;
    let media = if references_only {
        MediaContent::References
    } else {
        MediaContent::Bytes
    };
    let counts = match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            let counts = transfer::export(store.as_ref(), media, &mut out)?;
            out.flush()?;
            counts
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            transfer::export(store.as_ref(), media, &mut out)?
        }
    };
    eprintln!(
        "exported {} media, {} persons, {} faces",
        counts.media, counts.persons, counts.faces
    );
    Ok(())
}

/// `store import`: JSON lines from a file or stdin (`-`), written as they are read and flushed once.
pub fn import(config: &Config, input: &Path, mappings: &[NamespaceMapping]) -> anyhow::Result<()> {
    let store = open(config, Some(Durability::Buffered))?;
    let counts = if input == Path::new("-") {
        let stdin = std::io::stdin();
        transfer::import(store.as_ref(), &mut stdin.lock(), mappings)?
    } else {
        let file = std::fs::File::open(input)
            .with_context(|| format!("cannot open {}", input.display()))?;
        transfer::import(store.as_ref(), &mut BufReader::new(file), mappings)?
    };
    eprintln!(
        "imported {} media, {} persons, {} faces",
        counts.media, counts.persons, counts.faces
    );
    for (model, faces) in &counts.faces_by_model {
        if model != engine::RECOGNIZER_MODEL_ID {
            eprintln!(
                "note: {faces} imported face(s) were embedded by `{model}`, not this build's `{}`: \
                 run `ekyc-gateway store reembed` before `serve`",
                engine::RECOGNIZER_MODEL_ID
            );
        }
    }
    Ok(())
}

/// `store reembed`: every face of another model, embedded again from its stored original.
pub fn reembed_all(config: &Config) -> anyhow::Result<bool> {
    let files = crate::models::verify(&config.model_dir)?;
    let engine = engine::FaceEngine::load(&files).context("cannot load the face models")?;
    let verifier = FaceVerifier::new(Arc::new(engine), Arc::new(ScoreCalibration::bundled()));
    let store = open(config, None)?;
    let report = reembed(store.as_ref(), &verifier, |progress| {
        if progress.reembedded % 100 == 0 {
            eprintln!("re-embedded {} faces so far", progress.reembedded);
        }
    })?;
    eprintln!(
        "{} face(s) re-embedded, {} already current, {} could not be re-embedded",
        report.reembedded,
        report.current,
        report.failed.len()
    );
    if report.dropped_inquiries > 0 {
        eprintln!(
            "{} trustvision alert inquiries without an image removed (their history cannot be re-embedded)",
            report.dropped_inquiries
        );
    }
    for (face, reason) in &report.failed {
        eprintln!("  {face}: {reason}");
    }
    Ok(report.failed.is_empty())
}

/// `store compact`: sled never gives back the space of deleted records (docs/benchmarks.md), so the
/// live records are copied, 1000 per transaction, into a fresh store that then replaces the old
/// one. The copy goes through the export format (media bytes included) in a temporary file.
pub fn compact(config: &Config) -> anyhow::Result<()> {
    let (copy_dir, old_dir) = compact_dirs(&config.data_dir);
    let before = {
        let store = open(config, None)?;
        let before = store.size_on_disk()?;
        let mut dump = tempfile::tempfile_in(&config.data_dir)?;
        {
            let mut out = BufWriter::new(&mut dump);
            transfer::export(store.as_ref(), MediaContent::Bytes, &mut out)?;
            out.flush()?;
        }
        use std::io::Seek as _;
        dump.rewind()?;
        let copy = SledStore::open(
            &copy_dir,
            &SledOptions {
                durability: Durability::Buffered,
                ..SledOptions::default()
            },
        )?;
        transfer::import(&copy, &mut BufReader::new(dump), &[])?;
        store::Store::flush(&copy)?;
        before
    };
    // Both stores are closed here (sled lets go of its lock a moment after the last handle).
    std::thread::sleep(std::time::Duration::from_millis(200));
    let dir = store_dir(&config.data_dir);
    std::fs::rename(&dir, &old_dir).context("cannot move the old store aside")?;
    std::fs::rename(&copy_dir, &dir).context("cannot move the compact store in place")?;
    std::fs::remove_dir_all(&old_dir).context("cannot remove the old store")?;
    let after = open(config, None)?.size_on_disk()?;
    eprintln!(
        "store compacted: {:.1} MiB -> {:.1} MiB",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0
    );
    Ok(())
}
