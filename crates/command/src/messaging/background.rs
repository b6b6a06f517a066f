//! The background work of [`WhatsAppLookups`](super::WhatsAppLookups): asking the provider,
//! recording the outcome, delivering callbacks.

use std::sync::Arc;

use store::{unix_millis_now, StoreError};
use url::Url;

use super::callback::{callback_request_url, deliver, CallbackResult, DeliveryReport};
use super::job::{CallbackJob, DeliveryState, JobState, WhatsAppJob};
use super::provider::ProviderError;
use super::service::{Inner, JobKey, JobWrite, LookupClaim};

impl Inner {
    /// Asks the provider in the background and records the outcome in the job `lookup_id`; then
    /// delivers its callback, if one is pending.
    pub(super) fn spawn_lookup(
        self: &Arc<Self>,
        key: JobKey,
        lookup_id: String,
        claim: LookupClaim,
    ) {
        let inner = self.clone();
        tokio::spawn(async move {
            let limit = inner.settings.lookup_timeout;
            let outcome = tokio::time::timeout(limit, inner.provider.lookup(&key.number))
                .await
                .unwrap_or_else(|_| {
                    Err(ProviderError::Unavailable {
                        reason: format!(
                            "the provider did not answer within {} ms",
                            limit.as_millis()
                        ),
                    })
                });
            if let Err(ProviderError::Unavailable { reason }) = &outcome {
                tracing::info!(tenant = %key.tenant, %lookup_id, %reason, "whatsapp lookup unavailable");
            }
            let now = unix_millis_now();
            let id = lookup_id.clone();
            let recorded = inner
                .update_job(&key, move |current| {
                    let Some(mut job) = current.filter(|j| j.lookup_id == id && !j.is_final())
                    else {
                        return (JobWrite::Keep, false);
                    };
                    job.state = match &outcome {
                        Ok(result) => JobState::Done {
                            result: result.clone(),
                            finished_at_ms: now,
                        },
                        Err(ProviderError::Unavailable { reason }) => JobState::Unavailable {
                            reason: reason.clone(),
                            finished_at_ms: now,
                        },
                    };
                    job.updated_at_ms = now;
                    let deliver = job
                        .callback
                        .as_ref()
                        .is_some_and(|c| c.is_pending() && job.reportable(c.service_status));
                    if let Some(c) = job.callback.as_mut().filter(|c| c.is_pending()) {
                        if !deliver {
                            c.delivery = DeliveryState::Failed;
                            c.last_error = Some(
                                "the provider was unavailable: no result to report".to_owned(),
                            );
                            c.finished_at_ms = Some(now);
                        }
                    }
                    (JobWrite::Put(Box::new(job)), deliver)
                })
                .await;
            drop(claim);
            match recorded {
                Ok(true) => inner.deliver_callback(key).await,
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(tenant = %key.tenant, %lookup_id, %error, "whatsapp lookup result not recorded")
                }
            }
        });
    }

    pub(super) fn spawn_delivery(self: &Arc<Self>, key: JobKey) {
        let inner = self.clone();
        tokio::spawn(async move { inner.deliver_callback(key).await });
    }

    /// Delivers the job's pending callback and records the outcome; then looks again, in case
    /// another callback became pending meanwhile (a new lookup of the number, or a failed
    /// delivery asked for again). One delivery per job at a time: a call that finds one under way
    /// leaves the job to it.
    async fn deliver_callback(self: &Arc<Self>, key: JobKey) {
        loop {
            // Claim first, then read: a delivery that just finished has recorded its outcome.
            let Some(claim) = self.claim_delivery(&key) else {
                return;
            };
            let job = match self.read_job(&key.tenant, &key.number).await {
                Ok(Some(job)) => job,
                Ok(None) => return,
                Err(error) => {
                    tracing::error!(tenant = %key.tenant, %error, "whatsapp callback: job unreadable");
                    return;
                }
            };
            let Some(callback) = job.callback.as_ref().filter(|c| c.is_pending()) else {
                return;
            };
            let result = match &job.state {
                JobState::Done { result, .. } => CallbackResult::Known(result),
                JobState::Unavailable { .. } if callback.service_status => {
                    CallbackResult::Unavailable
                }
                // Still checking: the lookup task delivers it with the result.
                _ => return,
            };
            let report = match Url::parse(&callback.url) {
                Ok(base) => {
                    let url = callback_request_url(&base, &key.number, result);
                    let settings = &self.settings;
                    deliver(
                        &self.http,
                        &url,
                        settings.callback_attempts,
                        settings.callback_backoff,
                    )
                    .await
                }
                Err(error) => DeliveryReport {
                    delivered: false,
                    attempts: 0,
                    last_error: Some(format!("stored callback URL unreadable: {error}")),
                },
            };
            if !report.delivered {
                tracing::warn!(
                    tenant = %key.tenant, lookup_id = %job.lookup_id, attempts = report.attempts,
                    error = ?report.last_error, "whatsapp callback not delivered"
                );
            }
            if let Err(error) = self.record_delivery(&key, &job, callback, report).await {
                tracing::error!(tenant = %key.tenant, %error, "whatsapp callback outcome not recorded");
                return;
            }
            drop(claim);
        }
    }

    /// Writes a delivery's outcome into the job it was for, if that job and callback are still
    /// the stored ones.
    async fn record_delivery(
        &self,
        key: &JobKey,
        job: &WhatsAppJob,
        callback: &CallbackJob,
        report: DeliveryReport,
    ) -> Result<(), StoreError> {
        let now = unix_millis_now();
        let (lookup_id, url) = (job.lookup_id.clone(), callback.url.clone());
        self.update_job(key, move |current| {
            let Some(mut job) = current.filter(|j| j.lookup_id == lookup_id) else {
                return (JobWrite::Keep, ());
            };
            match job.callback.as_mut() {
                Some(c) if c.is_pending() && c.url == url => {
                    c.delivery = if report.delivered {
                        DeliveryState::Delivered
                    } else {
                        DeliveryState::Failed
                    };
                    c.attempts = report.attempts;
                    c.last_error = report.last_error.clone();
                    c.finished_at_ms = Some(now);
                    job.updated_at_ms = now;
                    (JobWrite::Put(Box::new(job)), ())
                }
                _ => (JobWrite::Keep, ()),
            }
        })
        .await
    }
}
