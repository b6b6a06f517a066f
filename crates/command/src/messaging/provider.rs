//! Where WhatsApp account facts come from (S13 `LookupMessagingAccount`, dialects.md section 9
//! item 1). No such data exists offline, so the gateway never invents it: a deployment either has
//! a source for it, or answers that the service is unavailable.
//!
//! - [`NoProvider`] (the default): every lookup is [`ProviderError::Unavailable`].
//! - [`FileProvider`]: an operator-written table of numbers, **for demos and tests only**: it
//!   answers what the operator typed, nothing else.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::number::E164Number;

/// What a provider knows about a number's WhatsApp account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "whatsapp")]
pub enum AccountLookup {
    /// The number has an account (wire `whatsapp: "yes"` plus the details).
    #[serde(rename = "yes")]
    Registered(AccountDetails),
    /// The number has no account (wire `whatsapp: "no"`).
    #[serde(rename = "no")]
    NotRegistered,
}

/// The documented facts of an account (aisolution-api.txt L503-508).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    /// When the status was last updated, `YYYYMMDD` (wire `status_update`).
    pub status_update: String,
    /// The account's "about" text (wire `signature`).
    pub signature: String,
    /// A WhatsApp Business account (wire `business_user: "yes"|"no"`).
    pub business_user: bool,
    /// The account has a profile picture (wire `avatar: "yes"|"no"`).
    pub avatar: bool,
}

/// Why a provider could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No answer can be had now (no provider configured, upstream down, number not covered).
    #[error("messaging account lookups are unavailable: {reason}")]
    Unavailable { reason: String },
}

/// The future a provider's lookup returns (boxed so that providers can live behind `Arc<dyn _>`).
pub type ProviderFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccountLookup, ProviderError>> + Send + 'a>>;

/// A source of WhatsApp account facts. Lookups may take long (the service bounds them with
/// `LookupSettings::lookup_timeout_ms` and answers `checking` meanwhile).
pub trait MessagingAccountProvider: Send + Sync {
    /// The provider's configuration name (`none`, `file`), for logs and status pages.
    fn name(&self) -> &str;

    fn lookup<'a>(&'a self, number: &'a E164Number) -> ProviderFuture<'a>;
}

/// The default provider: this deployment has no source of WhatsApp data, and says so.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProvider;

impl MessagingAccountProvider for NoProvider {
    fn name(&self) -> &str {
        "none"
    }

    fn lookup<'a>(&'a self, _number: &'a E164Number) -> ProviderFuture<'a> {
        Box::pin(async {
            Err(ProviderError::Unavailable {
                reason: "no messaging account provider is configured".to_owned(),
            })
        })
    }
}

/// What a [`FileProvider`] answers for numbers its table does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlistedNumbers {
    /// Unavailable (the default): the table does not know, so neither does the gateway.
    #[default]
    Unavailable,
    /// Not registered: for demo tables meant to stand for "every other number has no account".
    No,
}

/// **For demos and tests only.** Answers from an operator-written table, never from WhatsApp.
///
/// The table is JSON (`.json`) or TOML (`.toml`, or any other extension):
///
/// ```toml
/// # Demo data typed by the operator: NOT real WhatsApp accounts.
/// unlisted = "unavailable"          # or "no"; what numbers missing from the table answer
///
/// [numbers."+6281387300008"]
/// whatsapp = "yes"
/// status_update = "20180825"        # YYYYMMDD
/// signature = "Saya suka global"    # optional, "" by default
/// business_user = false
/// avatar = true
/// delay_ms = 0                      # optional: answer only after this long (exercises `checking`)
///
/// [numbers."+639171234567"]
/// whatsapp = "no"
/// ```
#[derive(Debug, Clone)]
pub struct FileProvider {
    entries: HashMap<E164Number, TableEntry>,
    unlisted: UnlistedNumbers,
}

#[derive(Debug, Clone)]
struct TableEntry {
    answer: AccountLookup,
    delay: Duration,
}

