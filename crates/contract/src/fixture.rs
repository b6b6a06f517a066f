//! The fixture format (v1): one reviewable JSON file per exchange, under
//! `fixtures/<dialect>/<route dir>/`, and flow files under `fixtures/<dialect>/flows/` that chain
//! exchanges whose requests use values earlier answers returned. `fixtures/README.md` is the guide.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ContractError;

/// One exchange: the request to send and what must come back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// Where the exchange comes from: the vendor document's example (seed lines, with the exact edit
    /// where it had to be normalised), the digest's best reading, or a recording. Required.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub request: Request,
    /// Only where a fixture changes the dialect's signing on purpose (a wrong secret, an old timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<Signing>,
    /// Absent only in a request file waiting to be recorded (`contract record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Expected>,
    /// Path -> rule, replacing equality where values vary (ids, timestamps, scores).
    #[serde(default, rename = "match", skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, String>,
    /// Path -> the reason the value there is not compared at all.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ignore: BTreeMap<String, String>,
    /// Path of an object -> `"allowed"`: it may carry members the fixture does not list.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_members: BTreeMap<String, String>,
    /// Name -> path of the answer's JSON body; later steps of the flow use the value as `$name`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, String>,
}

/// The request. Paths are the dialect's route paths, relative to the base URL the tool is given
/// (for TrustVision: without its `/api` mount and query, i.e. exactly what gets signed).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(default = "post")]
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body; inputs (below) may appear anywhere in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// An `application/x-www-form-urlencoded` body: each field a string or an input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<BTreeMap<String, Value>>,
    /// A `multipart/form-data` body: each field a string or `{"file": path}` (a file part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<BTreeMap<String, Value>>,
    /// A raw body sent as is (malformed bodies), with its `Content-Type` in `headers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

fn post() -> String {
    "POST".into()
}

/// Deliberate changes to the dialect's signing (TrustVision HMAC, stateless AES).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// TrustVision: sign with this secret / key id instead of the configured pair (`$name` allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// TrustVision: a literal `X-TV-Timestamp`, or now shifted by this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_offset_secs: Option<i64>,
    /// TrustVision: sign another path than the one requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub omit_authorization: bool,
    /// Stateless: encrypt with this key / IV instead of the configured ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aes_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aes_iv: Option<String>,
}

/// What must come back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub status: u16,
    /// Response headers that matter, compared exactly (names case-insensitive).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, compared member by member (see `matching`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// An exact text body: a string, or parts concatenated (strings and inputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Value>,
    /// A binary body that must equal this file byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_file: Option<String>,
}

impl Expected {
    pub(crate) fn body_kinds(&self) -> usize {
        usize::from(self.json.is_some())
            + usize::from(self.text.is_some())
            + usize::from(self.bytes_file.is_some())
    }
}

/// A flow: steps (fixture files of the same dialect, by path under the dialect's directory) run in
/// order with one set of captured values.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub steps: Vec<String>,
}

/// A fixture as loaded: where it lives and what it says.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Path under the dialect directory (`tv05-compare-faces/matched.json`).
    pub name: String,
    /// The route directory it lives in (first path segment).
    pub dir: String,
    pub file: PathBuf,
    pub fixture: Fixture,
}

/// A loaded flow.
#[derive(Debug, Clone)]
pub struct LoadedFlow {
    pub name: String,
    pub flow: Flow,
}

/// Every fixture and flow of one dialect directory.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    pub root: PathBuf,
    /// Sorted by name.
    pub fixtures: Vec<Loaded>,
    pub flows: Vec<LoadedFlow>,
}

/// The directory that holds flows rather than exchanges.
pub const FLOWS_DIR: &str = "flows";

