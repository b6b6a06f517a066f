//! Comparing an actual JSON body with a fixture's expected one, collecting every difference.
//!
//! Every expected member must be present and equal (numbers by value, strings after `$name`
//! substitution), arrays must have the expected length, and the actual body may not carry members
//! the fixture does not list (unless `extra_members` allows it there). `match` replaces equality at
//! a path by a rule, `ignore` skips a path (each with its reason). A path is dot-separated member
//! names and array indexes, `*` standing for any one segment; the first matching rule in key order
//! applies. A rule or ignore entry that names no member of the expected body is a fixture mistake,
//! and so is an `extra_members` entry that finds nothing extra, so none can linger.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::vars::{substitute, Vars};

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    /// Where (`data.compare_faces.0.score`, `(status)`, `(body)`, `(fixture)`...).
    pub path: String,
    pub message: String,
}

impl Mismatch {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Mismatch {
        Mismatch {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Whether a pattern (segments, `*` for any one) names `path`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let path: Vec<&str> = path.split('.').collect();
    pattern.len() == path.len() && pattern.iter().zip(&path).all(|(p, s)| *p == "*" || p == s)
}

/// The value at a dot path (`Null` when absent).
pub fn lookup<'v>(value: &'v Value, path: &str) -> &'v Value {
    if path.is_empty() {
        return value;
    }
    path.split('.')
        .fold(value, |v, key| match (v, key.parse::<usize>()) {
            (Value::Array(items), Ok(i)) => items.get(i).unwrap_or(&Value::Null),
            _ => &v[key],
        })
}

/// Compares `actual` with `expected` under the fixture's rules; returns every difference.
pub fn compare_json(
    expected: &Value,
    actual: &Value,
    rules: &BTreeMap<String, String>,
    ignore: &BTreeMap<String, String>,
    extra_members: &BTreeMap<String, String>,
    vars: &Vars,
) -> Vec<Mismatch> {
    let mut run = Comparison {
        root: actual,
        rules,
        ignore,
        extra_members,
        vars,
        used_extra: BTreeSet::new(),
        mismatches: Vec::new(),
    };
    run.compare("", expected, actual);
    run.unused(expected);
    run.mismatches
}

