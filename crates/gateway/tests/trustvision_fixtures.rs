//! Replays every fixture of `fixtures/trustvision/` over real HTTP against the real binary, each
//! request signed here, independently of the dialect's own code: `Authorization: TV <id>:<sig>`
//! with `sig = base64(HMAC-SHA256(secret, METHOD + "\n" + PATH + "\n" + TIMESTAMP))` and the same
//! RFC 3339 timestamp in `X-TV-Timestamp` (`002:L15-29`, spec 4.1). PATH is the fixture's route
//! path, without the `/api` mount and without the query string.
//!
//! The format (fixture format v0 of `fixtures/aisolution/`, extended; `fixtures/trustvision/README.md`):
//! `request` (`method`, `path` without `/api`, `query`, `headers`, and a `json` body, in which any
//! string may hold `$name` and `{"file_base64": "<path under shared/data>"}` becomes that file's
//! base64, or `multipart` fields, `{"file": "<path>"}` being a file part), `signing` (only where a
//! fixture breaks signing on purpose: `secret`, `key_id`, `timestamp`, `timestamp_offset_secs`,
//! `path`, `omit_authorization`), the expected `response` (`status`; `json`, `text` or
//! `bytes_file`; `headers`), `match` (per-path rules for values that vary; `*` stands for any one
//! path segment), `extra_members` (paths whose objects may carry members the fixture does not
//! list) and `capture` (values later files of the same directory use as `$name`).
//!
//! Directories run in sorted order against one gateway and one key, the files of a directory in
//! name order, captures shared within a directory. The comparison is strict: every expected member
//! must be present and equal (numbers by value, strings after `$name` substitution), arrays must
//! have the expected length, the actual body may not carry a member the fixture does not list
//! (unless `extra_members` allows it at that path), a rule must name at least one member of the
//! expected body, and a fixture may not carry members the format does not know (a misspelt
//! `match` would otherwise pass silently). A fixture naming a data file absent from shared/data
//! is skipped with a loud `SKIPPED` line (in a flow, with the rest of the flow).

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use common::{client, read_or_skip, shared_data, start_gateway_with, GatewayOptions};
use serde_json::{Map, Value};

/// The key id of the seed's `Authorization` example (`002:L12`) and the secret of the spec's derived
/// signature vectors (spec 4.1).
const KEY_ID: &str = "a0ce69ea-cbf7-49cc-ab47-6381ed7c5cf8";
const SECRET: &str = "test-secret-0123456789";
/// Where the dialect is mounted (`002:L75-89`: the base URL ends in `/api`; paths are signed without it).
const MOUNT: &str = "/api";

const FIXTURE_KEYS: [&str; 8] = [
    "source",
    "note",
    "request",
    "signing",
    "response",
    "match",
    "extra_members",
    "capture",
];
const REQUEST_KEYS: [&str; 6] = ["method", "path", "query", "headers", "json", "multipart"];
const RESPONSE_KEYS: [&str; 5] = ["status", "json", "text", "bytes_file", "headers"];
const SIGNING_KEYS: [&str; 6] = [
    "secret",
    "key_id",
    "timestamp",
    "timestamp_offset_secs",
    "path",
    "omit_authorization",
];

/// A data file a fixture needs is absent: the rest of its directory is skipped (loudly).
struct MissingData;

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

/// `$name` -> value, longest names first so that `$image` never eats the start of `$image_id`.
fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    let mut out = text.to_owned();
    for name in names {
        out = out.replace(&format!("${name}"), &vars[name]);
    }
    out
}

fn data_file(path: &str) -> Result<Vec<u8>, MissingData> {
    read_or_skip(&shared_data().join(path)).ok_or(MissingData)
}