impl Suite {
    /// Loads `root` (`fixtures/<dialect>`): `<dir>/*.json` are exchanges, `flows/*.json` flows.
    /// Every file must parse and be well formed; the first problem of each file is reported.
    pub fn load(root: &Path) -> Result<Suite, ContractError> {
        let mut suite = Suite {
            root: root.to_owned(),
            ..Suite::default()
        };
        let mut problems = Vec::new();
        for dir in sorted_entries(root)? {
            if !dir.is_dir() {
                continue;
            }
            let dir_name = file_name(&dir);
            for file in sorted_entries(&dir)? {
                if file.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let name = format!("{dir_name}/{}", file_name(&file));
                let text =
                    std::fs::read_to_string(&file).map_err(|e| ContractError::io(&file, e))?;
                if dir_name == FLOWS_DIR {
                    match serde_json::from_str::<Flow>(&text) {
                        Ok(flow) => suite.flows.push(LoadedFlow { name, flow }),
                        Err(e) => problems.push(format!("{name}: {e}")),
                    }
                    continue;
                }
                match serde_json::from_str::<Fixture>(&text) {
                    Ok(fixture) => suite.fixtures.push(Loaded {
                        name,
                        dir: dir_name.clone(),
                        file: file.clone(),
                        fixture,
                    }),
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            }
        }
        problems.extend(suite.lint());
        if problems.is_empty() {
            Ok(suite)
        } else {
            Err(ContractError::Fixtures(problems))
        }
    }

    pub fn get(&self, name: &str) -> Option<&Loaded> {
        self.fixtures.iter().find(|f| f.name == name)
    }

    /// Whether some flow runs this fixture (then it runs only inside its flows).
    pub fn is_step(&self, name: &str) -> bool {
        self.flows
            .iter()
            .any(|flow| flow.flow.steps.iter().any(|s| s == name))
    }

    /// Problems a parser cannot see.
    fn lint(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for loaded in &self.fixtures {
            let name = &loaded.name;
            let fixture = &loaded.fixture;
            if fixture.source.trim().is_empty() {
                problems.push(format!("{name}: empty source"));
            }
            let request = &fixture.request;
            let bodies = usize::from(request.json.is_some())
                + usize::from(request.form.is_some())
                + usize::from(request.multipart.is_some())
                + usize::from(request.text.is_some());
            if bodies > 1 {
                problems.push(format!("{name}: more than one request body kind"));
            }
            if !request.path.starts_with('/') || request.path.contains('?') {
                problems.push(format!(
                    "{name}: request.path must start with / and carry no query (use request.query)"
                ));
            }
            if let Some(expected) = &fixture.response {
                if expected.body_kinds() > 1 {
                    problems.push(format!("{name}: more than one response body kind"));
                }
                if expected.json.is_none()
                    && !(fixture.rules.is_empty()
                        && fixture.ignore.is_empty()
                        && fixture.extra_members.is_empty())
                {
                    problems.push(format!(
                        "{name}: match, ignore and extra_members apply to JSON bodies only"
                    ));
                }
            }
            for (path, reason) in &fixture.ignore {
                if reason.trim().is_empty() {
                    problems.push(format!("{name}: ignore `{path}` carries no reason"));
                }
            }
            for (path, value) in &fixture.extra_members {
                if value != "allowed" {
                    problems.push(format!(
                        "{name}: extra_members `{path}` must be \"allowed\""
                    ));
                }
            }
            let uses_captures = !crate::vars::names_used(fixture).is_empty();
            if uses_captures && !self.is_step(name) {
                problems.push(format!(
                    "{name}: uses captured values ({}) but no flow runs it",
                    crate::vars::names_used(fixture).join(", ")
                ));
            }
        }
        for flow in &self.flows {
            if flow.flow.source.trim().is_empty() {
                problems.push(format!("{}: empty source", flow.name));
            }
            if flow.flow.steps.is_empty() {
                problems.push(format!("{}: no steps", flow.name));
            }
            for step in &flow.flow.steps {
                if self.get(step).is_none() {
                    problems.push(format!("{}: step {step} is not a fixture", flow.name));
                }
            }
        }
        problems
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, ContractError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ContractError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
