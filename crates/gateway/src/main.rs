//! `ekyc-gateway`: one binary that serves four eKYC vendor dialects over local face models.
//!
//! Rooms: [`cli`] (flags and subcommands), [`config`] (the one typed configuration), [`telemetry`] (logs and
//! the request span), [`prometheus`] (metrics), [`ops`] (health, readiness, metrics routes), [`server`]
//! (listeners, dialect mounting, graceful shutdown), [`models`] (pinned weights).

mod cli;
mod config;
mod contract_cli;
mod models;
mod ops;
mod prometheus;
mod server;
mod storage;
mod telemetry;
mod whatsapp;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, ModelsCommand, StoreCommand};
use crate::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logging is configured by the configuration, so its own errors go to stderr plainly.
    let config = match Config::load(cli.settings.config.as_deref(), &cli.settings.overrides()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("ekyc-gateway: {err}");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = telemetry::init(config.log_format, &config.log_filter) {
        eprintln!("ekyc-gateway: {err}");
        return ExitCode::from(2);
    }
    tracing::debug!(?config, "configuration");

    match cli.command {
        Command::Serve => match actix_web::rt::System::new().block_on(server::serve(config)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                // One line: for missing or corrupt weights it names the file and `models setup`.
                tracing::error!("{err:#}");
                ExitCode::FAILURE
            }
        },
        Command::Models { action } => {
            let result = match action {
                ModelsCommand::Setup => models::setup(&config.model_dir),
                ModelsCommand::Verify => models::verify(&config.model_dir),
            };
            match result {
                Ok(_) => {
                    println!(
                        "every model file is present and verified in {}",
                        config.model_dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    tracing::error!("{err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Contract { action } => contract_cli::run(action),
        Command::Store { action } => {
            let result = match action {
                StoreCommand::Stats => storage::stats(&config).map(|()| true),
                StoreCommand::Export {
                    output,
                    media_references_only,
                } => storage::export(&config, output.as_deref(), media_references_only)
                    .map(|()| true),
                StoreCommand::Import { input, mappings } => {
                    storage::import(&config, &input, &mappings).map(|()| true)
                }
                StoreCommand::Compact => storage::compact(&config).map(|()| true),
                StoreCommand::Reembed => storage::reembed_all(&config),
            };
            match result {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(err) => {
                    tracing::error!("{err:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
