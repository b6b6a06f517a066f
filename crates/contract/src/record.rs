//! Recording: sends each fixture's request (re-signed, inputs resolved) to a live endpoint and writes
//! the exchange back as a reviewable fixture file with the answer as its expected response. Values
//! that vary between runs get a rule (UUIDs, xids, RFC 3339 times) unless the fixture already has
//! one for that path; long strings (images as base64) are kept out of the file and checked by shape;
//! a binary answer is stored beside the JSON.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixture::{Expected, Fixture, Suite};
use crate::matching::{check_rule, path_matches};
use crate::runner::{client, plan, send, Answer, SendError, Target};
use crate::vars::Vars;
use crate::ContractError;

/// Strings longer than this are not written into a recorded body.
const LONGEST_KEPT_STRING: usize = 512;
/// Arrays of more numbers than this (embeddings) are checked by length and kind.
const LONGEST_KEPT_NUMBERS: usize = 16;

/// What a recording did.
#[derive(Debug, Default)]
pub struct Recorded {
    pub written: Vec<PathBuf>,
    /// Fixtures not recorded (a data file absent, the endpoint unreachable), with why.
    pub not_recorded: Vec<(String, String)>,
}

/// Records every fixture of `suite` (standalone ones and flows, captures carried through) from
/// `target` into `out` (same layout; flows copied).
pub fn record(
    suite: &Suite,
    target: &Target,
    out: &Path,
    when: &str,
) -> Result<Recorded, ContractError> {
    let client = client(target);
    let mut recorded = Recorded::default();
    let mut vars = target.keys.vars();
    let mut current_flow = None;
    for planned in plan(suite) {
        if planned.flow != current_flow {
            current_flow = planned.flow;
            vars = target.keys.vars();
        }
        let loaded = planned.loaded;
        let answer = match send(&client, target, loaded, &vars) {
            Ok(answer) => answer,
            Err(SendError::Missing(missing)) => {
                recorded.not_recorded.push((
                    loaded.name.clone(),
                    format!("data file {} is absent", missing.0),
                ));
                continue;
            }
            Err(SendError::Transport(why)) => {
                recorded.not_recorded.push((loaded.name.clone(), why));
                continue;
            }
        };
        let file = out.join(&loaded.name);
        let fixture = recorded_fixture(&loaded.fixture, &answer, &target.base_url, when, &file)?;
        for (var, path) in &fixture.capture {
            if let Some(value) = answer
                .json()
                .as_ref()
                .map(|b| crate::matching::lookup(b, path))
            {
                match value {
                    Value::String(text) => {
                        vars.insert(var.clone(), text.clone());
                    }
                    Value::Number(n) => {
                        vars.insert(var.clone(), n.to_string());
                    }
                    _ => {}
                }
            }
        }
        write_json(&file, &fixture)?;
        recorded.written.push(file);
    }
    for flow in &suite.flows {
        let file = out.join(&flow.name);
        write_json(&file, &flow.flow)?;
        recorded.written.push(file);
    }
    Ok(recorded)
}

fn write_json(file: &Path, value: &impl serde::Serialize) -> Result<(), ContractError> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| ContractError::io(dir, e))?;
    }
    let mut text = serde_json::to_string_pretty(value).expect("fixtures serialise");
    text.push('\n');
    std::fs::write(file, text).map_err(|e| ContractError::io(file, e))
}

fn recorded_fixture(
    original: &Fixture,
    answer: &Answer,
    upstream: &str,
    when: &str,
    file: &Path,
) -> Result<Fixture, ContractError> {
    let mut fixture = original.clone();
    fixture.source = format!(
        "recorded from {upstream} on {when}; request: {}",
        original.source
    );
    let mut expected = Expected {
        status: answer.status,
        headers: Default::default(),
        json: None,
        text: None,
        bytes_file: None,
    };
    if let Some(previous) = &original.response {
        for name in previous.headers.keys() {
            if let Some(value) = answer.headers.get(name).and_then(|v| v.to_str().ok()) {
                expected.headers.insert(name.clone(), value.to_owned());
            }
        }
    }
    match answer.json() {
        Some(mut body) => {
            let mut rules = Vars::new();
            normalise("", &mut body, &original.rules, &mut rules);
            // Keep the fixture's own rules and ignores where they still name something.
            let mut paths = Vec::new();
            all_paths("", &body, &mut paths);
            let named = |p: &String| paths.iter().any(|path| path_matches(p, path));
            fixture.rules.retain(|p, _| named(p));
            fixture.ignore.retain(|p, _| named(p));
            fixture.extra_members.clear();
            fixture.rules.extend(rules);
            expected.json = Some(body);
        }
        None => {
            fixture.rules.clear();
            fixture.ignore.clear();
            fixture.extra_members.clear();
            match std::str::from_utf8(&answer.bytes) {
                Ok(text) if text.len() <= LONGEST_KEPT_STRING => {
                    expected.text = Some(Value::String(text.to_owned()))
                }
                _ => {
                    let beside = file.with_extension("body");
                    if let Some(dir) = beside.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| ContractError::io(dir, e))?;
                    }
                    std::fs::write(&beside, &answer.bytes)
                        .map_err(|e| ContractError::io(&beside, e))?;
                    let name = beside
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    expected.bytes_file = Some(format!("./{name}"));
                }
            }
        }
    }
    fixture.response = Some(expected);
    Ok(fixture)
}

/// Gives varying values a rule (unless one covers the path) and elides long strings and arrays.
fn normalise(
    path: &str,
    value: &mut Value,
    existing: &std::collections::BTreeMap<String, String>,
    rules: &mut Vars,
) {
    if existing.keys().any(|p| path_matches(p, path)) {
        return;
    }
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                normalise(&at(key), member, existing, rules);
            }
        }
        Value::Array(items)
            if items.len() > LONGEST_KEPT_NUMBERS && items.iter().all(Value::is_number) =>
        {
            rules.insert(path.to_owned(), format!("numbers len {}", items.len()));
            items.truncate(4);
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                normalise(&at(&i.to_string()), item, existing, rules);
            }
        }
        Value::String(text) => {
            if text.len() > LONGEST_KEPT_STRING {
                let rule = match text.find(";base64,") {
                    Some(end) if text.starts_with("data:") => {
                        format!("string prefix {}", &text[..end + 8])
                    }
                    _ => "string".to_owned(),
                };
                let len = text.len();
                *text = format!(
                    "{}... ({len} characters, not recorded)",
                    text.chars().take(32).collect::<String>()
                );
                rules.insert(path.to_owned(), rule);
            } else {
                for rule in ["uuid", "xid", "rfc3339"] {
                    if check_rule(rule, &Value::String(text.clone())).is_ok() {
                        rules.insert(path.to_owned(), rule.to_owned());
                        break;
                    }
                }
            }
        }
        _ => {}
    }
}

fn all_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    out.push(path.to_owned());
    let at = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(members) => members.iter().for_each(|(k, v)| all_paths(&at(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| all_paths(&at(&i.to_string()), v, out)),
        _ => {}
    }
}
