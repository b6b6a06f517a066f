//! `ekyc-gateway serve`: verify the models, load the engine, then serve every enabled dialect on the shared
//! listener and on its own listener, until SIGTERM/SIGINT ends it gracefully.

use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context as _;
use command::gallery::FaceGallery;
use command::{FaceVerifier, ImageLimits, ScoreCalibration};
use dialect_aisolution::AisolutionService;
use dialect_hutts::HuttsService;
use dialect_stateless::StatelessService;
use dialect_trustvision::TrustVisionService;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::signal::unix::{signal, SignalKind};
use tracing_actix_web::TracingLogger;

use crate::config::{Config, Listener};
use crate::ops::{self, Readiness};
use crate::prometheus;
use crate::telemetry::{echo_request_id, RequestSpan};

/// Why `serve` stopped before serving. The models case is separate so its one-line message (naming the
/// file and the command that fixes it) reaches the operator unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Models(#[from] crate::models::ModelsError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Everything the listeners share, built once.
struct Shared {
    readiness: web::Data<Readiness>,
    metrics: web::Data<PrometheusHandle>,
    stateless: Option<Arc<StatelessService>>,
    aisolution: Option<Arc<AisolutionService>>,
    trustvision: Option<Arc<TrustVisionService>>,
    hutts: Option<Arc<HuttsService>>,
}

