//! The aisolution `gliswadetail` lookup service from configuration: which provider answers, and
//! the lookups' settings. Jobs interrupted by a stop are resumed at start.

use std::sync::Arc;

use anyhow::Context as _;
use command::messaging::{FileProvider, MessagingAccountProvider, NoProvider, WhatsAppLookups};

use crate::config::{WhatsAppConfig, WhatsAppProvider};

pub fn lookups(
    config: &WhatsAppConfig,
    store: Arc<dyn store::Store>,
) -> anyhow::Result<Arc<WhatsAppLookups>> {
    let provider: Arc<dyn MessagingAccountProvider> = match config.provider {
        WhatsAppProvider::None => Arc::new(NoProvider),
        WhatsAppProvider::File => {
            let table = FileProvider::load(&config.provider_file).with_context(|| {
                "provider = \"file\" needs provider_file, a table of demo numbers".to_owned()
            })?;
            tracing::warn!(
                file = %config.provider_file.display(),
                numbers = table.len(),
                "aisolution gliswadetail answers from an operator-written table (demo data, not WhatsApp)"
            );
            Arc::new(table)
        }
    };
    let lookups = WhatsAppLookups::new(store, provider, &config.lookup)?;
    Ok(Arc::new(lookups))
}

/// Restarts lookups and callback deliveries a stop interrupted (on the server's runtime).
pub async fn resume(lookups: Arc<WhatsAppLookups>) {
    match lookups.resume().await {
        Ok(report) => tracing::info!(
            lookups = report.lookups,
            deliveries = report.deliveries,
            expired = report.expired,
            unreadable = report.unreadable,
            "aisolution whatsapp jobs resumed"
        ),
        Err(error) => tracing::error!(%error, "cannot resume aisolution whatsapp jobs"),
    }
}
