//! Wire types: the envelope `{"status": STATUS, "message": ...}` (spec 5.3, A4: `message` is an
//! object, an array, a string or null depending on route and status), the statuses, the judgments,
//! and the form parameters in.

use serde::Serialize;
use serde_json::Value;

use crate::error::AisolutionError;

/// Every body `status` the seed uses (spec 5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Ok,
    InvalidRequest,
    ImageInvalidSize,
    RetryLater,
    InvalidFaceNum,
    FaceDetectFailed,
    Fail,
    PersonIdNotExist,
    InvalidInput,
}

/// The one envelope of every reply.
#[derive(Debug, Serialize)]
pub struct Envelope {
    pub status: Status,
    pub message: Value,
}

/// facecompare / idholding verdicts (`003:L111-119`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Judgment {
    #[serde(rename = "SAME PERSON")]
    SamePerson,
    #[serde(rename = "NOT SURE")]
    NotSure,
    #[serde(rename = "NOT SAME PERSON")]
    NotSamePerson,
}

/// `message` of facecompare and idholding on `OK`.
#[derive(Debug, Serialize)]
pub struct Similarity {
    /// 0~100, three decimals like the seed's `97.501`.
    pub similarity: f64,
    pub result: Judgment,
}

/// `message` of addface on `OK` (`003:L230-237`, trailing comma removed).
#[derive(Debug, Serialize)]
pub struct AddedFace {
    pub group_id: String,
    pub person_id: String,
    pub person_count: usize,
}

/// One element of searchface's `message` on `OK` (`003:L306-314`).
#[derive(Debug, Serialize)]
pub struct FoundPerson {
    /// 0-100, an integer like the seed's `100`.
    pub confidence: u32,
    pub person_id: String,
}

/// The body's fields, looked up by name. A parameter sent twice is ambiguous and refused.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(fields: Vec<(String, String)>) -> Self {
        Params(fields)
    }

    /// The parameter's value if sent and not blank.
    pub fn optional(&self, name: &'static str) -> Result<Option<&str>, AisolutionError> {
        let mut values = self
            .0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(AisolutionError::DuplicateParameter(name));
        }
        Ok(first.filter(|v| !v.trim().is_empty()))
    }

    /// The parameter's value; `INVALID_REQUEST` naming it when missing or blank (A19, A20).
    pub fn required(&self, name: &'static str) -> Result<&str, AisolutionError> {
        self.optional(name)?
            .ok_or(AisolutionError::MissingParameter(name))
    }
}
