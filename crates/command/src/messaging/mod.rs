//! WhatsApp account lookups (aisolution AI-6 `gliswadetail`; S13 `LookupMessagingAccount` +
//! `DeliverCallback`; dialects.md 5.5 AI-6, 6.1, 6.2, A15, A16 and section 9 items 1-2).
//!
//! WhatsApp account data cannot be had offline, so the facts come from a pluggable
//! [`MessagingAccountProvider`]: [`NoProvider`] by default (the service then says it is
//! unavailable), or [`FileProvider`], an operator's table for demos and tests. Everything around
//! the facts is real: validation, E.164 normalisation, the job store with its `checking` state,
//! and callback delivery with retries.
//!
//! How a request is served ([`WhatsAppLookups::lookup`]):
//! - The number is normalised to E.164 (`country`, else `LookupSettings::default_country`), the
//!   callback URL checked against `LookupSettings::callback_hosts`.
//! - A result younger than `result_ttl_secs` is answered from the job, without asking the
//!   provider. Otherwise the job becomes `checking` and the provider is asked in a background
//!   task; the request waits at most `answer_within_ms` for it and then answers what is known:
//!   the result, `checking`, or (provider unavailable) [`LookupAnswer::Unavailable`] with
//!   `servstatus=y` and [`LookupError::ServiceUnavailable`] without. Requests with a callback
//!   wait the same way: a quick result is answered and also called back.
//! - Re-submitting the number while it is `checking` joins the lookup under way (this is the
//!   documented polling); it never asks the provider twice at once.
//! - A callback is delivered once per job (aisolution-api.txt L512), when the result is known:
//!   2xx is delivered, anything else is retried with doubling backoff; the outcome is written to
//!   the job. An unavailable provider is called back (`whatsapp=unavailable`) only for
//!   `servstatus=y` requests; otherwise the callback is marked failed, as the request itself
//!   answered that the service is unavailable.
//! - Every change of a job is one store transaction. Background tasks run on the tokio runtime
//!   of the caller; [`WhatsAppLookups::resume`] restarts at start-up what a stop interrupted.

mod background;
mod callback;
mod job;
mod number;
mod provider;
mod service;
mod settings;

#[cfg(test)]
mod tests;

use store::StoreError;

use callback::CallbackRefusal;

pub use callback::CallbackProblem;
pub use job::{CallbackJob, DeliveryState, JobState, WhatsAppJob, JOB_KIND};
pub use number::{country_of, normalise, Country, E164Number, NumberError, UnknownCountry};
pub use provider::{
    AccountDetails, AccountLookup, FileProvider, MessagingAccountProvider, NoProvider,
    ProviderError, ProviderFuture, ProviderTableError, UnlistedNumbers,
};
pub use service::WhatsAppLookups;
pub use settings::{LookupSettings, SettingsError};

/// One `gliswadetail` request, decoded from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupRequest {
    /// The phone number as the client wrote it (wire `number`).
    pub number: String,
    /// ISO 3166-1 alpha-2 country of a national number (wire `country`); empty counts as absent.
    pub country: Option<String>,
    /// URL to GET with the result (wire `callback`); empty counts as absent.
    pub callback: Option<String>,
    /// Wire `servstatus=y`: "it will return unavailable once the service is unavailable".
    pub service_status: bool,
}

/// What a request is answered (wire `message` of an `OK` answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupAnswer {
    /// `whatsapp: "yes"` with the account details.
    Registered {
        number: E164Number,
        details: AccountDetails,
    },
    /// `whatsapp: "no"`.
    NotRegistered { number: E164Number },
    /// `whatsapp: "checking"`: the lookup goes on; ask again, or wait for the callback.
    Checking { number: E164Number },
    /// `whatsapp: "unavailable"`: no provider can answer now (only with `servstatus=y`).
    Unavailable { number: E164Number },
}

impl LookupAnswer {
    pub fn number(&self) -> &E164Number {
        match self {
            LookupAnswer::Registered { number, .. }
            | LookupAnswer::NotRegistered { number }
            | LookupAnswer::Checking { number }
            | LookupAnswer::Unavailable { number } => number,
        }
    }
}

/// Why a lookup was not answered.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// `number` is missing, malformed or not a number of its country's plan (wire class: invalid
    /// input).
    #[error("invalid number: {0}")]
    InvalidNumber(#[source] NumberError),
    /// `country` is not an ISO 3166-1 alpha-2 code (wire class: invalid input).
    #[error(transparent)]
    UnknownCountry(#[from] UnknownCountry),
    /// A well-formed number of a country this deployment does not look up
    /// (`LookupSettings::countries`); `country` is `None` for non-geographic numbers. Wire class:
    /// invalid query (dialects.md A16).
    #[error("numbers of {} are not looked up here", country.as_ref().map_or("that numbering plan", Country::code))]
    UnsupportedCountry { country: Option<Country> },
    /// The callback is not an absolute http(s) URL without credentials (wire class: invalid input).
    #[error("invalid callback URL: {0}")]
    InvalidCallback(CallbackProblem),
    /// The callback's host is not in `LookupSettings::callback_hosts` (wire class: invalid input,
    /// dialects.md section 9 item 2).
    #[error("callback host `{host}` is not one of the allowed callback hosts")]
    CallbackNotAllowed { host: String },
    /// The provider cannot answer and the request did not ask for `servstatus=y` (wire class:
    /// server error, retry later). `reason` is for logs, not for clients.
    #[error("messaging account lookups are unavailable: {reason}")]
    ServiceUnavailable { reason: String },
    /// The job store failed (wire class: server error).
    #[error("whatsapp job store: {0}")]
    Store(#[from] StoreError),
}

impl From<CallbackRefusal> for LookupError {
    fn from(refusal: CallbackRefusal) -> Self {
        match refusal {
            CallbackRefusal::Invalid(problem) => LookupError::InvalidCallback(problem),
            CallbackRefusal::NotAllowed { host } => LookupError::CallbackNotAllowed { host },
        }
    }
}

/// What [`WhatsAppLookups::resume`] restarted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeReport {
    /// Jobs left `checking` whose lookup was started again.
    pub lookups: usize,
    /// Finished jobs whose callback was still pending, now being delivered.
    pub deliveries: usize,
    /// Finished jobs older than the result TTL, removed.
    pub expired: usize,
    /// Stored jobs that could not be read (left in place, logged).
    pub unreadable: usize,
}
