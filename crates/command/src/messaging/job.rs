//! The stored form of a WhatsApp lookup job: one [`store::Document`] of kind [`JOB_KIND`] per
//! (client, number), keyed by the E.164 number (dialects.md 5.6 and 6.5: "client, number,
//! status, result, callback URL, attempts", kept for the cache TTL).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use store::{Document, RecordKind, StoreError, TenantId};

use super::provider::AccountLookup;

/// The document kind of lookup jobs.
pub const JOB_KIND: &str = "whatsapp_job";

/// One lookup of one number for one client, and the delivery of its callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsAppJob {
    /// The number looked up, E.164 (also the document key).
    pub number: String,
    /// Identifies this lookup: a new lookup of the same number (after the result expired, or
    /// after the provider was unavailable) gets a new id and replaces the job.
    pub lookup_id: String,
    pub state: JobState,
    /// When this lookup started (ms since the Unix epoch).
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    /// The callback to deliver the result to, if a client asked for one.
    pub callback: Option<CallbackJob>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// The provider has not answered yet (wire `whatsapp: "checking"`).
    Checking,
    /// The provider answered.
    Done {
        result: AccountLookup,
        finished_at_ms: u64,
    },
    /// The provider could not answer; never answered from the store, the next request asks again.
    Unavailable { reason: String, finished_at_ms: u64 },
}

/// A callback a client asked for (aisolution-api.txt L512).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackJob {
    /// The client's URL, before the result's parameters are appended.
    pub url: String,
    /// The request had `servstatus=y`: an unavailable provider is reported as
    /// `whatsapp=unavailable` rather than not at all.
    pub service_status: bool,
    pub delivery: DeliveryState,
    /// Attempts made by the last delivery (0 while none finished).
    pub attempts: u32,
    /// Why the last attempt failed, if it did (`HTTP 500`, `timed out`, ...).
    pub last_error: Option<String>,
    pub requested_at_ms: u64,
    pub finished_at_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for the result, or being delivered.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed, or there was nothing to report (provider unavailable without
    /// `servstatus=y`).
    Failed,
}

impl CallbackJob {
    pub(crate) fn pending(url: &str, service_status: bool, now_ms: u64) -> Self {
        CallbackJob {
            url: url.to_owned(),
            service_status,
            delivery: DeliveryState::Pending,
            attempts: 0,
            last_error: None,
            requested_at_ms: now_ms,
            finished_at_ms: None,
        }
    }

    pub(crate) fn is_pending(&self) -> bool {
        self.delivery == DeliveryState::Pending
    }
}

impl WhatsAppJob {
    pub(crate) fn is_final(&self) -> bool {
        !matches!(self.state, JobState::Checking)
    }

    /// A known result younger than `ttl`: answered without asking the provider.
    pub(crate) fn has_fresh_result(&self, now_ms: u64, ttl: Duration) -> bool {
        match self.state {
            JobState::Done { finished_at_ms, .. } => {
                now_ms < finished_at_ms.saturating_add(ttl.as_millis() as u64)
            }
            _ => false,
        }
    }

    /// Finished longer than `ttl` ago: the store may forget it.
    pub(crate) fn is_expired(&self, now_ms: u64, ttl: Duration) -> bool {
        match self.state {
            JobState::Done { finished_at_ms, .. }
            | JobState::Unavailable { finished_at_ms, .. } => {
                now_ms >= finished_at_ms.saturating_add(ttl.as_millis() as u64)
            }
            JobState::Checking => false,
        }
    }

    /// Whether a callback can say something about this job's final state.
    pub(crate) fn reportable(&self, service_status: bool) -> bool {
        match self.state {
            JobState::Checking => false,
            JobState::Done { .. } => true,
            JobState::Unavailable { .. } => service_status,
        }
    }

    /// Records a client's callback unless one is pending or delivered already ("Please do not
    /// call back the same number multiple times", aisolution-api.txt L512: one delivery per
    /// job; a failed one may be asked for again). True if a new pending delivery was recorded.
    pub(crate) fn attach_callback(&mut self, url: &str, service_status: bool, now_ms: u64) -> bool {
        match &self.callback {
            Some(existing) if existing.delivery != DeliveryState::Failed => false,
            _ => {
                self.callback = Some(CallbackJob::pending(url, service_status, now_ms));
                self.updated_at_ms = now_ms;
                true
            }
        }
    }

    pub(crate) fn to_document(&self, tenant: &TenantId) -> Result<Document, StoreError> {
        Ok(Document {
            tenant: tenant.clone(),
            kind: JOB_KIND.to_owned(),
            key: self.number.clone(),
            value: serde_json::to_value(self).map_err(|e| StoreError::Encode {
                kind: RecordKind::Document,
                reason: e.to_string(),
            })?,
            updated_at_ms: self.updated_at_ms,
        })
    }

    pub(crate) fn from_document(document: &Document) -> Result<Self, StoreError> {
        let job: WhatsAppJob =
            serde_json::from_value(document.value.clone()).map_err(|e| StoreError::Corrupt {
                kind: RecordKind::Document,
                reason: format!("{JOB_KIND} `{}`: {e}", document.key),
            })?;
        if job.number != document.key {
            return Err(StoreError::Corrupt {
                kind: RecordKind::Document,
                reason: format!(
                    "{JOB_KIND} `{}` holds the number `{}`",
                    document.key, job.number
                ),
            });
        }
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messaging::AccountDetails;

    #[test]
    fn a_job_round_trips_through_a_document() {
        let job = WhatsAppJob {
            number: "+6281387300008".into(),
            lookup_id: "l1".into(),
            state: JobState::Done {
                result: AccountLookup::Registered(AccountDetails {
                    status_update: "20180825".into(),
                    signature: "Saya suka global".into(),
                    business_user: false,
                    avatar: true,
                }),
                finished_at_ms: 10,
            },
            created_at_ms: 5,
            updated_at_ms: 10,
            callback: Some(CallbackJob::pending("http://h.example/", true, 5)),
        };
        let document = job.to_document(&TenantId::from("client")).unwrap();
        assert_eq!(document.kind, JOB_KIND);
        assert_eq!(document.key, "+6281387300008");
        assert_eq!(document.value["state"]["done"]["result"]["whatsapp"], "yes");
        assert_eq!(WhatsAppJob::from_document(&document).unwrap(), job);
        let mut moved = document.clone();
        moved.key = "+639171234567".into();
        assert!(WhatsAppJob::from_document(&moved).is_err());
    }

    #[test]
    fn freshness_and_callback_dedupe() {
        let mut job = WhatsAppJob {
            number: "+639171234567".into(),
            lookup_id: "l1".into(),
            state: JobState::Done {
                result: AccountLookup::NotRegistered,
                finished_at_ms: 1_000,
            },
            created_at_ms: 900,
            updated_at_ms: 1_000,
            callback: None,
        };
        let ttl = Duration::from_secs(1);
        assert!(job.has_fresh_result(1_999, ttl));
        assert!(!job.has_fresh_result(2_000, ttl));
        assert!(job.is_expired(2_000, ttl));
        assert!(job.attach_callback("http://a.example/", false, 1_100));
        assert!(!job.attach_callback("http://b.example/", false, 1_200));
        job.callback.as_mut().unwrap().delivery = DeliveryState::Delivered;
        assert!(!job.attach_callback("http://b.example/", false, 1_300));
        job.callback.as_mut().unwrap().delivery = DeliveryState::Failed;
        assert!(job.attach_callback("http://b.example/", false, 1_400));
        assert_eq!(job.callback.as_ref().unwrap().url, "http://b.example/");
    }
}
