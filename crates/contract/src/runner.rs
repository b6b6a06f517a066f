//! Replaying a suite against an endpoint: standalone exchanges first (sorted by name), then each
//! flow, its steps sharing captured values. Every difference is collected, never just the first.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::blocking::{multipart, Client};
use serde::Serialize;
use serde_json::Value;

use crate::dialect::{Dialect, Keys};
use crate::fixture::{Expected, Loaded, Suite};
use crate::inputs::{Inputs, Missing};
use crate::matching::{compare_json, lookup, Mismatch};
use crate::vars::{substitute, Vars};
use crate::ContractError;

/// The endpoint under test and how to talk to it.
pub struct Target {
    pub dialect: Dialect,
    /// Where the dialect's routes start (TrustVision: ending in its `/api` mount, as the vendor's
    /// client takes it), without a trailing slash.
    pub base_url: String,
    pub keys: Keys,
    /// Where data file paths are looked up, in order (normally `../shared/data`).
    pub data_roots: Vec<PathBuf>,
    pub timeout: Duration,
}

impl Target {
    pub fn new(
        dialect: Dialect,
        base_url: &str,
        keys: Option<&str>,
        data_roots: Vec<PathBuf>,
    ) -> Result<Target, ContractError> {
        Ok(Target {
            dialect,
            base_url: base_url.trim_end_matches('/').to_owned(),
            keys: Keys::parse(dialect, keys)?,
            data_roots,
            timeout: Duration::from_secs(180),
        })
    }
}

/// What the endpoint answered.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.bytes).ok()
    }

    /// The body for a report: text cut at 1500 characters, binary as its length.
    pub fn excerpt(&self) -> String {
        let Ok(text) = std::str::from_utf8(&self.bytes) else {
            return format!("<{} bytes, not UTF-8>", self.bytes.len());
        };
        match text.char_indices().nth(1500) {
            Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], self.bytes.len()),
            None => text.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Skipped,
}

/// One fixture's result.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureResult {
    pub fixture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    pub verdict: Verdict,
    /// The outcome label of the answer (`ok` or the dialect's error code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_because: Option<String>,
    /// The answer's body (cut), for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dialect: Dialect,
    pub base_url: String,
    pub fixtures_dir: String,
    pub found: usize,
    pub replayed: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub results: Vec<FixtureResult>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.failed == 0
    }

    /// One line: `trustvision: 96 fixtures, 96 replayed, 96 passed, 0 failed, 0 skipped`.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} fixtures, {} replayed, {} passed, {} failed, {} skipped",
            self.dialect.name(),
            self.found,
            self.replayed,
            self.passed,
            self.failed,
            self.skipped
        )
    }

    /// The failures and skips, readable.
    pub fn details(&self) -> String {
        let mut out = String::new();
        for result in &self.results {
            let name = match &result.flow {
                Some(flow) => format!("{} (flow {flow})", result.fixture),
                None => result.fixture.clone(),
            };
            match result.verdict {
                Verdict::Pass => {}
                Verdict::Skipped => out.push_str(&format!(
                    "SKIPPED {name}: {}\n",
                    result.skipped_because.as_deref().unwrap_or("")
                )),
                Verdict::Fail => {
                    out.push_str(&format!("DIFFERS {name}\n"));
                    for mismatch in &result.mismatches {
                        out.push_str(&format!("  {mismatch}\n"));
                    }
                    if let Some(answer) = &result.answer {
                        out.push_str(&format!("  answer: {answer}\n"));
                    }
                }
            }
        }
        out
    }
}

/// One planned exchange: a fixture, standalone or as a step of a flow.
pub(crate) struct Planned<'s> {
    pub loaded: &'s Loaded,
    pub flow: Option<&'s str>,
}

/// Standalone fixtures (not steps of any flow) in name order, then each flow's steps in order.
pub(crate) fn plan(suite: &Suite) -> Vec<Planned<'_>> {
    let mut planned: Vec<Planned> = suite
        .fixtures
        .iter()
        .filter(|f| !suite.is_step(&f.name))
        .map(|loaded| Planned { loaded, flow: None })
        .collect();
    for flow in &suite.flows {
        for step in &flow.flow.steps {
            if let Some(loaded) = suite.get(step) {
                planned.push(Planned {
                    loaded,
                    flow: Some(&flow.name),
                });
            }
        }
    }
    planned
}