/// Why a [`FileProvider`] table could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProviderTableError {
    #[error("cannot read the messaging account table {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the messaging account table is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the messaging account table is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// One entry is wrong; `number` is the table key as written.
    #[error("messaging account table entry `{number}`: {problem}")]
    Entry { number: String, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    unlisted: UnlistedNumbers,
    #[serde(default)]
    numbers: HashMap<String, TableFileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFileEntry {
    whatsapp: YesNo,
    status_update: Option<String>,
    signature: Option<String>,
    business_user: Option<bool>,
    avatar: Option<bool>,
    #[serde(default)]
    delay_ms: u64,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum YesNo {
    Yes,
    No,
}

impl FileProvider {
    /// Loads the table at `path`: JSON if the name ends in `.json`, TOML otherwise.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ProviderTableError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ProviderTableError::Read {
            path: path.to_owned(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        if is_json {
            Self::from_json(&text)
        } else {
            Self::from_toml(&text)
        }
    }

    pub fn from_json(text: &str) -> Result<Self, ProviderTableError> {
        Self::from_table(serde_json::from_str(text)?)
    }

    pub fn from_toml(text: &str) -> Result<Self, ProviderTableError> {
        Self::from_table(toml::from_str(text)?)
    }

    /// How many numbers the table lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn from_table(table: TableFile) -> Result<Self, ProviderTableError> {
        let mut entries = HashMap::with_capacity(table.numbers.len());
        for (key, entry) in table.numbers {
            let problem = |problem: String| ProviderTableError::Entry {
                number: key.clone(),
                problem,
            };
            let number = E164Number::parse_e164(&key).map_err(|e| problem(e.to_string()))?;
            let answer = match entry.whatsapp {
                YesNo::Yes => {
                    let required =
                        |field: &str| problem(format!("`{field}` is required for \"yes\""));
                    let status_update = entry
                        .status_update
                        .ok_or_else(|| required("status_update"))?;
                    if !is_yyyymmdd(&status_update) {
                        return Err(problem(format!(
                            "`status_update` must be a date as YYYYMMDD, not `{status_update}`"
                        )));
                    }
                    AccountLookup::Registered(AccountDetails {
                        status_update,
                        signature: entry.signature.unwrap_or_default(),
                        business_user: entry
                            .business_user
                            .ok_or_else(|| required("business_user"))?,
                        avatar: entry.avatar.ok_or_else(|| required("avatar"))?,
                    })
                }
                YesNo::No => {
                    if entry.status_update.is_some()
                        || entry.signature.is_some()
                        || entry.business_user.is_some()
                        || entry.avatar.is_some()
                    {
                        return Err(problem(
                            "a \"no\" entry has no account details; remove them".to_owned(),
                        ));
                    }
                    AccountLookup::NotRegistered
                }
            };
            let entry = TableEntry {
                answer,
                delay: Duration::from_millis(entry.delay_ms),
            };
            if entries.insert(number, entry).is_some() {
                return Err(problem("listed twice".to_owned()));
            }
        }
        Ok(FileProvider {
            entries,
            unlisted: table.unlisted,
        })
    }
}

/// `YYYYMMDD` with a plausible month and day (the table is typed by hand; catch slips).
fn is_yyyymmdd(text: &str) -> bool {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let month: u32 = text[4..6].parse().unwrap_or(0);
    let day: u32 = text[6..8].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

impl MessagingAccountProvider for FileProvider {
    fn name(&self) -> &str {
        "file"
    }

    fn lookup<'a>(&'a self, number: &'a E164Number) -> ProviderFuture<'a> {
        Box::pin(async move {
            match self.entries.get(number) {
                Some(entry) => {
                    if !entry.delay.is_zero() {
                        tokio::time::sleep(entry.delay).await;
                    }
                    Ok(entry.answer.clone())
                }
                None => match self.unlisted {
                    UnlistedNumbers::No => Ok(AccountLookup::NotRegistered),
                    UnlistedNumbers::Unavailable => Err(ProviderError::Unavailable {
                        reason: "the number is not in the messaging account table".to_owned(),
                    }),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML_TABLE: &str = r#"
        [numbers."+6281387300008"]
        whatsapp = "yes"
        status_update = "20180825"
        signature = "Saya suka global"
        business_user = false
        avatar = true

        [numbers."+639171234567"]
        whatsapp = "no"
        delay_ms = 30
    "#;

    fn number(text: &str) -> E164Number {
        E164Number::parse_e164(text).unwrap()
    }

    #[tokio::test]
    async fn toml_table_answers_what_it_lists_and_nothing_else() {
        let provider = FileProvider::from_toml(TOML_TABLE).unwrap();
        assert_eq!(provider.len(), 2);
        assert_eq!(
            provider.lookup(&number("+6281387300008")).await,
            Ok(AccountLookup::Registered(AccountDetails {
                status_update: "20180825".to_owned(),
                signature: "Saya suka global".to_owned(),
                business_user: false,
                avatar: true,
            }))
        );
        let started = std::time::Instant::now();
        assert_eq!(
            provider.lookup(&number("+639171234567")).await,
            Ok(AccountLookup::NotRegistered)
        );
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert!(matches!(
            provider.lookup(&number("+84912345678")).await,
            Err(ProviderError::Unavailable { .. })
        ));
    }

    #[tokio::test]
    async fn json_table_with_unlisted_no() {
        let provider = FileProvider::from_json(
            r#"{"unlisted": "no", "numbers": {"+639171234567": {"whatsapp": "no"}}}"#,
        )
        .unwrap();
        assert_eq!(
            provider.lookup(&number("+84912345678")).await,
            Ok(AccountLookup::NotRegistered)
        );
    }

    #[test]
    fn load_picks_the_format_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("accounts.toml");
        std::fs::write(&toml_path, TOML_TABLE).unwrap();
        assert_eq!(FileProvider::load(&toml_path).unwrap().len(), 2);
        let json_path = dir.path().join("accounts.json");
        std::fs::write(&json_path, r#"{"numbers": {}}"#).unwrap();
        assert!(FileProvider::load(&json_path).unwrap().is_empty());
        assert!(matches!(
            FileProvider::load(dir.path().join("missing.toml")),
            Err(ProviderTableError::Read { .. })
        ));
    }

    #[test]
    fn bad_entries_are_named() {
        let cases = [
            (
                r#"[numbers."6281387300008"]
                whatsapp = "no""#,
                "6281387300008",
            ),
            (
                r#"[numbers."+62 813 8730 0008"]
                whatsapp = "no""#,
                "+62 813 8730 0008",
            ),
            (
                r#"[numbers."+6281387300008"]
                whatsapp = "yes"
                business_user = false
                avatar = true"#,
                "+6281387300008",
            ),
            (
                r#"[numbers."+6281387300008"]
                whatsapp = "yes"
                status_update = "2018-08-25"
                business_user = false
                avatar = true"#,
                "+6281387300008",
            ),
            (
                r#"[numbers."+6281387300008"]
                whatsapp = "no"
                avatar = true"#,
                "+6281387300008",
            ),
        ];
        for (table, key) in cases {
            match FileProvider::from_toml(table) {
                Err(ProviderTableError::Entry { number, .. }) => assert_eq!(number, key),
                other => panic!("{table}: {other:?}"),
            }
        }
        assert!(matches!(
            FileProvider::from_toml("[numbers.\"+6281387300008\"]\nwhatsapp = \"maybe\""),
            Err(ProviderTableError::Toml(_))
        ));
        assert!(matches!(
            FileProvider::from_toml("typo = 1"),
            Err(ProviderTableError::Toml(_))
        ));
    }

    #[tokio::test]
    async fn no_provider_is_always_unavailable() {
        let provider: std::sync::Arc<dyn MessagingAccountProvider> =
            std::sync::Arc::new(NoProvider);
        assert_eq!(provider.name(), "none");
        assert!(matches!(
            provider.lookup(&number("+6281387300008")).await,
            Err(ProviderError::Unavailable { .. })
        ));
    }
}
