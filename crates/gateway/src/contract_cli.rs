//! `ekyc-gateway contract verify | record | coverage | table`: the contract tool (crate `ekyc-contract`)
//! with each dialect's route catalogue from its own crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use contract::coverage::{markers, replace_section, table};
use contract::{Dialect, Suite, Target, Verdict};
use wire::catalogue::RouteDoc;

use crate::cli::ContractCommand;

/// Each dialect's route catalogue, from the dialect's own crate.
pub fn routes(dialect: Dialect) -> &'static [RouteDoc] {
    match dialect {
        Dialect::Hutts => dialect_hutts::ROUTES,
        Dialect::Stateless => dialect_stateless::ROUTES,
        Dialect::Trustvision => dialect_trustvision::ROUTES,
        Dialect::Aisolution => dialect_aisolution::ROUTES,
    }
}

fn dialects(one: Option<Dialect>) -> Vec<Dialect> {
    one.map_or_else(|| Dialect::ALL.to_vec(), |d| vec![d])
}

fn load(fixtures: &Path, dialect: Dialect) -> Result<Suite, String> {
    Suite::load(&fixtures.join(dialect.name())).map_err(|e| format!("{}: {e}", dialect.name()))
}

pub fn run(command: ContractCommand) -> ExitCode {
    match command_result(command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("ekyc-gateway contract: {err}");
            ExitCode::from(2)
        }
    }
}

fn command_result(command: ContractCommand) -> Result<bool, String> {
    match command {
        ContractCommand::Verify {
            dialect,
            base_url,
            keys,
            fixtures,
            data,
            report,
            quiet,
        } => {
            let suite = load(&fixtures, dialect)?;
            let target = Target::new(dialect, &base_url, keys.as_deref(), data)
                .map_err(|e| e.to_string())?;
            let result = contract::verify(&suite, &target, |result| {
                if !quiet && result.verdict != Verdict::Pass {
                    eprintln!("{:?} {}", result.verdict, result.fixture);
                }
            });
            print!("{}", result.details());
            println!("{}", result.summary());
            let report = report.unwrap_or_else(|| {
                PathBuf::from(format!("contract-report-{}.json", dialect.name()))
            });
            let text = serde_json::to_string_pretty(&result).expect("reports serialise");
            std::fs::write(&report, text + "\n")
                .map_err(|e| format!("{}: {e}", report.display()))?;
            println!("report: {}", report.display());
            Ok(result.passed())
        }
        ContractCommand::Record {
            dialect,
            upstream,
            keys,
            fixtures,
            data,
            out,
        } => {
            let suite = load(&fixtures, dialect)?;
            let target = Target::new(dialect, &upstream, keys.as_deref(), data)
                .map_err(|e| e.to_string())?;
            let when = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let out = out.join(dialect.name());
            let recorded =
                contract::record(&suite, &target, &out, &when).map_err(|e| e.to_string())?;
            for (name, why) in &recorded.not_recorded {
                eprintln!("NOT RECORDED {name}: {why}");
            }
            println!(
                "{}: {} files written under {}, {} exchanges not recorded",
                dialect.name(),
                recorded.written.len(),
                out.display(),
                recorded.not_recorded.len()
            );
            Ok(recorded.not_recorded.is_empty())
        }
        ContractCommand::Coverage { dialect, fixtures } => {
            let mut complete = true;
            for dialect in dialects(dialect) {
                let suite = load(&fixtures, dialect)?;
                let coverage = contract::coverage(dialect, &suite, routes(dialect));
                for gap in &coverage.gaps {
                    println!("{}: {gap}", dialect.name());
                }
                println!(
                    "{}: {} routes, {} fixtures, {} gaps",
                    dialect.name(),
                    coverage.routes.len(),
                    suite.fixtures.len(),
                    coverage.gaps.len()
                );
                complete &= coverage.complete();
            }
            Ok(complete)
        }
        ContractCommand::Table {
            dialect,
            fixtures,
            write,
            check,
        } => {
            let doc_path = write.as_ref().or(check.as_ref());
            let mut doc = match doc_path {
                Some(path) => {
                    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => String::new(),
            };
            let original = doc.clone();
            for dialect in dialects(dialect) {
                let suite = load(&fixtures, dialect)?;
                let coverage = contract::coverage(dialect, &suite, routes(dialect));
                let rendered = table(routes(dialect), &coverage);
                if doc_path.is_none() {
                    let (begin, end) = markers(dialect);
                    println!("{begin}\n{rendered}{end}\n");
                    continue;
                }
                doc = replace_section(&doc, dialect, &rendered).ok_or_else(|| {
                    format!(
                        "the document has no generated section for {} (markers: {:?})",
                        dialect.name(),
                        markers(dialect)
                    )
                })?;
            }
            match (write, check) {
                (Some(path), _) => {
                    std::fs::write(&path, &doc).map_err(|e| format!("{}: {e}", path.display()))?;
                    println!(
                        "{} {}",
                        if doc == original {
                            "unchanged:"
                        } else {
                            "updated:"
                        },
                        path.display()
                    );
                    Ok(true)
                }
                (None, Some(path)) if doc != original => {
                    println!(
                        "{} is out of date: run `ekyc-gateway contract table --write {}`",
                        path.display(),
                        path.display()
                    );
                    Ok(false)
                }
                (None, Some(path)) => {
                    println!("{} is up to date", path.display());
                    Ok(true)
                }
                (None, None) => Ok(true),
            }
        }
    }
}