/// Replays the suite; `each` sees every result as it comes (for progress output).
pub fn verify(suite: &Suite, target: &Target, mut each: impl FnMut(&FixtureResult)) -> Report {
    let client = client(target);
    let mut results = Vec::new();
    let mut vars = target.keys.vars();
    let mut current_flow: Option<&str> = None;
    let mut flow_broken: Option<String> = None;
    for planned in plan(suite) {
        if planned.flow != current_flow {
            current_flow = planned.flow;
            vars = target.keys.vars();
            flow_broken = None;
        }
        let name = planned.loaded.name.clone();
        let result = match &flow_broken {
            Some(why) => FixtureResult::skipped(&name, planned.flow, why.clone()),
            None => {
                let result = run_one(&client, target, planned.loaded, planned.flow, &mut vars);
                if planned.flow.is_some() && result.verdict == Verdict::Skipped {
                    flow_broken = Some(format!(
                        "an earlier step ({name}) was skipped: {}",
                        result.skipped_because.as_deref().unwrap_or("")
                    ));
                }
                result
            }
        };
        each(&result);
        results.push(result);
    }
    let count = |verdict| {
        results
            .iter()
            .filter(|r: &&FixtureResult| r.verdict == verdict)
            .count()
    };
    Report {
        dialect: target.dialect,
        base_url: target.base_url.clone(),
        fixtures_dir: suite.root.display().to_string(),
        found: suite.fixtures.len(),
        replayed: count(Verdict::Pass) + count(Verdict::Fail),
        passed: count(Verdict::Pass),
        failed: count(Verdict::Fail),
        skipped: count(Verdict::Skipped),
        results,
    }
}

impl FixtureResult {
    fn skipped(name: &str, flow: Option<&str>, why: String) -> FixtureResult {
        FixtureResult {
            fixture: name.to_owned(),
            flow: flow.map(str::to_owned),
            verdict: Verdict::Skipped,
            outcome: None,
            mismatches: Vec::new(),
            skipped_because: Some(why),
            answer: None,
        }
    }
}

pub(crate) fn client(target: &Target) -> Client {
    Client::builder()
        .timeout(target.timeout)
        .build()
        .expect("an HTTP client with default TLS settings builds")
}

fn run_one(
    client: &Client,
    target: &Target,
    loaded: &Loaded,
    flow: Option<&str>,
    vars: &mut Vars,
) -> FixtureResult {
    let name = &loaded.name;
    let answer = match send(client, target, loaded, vars) {
        Ok(answer) => answer,
        Err(SendError::Missing(Missing(path))) => {
            return FixtureResult::skipped(name, flow, format!("data file {path} is absent"))
        }
        Err(SendError::Transport(why)) => {
            return FixtureResult {
                verdict: Verdict::Fail,
                mismatches: vec![Mismatch::new("(transport)", why)],
                ..FixtureResult::skipped(name, flow, String::new())
            }
            .without_skip()
        }
    };
    let body = answer.json();
    let outcome = target.dialect.outcome(answer.status, body.as_ref());
    let mut mismatches = match &loaded.fixture.response {
        None => vec![Mismatch::new(
            "(fixture)",
            "no expected response (record it first)",
        )],
        Some(expected) => match check(expected, loaded, &answer, target, vars) {
            Ok(mismatches) => mismatches,
            Err(Missing(path)) => {
                return FixtureResult::skipped(name, flow, format!("data file {path} is absent"))
            }
        },
    };
    for (var, path) in &loaded.fixture.capture {
        match body.as_ref().map(|b| lookup(b, path)) {
            Some(Value::String(text)) => {
                vars.insert(var.clone(), text.clone());
            }
            Some(Value::Number(n)) => {
                vars.insert(var.clone(), n.to_string());
            }
            _ => mismatches.push(Mismatch::new(
                "(capture)",
                format!("{var}: nothing to capture at {path}"),
            )),
        }
    }
    let failed = !mismatches.is_empty();
    FixtureResult {
        fixture: name.clone(),
        flow: flow.map(str::to_owned),
        verdict: if failed { Verdict::Fail } else { Verdict::Pass },
        outcome: Some(outcome),
        mismatches,
        skipped_because: None,
        answer: failed.then(|| answer.excerpt()),
    }
}

impl FixtureResult {
    fn without_skip(mut self) -> FixtureResult {
        self.skipped_because = None;
        self
    }
}

pub(crate) enum SendError {
    Missing(Missing),
    Transport(String),
}

impl From<Missing> for SendError {
    fn from(missing: Missing) -> Self {
        SendError::Missing(missing)
    }
}

