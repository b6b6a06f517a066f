//! Replays every fixture of `fixtures/aisolution/` over real HTTP against the real binary.
//!
//! One JSON file per exchange: `request` (method, path, query, form fields: literal text,
//! `{"file": "<path under shared/data>"}` sent as base64, or `{"zero_bytes": N}`), the expected
//! `response` (HTTP status and JSON body), `match` (per-path rules for values that vary: `number
//! A..B`, `string len N`, `xid`, `string`, `one of A|B`), and `capture` (values later files of the
//! same directory use as `$name`). Files of one directory run in name order (a flow such as
//! addface -> searchface -> delface); `$TOKEN` is the test client's token. The general format,
//! tooling and coverage check come with the contract-testing issue.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{base64_of, client, shared_data, start_gateway_with, to_reply, GatewayOptions};
use serde_json::Value;

const TOKEN: &str = "fixture-token";

fn fixture_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let mut has_json = false;
        for entry in std::fs::read_dir(&dir).expect("fixture dir readable") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                has_json = true;
            }
        }
        if has_json {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("${name}"), value);
    }
    out
}

fn form_value(value: &Value, vars: &HashMap<String, String>) -> Option<String> {
    match value {
        Value::String(text) => Some(substitute(text, vars)),
        Value::Object(spec) if spec.contains_key("file") => {
            let path = shared_data().join(spec["file"].as_str().unwrap());
            common::read_or_skip(&path).map(|bytes| base64_of(&bytes))
        }
        Value::Object(spec) if spec.contains_key("zero_bytes") => Some(base64_of(&vec![
                0u8;
                spec["zero_bytes"].as_u64().unwrap()
                    as usize
            ])),
        other => panic!("unknown form value {other}"),
    }
}

/// Compares `actual` with `expected`, except at paths with a rule; collects every mismatch.
fn compare(
    path: &str,
    expected: &Value,
    actual: &Value,
    rules: &serde_json::Map<String, Value>,
    vars: &HashMap<String, String>,
    mismatches: &mut Vec<String>,
) {
    if let Some(rule) = rules.get(path).and_then(Value::as_str) {
        if let Err(why) = check_rule(rule, actual) {
            mismatches.push(format!("{path}: {why} (got {actual})"));
        }
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                compare(
                    &child,
                    e.get(key).unwrap_or(&Value::Null),
                    a.get(key).unwrap_or(&Value::Null),
                    rules,
                    vars,
                    mismatches,
                );
                if !a.contains_key(key) {
                    mismatches.push(format!("{child}: missing"));
                }
                if !e.contains_key(key) {
                    mismatches.push(format!("{child}: unexpected"));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                mismatches.push(format!("{path}: {} items, expected {}", a.len(), e.len()));
            }
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                compare(&format!("{path}.{i}"), e, a, rules, vars, mismatches);
            }
        }
        (Value::String(e), a) => {
            let e = substitute(e, vars);
            if a.as_str() != Some(e.as_str()) {
                mismatches.push(format!("{path}: expected {e:?}, got {a}"));
            }
        }
        (e, a) if e != a => mismatches.push(format!("{path}: expected {e}, got {a}")),
        _ => {}
    }
}

fn check_rule(rule: &str, value: &Value) -> Result<(), String> {
    if let Some(range) = rule.strip_prefix("number ") {
        let (lo, hi) = range.split_once("..").ok_or("bad range")?;
        let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
        let v = value.as_f64().ok_or("not a number")?;
        return (lo..=hi)
            .contains(&v)
            .then_some(())
            .ok_or(format!("not in {lo}..{hi}"));
    }
    if let Some(len) = rule.strip_prefix("string len ") {
        let len: usize = len.parse().unwrap();
        let v = value.as_str().ok_or("not a string")?;
        return (v.chars().count() == len)
            .then_some(())
            .ok_or(format!("length is not {len}"));
    }
    if let Some(options) = rule.strip_prefix("one of ") {
        let v = value.as_str().ok_or("not a string")?;
        return options
            .split('|')
            .any(|o| o == v)
            .then_some(())
            .ok_or("not one of them".into());
    }
    match rule {
        "xid" => {
            let v = value.as_str().ok_or("not a string")?;
            (v.len() == 20 && v.chars().all(|c| matches!(c, '0'..='9' | 'a'..='v')))
                .then_some(())
                .ok_or("not a 20-character xid".into())
        }
        "string" => value.as_str().map(drop).ok_or("not a string".into()),
        other => Err(format!("unknown rule {other}")),
    }
}

fn lookup<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('.')
        .fold(value, |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        })
}

#[test]
fn every_aisolution_fixture_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/aisolution");
    let gateway =
        start_gateway_with(GatewayOptions::default().env("EKYC_AISOLUTION_TOKENS", TOKEN));
    let mut failures = Vec::new();
    let mut replayed = 0;
    for dir in fixture_dirs(&root) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        let mut vars = HashMap::from([("TOKEN".to_owned(), TOKEN.to_owned())]);
        for file in files {
            let name = file.strip_prefix(&root).unwrap().display().to_string();
            let fixture: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                fixture["source"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: no source"
            );
            let request = &fixture["request"];
            let mut url = gateway.url(request["path"].as_str().unwrap());
            let query: Vec<(String, String)> = request["query"]
                .as_object()
                .map(|q| {
                    q.iter()
                        .map(|(k, v)| (k.clone(), substitute(v.as_str().unwrap(), &vars)))
                        .collect()
                })
                .unwrap_or_default();
            if !query.is_empty() {
                url = format!("{url}?{}", serde_urlencoded::to_string(&query).unwrap());
            }
            let mut form = Vec::new();
            for (key, value) in request["form"].as_object().into_iter().flatten() {
                let Some(value) = form_value(value, &vars) else {
                    return; // shared data absent: skipped loudly by read_or_skip
                };
                form.push((key.clone(), value));
            }
            let method = request["method"].as_str().unwrap_or("POST");
            let builder = match method {
                "GET" => client().get(&url),
                _ => client().post(&url).form(&form),
            };
            let reply = to_reply(builder.send().unwrap());
            let expected = &fixture["response"];
            let mut mismatches = Vec::new();
            if u64::from(reply.status) != expected["status"].as_u64().unwrap() {
                mismatches.push(format!(
                    "HTTP {} expected {}",
                    reply.status, expected["status"]
                ));
            }
            let empty = serde_json::Map::new();
            let rules = fixture["match"].as_object().unwrap_or(&empty);
            compare(
                "",
                &expected["body"],
                &reply.body,
                rules,
                &vars,
                &mut mismatches,
            );
            for (var, path) in fixture["capture"].as_object().into_iter().flatten() {
                if let Some(value) = lookup(&reply.body, path.as_str().unwrap()).as_str() {
                    vars.insert(var.clone(), value.to_owned());
                }
            }
            if !mismatches.is_empty() {
                failures.push(format!(
                    "{name}:\n  {}\n  body: {}",
                    mismatches.join("\n  "),
                    reply.raw
                ));
            }
            replayed += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        replayed >= 25,
        "only {replayed} fixtures found under {}",
        root.display()
    );
}
