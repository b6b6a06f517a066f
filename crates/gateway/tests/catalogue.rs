//! Every dialect's route catalogue (`dialects/<name>/src/catalogue.rs`) against the real binary:
//! every documented route is really mounted (the dialect does not answer it with its own "no such
//! route"), a refused route answers exactly its refusal and a served one does not, and the
//! catalogues are well formed (unique ids and fixture directories, reasons for every waiver) and
//! agree with the dialects' own route tables.

mod common;

use std::collections::BTreeSet;

use common::{client, start_gateway_with, tv_signature, tv_timestamp, Gateway, GatewayOptions};
use dialect_trustvision::catalogue::{RouteDoc, Serving};
use reqwest::blocking::RequestBuilder;
use reqwest::Method;
use serde_json::{json, Value};

/// The key id of the seed's `Authorization` example (`002:L12`) and the spec's derived-vector
/// secret (spec 4.1).
const TV_KEY_ID: &str = "a0ce69ea-cbf7-49cc-ab47-6381ed7c5cf8";
const TV_SECRET: &str = "test-secret-0123456789";
const AI_TOKEN: &str = "catalogue-token";
/// What a `{placeholder}` of a documented path is filled with: an id nothing was stored under.
const DUMMY_ID: &str = "00000000-0000-4000-8000-000000000000";

/// The four catalogues, by dialect name.
fn catalogues() -> [(&'static str, &'static [RouteDoc]); 4] {
    [
        ("trustvision", dialect_trustvision::ROUTES),
        ("aisolution", dialect_aisolution::ROUTES),
        ("stateless", dialect_stateless::ROUTES),
        ("hutts", dialect_hutts::ROUTES),
    ]
}

/// `/v1/images/{image_id}` -> `/v1/images/<DUMMY_ID>`.
fn fill(path: &str) -> String {
    let mut filled = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("a closing brace") + open;
        filled.push_str(&rest[..open]);
        filled.push_str(DUMMY_ID);
        rest = &rest[close + 1..];
    }
    filled.push_str(rest);
    filled
}

/// The `fixtures` directory a route id asks for: `TV-05` -> `tv05-`, `TV-ext` -> `tvext-`.
fn fixtures_prefix(id: &str) -> String {
    format!("{}-", id.replace('-', "").to_ascii_lowercase())
}

fn is_kebab(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `outcome` is shaped like the labels the contract tool reads off this dialect's answers
/// (`wire::catalogue::ErrorDoc::outcome`).
fn outcome_is_well_formed(dialect: &str, status: u16, outcome: &str) -> bool {
    let snake = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ',')
    };
    match dialect {
        "trustvision" => match outcome.strip_prefix("failure:") {
            Some(code) => status == 200 && snake(code),
            None => status >= 400 && snake(outcome),
        },
        "aisolution" => {
            outcome != "OK"
                && !outcome.is_empty()
                && outcome.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        }
        "stateless" => outcome.parse::<u16>().is_ok_and(|code| code != 1000),
        "hutts" => outcome == status.to_string(),
        other => panic!("unknown dialect {other}"),
    }
}