/// The JSON body to send: `$name` substituted in every string, `{"file_base64": path}` replaced.
fn request_json(value: &Value, vars: &HashMap<String, String>) -> Result<Value, MissingData> {
    Ok(match value {
        Value::String(text) => Value::String(substitute(text, vars)),
        Value::Object(object) if object.len() == 1 && object.contains_key("file_base64") => {
            let path = object["file_base64"]
                .as_str()
                .expect("file_base64 is a path");
            Value::String(base64::engine::general_purpose::STANDARD.encode(data_file(path)?))
        }
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, value) in object {
                out.insert(key.clone(), request_json(value, vars)?);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| request_json(item, vars))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

fn multipart(
    fields: &Map<String, Value>,
    vars: &HashMap<String, String>,
) -> Result<reqwest::blocking::multipart::Form, MissingData> {
    let mut form = reqwest::blocking::multipart::Form::new();
    for (name, value) in fields {
        form = match value {
            Value::String(text) => form.text(name.clone(), substitute(text, vars)),
            Value::Object(spec) if spec.contains_key("file") => {
                let path = spec["file"].as_str().expect("file is a path");
                let file_name = Path::new(path)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                // As the vendor's Java sample sends it (`002:L53-56`).
                let part = reqwest::blocking::multipart::Part::bytes(data_file(path)?)
                    .file_name(file_name)
                    .mime_str("application/octet-stream")
                    .unwrap();
                form.part(name.clone(), part)
            }
            other => panic!("unknown multipart field value {other}"),
        };
    }
    Ok(form)
}

/// RFC 3339 with the seed's `+07:00` offset and whole seconds, like `2019-04-21T18:00:15+07:00`.
fn timestamp(offset_secs: i64) -> String {
    common::tv_timestamp(offset_secs)
}

fn signature(secret: &str, method: &str, path: &str, timestamp: &str) -> String {
    common::tv_signature(secret, method, path, timestamp)
}

/// Whether a rule's path (segments, `*` for any one) names `path`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) =
        (pattern.split('.').collect(), path.split('.').collect());
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| *p == "*" || p == s)
}

struct Expectations<'f> {
    /// The whole actual body (for `same as <path>`).
    root: &'f Value,
    rules: &'f Map<String, Value>,
    extra_allowed: &'f Map<String, Value>,
    vars: &'f HashMap<String, String>,
    used_extra: HashSet<String>,
    mismatches: Vec<String>,
}

