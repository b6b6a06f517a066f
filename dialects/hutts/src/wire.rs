//! Wire types: the JSON body, image fields as data URIs or bare base64 (H2), booleans and numbers as
//! clients send them (H8).

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::HuttsError;

/// The request body as a JSON object (H1).
pub fn body(bytes: &[u8]) -> Result<Map<String, Value>, HuttsError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(HuttsError::BadBody("the body must be a JSON object".into())),
        Err(err) => Err(HuttsError::BadBody(format!("the body is not JSON: {err}"))),
    }
}

/// A required non-empty string field.
pub fn text<'a>(body: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, HuttsError> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or(HuttsError::MissingField(field))
}

/// A required image field: a data URI (`data:image/jpeg;base64,...`, the stray space of the seed's
/// `data: image/jpeg` tolerated, H2) or bare base64.
pub fn image(body: &Map<String, Value>, field: &'static str) -> Result<Vec<u8>, HuttsError> {
    let text = text(body, field)?;
    wire::decode_base64(text).map_err(|_| HuttsError::InvalidImage(field))
}

/// An optional boolean: JSON `true`/`false` or the strings (upstream compared with `'true'`, H8).
pub fn flag(body: &Map<String, Value>, field: &str) -> bool {
    match body.get(field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// An optional number (JSON number or numeric string), else `default`.
pub fn number(body: &Map<String, Value>, field: &str, default: f64) -> Result<f64, HuttsError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or(HuttsError::MissingField("verification_threshold")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| HuttsError::BadBody(format!("{field} must be a number"))),
        Some(_) => Err(HuttsError::BadBody(format!("{field} must be a number"))),
    }
}

/// A JPEG as the server returned it: `data:image/jpg;base64,...` (upstream's `jpg`).
pub fn jpeg_data_uri(jpeg: &[u8]) -> String {
    format!(
        "data:image/jpg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}
