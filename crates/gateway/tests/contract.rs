//! The project's own contract suite: every fixture of every dialect (`fixtures/<dialect>/`) replayed
//! over real HTTP against the real binary by the contract tool's own code (crate `ekyc-contract`, the
//! same code as `ekyc-gateway contract verify`), requests re-signed at replay time; the coverage of
//! every catalogued route; the compatibility tables in `docs/compatibility.md` checked against the
//! catalogues and fixtures; and the CLI's exit status and report.

mod common;

use std::path::{Path, PathBuf};

use common::{run_cli, shared_data, start_gateway_with, Gateway, GatewayOptions};
use contract::{Dialect, Suite, Target};

/// The seed's key id (`002:L12`) and the spec's derived-vector secret (spec 4.1).
const TV_KEYS: &str = "a0ce69ea-cbf7-49cc-ab47-6381ed7c5cf8:test-secret-0123456789";
const AI_TOKEN: &str = "fixture-token";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gateway() -> Gateway {
    start_gateway_with(
        GatewayOptions::default()
            .env("EKYC_TRUSTVISION_KEYS", TV_KEYS)
            .env("EKYC_AISOLUTION_TOKENS", AI_TOKEN),
    )
}

/// The base URL and keys of a dialect on the test gateway.
fn target(gateway: &Gateway, dialect: Dialect, roots: Vec<PathBuf>) -> Target {
    let (base, keys) = match dialect {
        Dialect::Trustvision => (gateway.url("/api"), Some(TV_KEYS)),
        Dialect::Aisolution => (gateway.url(""), Some(AI_TOKEN)),
        Dialect::Stateless => (gateway.url(""), None),
        Dialect::Hutts => (gateway.url(""), None),
    };
    Target::new(dialect, &base, keys, roots).expect("valid keys")
}

/// The shared data, then a root holding the synthetic documents rendered for this run.
fn data_roots(scratch: &Path) -> Vec<PathBuf> {
    if testdata::write_synthetic_documents(scratch).is_none() {
        eprintln!("!!!!!!!! the synthetic SA documents could not be rendered: their fixtures will skip !!!!!!!!");
    }
    vec![shared_data(), scratch.to_owned()]
}

fn replay(dialect: Dialect) {
    let suite = Suite::load(&repo().join("fixtures").join(dialect.name()))
        .unwrap_or_else(|e| panic!("{e}"));
    let scratch = tempfile::tempdir().unwrap();
    let gateway = gateway();
    let report = contract::verify(
        &suite,
        &target(&gateway, dialect, data_roots(scratch.path())),
        |_| {},
    );
    eprint!("{}", report.details());
    eprintln!("{}", report.summary());
    if report.skipped > 0 {
        eprintln!(
            "!!!!!!!! {} fixtures SKIPPED (data absent), listed above !!!!!!!!",
            report.skipped
        );
    }
    assert!(report.found > 0, "no fixtures for {}", dialect.name());
    assert!(
        report.passed(),
        "{} fixtures differ:\n{}",
        report.failed,
        report.details()
    );
}

#[test]
fn trustvision_fixtures_replay() {
    replay(Dialect::Trustvision);
}

#[test]
fn aisolution_fixtures_replay() {
    replay(Dialect::Aisolution);
}

#[test]
fn stateless_fixtures_replay() {
    replay(Dialect::Stateless);
}

#[test]
fn hutts_fixtures_replay() {
    replay(Dialect::Hutts);
}

/// Every route of every dialect has fixtures of its success (or refusal) and documented errors.
#[test]
fn every_catalogued_route_is_covered() {
    let (ok, stdout, stderr) = run_cli(
        tempfile::tempdir().unwrap().path(),
        &[
            "contract",
            "coverage",
            "--fixtures",
            repo().join("fixtures").to_str().unwrap(),
        ],
    );
    eprintln!("{stdout}{stderr}");
    assert!(ok, "coverage gaps:\n{stdout}{stderr}");
}

