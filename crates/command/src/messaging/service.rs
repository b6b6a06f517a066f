//! [`WhatsAppLookups`]: serving a request from the job store and the lookups under way.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use store::{unix_millis_now, RecordKind, Store, StoreError, TenantId};
use tokio::sync::watch;
use tokio::time::Instant;
use url::Url;

use super::callback::{callback_client, check_callback};
use super::job::{CallbackJob, JobState, WhatsAppJob, JOB_KIND};
use super::number::{country_of, normalise, Country, E164Number};
use super::provider::{AccountLookup, MessagingAccountProvider};
use super::settings::{CheckedSettings, LookupSettings, SettingsError};
use super::{LookupAnswer, LookupError, LookupRequest, ResumeReport};

/// The S13 service: lookups through a provider, a job per (client, number), callbacks.
/// Cheap to clone; clones share the jobs under way.
#[derive(Clone)]
pub struct WhatsAppLookups {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) store: Arc<dyn Store>,
    pub(super) provider: Arc<dyn MessagingAccountProvider>,
    pub(super) settings: CheckedSettings,
    /// For callbacks (see [`callback_client`]).
    pub(super) http: reqwest::Client,
    /// Lookups under way in this process, by job: their progress, for requests that join them.
    lookups: Mutex<HashMap<JobKey, watch::Receiver<LookupPhase>>>,
    /// Jobs whose callback is being delivered by this process.
    deliveries: Mutex<HashSet<JobKey>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct JobKey {
    pub(super) tenant: TenantId,
    pub(super) number: E164Number,
}

/// Progress of a lookup under way in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LookupPhase {
    /// The leading request is deciding (reading the job, maybe answering from it).
    Starting,
    /// The job is `checking` and the provider has been asked.
    Running,
    /// The job holds its outcome (or the lead gave up); read it from the store.
    Finished,
}

/// The right to run the lookup of a job; dropping it ends the lookup's [`LookupPhase`] (even on
/// a panic), so that waiting requests never wait on a lookup that no longer runs.
pub(super) struct LookupClaim {
    inner: Arc<Inner>,
    key: JobKey,
    phase: watch::Sender<LookupPhase>,
}

impl LookupClaim {
    pub(super) fn set_running(&self) {
        self.phase.send_replace(LookupPhase::Running);
    }
}

impl Drop for LookupClaim {
    fn drop(&mut self) {
        lock(&self.inner.lookups).remove(&self.key);
        self.phase.send_replace(LookupPhase::Finished);
    }
}

enum Claim {
    Lead(LookupClaim),
    Join(watch::Receiver<LookupPhase>),
}

/// The right to deliver a job's callback; removes itself from the set when dropped.
pub(super) struct DeliveryClaim {
    inner: Arc<Inner>,
    key: JobKey,
}

impl Drop for DeliveryClaim {
    fn drop(&mut self) {
        lock(&self.inner.deliveries).remove(&self.key);
    }
}

/// What one transaction does with the job it read.
pub(super) enum JobWrite {
    Keep,
    Put(Box<WhatsAppJob>),
    Delete,
}

/// How the leading request found the job.
enum Begin {
    /// A fresh result: answered from the job (and called back if `deliver`).
    Known {
        job: Box<WhatsAppJob>,
        deliver: bool,
    },
    /// A new lookup was recorded as `checking`.
    Started,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs blocking store work off the async worker threads.
async fn blocking<T, F>(work: F) -> Result<T, StoreError>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => Err(StoreError::Backend(Box::new(error))),
    }
}