struct Comparison<'f> {
    root: &'f Value,
    rules: &'f BTreeMap<String, String>,
    ignore: &'f BTreeMap<String, String>,
    extra_members: &'f BTreeMap<String, String>,
    vars: &'f Vars,
    used_extra: BTreeSet<String>,
    mismatches: Vec<Mismatch>,
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Comparison<'_> {
    fn push(&mut self, path: &str, message: String) {
        let shown = if path.is_empty() { "(body)" } else { path };
        self.mismatches.push(Mismatch::new(shown, message));
    }

    fn compare(&mut self, path: &str, expected: &Value, actual: &Value) {
        if self.ignore.keys().any(|p| path_matches(p, path)) {
            return;
        }
        if let Some((_, rule)) = self.rules.iter().find(|(p, _)| path_matches(p, path)) {
            let rule = substitute(rule, self.vars);
            let outcome = match rule.strip_prefix("same as ") {
                Some(other) => match lookup(self.root, other) {
                    Value::Null => Err(format!("nothing at {other}")),
                    value if value == actual => Ok(()),
                    value => Err(format!("differs from {other} ({value})")),
                },
                None => check_rule(&rule, actual),
            };
            if let Err(why) = outcome {
                self.push(
                    path,
                    format!("rule `{rule}`: {why} (got {})", shorten(actual)),
                );
            }
            return;
        }
        match (expected, actual) {
            (Value::Object(e), Value::Object(a)) => {
                for (key, value) in e {
                    let at = child(path, key);
                    match a.get(key) {
                        Some(actual) => self.compare(&at, value, actual),
                        None if self.ignore.keys().any(|p| path_matches(p, &at)) => {}
                        None => self.push(&at, format!("missing (expected {})", shorten(value))),
                    }
                }
                let extra: Vec<&String> = a.keys().filter(|k| !e.contains_key(*k)).collect();
                if !extra.is_empty() && !self.extra_allowed_at(path) {
                    for key in extra {
                        let at = child(path, key);
                        if !self.ignore.keys().any(|p| path_matches(p, &at)) {
                            self.push(&at, format!("unexpected member (got {})", shorten(&a[key])));
                        }
                    }
                }
            }
            (Value::Array(e), Value::Array(a)) => {
                if e.len() != a.len() {
                    self.push(path, format!("{} items, expected {}", a.len(), e.len()));
                }
                for (i, (e, a)) in e.iter().zip(a).enumerate() {
                    self.compare(&child(path, &i.to_string()), e, a);
                }
            }
            (Value::String(e), a) => {
                let e = substitute(e, self.vars);
                if a.as_str() != Some(e.as_str()) {
                    self.push(path, format!("expected {e:?}, got {}", shorten(a)));
                }
            }
            (Value::Number(e), Value::Number(a)) if e.as_f64() != a.as_f64() => {
                self.push(path, format!("expected {e}, got {a}"));
            }
            (Value::Number(_), Value::Number(_)) => {}
            (e, a) if e != a => self.push(path, format!("expected {e}, got {}", shorten(a))),
            _ => {}
        }
    }

    fn extra_allowed_at(&mut self, path: &str) -> bool {
        let found = self
            .extra_members
            .keys()
            .find(|pattern| path_matches(pattern, path))
            .cloned();
        match found {
            Some(pattern) => {
                self.used_extra.insert(pattern);
                true
            }
            None => false,
        }
    }

    fn unused(&mut self, expected: &Value) {
        let mut paths = Vec::new();
        expected_paths("", expected, &mut paths);
        let named = |pattern: &str| paths.iter().any(|path| path_matches(pattern, path));
        let mut mistakes = Vec::new();
        for pattern in self.rules.keys().filter(|p| !named(p)) {
            mistakes.push(format!(
                "match `{pattern}` names no member of the expected body"
            ));
        }
        for pattern in self.ignore.keys().filter(|p| !named(p)) {
            mistakes.push(format!(
                "ignore `{pattern}` names no member of the expected body"
            ));
        }
        if self.mismatches.is_empty() {
            for pattern in self.extra_members.keys() {
                if !self.used_extra.contains(pattern) {
                    mistakes.push(format!(
                        "extra_members `{pattern}`: no extra member there (remove it)"
                    ));
                }
            }
        }
        for mistake in mistakes {
            self.mismatches.push(Mismatch::new("(fixture)", mistake));
        }
    }
}

/// Every path of a JSON value (the root is `""`).
fn expected_paths(path: &str, value: &Value, out: &mut Vec<String>) {
    out.push(path.to_owned());
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                expected_paths(&child(path, key), value, out);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                expected_paths(&child(path, &i.to_string()), value, out);
            }
        }
        _ => {}
    }
}

/// A value as shown in a report: long strings cut.
pub fn shorten(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}... ({} chars)", &text[..cut], text.len()),
        None => text,
    }
}