/// `docs/compatibility.md`'s route tables are what the catalogues and fixtures say.
#[test]
fn the_compatibility_tables_are_current() {
    let doc = repo().join("docs/compatibility.md");
    let (ok, stdout, stderr) = run_cli(
        tempfile::tempdir().unwrap().path(),
        &[
            "contract",
            "table",
            "--fixtures",
            repo().join("fixtures").to_str().unwrap(),
            "--check",
            doc.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stdout}{stderr}");
}

/// The CLI against the real binary: exit 0 and a report when everything matches; exit 1 and every
/// mismatch of every fixture (not just the first) when an endpoint differs.
#[test]
fn the_cli_reports_every_difference() {
    let gateway = gateway();
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = scratch.path().join("fixtures");
    let dir = fixtures.join("aisolution/ai6-gliswadetail");
    std::fs::create_dir_all(&dir).unwrap();
    let source = repo().join("fixtures/aisolution/ai6-gliswadetail");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let run = |report: &Path| {
        run_cli(
            scratch.path(),
            &[
                "contract",
                "verify",
                "--dialect",
                "aisolution",
                "--base-url",
                &gateway.url(""),
                "--keys",
                AI_TOKEN,
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--data",
                shared_data().to_str().unwrap(),
                "--report",
                report.to_str().unwrap(),
            ],
        )
    };
    let good = scratch.path().join("good.json");
    let (ok, stdout, stderr) = run(&good);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("0 failed"), "{stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    assert_eq!(report["failed"], 0);
    assert!(report["passed"].as_u64().unwrap() >= 1, "{report}");

    // Two fixtures made wrong in two places each: the report lists all four differences.
    let mut broken = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let mut fixture: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        if broken < 2 && fixture["response"]["json"]["status"].is_string() {
            fixture["response"]["status"] = 299.into();
            fixture["response"]["json"]["status"] = "NOT_WHAT_IT_SAYS".into();
            std::fs::write(&path, serde_json::to_vec_pretty(&fixture).unwrap()).unwrap();
            broken += 1;
        }
    }
    assert_eq!(broken, 2);
    let bad = scratch.path().join("bad.json");
    let (ok, stdout, _) = run(&bad);
    assert!(!ok, "a differing endpoint fails: {stdout}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&bad).unwrap()).unwrap();
    assert_eq!(report["failed"], 2, "{report}");
    let mismatches: usize = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] == "fail")
        .map(|r| r["mismatches"].as_array().unwrap().len())
        .sum();
    assert_eq!(mismatches, 4, "{report}");
    assert!(stdout.contains("DIFFERS"), "{stdout}");
}

/// `contract record` writes reviewable files that replay: exchanges recorded from the real binary (a flow
/// with captures included) verify against a fresh gateway, with varying values given rules.
#[test]
fn recorded_exchanges_replay() {
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = scratch.path().join("requests");
    let source = repo().join("fixtures/aisolution");
    // The face-search flow and its steps, with their expected responses dropped: request-only files.
    let flow: serde_json::Value =
        serde_json::from_slice(&std::fs::read(source.join("flows/face-search.json")).unwrap())
            .unwrap();
    std::fs::create_dir_all(fixtures.join("aisolution/flows")).unwrap();
    std::fs::copy(
        source.join("flows/face-search.json"),
        fixtures.join("aisolution/flows/face-search.json"),
    )
    .unwrap();
    for step in flow["steps"].as_array().unwrap() {
        let step = step.as_str().unwrap();
        let mut fixture: serde_json::Value =
            serde_json::from_slice(&std::fs::read(source.join(step)).unwrap()).unwrap();
        let object = fixture.as_object_mut().unwrap();
        object.remove("response");
        object.remove("match");
        let to = fixtures.join("aisolution").join(step);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(&to, serde_json::to_vec_pretty(&fixture).unwrap()).unwrap();
    }
    let recorded = scratch.path().join("recorded");
    let upstream = gateway();
    let (ok, stdout, stderr) = run_cli(
        scratch.path(),
        &[
            "contract",
            "record",
            "--dialect",
            "aisolution",
            "--upstream",
            &upstream.url(""),
            "--keys",
            AI_TOKEN,
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--data",
            shared_data().to_str().unwrap(),
            "--out",
            recorded.to_str().unwrap(),
        ],
    );
    assert!(ok, "{stdout}{stderr}");
    eprintln!("{stdout}");
    let added: serde_json::Value = serde_json::from_slice(
        &std::fs::read(recorded.join("aisolution/ai3-addface/face-search-addface-ok.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(added["response"]["json"]["status"], "OK", "{added}");
    assert_eq!(added["match"]["message.person_id"], "xid", "{added}");
    assert!(added["source"]
        .as_str()
        .unwrap()
        .starts_with("recorded from"));

    let fresh = gateway();
    let suite = Suite::load(&recorded.join("aisolution")).unwrap_or_else(|e| panic!("{e}"));
    let report = contract::verify(
        &suite,
        &target(&fresh, Dialect::Aisolution, vec![shared_data()]),
        |_| {},
    );
    assert!(report.passed(), "{}", report.details());
    assert_eq!(report.passed, flow["steps"].as_array().unwrap().len());
}