impl WhatsAppLookups {
    /// The service over `store`, asking `provider`. Fails if `settings` are invalid.
    pub fn new(
        store: Arc<dyn Store>,
        provider: Arc<dyn MessagingAccountProvider>,
        settings: &LookupSettings,
    ) -> Result<Self, SettingsError> {
        let settings = settings.check()?;
        if settings.callback_hosts.is_empty() {
            tracing::info!("whatsapp lookups: no callback_hosts configured, callbacks are refused");
        }
        let http = callback_client(settings.callback_timeout)?;
        Ok(WhatsAppLookups {
            inner: Arc::new(Inner {
                store,
                provider,
                settings,
                http,
                lookups: Mutex::new(HashMap::new()),
                deliveries: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The provider's configuration name (`none`, `file`), for status pages.
    pub fn provider_name(&self) -> &str {
        self.inner.provider.name()
    }

    /// Normalises a client's number as [`WhatsAppLookups::lookup`] does, and checks its country.
    pub fn normalise(
        &self,
        number: &str,
        country: Option<&str>,
    ) -> Result<E164Number, LookupError> {
        let settings = &self.inner.settings;
        let country = match country.map(str::trim) {
            None | Some("") => settings.default_country,
            Some(code) => Country::parse(code)?,
        };
        let number = normalise(number, Some(country)).map_err(LookupError::InvalidNumber)?;
        if let Some(allowed) = &settings.countries {
            let of_number = country_of(&number);
            if !of_number.is_some_and(|c| allowed.contains(&c)) {
                return Err(LookupError::UnsupportedCountry { country: of_number });
            }
        }
        Ok(number)
    }

    /// Serves one `gliswadetail` request for `tenant` (see the module docs).
    pub async fn lookup(
        &self,
        tenant: &TenantId,
        request: LookupRequest,
    ) -> Result<LookupAnswer, LookupError> {
        let number = self.normalise(&request.number, request.country.as_deref())?;
        let callback = check_callback(
            request.callback.as_deref(),
            &self.inner.settings.callback_hosts,
        )?;
        let key = JobKey {
            tenant: tenant.clone(),
            number,
        };
        let ticket = Ticket {
            callback,
            service_status: request.service_status,
        };
        let deadline = Instant::now() + self.inner.settings.answer_within;
        loop {
            match self.inner.claim_lookup(&key) {
                Claim::Lead(claim) => return self.inner.lead(key, claim, ticket, deadline).await,
                Claim::Join(mut phase) => {
                    let decided = tokio::time::timeout_at(
                        deadline,
                        phase.wait_for(|p| *p != LookupPhase::Starting),
                    )
                    .await
                    .map(|seen| seen.map(|p| *p));
                    match decided {
                        // The lead finished (answered from the store, or gave up): start over.
                        Ok(Err(_)) | Ok(Ok(LookupPhase::Finished)) => continue,
                        _ => return self.inner.join(key, phase, ticket, deadline).await,
                    }
                }
            }
        }
    }

    /// The job of `number` for `tenant`, as stored.
    pub async fn job(
        &self,
        tenant: &TenantId,
        number: &E164Number,
    ) -> Result<Option<WhatsAppJob>, LookupError> {
        Ok(self.inner.read_job(tenant, number).await?)
    }

    /// At start-up: asks the provider again for jobs left `checking`, delivers callbacks left
    /// pending, and removes finished jobs older than the result TTL.
    pub async fn resume(&self) -> Result<ResumeReport, LookupError> {
        let inner = &self.inner;
        let store = inner.store.clone();
        let documents = blocking(move || {
            store
                .documents_of_kind(JOB_KIND)
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
        let mut report = ResumeReport::default();
        let now = unix_millis_now();
        for document in documents {
            let readable = WhatsAppJob::from_document(&document).and_then(|job| {
                let number =
                    E164Number::parse_e164(&job.number).map_err(|e| StoreError::Corrupt {
                        kind: RecordKind::Document,
                        reason: format!("{JOB_KIND} `{}`: {e}", job.number),
                    })?;
                Ok((number, job))
            });
            let (number, job) = match readable {
                Ok(readable) => readable,
                Err(error) => {
                    tracing::warn!(tenant = %document.tenant, %error, "unreadable whatsapp job");
                    report.unreadable += 1;
                    continue;
                }
            };
            let key = JobKey {
                tenant: document.tenant.clone(),
                number,
            };
            let pending_callback = job.callback.as_ref().is_some_and(CallbackJob::is_pending);
            if !job.is_final() {
                if let Claim::Lead(claim) = inner.claim_lookup(&key) {
                    claim.set_running();
                    inner.spawn_lookup(key, job.lookup_id, claim);
                    report.lookups += 1;
                }
            } else if pending_callback {
                inner.spawn_delivery(key);
                report.deliveries += 1;
            } else if job.is_expired(now, inner.settings.result_ttl) {
                let ttl = inner.settings.result_ttl;
                let deleted = inner
                    .update_job(&key, move |current| match current {
                        Some(current) if current.is_final() && current.is_expired(now, ttl) => {
                            (JobWrite::Delete, true)
                        }
                        _ => (JobWrite::Keep, false),
                    })
                    .await?;
                report.expired += usize::from(deleted);
            }
        }
        Ok(report)
    }
}

/// The parts of a request that shape its job.
struct Ticket {
    callback: Option<Url>,
    service_status: bool,
}

impl Inner {
    fn claim_lookup(self: &Arc<Self>, key: &JobKey) -> Claim {
        let mut lookups = lock(&self.lookups);
        if let Some(phase) = lookups.get(key) {
            return Claim::Join(phase.clone());
        }
        let (sender, receiver) = watch::channel(LookupPhase::Starting);
        lookups.insert(key.clone(), receiver);
        Claim::Lead(LookupClaim {
            inner: self.clone(),
            key: key.clone(),
            phase: sender,
        })
    }

    pub(super) fn claim_delivery(self: &Arc<Self>, key: &JobKey) -> Option<DeliveryClaim> {
        lock(&self.deliveries)
            .insert(key.clone())
            .then(|| DeliveryClaim {
                inner: self.clone(),
                key: key.clone(),
            })
    }

    pub(super) async fn read_job(
        &self,
        tenant: &TenantId,
        number: &E164Number,
    ) -> Result<Option<WhatsAppJob>, StoreError> {
        let store = self.store.clone();
        let (tenant, number) = (tenant.clone(), number.clone());
        blocking(move || {
            store
                .get_document(&tenant, JOB_KIND, number.as_str())?
                .map(|document| WhatsAppJob::from_document(&document))
                .transpose()
        })
        .await
    }

    /// Reads the job and writes what `decide` says, in one transaction (which may run more than
    /// once, so `decide` only computes). An unreadable job is logged and handed over as absent,
    /// so that a new lookup replaces it.
    pub(super) async fn update_job<R, F>(
        &self,
        key: &JobKey,
        mut decide: F,
    ) -> Result<R, StoreError>
    where
        F: FnMut(Option<WhatsAppJob>) -> (JobWrite, R) + Send + 'static,
        R: Send + 'static,
    {
        let store = self.store.clone();
        let key = key.clone();
        blocking(move || {
            let mut output = None;
            store.write(&mut |tx| {
                let current = match tx.get_document(&key.tenant, JOB_KIND, key.number.as_str())? {
                    None => None,
                    Some(document) => match WhatsAppJob::from_document(&document) {
                        Ok(job) => Some(job),
                        Err(error) => {
                            tracing::warn!(tenant = %key.tenant, %error, "replacing an unreadable whatsapp job");
                            None
                        }
                    },
                };
                let (write, result) = decide(current);
                match write {
                    JobWrite::Keep => {}
                    JobWrite::Put(job) => tx.put_document(&job.to_document(&key.tenant)?)?,
                    JobWrite::Delete => {
                        tx.delete_document(&key.tenant, JOB_KIND, key.number.as_str())?;
                    }
                }
                output = Some(result);
                Ok(())
            })?;
            output.ok_or_else(|| StoreError::Invalid {
                what: "transaction",
                reason: "committed without running".to_owned(),
            })
        })
        .await
    }

    /// The request that claimed the job: answers a fresh result, or starts a lookup.
    async fn lead(
        self: &Arc<Self>,
        key: JobKey,
        claim: LookupClaim,
        ticket: Ticket,
        deadline: Instant,
    ) -> Result<LookupAnswer, LookupError> {
        let now = unix_millis_now();
        let ttl = self.settings.result_ttl;
        let lookup_id = uuid::Uuid::new_v4().to_string();
        let number = key.number.to_string();
        let callback = ticket.callback.as_ref().map(Url::to_string);
        let service_status = ticket.service_status;
        let new_lookup_id = lookup_id.clone();
        let begun = self
            .update_job(&key, move |current| match current {
                Some(mut job) if job.has_fresh_result(now, ttl) => {
                    let attached = callback
                        .as_deref()
                        .is_some_and(|url| job.attach_callback(url, service_status, now));
                    let write = if attached {
                        JobWrite::Put(Box::new(job.clone()))
                    } else {
                        JobWrite::Keep
                    };
                    let job = Box::new(job);
                    (
                        write,
                        Begin::Known {
                            job,
                            deliver: attached,
                        },
                    )
                }
                current => {
                    // A callback still waiting for a result (the previous lookup was interrupted
                    // or unavailable) is kept: it is the one delivery of this number.
                    let kept = current.and_then(|old| {
                        let unanswered = !matches!(old.state, JobState::Done { .. });
                        old.callback.filter(|c| c.is_pending() && unanswered)
                    });
                    let callback = kept.or_else(|| {
                        callback
                            .as_deref()
                            .map(|url| CallbackJob::pending(url, service_status, now))
                    });
                    let job = WhatsAppJob {
                        number: number.clone(),
                        lookup_id: new_lookup_id.clone(),
                        state: JobState::Checking,
                        created_at_ms: now,
                        updated_at_ms: now,
                        callback,
                    };
                    (JobWrite::Put(Box::new(job)), Begin::Started)
                }
            })
            .await?;
        match begun {
            Begin::Known { job, deliver } => {
                drop(claim);
                if deliver {
                    self.spawn_delivery(key.clone());
                }
                answer(&key.number, &job, ticket.service_status)
            }
            Begin::Started => {
                claim.set_running();
                let mut phase = claim.phase.subscribe();
                self.spawn_lookup(key.clone(), lookup_id, claim);
                let _ = tokio::time::timeout_at(
                    deadline,
                    phase.wait_for(|p| *p == LookupPhase::Finished),
                )
                .await;
                self.answer_from_store(&key, ticket.service_status).await
            }
        }
    }

    /// A request for a job whose lookup is under way: records its callback, waits, answers.
    async fn join(
        self: &Arc<Self>,
        key: JobKey,
        mut phase: watch::Receiver<LookupPhase>,
        ticket: Ticket,
        deadline: Instant,
    ) -> Result<LookupAnswer, LookupError> {
        if let Some(url) = ticket.callback.as_ref().map(Url::to_string) {
            let now = unix_millis_now();
            let service_status = ticket.service_status;
            let deliver_now = self
                .update_job(&key, move |current| match current {
                    // Finished unavailable without servstatus: the request answers that the
                    // service is unavailable, and a callback would have nothing to say.
                    Some(job) if job.is_final() && !job.reportable(service_status) => {
                        (JobWrite::Keep, false)
                    }
                    Some(mut job) => {
                        if job.attach_callback(&url, service_status, now) {
                            // While `checking`, the lookup task delivers it with the result.
                            let deliver = job.is_final();
                            (JobWrite::Put(Box::new(job)), deliver)
                        } else {
                            (JobWrite::Keep, false)
                        }
                    }
                    None => (JobWrite::Keep, false),
                })
                .await?;
            if deliver_now {
                self.spawn_delivery(key.clone());
            }
        }
        let _ = tokio::time::timeout_at(deadline, phase.wait_for(|p| *p == LookupPhase::Finished))
            .await;
        self.answer_from_store(&key, ticket.service_status).await
    }

    async fn answer_from_store(
        &self,
        key: &JobKey,
        service_status: bool,
    ) -> Result<LookupAnswer, LookupError> {
        let job = self
            .read_job(&key.tenant, &key.number)
            .await?
            .ok_or_else(|| StoreError::not_found(RecordKind::Document, &key.number))?;
        answer(&key.number, &job, service_status)
    }
}

/// The answer a job gives a request.
fn answer(
    number: &E164Number,
    job: &WhatsAppJob,
    service_status: bool,
) -> Result<LookupAnswer, LookupError> {
    let number = number.clone();
    Ok(match &job.state {
        JobState::Checking => LookupAnswer::Checking { number },
        JobState::Done {
            result: AccountLookup::Registered(details),
            ..
        } => LookupAnswer::Registered {
            number,
            details: details.clone(),
        },
        JobState::Done {
            result: AccountLookup::NotRegistered,
            ..
        } => LookupAnswer::NotRegistered { number },
        JobState::Unavailable { .. } if service_status => LookupAnswer::Unavailable { number },
        JobState::Unavailable { reason, .. } => {
            return Err(LookupError::ServiceUnavailable {
                reason: reason.clone(),
            })
        }
    })
}