/// The rules: `uuid`, `xid`, `rfc3339`, `string`, `string len N`, `string prefix P`,
/// `number A..B`, `number X±T`, `integer A..B`, `numbers len N`, `one of A|B`, `same as <path>`
/// (handled by the caller).
pub fn check_rule(rule: &str, value: &Value) -> Result<(), String> {
    let range = |text: &str| -> Result<(f64, f64), String> {
        if let Some((centre, tolerance)) = text.split_once('±') {
            let centre: f64 = centre.trim().parse().map_err(|_| "bad tolerance")?;
            let tolerance: f64 = tolerance.trim().parse().map_err(|_| "bad tolerance")?;
            return Ok((centre - tolerance, centre + tolerance));
        }
        let (lo, hi) = text.split_once("..").ok_or("bad range")?;
        Ok((
            lo.trim().parse().map_err(|_| "bad range")?,
            hi.trim().parse().map_err(|_| "bad range")?,
        ))
    };
    let within = |v: f64, (lo, hi): (f64, f64)| {
        (lo..=hi)
            .contains(&v)
            .then_some(())
            .ok_or(format!("not in {lo}..{hi}"))
    };
    let text = || value.as_str().ok_or_else(|| "not a string".to_owned());
    if let Some(spec) = rule.strip_prefix("number ") {
        return within(value.as_f64().ok_or("not a number")?, range(spec)?);
    }
    if let Some(spec) = rule.strip_prefix("integer ") {
        let v = value.as_i64().ok_or("not an integer")?;
        return within(v as f64, range(spec)?);
    }
    if let Some(len) = rule.strip_prefix("string len ") {
        let len: usize = len.parse().map_err(|_| "bad length")?;
        return (text()?.chars().count() == len)
            .then_some(())
            .ok_or(format!("length is not {len}"));
    }
    if let Some(prefix) = rule.strip_prefix("string prefix ") {
        return text()?
            .starts_with(prefix)
            .then_some(())
            .ok_or(format!("does not start with {prefix:?}"));
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
        let v = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return options
            .split('|')
            .any(|o| o == v)
            .then_some(())
            .ok_or("not one of them".into());
    }
    match rule {
        "uuid" => {
            let v = text()?;
            let parsed = uuid::Uuid::parse_str(v).map_err(|e| e.to_string())?;
            (parsed.hyphenated().to_string() == v)
                .then_some(())
                .ok_or("not a lowercase hyphenated UUID".into())
        }
        // 20 characters of base32hex (`0-9a-v`), as the xid crate writes them.
        "xid" => {
            let v = text()?;
            (v.len() == 20
                && v.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)))
            .then_some(())
            .ok_or("not an xid".into())
        }
        "rfc3339" => {
            let v = text()?;
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map(drop)
                .map_err(|e| format!("not an RFC 3339 date-time: {e}"))
        }
        "string" => text().map(drop),
        other => Err(format!("unknown rule {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn every_difference_is_reported() {
        let expected = json!({"a": 1, "b": [1, 2], "c": {"d": "x"}, "id": "seed"});
        let actual = json!({"a": 1.0, "b": [1], "c": {"d": "y", "e": true}, "id": "0b3f3e0c-4ad4-4f5e-9c31-6c1e7c1d2a55"});
        let found = compare_json(
            &expected,
            &actual,
            &rules(&[("id", "uuid")]),
            &BTreeMap::new(),
            &BTreeMap::new(),
            &Vars::new(),
        );
        let paths: Vec<&str> = found.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(paths, vec!["b", "c.d", "c.e"], "{found:?}");
    }

    #[test]
    fn rules_and_ignores_must_name_something() {
        let expected = json!({"a": 1});
        let found = compare_json(
            &expected,
            &json!({"a": 1}),
            &rules(&[("b", "uuid")]),
            &rules(&[("c", "because")]),
            &BTreeMap::new(),
            &Vars::new(),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        let ignored = compare_json(
            &json!({"a": 1, "t": 0}),
            &json!({"a": 1, "t": 5}),
            &BTreeMap::new(),
            &rules(&[("t", "a timestamp")]),
            &BTreeMap::new(),
            &Vars::new(),
        );
        assert!(ignored.is_empty(), "{ignored:?}");
    }

    #[test]
    fn rule_shapes() {
        assert!(check_rule("number 0.7..1", &json!(0.85)).is_ok());
        assert!(check_rule("number 0.85±0.05", &json!(0.95)).is_err());
        assert!(check_rule("integer 1..3", &json!(2)).is_ok());
        assert!(check_rule("xid", &json!("c5r7jedkujdbnasarhn0")).is_ok());
        assert!(check_rule("rfc3339", &json!("2019-04-21T18:00:15+07:00")).is_ok());
        assert!(check_rule("rfc3339", &json!("2019-04-21 18:00")).is_err());
        assert!(check_rule("one of OK|FAIL", &json!("FAIL")).is_ok());
        assert!(check_rule("string prefix data:", &json!("data:image/jpeg;base64,")).is_ok());
        assert!(check_rule("bogus", &json!(1)).is_err());
    }
}