pub async fn serve(config: Config) -> Result<(), ServeError> {
    // First, so that everything recorded from here on (the engine's load included) is exported.
    let metrics = prometheus::install().context("cannot install the metrics recorder")?;
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let files = crate::models::verify(&config.model_dir)?;

    let started = Instant::now();
    let engine = engine::FaceEngine::load(&files).context("cannot load the face models")?;
    let verifier = FaceVerifier::new(Arc::new(engine), Arc::new(ScoreCalibration::bundled()));
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, model_dir = %config.model_dir.display(), "models loaded");

    let stateless = if config.stateless.enabled {
        Some(Arc::new(StatelessService {
            cipher: config.stateless.cipher().context("stateless dialect")?,
            limits: config.stateless.limits,
            max_body_bytes: config.max_body_bytes,
            verifier: verifier.clone(),
        }))
    } else {
        None
    };
    let store = crate::storage::open(&config, None)?;
    let started = Instant::now();
    let (gallery, load) =
        FaceGallery::open(store.clone(), verifier.clone()).context("cannot load the face index")?;
    tracing::info!(
        faces = load.faces,
        elapsed_ms = load.elapsed.as_millis() as u64,
        store = %store.path().display(),
        "face index loaded"
    );
    let gallery = Arc::new(gallery);
    let aisolution = if config.aisolution.enabled {
        Some(Arc::new(aisolution_service(
            &config,
            &verifier,
            &gallery,
            store.clone(),
        )?))
    } else {
        None
    };
    let trustvision = if config.trustvision.enabled {
        Some(Arc::new(trustvision_service(
            &config,
            &verifier,
            &gallery,
            store.clone(),
        )))
    } else {
        None
    };
    let hutts = if config.hutts.enabled {
        let ocr = crate::models::verify_ocr(&config.model_dir)?;
        let started = Instant::now();
        let text = engine::TextReader::load(&ocr).context("cannot load the OCR models")?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "OCR models loaded"
        );
        let documents = command::documents::DocumentReader::new(verifier.clone(), Arc::new(text));
        Some(Arc::new(HuttsService {
            documents: Arc::new(documents),
            limits: ImageLimits {
                max_bytes: config.hutts.max_image_bytes,
                ..ImageLimits::default()
            },
            max_body_bytes: config.max_body_bytes,
            face_threshold: config.hutts.face_threshold,
        }))
    } else {
        None
    };
    let shared = Arc::new(Shared {
        readiness: web::Data::new(Readiness::default()),
        metrics: web::Data::new(metrics),
        stateless,
        aisolution,
        trustvision,
        hutts,
    });
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "state loaded"
    );

    let mut servers = vec![shared_listener(&config, &shared)?];
    if let (Some(service), Listener::On(addr)) = (&shared.stateless, config.stateless.listen) {
        let service = service.clone();
        servers.push(own_listener(
            &config,
            addr,
            dialect_stateless::DIALECT,
            "stateless.listen",
            move |c: &mut web::ServiceConfig| {
                c.service(dialect_stateless::scope(service.clone()));
            },
            || web::to(dialect_stateless::not_found),
        )?);
    }
    if let (Some(service), Listener::On(addr)) = (&shared.hutts, config.hutts.listen) {
        let service = service.clone();
        servers.push(own_listener(
            &config,
            addr,
            dialect_hutts::DIALECT,
            "hutts.listen",
            move |c: &mut web::ServiceConfig| dialect_hutts::configure(service.clone())(c),
            || web::to(dialect_hutts::not_found),
        )?);
    }
    let handles: Vec<ServerHandle> = servers.iter().map(Server::handle).collect();
    if let Some(service) = &shared.aisolution {
        actix_web::rt::spawn(crate::whatsapp::resume(service.lookups.clone()));
    }
    shared.readiness.set(true);
    actix_web::rt::spawn(stop_on_signal(handles, shared.readiness.clone()));

    futures_util::future::try_join_all(servers)
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// One listener for everything: operational routes plus every enabled dialect under its own paths.
fn shared_listener(config: &Config, shared: &Arc<Shared>) -> anyhow::Result<Server> {
    let state = shared.clone();
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .app_data(state.readiness.clone())
            .app_data(state.metrics.clone())
            .configure(ops::configure)
            .default_service(web::to(ops::not_found));
        if let Some(service) = &state.stateless {
            app = app.service(dialect_stateless::scope(service.clone()).wrap(from_fn(
                |request, next| {
                    prometheus::record_request(dialect_stateless::DIALECT, request, next)
                },
            )));
        }
        if let Some(service) = &state.aisolution {
            app = app.service(dialect_aisolution::scope(service.clone()).wrap(from_fn(
                |request, next| {
                    prometheus::record_request(dialect_aisolution::DIALECT, request, next)
                },
            )));
        }
        if let Some(service) = &state.trustvision {
            app = app.service(dialect_trustvision::scope(service.clone()).wrap(from_fn(
                |request, next| {
                    prometheus::record_request(dialect_trustvision::DIALECT, request, next)
                },
            )));
        }
        // Last: hutts' routes are at the host root, so its scope is the root one and takes every
        // path no earlier service did (unknown paths keep the gateway's plain 404).
        if let Some(service) = &state.hutts {
            app = app.service(
                web::scope("")
                    .configure(dialect_hutts::configure(service.clone()))
                    .default_service(web::to(ops::not_found))
                    .wrap(from_fn(|request, next| {
                        prometheus::record_request(dialect_hutts::DIALECT, request, next)
                    })),
            );
        }
        // Last wrapped runs first: the tracing middleware creates the request id, the inner one echoes it.
        app.wrap(from_fn(echo_request_id))
            .wrap(TracingLogger::<RequestSpan>::new())
    });
    let server = server
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout_secs)
        .workers(worker_count(config))
        .bind(config.listen)
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    tracing::info!(
        addr = %config.listen,
        stateless = shared.stateless.is_some(),
        aisolution = shared.aisolution.is_some(),
        trustvision = shared.trustvision.is_some(),
        "shared listener: /healthz /readyz /metrics and every enabled dialect"
    );
    Ok(server.run())
}

/// A listener that serves one dialect alone, where its vendor's clients call it (the stateless Java
/// sample posts to port 3000, a Hutts client to 5000), with the dialect's own answer for any other
/// path. `setting` names the configuration key in the bind error.
fn own_listener<C>(
    config: &Config,
    addr: std::net::SocketAddr,
    dialect: &'static str,
    setting: &'static str,
    configure: C,
    not_found: fn() -> actix_web::Route,
) -> anyhow::Result<Server>
where
    C: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let server = HttpServer::new(move || {
        App::new()
            .configure(configure.clone())
            .default_service(not_found())
            .wrap(from_fn(move |request, next| {
                prometheus::record_request(dialect, request, next)
            }))
            .wrap(from_fn(echo_request_id))
            .wrap(TracingLogger::<RequestSpan>::new())
    });
    let server = server
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout_secs)
        .workers(worker_count(config))
        .bind(addr)
        .with_context(|| format!("cannot listen on {addr} ({setting}; `off` disables it)"))?;
    tracing::info!(%addr, dialect, "dialect listener");
    Ok(server.run())
}