impl Expectations<'_> {
    fn rule_for(&mut self, path: &str) -> Option<String> {
        let (_, rule) = self
            .rules
            .iter()
            .find(|(pattern, _)| path_matches(pattern, path))?;
        Some(substitute(
            rule.as_str().expect("a rule is a string"),
            self.vars,
        ))
    }

    fn extra_allowed_at(&mut self, path: &str) -> bool {
        let found = self
            .extra_allowed
            .iter()
            .find(|(pattern, _)| path_matches(pattern, path));
        match found {
            Some((pattern, value)) => {
                assert_eq!(value, "allowed", "extra_members values are \"allowed\"");
                self.used_extra.insert(pattern.clone());
                true
            }
            None => false,
        }
    }

    fn compare(&mut self, path: &str, expected: &Value, actual: &Value) {
        let shown = if path.is_empty() { "(body)" } else { path };
        if let Some(rule) = self.rule_for(path) {
            let outcome = match rule.strip_prefix("same as ") {
                Some(other) => match lookup(self.root, other) {
                    Value::Null => Err(format!("nothing at {other}")),
                    other_value if other_value == actual => Ok(()),
                    other_value => Err(format!("differs from {other} ({other_value})")),
                },
                None => check_rule(&rule, actual),
            };
            if let Err(why) = outcome {
                self.mismatches
                    .push(format!("{shown}: rule `{rule}`: {why} (got {actual})"));
            }
            return;
        }
        let child = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        match (expected, actual) {
            (Value::Object(e), Value::Object(a)) => {
                for (key, value) in e {
                    match a.get(key) {
                        Some(actual) => self.compare(&child(key), value, actual),
                        None => self
                            .mismatches
                            .push(format!("{}: missing (expected {value})", child(key))),
                    }
                }
                let extra: Vec<&String> = a.keys().filter(|k| !e.contains_key(*k)).collect();
                if !extra.is_empty() && !self.extra_allowed_at(path) {
                    for key in extra {
                        self.mismatches.push(format!(
                            "{}: unexpected member (got {})",
                            child(key),
                            a[key]
                        ));
                    }
                }
            }
            (Value::Array(e), Value::Array(a)) => {
                if e.len() != a.len() {
                    self.mismatches.push(format!(
                        "{shown}: {} items, expected {}",
                        a.len(),
                        e.len()
                    ));
                }
                for (i, (e, a)) in e.iter().zip(a).enumerate() {
                    self.compare(&child(&i.to_string()), e, a);
                }
            }
            (Value::String(e), a) => {
                let e = substitute(e, self.vars);
                if a.as_str() != Some(e.as_str()) {
                    self.mismatches
                        .push(format!("{shown}: expected {e:?}, got {a}"));
                }
            }
            (Value::Number(e), Value::Number(a)) if e.as_f64() != a.as_f64() => {
                self.mismatches
                    .push(format!("{shown}: expected {e}, got {a}"));
            }
            (Value::Number(_), Value::Number(_)) => {}
            (e, a) if e != a => self
                .mismatches
                .push(format!("{shown}: expected {e}, got {a}")),
            _ => {}
        }
    }

    /// Rules that name no member of the expected body, and (when the body otherwise matched)
    /// `extra_members` paths where no extra member was found, are fixture mistakes.
    fn unused(&mut self, expected: &Value) {
        let mut paths = Vec::new();
        expected_paths("", expected, &mut paths);
        for pattern in self.rules.keys() {
            if !paths.iter().any(|path| path_matches(pattern, path)) {
                self.mismatches.push(format!(
                    "match `{pattern}`: names no member of the expected body"
                ));
            }
        }
        if self.mismatches.is_empty() {
            for pattern in self.extra_allowed.keys() {
                if !self.used_extra.contains(pattern) {
                    self.mismatches.push(format!(
                        "extra_members `{pattern}`: no extra member there (remove it)"
                    ));
                }
            }
        }
    }
}

/// Every path of a JSON value (the root is `""`).
fn expected_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    out.push(path.to_owned());
    let child = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                expected_paths(&child(key), value, out);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                expected_paths(&child(&i.to_string()), value, out);
            }
        }
        _ => {}
    }
}

