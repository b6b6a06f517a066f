//! A store's size on disk, measured three ways.

use std::path::Path;

use serde::{Deserialize, Serialize};
use store::SledStore;

pub const MIB: f64 = (1u64 << 20) as f64;

/// A store's size on disk: sled's own `size_on_disk` (its log file and blob files), the sum of
/// the file lengths in the store's directory (snapshots and config included), and the blocks the
/// directory's files really occupy (`du`; sparse files count less).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct DiskSize {
    pub sled: u64,
    pub files: u64,
    pub allocated: Option<u64>,
}

impl DiskSize {
    pub fn of(store: &SledStore) -> DiskSize {
        let (files, allocated) = directory_bytes(store.path());
        DiskSize {
            sled: store.size_on_disk().expect("sled's size on disk"),
            files,
            allocated,
        }
    }

    /// `sled 812.3 MiB, files 830.1 MiB, du 790.0 MiB`.
    pub fn describe(&self) -> String {
        format!(
            "sled {}, files {}, du {}",
            mib(self.sled),
            mib(self.files),
            self.allocated.map_or("n/a".into(), mib)
        )
    }
}

pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
}

/// The summed length of every file under `dir`, and the bytes their blocks occupy (Unix).
fn directory_bytes(dir: &Path) -> (u64, Option<u64>) {
    let (mut files, mut allocated) = (0u64, Some(0u64));
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).expect("the store directory is readable");
        for entry in entries {
            let entry = entry.expect("a directory entry");
            let meta = entry.metadata().expect("file metadata");
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                files += meta.len();
                allocated = allocated.and_then(|sum| blocks_bytes(&meta).map(|b| sum + b));
            }
        }
    }
    (files, allocated)
}

#[cfg(unix)]
fn blocks_bytes(meta: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    Some(meta.blocks() * 512)
}

#[cfg(not(unix))]
fn blocks_bytes(_meta: &std::fs::Metadata) -> Option<u64> {
    None
}
