//! Contract testing for QA teams and for the project itself: replay the recorded exchanges of a
//! dialect (`fixtures/<dialect>/`) against any endpoint that speaks it (this gateway or the real
//! vendor), re-signing where the dialect signs, and report every difference; record new exchanges
//! from a live endpoint into reviewable files; check that every catalogued route has fixtures.
//!
//! The CLI is `ekyc-gateway contract verify | record | coverage | table`; the project's own
//! contract suite (`crates/gateway/tests/contract.rs`) runs the same code against the real binary.

pub mod coverage;
pub mod dialect;
pub mod fixture;
pub mod inputs;
pub mod matching;
pub mod record;
pub mod runner;
pub mod vars;

use std::path::Path;

pub use coverage::{coverage, Coverage};
pub use dialect::{Dialect, Keys};
pub use fixture::{Fixture, Suite};
pub use matching::Mismatch;
pub use record::{record, Recorded};
pub use runner::{verify, FixtureResult, Report, Target, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("malformed fixtures:\n  {}", .0.join("\n  "))]
    Fixtures(Vec<String>),
    #[error("keys: {0}")]
    Keys(String),
}

impl ContractError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> ContractError {
        ContractError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
