//! Inputs a fixture names instead of inlining them: data files (under the data roots, normally
//! `../shared/data`, or beside the fixture when the path starts with `./`), their base64 or data URI,
//! zero-filled buffers, and images encrypted the stateless dialect's way.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::dialect::Cipher;
use crate::vars::{substitute, Vars};

/// A data file the fixture needs is absent: the fixture (and the rest of its flow) is skipped.
#[derive(Debug, Clone)]
pub struct Missing(pub String);

/// Everything needed to turn a fixture's request into bytes.
pub struct Inputs<'a> {
    pub roots: &'a [PathBuf],
    /// The fixture file's directory (for `./` paths).
    pub beside: &'a Path,
    pub vars: &'a Vars,
    pub cipher: Option<&'a Cipher>,
}

impl Inputs<'_> {
    pub fn file(&self, path: &str) -> Result<Vec<u8>, Missing> {
        let candidates: Vec<PathBuf> = match path.strip_prefix("./") {
            Some(rest) => vec![self.beside.join(rest)],
            None => self.roots.iter().map(|root| root.join(path)).collect(),
        };
        candidates
            .iter()
            .find_map(|candidate| std::fs::read(candidate).ok())
            .ok_or_else(|| Missing(path.to_owned()))
    }

    /// A JSON value with `$name` substituted in every string and every input replaced by its text.
    pub fn json(&self, value: &Value) -> Result<Value, Missing> {
        Ok(match value {
            Value::String(text) => Value::String(substitute(text, self.vars)),
            Value::Object(object) => match self.input(object)? {
                Some(text) => Value::String(text),
                None => {
                    let mut out = Map::new();
                    for (key, value) in object {
                        out.insert(key.clone(), self.json(value)?);
                    }
                    Value::Object(out)
                }
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.json(item))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    /// A form field or text part: a string, or an input.
    pub fn text(&self, value: &Value) -> Result<String, Missing> {
        match self.json(value)? {
            Value::String(text) => Ok(text),
            other => Ok(other.to_string()),
        }
    }

    /// `{"file_base64": p}`, `{"file_data_uri": p [, "prefix": "data:...;base64,"]}`,
    /// `{"zero_bytes": n}` (base64 of n zero bytes), `{"encrypted_file": p}` (stateless AES-GCM).
    fn input(&self, object: &Map<String, Value>) -> Result<Option<String>, Missing> {
        let text = |key: &str| object.get(key).and_then(Value::as_str);
        if let Some(path) = text("file_base64").filter(|_| object.len() == 1) {
            return Ok(Some(STANDARD.encode(self.file(path)?)));
        }
        if let Some(path) = text("file_data_uri") {
            if object.keys().all(|k| k == "file_data_uri" || k == "prefix") {
                let bytes = self.file(path)?;
                let prefix = match text("prefix") {
                    Some(prefix) => prefix.to_owned(),
                    None => format!("data:{};base64,", media_type(&bytes)),
                };
                return Ok(Some(format!("{prefix}{}", STANDARD.encode(bytes))));
            }
        }
        if let Some(n) = object.get("zero_bytes").and_then(Value::as_u64) {
            if object.len() == 1 {
                return Ok(Some(STANDARD.encode(vec![0u8; n as usize])));
            }
        }
        if let Some(path) = text("encrypted_file").filter(|_| object.len() == 1) {
            let bytes = self.file(path)?;
            return Ok(Some(match self.cipher {
                Some(cipher) => cipher.encrypt(&bytes),
                // Not a stateless fixture: nothing to encrypt with; sent as base64.
                None => STANDARD.encode(bytes),
            }));
        }
        Ok(None)
    }
}

/// The media type sniffed from the bytes (what a client would label the file).
pub fn media_type(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'%', b'P', b'D', b'F', ..] => "application/pdf",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => "application/octet-stream",
    }
}