fn check_rule(rule: &str, value: &Value) -> Result<(), String> {
    let parse_range = |range: &str| -> Result<(f64, f64), String> {
        let (lo, hi) = range.split_once("..").ok_or("bad range")?;
        Ok((
            lo.trim().parse().map_err(|_| "bad range")?,
            hi.trim().parse().map_err(|_| "bad range")?,
        ))
    };
    if let Some(range) = rule.strip_prefix("number ") {
        let (lo, hi) = parse_range(range)?;
        let v = value.as_f64().ok_or("not a number")?;
        return (lo..=hi)
            .contains(&v)
            .then_some(())
            .ok_or(format!("not in {lo}..{hi}"));
    }
    if let Some(range) = rule.strip_prefix("integer ") {
        let (lo, hi) = parse_range(range)?;
        let v = value.as_i64().ok_or("not an integer")?;
        return (lo..=hi)
            .contains(&(v as f64))
            .then_some(())
            .ok_or(format!("not in {lo}..{hi}"));
    }
    if let Some(len) = rule.strip_prefix("string len ") {
        let len: usize = len.parse().map_err(|_| "bad length")?;
        let v = value.as_str().ok_or("not a string")?;
        return (v.chars().count() == len)
            .then_some(())
            .ok_or(format!("length is not {len}"));
    }
    if let Some(len) = rule.strip_prefix("numbers len ") {
        let len: usize = len.parse().map_err(|_| "bad length")?;
        let items = value.as_array().ok_or("not an array")?;
        if items.len() != len {
            return Err(format!("{} items, not {len}", items.len()));
        }
        return items
            .iter()
            .all(|v| v.as_f64().is_some_and(f64::is_finite))
            .then_some(())
            .ok_or("not all finite numbers".into());
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
        "uuid" => {
            let v = value.as_str().ok_or("not a string")?;
            let parsed = uuid::Uuid::parse_str(v).map_err(|e| e.to_string())?;
            (parsed.hyphenated().to_string() == v)
                .then_some(())
                .ok_or("not a lowercase hyphenated UUID".into())
        }
        "rfc3339" => {
            let v = value.as_str().ok_or("not a string")?;
            is_rfc3339(v)
                .then_some(())
                .ok_or("not an RFC 3339 date-time".into())
        }
        "string" => value.as_str().map(drop).ok_or("not a string".into()),
        other => Err(format!("unknown rule {other}")),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (RFC 3339 section 5.6), checked by shape
/// here rather than by the `time` crate's parser (its `parsing` feature is not a dev-dependency).
fn is_rfc3339(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !(digits(0..4) && digits(5..7) && digits(8..10) && digits(11..13))
        || !(digits(14..16) && digits(17..19))
        || (b[4], b[7], b[10], b[13], b[16]) != (b'-', b'-', b'T', b':', b':')
    {
        return false;
    }
    let mut rest = &v[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    let z = rest.as_bytes();
    rest == "Z"
        || (z.len() == 6
            && matches!(z[0], b'+' | b'-')
            && z[3] == b':'
            && z[1..3].iter().chain(&z[4..6]).all(u8::is_ascii_digit))
}

fn lookup<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('.')
        .fold(value, |v, key| match (v, key.parse::<usize>()) {
            (Value::Array(items), Ok(i)) => items.get(i).unwrap_or(&Value::Null),
            _ => &v[key],
        })
}

fn check_keys(name: &str, what: &str, value: &Value, known: &[&str]) {
    for key in value.as_object().into_iter().flat_map(Map::keys) {
        assert!(
            known.contains(&key.as_str()),
            "{name}: unknown {what} member `{key}` (known: {known:?})"
        );
    }
}

/// What the gateway answered.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn shown(&self) -> String {
        let Ok(text) = std::str::from_utf8(&self.bytes) else {
            return format!("<{} bytes, not UTF-8>", self.bytes.len());
        };
        match text.char_indices().nth(1500) {
            Some((cut, _)) => format!("{}... ({} bytes)", &text[..cut], self.bytes.len()),
            None => text.to_owned(),
        }
    }
}