#[test]
fn catalogues_are_well_formed() {
    let mut problems = Vec::new();
    let mut all_ids = BTreeSet::new();
    for (dialect, routes) in catalogues() {
        assert!(!routes.is_empty(), "{dialect}: empty catalogue");
        let mut fixtures = BTreeSet::new();
        let mut endpoints = BTreeSet::new();
        for route in routes {
            let at = format!("{dialect} {}", route.id);
            if !all_ids.insert(route.id) {
                problems.push(format!("{at}: id used twice"));
            }
            if !fixtures.insert(route.fixtures) {
                problems.push(format!("{at}: fixtures dir {} used twice", route.fixtures));
            }
            if !endpoints.insert((route.method, route.path)) {
                problems.push(format!(
                    "{at}: {} {} listed twice",
                    route.method, route.path
                ));
            }
            match route.fixtures.strip_prefix(&fixtures_prefix(route.id)) {
                Some(slug) if is_kebab(slug) => {}
                _ => problems.push(format!(
                    "{at}: fixtures dir {:?} is not `{}<kebab-slug>`",
                    route.fixtures,
                    fixtures_prefix(route.id)
                )),
            }
            if !["GET", "POST", "PATCH", "PUT", "DELETE"].contains(&route.method) {
                problems.push(format!("{at}: method {}", route.method));
            }
            if !route.path.starts_with('/') || route.path.contains('?') {
                problems.push(format!("{at}: path {:?}", route.path));
            }
            if route.note.trim().is_empty() {
                problems.push(format!("{at}: empty note"));
            }
            match route.serving {
                Serving::Real => {}
                Serving::Partial(why) if why.trim().is_empty() => {
                    problems.push(format!("{at}: Partial without a reason"))
                }
                Serving::Partial(_) => {}
                Serving::Refused { outcome, why } => {
                    if why.trim().is_empty() {
                        problems.push(format!("{at}: Refused without a reason"));
                    }
                    // The refusal is what a fixture of the route shows, so it is a shown error.
                    if !route
                        .errors
                        .iter()
                        .any(|e| e.outcome == outcome && e.waived.is_none())
                    {
                        problems.push(format!("{at}: refusal {outcome} is not a shown error"));
                    }
                }
            }
            let mut seen = BTreeSet::new();
            for error in route.errors {
                if !seen.insert((error.status, error.outcome)) {
                    problems.push(format!(
                        "{at}: {} {} listed twice",
                        error.status, error.outcome
                    ));
                }
                if !outcome_is_well_formed(dialect, error.status, error.outcome) {
                    problems.push(format!(
                        "{at}: outcome {:?} (HTTP {}) is not a {dialect} outcome label",
                        error.outcome, error.status
                    ));
                }
                if error.waived.is_some_and(|reason| reason.trim().is_empty()) {
                    problems.push(format!("{at}: {} waived without a reason", error.outcome));
                }
            }
            // Authentication errors are global (spec 4.4) and a fixture can show them anywhere.
            if dialect == "trustvision" {
                for (status, outcome) in [
                    (400, "request_time_too_skewed"),
                    (401, "access_denied_exception"),
                ] {
                    if !route.errors.contains(&wire_shown(status, outcome)) {
                        problems.push(format!("{at}: {status} {outcome} not a shown error"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn wire_shown(status: u16, outcome: &'static str) -> dialect_trustvision::catalogue::ErrorDoc {
    dialect_trustvision::catalogue::ErrorDoc::shown(status, outcome)
}

#[test]
fn catalogues_list_every_documented_route_and_every_mounted_one() {
    let ids = |routes: &[RouteDoc]| routes.iter().map(|r| r.id).collect::<BTreeSet<_>>();
    // Spec sections 2-5: HU-1..4, ST-1, TV-01..38, AI-1..6.
    let expected = |prefix: &str, count: usize, width: usize| {
        (1..=count)
            .map(|n| format!("{prefix}-{n:0width$}"))
            .collect::<BTreeSet<_>>()
    };
    let documented = |routes: &[RouteDoc], prefix: &str| {
        ids(routes)
            .into_iter()
            .filter(|id| !id.contains("ext"))
            .map(|id| {
                assert!(id.starts_with(prefix), "{id}");
                id.to_owned()
            })
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        documented(dialect_trustvision::ROUTES, "TV-"),
        expected("TV", 38, 2)
    );
    assert_eq!(
        documented(dialect_aisolution::ROUTES, "AI-"),
        expected("AI", 6, 1)
    );
    assert_eq!(
        documented(dialect_stateless::ROUTES, "ST-"),
        expected("ST", 1, 1)
    );
    assert_eq!(
        documented(dialect_hutts::ROUTES, "HU-"),
        expected("HU", 4, 1)
    );

    // The dialects' own route tables agree: trustvision's refused routes are exactly its
    // not-yet-served list, hutts' and stateless' paths are the ones they mount.
    let refused: BTreeSet<&str> = dialect_trustvision::ROUTES
        .iter()
        .filter(|r| matches!(r.serving, Serving::Refused { .. }))
        .map(|r| r.path)
        .collect();
    let not_yet_served: BTreeSet<&str> = dialect_trustvision::session::NOT_YET_SERVED
        .iter()
        .map(|(path, _)| *path)
        .collect();
    assert_eq!(refused, not_yet_served);
    let hutts: BTreeSet<&str> = dialect_hutts::ROUTES.iter().map(|r| r.path).collect();
    assert_eq!(
        hutts,
        dialect_hutts::route::ROUTES
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    assert!(dialect_stateless::ROUTES
        .iter()
        .any(|r| r.path == dialect_stateless::ROUTE && r.method == "POST"));
}

/// One answer, with the outcome label the contract tool would read off it.
struct Answer {
    status: u16,
    body: Value,
    raw: String,
}

fn send(request: RequestBuilder) -> Answer {
    let response = request.send().expect("the gateway answers");
    let status = response.status().as_u16();
    let raw = response.text().expect("a text body");
    let body = serde_json::from_str(&raw).unwrap_or(Value::Null);
    Answer { status, body, raw }
}

impl Answer {
    fn outcome(&self, dialect: &str) -> String {
        match dialect {
            "trustvision" if self.body["data"]["status"] == "failure" => {
                format!(
                    "failure:{}",
                    self.body["errors"][0]["code"].as_str().unwrap_or("")
                )
            }
            "trustvision" => self.body["errors"][0]["code"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
            "aisolution" => self.body["status"].as_str().unwrap_or("").to_owned(),
            "stateless" => self.body["code"].to_string(),
            _ => self.status.to_string(),
        }
    }
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("an HTTP method")
}

/// A signed trustvision call: `path` is the route path without the `/api` mount, as signed.
fn trustvision(gateway: &Gateway, verb: &str, path: &str) -> Answer {
    let timestamp = tv_timestamp(0);
    let signature = tv_signature(TV_SECRET, verb, path, &timestamp);
    let mut request = client()
        .request(method(verb), gateway.url(&format!("/api{path}")))
        .header("Authorization", format!("TV {TV_KEY_ID}:{signature}"))
        .header("X-TV-Timestamp", timestamp);
    if verb != "GET" {
        request = request.json(&json!({}));
    }
    send(request)
}

/// An aisolution call with the test token and a form naming a valid phone number (what AI-6's
/// refusal needs; the other routes refuse the missing image or person id).
fn aisolution(gateway: &Gateway, verb: &str, path: &str) -> Answer {
    send(
        client()
            .request(method(verb), gateway.url(path))
            .query(&[("token", AI_TOKEN)])
            .form(&[("number", "81387300008")]),
    )
}

/// The dialect's own "no such route" answer.
fn is_no_such_route(dialect: &str, answer: &Answer) -> bool {
    answer.status == 404
        && match dialect {
            "trustvision" => answer.body["errors"][0]["code"] == "not_found",
            "aisolution" => answer.body["message"] == "no such route",
            // Any 404: the dialect's envelope on its own listener, the gateway's on the shared one
            // (ST-1 answers 404 only to a method other than POST).
            _ => true,
        }
}

#[test]
fn every_catalogued_route_is_mounted_and_served_as_catalogued() {
    let gateway = start_gateway_with(
        GatewayOptions::default()
            .env("EKYC_TRUSTVISION_KEYS", format!("{TV_KEY_ID}:{TV_SECRET}"))
            .env("EKYC_AISOLUTION_TOKENS", AI_TOKEN),
    );
    let hutts_url = |path: &str| format!("http://{}{path}", gateway.hutts);
    let mut problems = Vec::new();

    // Each dialect's "no such route" is recognised, so the check below can fail.
    let unknown = [
        (
            "trustvision",
            trustvision(&gateway, "POST", "/v1/no_such_route"),
        ),
        ("aisolution", aisolution(&gateway, "POST", "/v1/ocr")),
        (
            "stateless",
            send(
                client()
                    .post(gateway.stateless_url("/identity/nothing"))
                    .form(&[("a", "b")]),
            ),
        ),
        (
            "hutts",
            send(client().post(hutts_url("/extractNothing")).json(&json!({}))),
        ),
    ];
    for (dialect, answer) in unknown {
        assert!(
            is_no_such_route(dialect, &answer),
            "{dialect}: an unknown path: {} {}",
            answer.status,
            answer.raw
        );
    }

    for (dialect, routes) in catalogues() {
        for route in routes {
            let path = fill(route.path);
            let answers: Vec<(&str, Answer)> = match dialect {
                "trustvision" => vec![("shared", trustvision(&gateway, route.method, &path))],
                "aisolution" => vec![("shared", aisolution(&gateway, route.method, &path))],
                "stateless" => [
                    ("shared", gateway.url(&path)),
                    ("own", gateway.stateless_url(&path)),
                ]
                .into_iter()
                .map(|(listener, url)| {
                    let request = client().request(method(route.method), url);
                    (listener, send(request.form(&[("auto_rotate", "false")])))
                })
                .collect(),
                _ => [("shared", gateway.url(&path)), ("own", hutts_url(&path))]
                    .into_iter()
                    .map(|(listener, url)| {
                        let request = client().request(method(route.method), url);
                        (listener, send(request.json(&json!({}))))
                    })
                    .collect(),
            };
            for (listener, answer) in answers {
                let at = format!(
                    "{dialect} {} {} {path} ({listener} listener): {} {}",
                    route.id, route.method, answer.status, answer.raw
                );
                if is_no_such_route(dialect, &answer) {
                    problems.push(format!("not mounted: {at}"));
                    continue;
                }
                let outcome = answer.outcome(dialect);
                let refused_unavailable = dialect == "trustvision"
                    && answer.body["errors"][0]["detail"]["reason"] == "service_not_available";
                match route.serving {
                    Serving::Refused {
                        outcome: expected, ..
                    } => {
                        if outcome != expected {
                            problems.push(format!("refusal {expected} expected: {at}"));
                        }
                        if dialect == "trustvision" && !refused_unavailable {
                            problems.push(format!("service_not_available expected: {at}"));
                        }
                    }
                    Serving::Real | Serving::Partial(_) => {
                        // A signed call of a valid key is never refused by a served route, and an
                        // empty request is refused with one of the route's own errors.
                        if refused_unavailable || (dialect == "trustvision" && answer.status == 401)
                        {
                            problems.push(format!("served route refused: {at}"));
                        }
                        if answer.status >= 500 {
                            problems.push(format!("server error for an empty request: {at}"));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
