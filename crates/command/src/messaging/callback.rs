//! Callback URLs: which are accepted, what is sent to them, and delivery with retries (S13
//! `DeliverCallback`, dialects.md 6.2 and section 9 item 2).
//!
//! aisolution-api.txt L512: "When the field callback is not empty, it is returned to the
//! callback URL once the result is queried. [...] Return method is GET
//! https://YOUR_CALLBACKURL/?number=%2B62813116594289&whatsapp=yes&status_update=20180825&signature=Saya+suka+global&business_user=no&avatar=yes".
//! The document says nothing of retries, timeouts or the expected answer; best reading
//! (dialects.md 6.2): a 2xx answer is delivered, anything else is retried with backoff.

use std::net::Ipv6Addr;
use std::time::Duration;

use serde::Serialize;
use url::{Host, Url};

use super::number::E164Number;
use super::provider::AccountLookup;
use super::settings::SettingsError;

/// The hosts callbacks may go to (`LookupSettings::callback_hosts`).
#[derive(Debug, Clone, Default)]
pub(crate) struct CallbackHosts(Vec<AllowedHost>);

#[derive(Debug, Clone)]
enum AllowedHost {
    /// Exactly this host (a lowercase domain, or an IP address).
    Exact(Host<String>),
    /// Any domain ending in `.` + this suffix.
    Below(String),
}

impl CallbackHosts {
    pub(crate) fn parse(entries: &[String]) -> Result<Self, SettingsError> {
        entries
            .iter()
            .map(|entry| {
                let bad = || SettingsError::CallbackHost {
                    entry: entry.clone(),
                };
                let text = entry.trim().to_ascii_lowercase();
                if let Some(suffix) = text.strip_prefix("*.") {
                    return match Host::parse(suffix) {
                        Ok(Host::Domain(domain)) if !domain.contains('*') => {
                            Ok(AllowedHost::Below(domain))
                        }
                        _ => Err(bad()),
                    };
                }
                if let Ok(v6) = text.parse::<Ipv6Addr>() {
                    return Ok(AllowedHost::Exact(Host::Ipv6(v6)));
                }
                match Host::parse(&text) {
                    Ok(Host::Domain(domain)) if domain.contains('*') => Err(bad()),
                    Ok(host) => Ok(AllowedHost::Exact(host)),
                    Err(_) => Err(bad()),
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(CallbackHosts)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn allows(&self, host: &Host<&str>) -> bool {
        self.0.iter().any(|allowed| match (allowed, host) {
            (AllowedHost::Exact(Host::Domain(a)), Host::Domain(h)) => a.eq_ignore_ascii_case(h),
            (AllowedHost::Exact(Host::Ipv4(a)), Host::Ipv4(h)) => a == h,
            (AllowedHost::Exact(Host::Ipv6(a)), Host::Ipv6(h)) => a == h,
            (AllowedHost::Below(suffix), Host::Domain(h)) => {
                let h = h.to_ascii_lowercase();
                h.len() > suffix.len() + 1
                    && h.ends_with(suffix.as_str())
                    && h.as_bytes()[h.len() - suffix.len() - 1] == b'.'
            }
            _ => false,
        })
    }
}

/// What is wrong with a callback URL itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackProblem {
    /// Not an absolute URL.
    NotAUrl,
    /// Not `http` or `https`.
    NotHttp,
    /// User name or password in the URL: refused, so that no credential is stored or logged.
    Credentials,
}

impl std::fmt::Display for CallbackProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CallbackProblem::NotAUrl => "not an absolute URL",
            CallbackProblem::NotHttp => "only http and https URLs are called back",
            CallbackProblem::Credentials => "credentials in callback URLs are not accepted",
        })
    }
}

/// Why a callback URL was refused at request time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallbackRefusal {
    Invalid(CallbackProblem),
    NotAllowed { host: String },
}

/// Checks a client's callback URL. Empty means none (aisolution-api.txt L512: "When the field
/// callback is not empty").
pub(crate) fn check_callback(
    text: Option<&str>,
    hosts: &CallbackHosts,
) -> Result<Option<Url>, CallbackRefusal> {
    let text = match text.map(str::trim) {
        None | Some("") => return Ok(None),
        Some(text) => text,
    };
    let mut url =
        Url::parse(text).map_err(|_| CallbackRefusal::Invalid(CallbackProblem::NotAUrl))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CallbackRefusal::Invalid(CallbackProblem::NotHttp));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CallbackRefusal::Invalid(CallbackProblem::Credentials));
    }
    let host = url
        .host()
        .ok_or(CallbackRefusal::Invalid(CallbackProblem::NotAUrl))?;
    if !hosts.allows(&host) {
        return Err(CallbackRefusal::NotAllowed {
            host: host.to_string(),
        });
    }
    // A fragment is never sent over HTTP; dropping it keeps stored URLs canonical.
    url.set_fragment(None);
    Ok(Some(url))
}