/// Sends one fixture's request, signed.
fn send(
    gateway: &common::Gateway,
    fixture: &Value,
    vars: &HashMap<String, String>,
) -> Result<Answer, MissingData> {
    let request = &fixture["request"];
    let method = request["method"]
        .as_str()
        .unwrap_or("POST")
        .to_ascii_uppercase();
    let path = substitute(request["path"].as_str().expect("request.path"), vars);
    assert!(
        !path.starts_with(MOUNT) && !path.contains('?'),
        "request.path is the route path without {MOUNT} and without a query: {path}"
    );
    let mut url = gateway.url(&format!("{MOUNT}{path}"));
    if let Some(query) = request["query"].as_object() {
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    substitute(v.as_str().expect("query values are strings"), vars),
                )
            })
            .collect();
        url = format!("{url}?{}", serde_urlencoded::to_string(&pairs).unwrap());
    }
    let mut builder = client().request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        &url,
    );
    for (name, value) in request["headers"].as_object().into_iter().flatten() {
        builder = builder.header(
            name,
            substitute(value.as_str().expect("header values are strings"), vars),
        );
    }
    if let Some(body) = request.get("json") {
        builder = builder.json(&request_json(body, vars)?);
    } else if let Some(fields) = request["multipart"].as_object() {
        builder = builder.multipart(multipart(fields, vars)?);
    }

    let signing = &fixture["signing"];
    let text = |key: &str| signing[key].as_str().map(|v| substitute(v, vars));
    let key_id = text("key_id").unwrap_or_else(|| KEY_ID.to_owned());
    let secret = text("secret").unwrap_or_else(|| SECRET.to_owned());
    let stamp = text("timestamp")
        .unwrap_or_else(|| timestamp(signing["timestamp_offset_secs"].as_i64().unwrap_or(0)));
    let signed_path = text("path").unwrap_or_else(|| path.clone());
    if signing["omit_authorization"] != Value::Bool(true) {
        let signature = signature(&secret, &method, &signed_path, &stamp);
        builder = builder.header("Authorization", format!("TV {key_id}:{signature}"));
    }
    builder = builder.header("X-TV-Timestamp", stamp);

    let response = builder.send().expect("the gateway answers");
    Ok(Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        bytes: response.bytes().expect("a body").to_vec(),
    })
}

/// Compares the answer with the fixture's `response`; returns the mismatches.
fn check(
    fixture: &Value,
    answer: &Answer,
    vars: &HashMap<String, String>,
) -> Result<Vec<String>, MissingData> {
    let expected = &fixture["response"];
    let mut mismatches = Vec::new();
    let status = expected["status"].as_u64().expect("response.status");
    if u64::from(answer.status) != status {
        mismatches.push(format!("HTTP {} expected {status}", answer.status));
    }
    for (name, value) in expected["headers"].as_object().into_iter().flatten() {
        let want = substitute(value.as_str().expect("header values are strings"), vars);
        let got = answer.headers.get(name).and_then(|v| v.to_str().ok());
        if got != Some(want.as_str()) {
            mismatches.push(format!("header {name}: expected {want:?}, got {got:?}"));
        }
    }
    let empty = Map::new();
    let bodies = ["json", "text", "bytes_file"]
        .iter()
        .filter(|k| expected.get(**k).is_some())
        .count();
    assert_eq!(
        bodies, 1,
        "response needs exactly one of json, text, bytes_file"
    );
    if let Some(body) = expected.get("json") {
        match serde_json::from_slice::<Value>(&answer.bytes) {
            Err(err) => mismatches.push(format!("body is not JSON: {err}")),
            Ok(actual) => {
                let mut expectations = Expectations {
                    root: &actual,
                    rules: fixture["match"].as_object().unwrap_or(&empty),
                    extra_allowed: fixture["extra_members"].as_object().unwrap_or(&empty),
                    vars,
                    used_extra: HashSet::new(),
                    mismatches: Vec::new(),
                };
                expectations.compare("", body, &actual);
                expectations.unused(body);
                mismatches.extend(expectations.mismatches);
            }
        }
    } else {
        assert!(
            fixture.get("match").is_none() && fixture.get("extra_members").is_none(),
            "match and extra_members apply to JSON bodies"
        );
    }
    if let Some(text) = expected.get("text") {
        // A string, or parts: strings and `{"file_base64": path}`, concatenated.
        let parts = match text {
            Value::Array(parts) => parts.clone(),
            other => vec![other.clone()],
        };
        let mut want = String::new();
        for part in &parts {
            match request_json(part, vars)? {
                Value::String(part) => want.push_str(&part),
                other => panic!("text parts are strings or file_base64: {other}"),
            }
        }
        if answer.bytes != want.as_bytes() {
            mismatches.push(format!(
                "text body differs ({} bytes, expected {}; expected start {:?})",
                answer.bytes.len(),
                want.len(),
                want.chars().take(60).collect::<String>()
            ));
        }
    }
    if let Some(path) = expected.get("bytes_file") {
        let want = data_file(path.as_str().expect("bytes_file is a path"))?;
        if answer.bytes != want {
            mismatches.push(format!(
                "binary body differs from {path} ({} bytes, expected {})",
                answer.bytes.len(),
                want.len()
            ));
        }
    }
    Ok(mismatches)
}