/// Builds, signs and sends one fixture's request.
pub(crate) fn send(
    client: &Client,
    target: &Target,
    loaded: &Loaded,
    vars: &Vars,
) -> Result<Answer, SendError> {
    let fixture = &loaded.fixture;
    let request = &fixture.request;
    let beside = loaded.file.parent().unwrap_or(std::path::Path::new("."));
    let cipher = target
        .keys
        .cipher(fixture.signing.as_ref())
        .map_err(|e| SendError::Transport(e.to_string()))?;
    let inputs = Inputs {
        roots: &target.data_roots,
        beside,
        vars,
        cipher: cipher.as_ref(),
    };
    let method = request.method.to_ascii_uppercase();
    let path = substitute(&request.path, vars);
    let mut url = format!("{}{path}", target.base_url);
    if !request.query.is_empty() {
        let pairs: Vec<(&String, String)> = request
            .query
            .iter()
            .map(|(k, v)| (k, substitute(v, vars)))
            .collect();
        url = format!(
            "{url}?{}",
            serde_urlencoded::to_string(&pairs).map_err(|e| SendError::Transport(e.to_string()))?
        );
    }
    let method_value = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| SendError::Transport(format!("bad method {method}")))?;
    let mut builder = client.request(method_value, &url);
    for (name, value) in &request.headers {
        builder = builder.header(name, substitute(value, vars));
    }
    if let Some(json) = &request.json {
        builder = builder.json(&inputs.json(json)?);
    } else if let Some(form) = &request.form {
        let mut fields = Vec::new();
        for (name, value) in form {
            fields.push((name.clone(), inputs.text(value)?));
        }
        builder = builder.form(&fields);
    } else if let Some(fields) = &request.multipart {
        let mut form = multipart::Form::new();
        for (name, value) in fields {
            form = match value.get("file").and_then(Value::as_str) {
                Some(path) => {
                    let file_name = path.rsplit('/').next().unwrap_or(path).to_owned();
                    let part = multipart::Part::bytes(inputs.file(path)?)
                        .file_name(file_name)
                        .mime_str("application/octet-stream")
                        .expect("a valid media type");
                    form.part(name.clone(), part)
                }
                None => form.text(name.clone(), inputs.text(value)?),
            };
        }
        builder = builder.multipart(form);
    } else if let Some(text) = &request.text {
        builder = builder.body(substitute(text, vars));
    }
    for (name, value) in target.keys.sign(
        target.dialect,
        fixture.signing.as_ref(),
        &method,
        &path,
        vars,
    ) {
        builder = builder.header(name, value);
    }
    let response = builder
        .send()
        .map_err(|e| SendError::Transport(format!("{url}: {e}")))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .map_err(|e| SendError::Transport(format!("{url}: reading the body: {e}")))?
        .to_vec();
    Ok(Answer {
        status,
        headers,
        bytes,
    })
}

/// Compares an answer with the fixture's expectations; every difference.
fn check(
    expected: &Expected,
    loaded: &Loaded,
    answer: &Answer,
    target: &Target,
    vars: &Vars,
) -> Result<Vec<Mismatch>, Missing> {
    let fixture = &loaded.fixture;
    let beside = loaded.file.parent().unwrap_or(std::path::Path::new("."));
    let inputs = Inputs {
        roots: &target.data_roots,
        beside,
        vars,
        cipher: None,
    };
    let mut mismatches = Vec::new();
    if answer.status != expected.status {
        mismatches.push(Mismatch::new(
            "(status)",
            format!("HTTP {}, expected {}", answer.status, expected.status),
        ));
    }
    for (name, value) in &expected.headers {
        let want = substitute(value, vars);
        let got = answer.headers.get(name).and_then(|v| v.to_str().ok());
        if got != Some(want.as_str()) {
            mismatches.push(Mismatch::new(
                format!("(header {name})"),
                format!("expected {want:?}, got {got:?}"),
            ));
        }
    }
    if let Some(body) = &expected.json {
        match serde_json::from_slice::<Value>(&answer.bytes) {
            Err(err) => mismatches.push(Mismatch::new("(body)", format!("not JSON: {err}"))),
            Ok(actual) => mismatches.extend(compare_json(
                body,
                &actual,
                &fixture.rules,
                &fixture.ignore,
                &fixture.extra_members,
                vars,
            )),
        }
    }
    if let Some(text) = &expected.text {
        let parts = match text {
            Value::Array(parts) => parts.clone(),
            other => vec![other.clone()],
        };
        let mut want = String::new();
        for part in &parts {
            want.push_str(&inputs.text(part)?);
        }
        if answer.bytes != want.as_bytes() {
            mismatches.push(Mismatch::new(
                "(body)",
                format!(
                    "text differs ({} bytes, expected {}; expected start {:?})",
                    answer.bytes.len(),
                    want.len(),
                    want.chars().take(60).collect::<String>()
                ),
            ));
        }
    }
    if let Some(path) = &expected.bytes_file {
        let want = inputs.file(path)?;
        if answer.bytes != want {
            mismatches.push(Mismatch::new(
                "(body)",
                format!(
                    "differs from {path} ({} bytes, expected {})",
                    answer.bytes.len(),
                    want.len()
                ),
            ));
        }
    }
    Ok(mismatches)
}
