//! `models/manifest.toml`, compiled into the binary so a deployed gateway needs no checkout.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "package")]
    pub packages: Vec<Package>,
    #[serde(rename = "model")]
    pub models: Vec<Model>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    Pypi,
    Npm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub id: String,
    pub registry: Registry,
    pub name: String,
    pub version: String,
    /// File name the registry client saves the archive as.
    pub archive: String,
    pub archive_sha256: String,
    /// Extra `pip download` arguments (platform pinning).
    #[serde(default)]
    pub pip_args: Vec<String>,
    pub licence: String,
    #[serde(rename = "file")]
    pub files: Vec<PackageFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageFile {
    /// Path inside the archive.
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub id: String,
    /// Name of a converter script in `tools/models/` (without `.py`), or `copy` for a package file
    /// tract loads as shipped (copied and verified, no Python).
    pub converter: String,
    /// `package-id:path-inside-archive`, in the order the converter takes them.
    pub inputs: Vec<String>,
    /// File name of the converted model inside the cache.
    pub output: String,
    pub sha256: String,
}

impl Manifest {
    pub fn bundled() -> Self {
        toml::from_str(include_str!("../../../../models/manifest.toml"))
            .expect("models/manifest.toml is checked by a unit test")
    }

    pub fn model(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    #[cfg(test)]
    pub fn package(&self, id: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_manifest_is_complete_and_consistent() {
        let manifest = Manifest::bundled();
        let is_sha = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        for package in &manifest.packages {
            assert!(is_sha(&package.archive_sha256), "{}", package.id);
            for file in &package.files {
                assert!(is_sha(&file.sha256), "{}", file.path);
            }
        }
        for model in &manifest.models {
            assert!(
                is_sha(&model.sha256),
                "model {} has no pinned output sha256",
                model.id
            );
            for input in &model.inputs {
                let (pkg, path) = input.split_once(':').expect("package:path");
                let package = manifest.package(pkg).expect("input names a listed package");
                assert!(
                    package.files.iter().any(|f| f.path == path),
                    "{input} is not a listed file"
                );
            }
        }
        // A copy is the package file itself, so both pins must agree.
        for model in manifest.models.iter().filter(|m| m.converter == "copy") {
            let [input] = model.inputs.as_slice() else {
                panic!("copy {} takes exactly one input", model.id);
            };
            let (pkg, path) = input.split_once(':').expect("package:path");
            let files = &manifest.package(pkg).expect("a listed package").files;
            let file = files
                .iter()
                .find(|f| f.path == path)
                .expect("a listed file");
            assert_eq!(file.sha256, model.sha256, "{}", model.id);
        }
        // The engine loads the outputs under its canonical names.
        let dir = std::path::Path::new("");
        let (faces, ocr) = (
            engine::ModelFiles::in_dir(dir),
            engine::OcrModelFiles::in_dir(dir),
        );
        for (id, path) in faces.by_id().into_iter().chain(ocr.by_id()) {
            let model = manifest
                .model(id)
                .unwrap_or_else(|| panic!("manifest has no model {id}"));
            assert_eq!(std::path::Path::new(&model.output), path, "{id}");
        }
    }
}