#[test]
fn every_trustvision_fixture_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/trustvision");
    let gateway = start_gateway_with(
        GatewayOptions::default().env("EKYC_TRUSTVISION_KEYS", format!("{KEY_ID}:{SECRET}")),
    );
    // `EKYC_FIXTURES_PRINT=1` prints every answer (for recording a new fixture).
    let print_answers = std::env::var_os("EKYC_FIXTURES_PRINT").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut replayed = 0;
    let mut skipped = Vec::new();
    let mut found = 0;
    for dir in fixture_dirs(&root) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        found += files.len();
        let mut vars = HashMap::from([("ACCESS_KEY_ID".to_owned(), KEY_ID.to_owned())]);
        let fixtures: Vec<(String, Value)> = files
            .iter()
            .map(|file| {
                let name = file.strip_prefix(&root).unwrap().display().to_string();
                let fixture = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, fixture)
            })
            .collect();
        // A directory whose files capture values is a flow: after a skip, its later files would
        // run without what the skipped one set up, so they are skipped too.
        let is_flow = fixtures.iter().any(|(_, f)| f.get("capture").is_some());
        let mut rest_skipped = false;
        for (name, fixture) in fixtures {
            if rest_skipped {
                skipped.push(name);
                continue;
            }
            check_keys(&name, "fixture", &fixture, &FIXTURE_KEYS);
            check_keys(&name, "request", &fixture["request"], &REQUEST_KEYS);
            check_keys(&name, "response", &fixture["response"], &RESPONSE_KEYS);
            check_keys(&name, "signing", &fixture["signing"], &SIGNING_KEYS);
            assert!(
                fixture["source"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: no source"
            );
            let outcome = send(&gateway, &fixture, &vars).and_then(|answer| {
                check(&fixture, &answer, &vars).map(|mismatches| (answer, mismatches))
            });
            let Ok((answer, mismatches)) = outcome else {
                if is_flow {
                    eprintln!(
                        "!!!!!!!! SKIPPED {name} and the rest of its flow {}: shared data missing !!!!!!!!",
                        dir.display()
                    );
                    rest_skipped = true;
                } else {
                    eprintln!("!!!!!!!! SKIPPED {name}: shared data missing !!!!!!!!");
                }
                skipped.push(name);
                continue;
            };
            let mut mismatches = mismatches;
            if print_answers {
                eprintln!("{name}: HTTP {} {}", answer.status, answer.shown());
            }
            let body: Value = serde_json::from_slice(&answer.bytes).unwrap_or(Value::Null);
            for (var, path) in fixture["capture"].as_object().into_iter().flatten() {
                let path = path.as_str().expect("capture paths are strings");
                let value = match lookup(&body, path) {
                    Value::String(text) => Some(text.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                match value {
                    Some(value) => {
                        vars.insert(var.clone(), value);
                    }
                    None => mismatches.push(format!("capture {var}: nothing at {path}")),
                }
            }
            if !mismatches.is_empty() {
                failures.push(format!(
                    "{name}:\n  {}\n  body: {}",
                    mismatches.join("\n  "),
                    answer.shown()
                ));
            }
            replayed += 1;
        }
    }
    eprintln!(
        "trustvision fixtures: {found} found, {replayed} replayed, {} skipped, {} differ",
        skipped.len(),
        failures.len()
    );
    if !skipped.is_empty() {
        eprintln!(
            "!!!!!!!! SKIPPED (shared data missing): {} !!!!!!!!",
            skipped.join(", ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        found >= 80,
        "only {found} fixtures found under {}",
        root.display()
    );
}
