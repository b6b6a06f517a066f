//! [`LookupSettings`]: the operator's knobs for WhatsApp lookups and their callbacks, and their
//! checked form.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use super::callback::CallbackHosts;
use super::number::{Country, UnknownCountry};

/// Settings of [`super::WhatsAppLookups`] (config section of the gateway). Every field has a
/// default, so an empty section is valid: then callbacks are refused and lookups answer from the
/// configured provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LookupSettings {
    /// The country (ISO 3166-1 alpha-2) a national number is read in when the request names none.
    /// `ID` by default: the vendor's example number `81387300008` is answered as `+62...`
    /// (dialects.md A15).
    pub default_country: String,
    /// Countries whose numbers may be looked up (ISO alpha-2). `None` (the default) allows all;
    /// a number of another country is refused with [`super::LookupError::UnsupportedCountry`].
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_list_or_text"
    )]
    pub countries: Option<Vec<String>>,
    /// Hosts callbacks may be sent to: `hooks.example.com` (that host exactly) or
    /// `*.example.com` (any host below `example.com`, not `example.com` itself); IP literals as
    /// written (`127.0.0.1`, `::1`). Empty by default, which refuses every callback: the gateway
    /// must not be an open relay that makes requests to any address a client names (SSRF), so the
    /// operator lists the hosts of their clients' receivers. Ports are not restricted.
    #[serde(deserialize_with = "list_or_text")]
    pub callback_hosts: Vec<String>,
    /// Attempts per callback delivery, the first included (3 by default, at least 1).
    pub callback_attempts: u32,
    /// Wait before the second attempt; each later wait doubles (1000 ms by default).
    pub callback_backoff_ms: u64,
    /// Time limit of one callback attempt, connection included (5000 ms by default).
    pub callback_timeout_ms: u64,
    /// How long a request waits for the provider before it answers `checking` (2000 ms by
    /// default); the lookup goes on in the background.
    pub answer_within_ms: u64,
    /// How long a provider may take before the lookup counts as unavailable (60000 ms by default).
    pub lookup_timeout_ms: u64,
    /// How long a known result (`yes`/`no`) is answered from the job store without asking the
    /// provider again (86400 s = one day by default).
    pub result_ttl_secs: u64,
}

impl Default for LookupSettings {
    fn default() -> Self {
        LookupSettings {
            default_country: "ID".to_owned(),
            countries: None,
            callback_hosts: Vec::new(),
            callback_attempts: 3,
            callback_backoff_ms: 1000,
            callback_timeout_ms: 5000,
            answer_within_ms: 2000,
            lookup_timeout_ms: 60_000,
            result_ttl_secs: 86_400,
        }
    }
}

/// Why [`LookupSettings`] cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("whatsapp lookup settings: `{field}`: {source}")]
    Country {
        field: &'static str,
        #[source]
        source: UnknownCountry,
    },
    #[error("whatsapp lookup settings: `callback_hosts`: `{entry}` is not a host name, `*.suffix` or IP address")]
    CallbackHost { entry: String },
    #[error("whatsapp lookup settings: `callback_attempts` must be at least 1")]
    NoAttempts,
    #[error("whatsapp lookup settings: the callback HTTP client cannot be built: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// [`LookupSettings`] checked and in the types the service works with.
#[derive(Debug, Clone)]
pub(crate) struct CheckedSettings {
    pub default_country: Country,
    pub countries: Option<Vec<Country>>,
    pub callback_hosts: CallbackHosts,
    pub callback_attempts: u32,
    pub callback_backoff: Duration,
    pub callback_timeout: Duration,
    pub answer_within: Duration,
    pub lookup_timeout: Duration,
    pub result_ttl: Duration,
}

impl LookupSettings {
    pub(crate) fn check(&self) -> Result<CheckedSettings, SettingsError> {
        let default_country =
            Country::parse(&self.default_country).map_err(|source| SettingsError::Country {
                field: "default_country",
                source,
            })?;
        let countries = match &self.countries {
            None => None,
            Some(codes) => Some(
                codes
                    .iter()
                    .map(|code| Country::parse(code))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|source| SettingsError::Country {
                        field: "countries",
                        source,
                    })?,
            ),
        };
        if self.callback_attempts == 0 {
            return Err(SettingsError::NoAttempts);
        }
        Ok(CheckedSettings {
            default_country,
            countries,
            callback_hosts: CallbackHosts::parse(&self.callback_hosts)?,
            callback_attempts: self.callback_attempts,
            callback_backoff: Duration::from_millis(self.callback_backoff_ms),
            callback_timeout: Duration::from_millis(self.callback_timeout_ms),
            answer_within: Duration::from_millis(self.answer_within_ms),
            lookup_timeout: Duration::from_millis(self.lookup_timeout_ms),
            result_ttl: Duration::from_secs(self.result_ttl_secs),
        })
    }
}

/// A list of strings, or one comma-separated string (how an environment variable carries a list).
fn list_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Form::deserialize(deserializer)? {
        Form::List(items) => items,
        Form::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn optional_list_or_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    list_or_text(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_refuse_callbacks() {
        let checked = LookupSettings::default().check().unwrap();
        assert_eq!(checked.default_country.code(), "ID");
        assert!(checked.callback_hosts.is_empty());
        assert_eq!(checked.callback_attempts, 3);
        assert_eq!(checked.callback_timeout, Duration::from_secs(5));
    }

    #[test]
    fn an_empty_section_is_the_defaults_and_typos_are_refused() {
        let empty: LookupSettings = toml::from_str("").unwrap();
        assert_eq!(empty, LookupSettings::default());
        assert!(toml::from_str::<LookupSettings>("callback_host = []").is_err());
    }

    #[test]
    fn bad_values_are_refused() {
        let bad_country = LookupSettings {
            countries: Some(vec!["PH".into(), "XX".into()]),
            ..LookupSettings::default()
        };
        assert!(matches!(
            bad_country.check(),
            Err(SettingsError::Country {
                field: "countries",
                ..
            })
        ));
        let no_attempts = LookupSettings {
            callback_attempts: 0,
            ..LookupSettings::default()
        };
        assert!(matches!(
            no_attempts.check(),
            Err(SettingsError::NoAttempts)
        ));
        let bad_host = LookupSettings {
            callback_hosts: vec!["https://hooks.example.com/".into()],
            ..LookupSettings::default()
        };
        assert!(matches!(
            bad_host.check(),
            Err(SettingsError::CallbackHost { .. })
        ));
    }
}
