//! `$name` substitution. Names are `[A-Za-z0-9_]+`, taken whole (so `$image` never eats the start of
//! `$image_id`). UPPER_CASE names are given by the tool (the key pair, the token); the others are
//! values captured from earlier answers of the same flow. An unknown name is left as written.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::fixture::Fixture;

pub type Vars = BTreeMap<String, String>;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `$name` in a text, in order.
fn names_in(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        let tail = &rest[at + 1..];
        let len = tail.find(|c| !is_name_char(c)).unwrap_or(tail.len());
        if len > 0 {
            names.push(&tail[..len]);
        }
        rest = &tail[len..];
    }
    names
}

pub fn substitute(text: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let len = tail.find(|c| !is_name_char(c)).unwrap_or(tail.len());
        match vars.get(&tail[..len]) {
            Some(value) if len > 0 => out.push_str(value),
            _ => {
                out.push('$');
                out.push_str(&tail[..len]);
            }
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// Whether a name is given by the tool rather than captured.
pub fn is_predefined(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The captured names a fixture uses (so it can only run inside a flow that captures them).
pub fn names_used(fixture: &Fixture) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let request = &fixture.request;
    texts.push(request.path.clone());
    texts.extend(request.query.values().cloned());
    texts.extend(request.headers.values().cloned());
    let mut values: Vec<&Value> = Vec::new();
    values.extend(request.json.iter());
    values.extend(request.form.iter().flat_map(|f| f.values()));
    values.extend(request.multipart.iter().flat_map(|f| f.values()));
    if let Some(expected) = &fixture.response {
        values.extend(expected.json.iter());
        values.extend(expected.text.iter());
        texts.extend(expected.headers.values().cloned());
    }
    texts.extend(fixture.rules.values().cloned());
    if let Some(signing) = &fixture.signing {
        texts.extend(signing.secret.iter().cloned());
        texts.extend(signing.key_id.iter().cloned());
        texts.extend(signing.path.iter().cloned());
    }
    for value in values {
        collect_strings(value, &mut texts);
    }
    let mut names: Vec<String> = texts
        .iter()
        .flat_map(|t| names_in(t))
        .filter(|n| !is_predefined(n))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(members) => members.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_taken_whole() {
        let vars = Vars::from([
            ("image".to_owned(), "A".to_owned()),
            ("image_id".to_owned(), "B".to_owned()),
        ]);
        assert_eq!(substitute("$image_id/$image.$x $", &vars), "B/A.$x $");
        assert_eq!(names_in("a $b_1 and $C."), vec!["b_1", "C"]);
        assert!(is_predefined("ACCESS_KEY_ID") && !is_predefined("person_id"));
    }
}