/// What a callback reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallbackResult<'a> {
    Known(&'a AccountLookup),
    /// The provider could not answer; only reported to clients that asked with `servstatus=y`.
    Unavailable,
}

/// The documented query, in the documented order; form-style encoding (`+` for spaces, `%2B` for
/// the number's plus sign) as in the document's example.
#[derive(Serialize)]
struct CallbackQuery<'a> {
    number: &'a str,
    whatsapp: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_update: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_user: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<&'static str>,
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// The URL to GET: the client's URL with the result's parameters appended to any query it has.
pub(crate) fn callback_request_url(
    base: &Url,
    number: &E164Number,
    result: CallbackResult<'_>,
) -> Url {
    let mut query = CallbackQuery {
        number: number.as_str(),
        whatsapp: "unavailable",
        status_update: None,
        signature: None,
        business_user: None,
        avatar: None,
    };
    match result {
        CallbackResult::Known(AccountLookup::Registered(details)) => {
            query.whatsapp = "yes";
            query.status_update = Some(&details.status_update);
            query.signature = Some(&details.signature);
            query.business_user = Some(yes_no(details.business_user));
            query.avatar = Some(yes_no(details.avatar));
        }
        CallbackResult::Known(AccountLookup::NotRegistered) => query.whatsapp = "no",
        CallbackResult::Unavailable => {}
    }
    let encoded =
        serde_urlencoded::to_string(&query).expect("a struct of strings always encodes as a form");
    let mut url = base.clone();
    let full = match base.query() {
        Some(existing) if !existing.is_empty() => format!("{existing}&{encoded}"),
        _ => encoded,
    };
    url.set_query(Some(&full));
    url
}

/// The outcome of delivering one callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeliveryReport {
    pub delivered: bool,
    pub attempts: u32,
    /// Why the last attempt failed (`HTTP 500`, `timed out`, ...), when it did.
    pub last_error: Option<String>,
}