fn aisolution_service(
    config: &Config,
    verifier: &FaceVerifier,
    gallery: &Arc<FaceGallery>,
    store: Arc<store::SledStore>,
) -> anyhow::Result<AisolutionService> {
    let settings = &config.aisolution;
    let clients = dialect_aisolution::Clients::new(settings.tokens.entries());
    if clients.is_empty() {
        tracing::warn!(
            "aisolution: no tokens configured (aisolution.tokens / EKYC_AISOLUTION_TOKENS): every call \
             answers INVALID_REQUEST \"invalid token\""
        );
    }
    let lookups =
        crate::whatsapp::lookups(&settings.whatsapp, store).context("aisolution.whatsapp")?;
    Ok(AisolutionService {
        clients,
        thresholds: dialect_aisolution::Thresholds {
            same_person: settings.same_person,
            not_sure: settings.not_sure,
        },
        image_limits: ImageLimits {
            max_bytes: settings.max_image_bytes,
            ..ImageLimits::default()
        },
        max_body_bytes: config.max_body_bytes,
        search_limit: settings.search_limit,
        verifier: verifier.clone(),
        gallery: gallery.clone(),
        lookups,
    })
}

fn trustvision_service(
    config: &Config,
    verifier: &FaceVerifier,
    gallery: &Arc<FaceGallery>,
    store: Arc<store::SledStore>,
) -> TrustVisionService {
    let settings = &config.trustvision;
    let pairs = settings.keys.0.iter().filter_map(|entry| {
        entry
            .expose()
            .split_once(':')
            .map(|(id, secret)| (id.trim().to_owned(), secret.to_owned()))
    });
    let encrypted: Vec<String> = settings
        .encrypted_keys
        .0
        .iter()
        .map(|id| id.expose().trim().to_owned())
        .collect();
    let keys = dialect_trustvision::Keys::new(pairs, &encrypted);
    if keys.is_empty() {
        tracing::warn!(
            "trustvision: no keys configured (trustvision.keys / EKYC_TRUSTVISION_KEYS): every call \
             answers 401 access_denied_exception"
        );
    }
    let thresholds = |t: crate::config::TrustVisionThresholds| dialect_trustvision::Thresholds {
        matched: t.matched,
        unsure: t.unsure,
    };
    let store: Arc<dyn store::Store> = store;
    TrustVisionService {
        keys,
        settings: dialect_trustvision::Settings {
            profiles: dialect_trustvision::Profiles {
                id_vs_id: thresholds(settings.profiles.id_vs_id),
                id_vs_selfie: thresholds(settings.profiles.id_vs_selfie),
                selfie_vs_selfie: thresholds(settings.profiles.selfie_vs_selfie),
            },
            max_image_bytes: settings.max_image_bytes,
            max_body_bytes: settings.max_body_bytes,
            request_timeout: std::time::Duration::from_millis(settings.request_timeout_ms),
            default_collection: settings.default_collection.clone(),
            suspect_collection: settings.suspect_collection.clone(),
            temporary_credential_default: std::time::Duration::from_secs(
                settings.temporary_credential_default_secs,
            ),
            temporary_credential_max: std::time::Duration::from_secs(
                settings.temporary_credential_max_secs,
            ),
            country: settings.country.clone(),
            allow_delete_files: settings.allow_delete_files,
        },
        limiter: dialect_trustvision::rate_limiter(settings.rate_limit_per_minute),
        verifier: verifier.clone(),
        gallery: gallery.clone(),
        records: command::records::Records::new(store),
    }
}

/// HTTP workers per listener (`workers = 0`: one per core, actix's own default).
fn worker_count(config: &Config) -> usize {
    if config.workers > 0 {
        config.workers
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish (up to the shutdown
/// timeout), then return from `serve`.
async fn stop_on_signal(handles: Vec<ServerHandle>, readiness: web::Data<Readiness>) {
    let received = match signal(SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        },
        Err(err) => {
            tracing::warn!(%err, "cannot watch SIGTERM; only SIGINT will stop the gateway gracefully");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    };
    tracing::info!(
        signal = received,
        "shutting down gracefully: no new connections, finishing in-flight requests"
    );
    readiness.set(false);
    futures_util::future::join_all(handles.iter().map(|handle| handle.stop(true))).await;
}