/// The HTTP client for callbacks: per-attempt timeout, no redirects (a redirect could lead
/// outside the allowlist), no pooled connections (deliveries are rare, and a pooled connection
/// would outlive the runtime of the task that opened it).
pub(crate) fn callback_client(timeout: Duration) -> Result<reqwest::Client, SettingsError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .user_agent(concat!("ekyc-gateway/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(SettingsError::HttpClient)
}

/// The wait before attempt `attempt + 1` (attempts count from 1): `backoff`, then doubling.
pub(crate) fn backoff_before_next(backoff: Duration, attempt: u32) -> Duration {
    backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
}

/// GETs `url` until a 2xx answer, at most `attempts` times, waiting [`backoff_before_next`]
/// between attempts.
pub(crate) async fn deliver(
    client: &reqwest::Client,
    url: &Url,
    attempts: u32,
    backoff: Duration,
) -> DeliveryReport {
    let mut last_error = None;
    for attempt in 1..=attempts {
        match client.get(url.clone()).send().await {
            Ok(response) if response.status().is_success() => {
                return DeliveryReport {
                    delivered: true,
                    attempts: attempt,
                    last_error: None,
                }
            }
            Ok(response) => last_error = Some(format!("HTTP {}", response.status().as_u16())),
            // Without the URL: it holds the client's phone number.
            Err(error) if error.is_timeout() => last_error = Some("timed out".to_owned()),
            Err(error) => last_error = Some(error.without_url().to_string()),
        }
        tracing::debug!(attempt, error = ?last_error, "callback attempt failed");
        if attempt < attempts {
            tokio::time::sleep(backoff_before_next(backoff, attempt)).await;
        }
    }
    DeliveryReport {
        delivered: false,
        attempts,
        last_error,
    }
}

#[cfg(test)]
mod tests {
    use super::super::provider::AccountDetails;
    use super::*;

    fn hosts(entries: &[&str]) -> CallbackHosts {
        CallbackHosts::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_documented_query_string() {
        // aisolution-api.txt L482, byte for byte but for the host, which URLs compare lowercased.
        let base = Url::parse("https://YOUR_CALLBACKURL").unwrap();
        let number = E164Number::parse_e164("+62813116594289").unwrap();
        let yes = AccountLookup::Registered(AccountDetails {
            status_update: "20180825".into(),
            signature: "Saya suka global".into(),
            business_user: false,
            avatar: true,
        });
        assert_eq!(
            callback_request_url(&base, &number, CallbackResult::Known(&yes)).as_str(),
            "https://your_callbackurl/?number=%2B62813116594289&whatsapp=yes&status_update=20180825\
             &signature=Saya+suka+global&business_user=no&avatar=yes"
        );
        let number = E164Number::parse_e164("+6281387300008").unwrap();
        let with_query = Url::parse("http://hooks.example.com/cb?client=7").unwrap();
        assert_eq!(
            callback_request_url(
                &with_query,
                &number,
                CallbackResult::Known(&AccountLookup::NotRegistered)
            )
            .as_str(),
            "http://hooks.example.com/cb?client=7&number=%2B6281387300008&whatsapp=no"
        );
        assert_eq!(
            callback_request_url(&base, &number, CallbackResult::Unavailable).query(),
            Some("number=%2B6281387300008&whatsapp=unavailable")
        );
    }

    #[test]
    fn signature_characters_are_form_encoded() {
        let base = Url::parse("http://h.example/").unwrap();
        let number = E164Number::parse_e164("+6281387300008").unwrap();
        let yes = AccountLookup::Registered(AccountDetails {
            status_update: "20240101".into(),
            signature: "a&b=c+d é".into(),
            business_user: true,
            avatar: false,
        });
        let url = callback_request_url(&base, &number, CallbackResult::Known(&yes));
        assert!(url
            .as_str()
            .contains("&signature=a%26b%3Dc%2Bd+%C3%A9&business_user=yes&avatar=no"));
    }

    #[test]
    fn allowlist_matching() {
        let allowed = hosts(&["hooks.example.com", "*.clients.example", "127.0.0.1", "::1"]);
        let check = |url: &str| check_callback(Some(url), &allowed);
        assert!(check("https://hooks.example.com/x").unwrap().is_some());
        assert!(check("https://HOOKS.example.com:8443/x").unwrap().is_some());
        assert!(check("http://a.clients.example/").unwrap().is_some());
        assert!(check("http://a.b.clients.example/").unwrap().is_some());
        assert!(check("http://127.0.0.1:9/").unwrap().is_some());
        assert!(check("http://[::1]:9/").unwrap().is_some());
        for refused in [
            "https://example.com/",
            "https://clients.example/",
            "https://evilclients.example/",
            "https://hooks.example.com.evil.test/",
            "http://127.0.0.2/",
            "http://[::2]/",
        ] {
            let result = check(refused);
            assert!(
                matches!(result, Err(CallbackRefusal::NotAllowed { .. })),
                "{refused}: {result:?}"
            );
        }
        // Hosts are compared after the URL parser canonicalises them: another spelling of an
        // allowed address is that address, and of a refused one stays refused.
        assert_eq!(
            check("http://2130706433/").unwrap().unwrap().host_str(),
            Some("127.0.0.1")
        );
        assert!(check("http://0x7f.0.0.2/").is_err());
    }

    #[test]
    fn malformed_callbacks() {
        let allowed = hosts(&["hooks.example.com"]);
        let check = |url: &str| check_callback(Some(url), &allowed);
        assert_eq!(check("").unwrap(), None);
        assert_eq!(check_callback(None, &allowed).unwrap(), None);
        assert_eq!(
            check("hooks.example.com/cb"),
            Err(CallbackRefusal::Invalid(CallbackProblem::NotAUrl))
        );
        assert_eq!(
            check("ftp://hooks.example.com/cb"),
            Err(CallbackRefusal::Invalid(CallbackProblem::NotHttp))
        );
        assert_eq!(
            check("https://user:pw@hooks.example.com/cb"),
            Err(CallbackRefusal::Invalid(CallbackProblem::Credentials))
        );
        // Nothing is allowed by default.
        assert!(matches!(
            check_callback(
                Some("https://hooks.example.com/"),
                &CallbackHosts::default()
            ),
            Err(CallbackRefusal::NotAllowed { .. })
        ));
    }

    #[test]
    fn host_entries_are_checked() {
        for bad in [
            "https://x.example/",
            "*.",
            "a*.example",
            "x.example/path",
            "",
        ] {
            assert!(
                CallbackHosts::parse(&[bad.to_owned()]).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn backoff_doubles() {
        let base = Duration::from_millis(100);
        assert_eq!(backoff_before_next(base, 1), Duration::from_millis(100));
        assert_eq!(backoff_before_next(base, 2), Duration::from_millis(200));
        assert_eq!(backoff_before_next(base, 3), Duration::from_millis(400));
    }
}
