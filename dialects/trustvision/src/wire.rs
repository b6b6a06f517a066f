//! Wire types shared by the routes: the label tables (`002:L132-183`, `002:L352-356`), `ImageData`
//! (spec 4.5), `metadata` as an object or a JSON string (T50), face boxes, ids, times.

use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::TrustVisionError;

/// The Label table (`002:L132-183`), verbatim: every value `label` may take on an image.
pub const IMAGE_LABELS: [&str; 49] = [
    "portrait",
    "qr_code",
    "id_card.global.passport.front",
    "id_card.global.passport.back",
    "id_card.in.aadhaar.front",
    "id_card.in.aadhaar.back",
    "id_card.in.pan.front",
    "id_card.in.pan.back",
    "id_card.in.voter.front",
    "id_card.in.voter.back",
    "id_card.in.passport.front",
    "id_card.in.passport.back",
    "id_card.vn.national_id.front",
    "id_card.vn.national_id.back",
    "id_card.vn.cmnd_old.front",
    "id_card.vn.cmnd_old.back",
    "id_card.vn.cmnd_new.front",
    "id_card.vn.cmnd_new.back",
    "id_card.vn.cccd.front",
    "id_card.vn.cccd.back",
    "id_card.vn.cccd_new.front",
    "id_card.vn.cccd_new.back",
    "id_card.vn.tcc.front",
    "id_card.vn.tcc.back",
    "id_card.vn.passport.front",
    "id_card.vn.passport_new.front",
    "doc.vn.business_license",
    "id_card.ph.national_id.front",
    "id_card.ph.national_id.back",
    "id_card.ph.nid.front",
    "id_card.ph.nid.back",
    "id_card.ph.ump.front",
    "id_card.ph.ump.back",
    "id_card.ph.tin.front",
    "id_card.ph.tin.back",
    "id_card.ph.dl.front",
    "id_card.ph.dl.back",
    "id_card.ph.sss.front",
    "id_card.ph.sss.back",
    "id_card.ph.passport.front",
    "id_card.ph.passport.back",
    "id_card.ph.postal.front",
    "id_card.ph.postal.back",
    "id_card.ph.philhealth.front",
    "id_card.ph.philhealth.back",
    "id_card.ph.prc.front",
    "id_card.ph.prc.back",
    "id_card.ph.loyalty.front",
    "id_card.ph.loyalty.back",
];

/// The File label table (`002:L352-356`).
pub const FILE_LABELS: [&str; 2] = ["video", "audio"];

/// T57: "MUST be one of".
pub fn check_image_label(field: &str, label: &str) -> Result<(), TrustVisionError> {
    if IMAGE_LABELS.contains(&label) {
        Ok(())
    } else {
        Err(TrustVisionError::invalid(
            field,
            format!("`{label}` is not in the Label table"),
        ))
    }
}

/// A JSON body as an object; anything else is 400.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, TrustVisionError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(TrustVisionError::invalid(
            "body",
            "the body must be a JSON object",
        )),
        Err(err) => Err(TrustVisionError::invalid(
            "body",
            format!("the body is not valid JSON: {err}"),
        )),
    }
}

/// `metadata`: an object, or a string holding a JSON object (T50, T60); values must be strings,
/// numbers or booleans (`002:L250`: "value should be string, int, float, bool").
pub fn metadata(
    field: &str,
    value: Option<&Value>,
) -> Result<Map<String, Value>, TrustVisionError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(object)) => object.clone(),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(Map::new()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => object,
            _ => {
                return Err(TrustVisionError::invalid(
                    field,
                    "metadata must be a JSON object or a string holding one",
                ))
            }
        },
        Some(_) => {
            return Err(TrustVisionError::invalid(
                field,
                "metadata must be a JSON object or a string holding one",
            ))
        }
    };
    for (key, value) in &object {
        if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
            return Err(TrustVisionError::invalid(
                field,
                format!("metadata value of `{key}` must be a string, number or boolean"),
            ));
        }
    }
    Ok(object)
}

/// How a request names an image (spec 4.5 ImageData; TV-17 adds `embedding`).
#[derive(Debug, Clone, PartialEq)]
pub enum ImageSource {
    /// An uploaded (or earlier inline) image.
    Id(String),
    /// Inline bytes with their label and metadata: stored like an upload.
    Inline {
        bytes: Vec<u8>,
        label: Option<String>,
        metadata: Map<String, Value>,
    },
    /// A face embedding from TV-13 (TV-17 only).
    Embedding(Vec<f32>),
}

/// Reads the ImageData object `name` of `body`: exactly one of `id` / `base64` (/ `embedding`
/// where allowed), else 400 with `detail.field = "<name>.id"`.
pub fn image_data(
    body: &Map<String, Value>,
    name: &str,
    allow_embedding: bool,
    max_bytes: usize,
) -> Result<ImageSource, TrustVisionError> {
    let object = match body.get(name) {
        Some(Value::Object(object)) => object,
        None | Some(Value::Null) => {
            return Err(TrustVisionError::invalid(
                format!("{name}.id"),
                format!("`{name}` is required"),
            ))
        }
        Some(_) => {
            return Err(TrustVisionError::invalid(
                name,
                format!("`{name}` must be an object"),
            ))
        }
    };
    let present = |key: &str| object.get(key).is_some_and(|v| !v.is_null());
    let given = ["id", "base64"]
        .into_iter()
        .chain(allow_embedding.then_some("embedding"))
        .filter(|key| present(key))
        .count();
    if given != 1 {
        let what = if allow_embedding {
            "exactly one of `id`, `base64` or `embedding`"
        } else {
            "exactly one of `id` or `base64`"
        };
        return Err(TrustVisionError::invalid(
            format!("{name}.id"),
            format!("`{name}` needs {what}"),
        ));
    }
    if let Some(id) = object.get("id").filter(|v| !v.is_null()) {
        let id = id
            .as_str()
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                TrustVisionError::invalid(format!("{name}.id"), "`id` must be a non-empty string")
            })?;
        return Ok(ImageSource::Id(id.trim().to_owned()));
    }
    if let Some(embedding) = object.get("embedding").filter(|v| !v.is_null()) {
        let field = format!("{name}.embedding");
        let values = embedding
            .as_array()
            .ok_or_else(|| TrustVisionError::invalid(&field, "`embedding` must be an array"))?
            .iter()
            .map(|v| v.as_f64().map(|v| v as f32))
            .collect::<Option<Vec<f32>>>()
            .ok_or_else(|| TrustVisionError::invalid(&field, "`embedding` must hold numbers"))?;
        return Ok(ImageSource::Embedding(values));
    }
    let field = format!("{name}.base64");
    let text = object
        .get("base64")
        .and_then(Value::as_str)
        .ok_or_else(|| TrustVisionError::invalid(&field, "`base64` must be a string"))?;
    let bytes = wire::decode_base64(text)
        .map_err(|err| TrustVisionError::invalid(&field, format!("`base64` {err}")))?;
    if bytes.len() > max_bytes {
        return Err(TrustVisionError::ImageTooLarge { field });
    }
    check_image_format(&field, &bytes)?;
    let label = match object.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(label)) => {
            check_image_label(&format!("{name}.label"), label)?;
            Some(label.clone())
        }
        Some(_) => {
            return Err(TrustVisionError::invalid(
                format!("{name}.label"),
                "`label` must be a string",
            ))
        }
    };
    let metadata = metadata(&format!("{name}.metadata"), object.get("metadata"))?;
    Ok(ImageSource::Inline {
        bytes,
        label,
        metadata,
    })
}

/// JPG or PNG, sniffed from the bytes (`002:L212-224`: "(JPG/PNG)"), else 415.
pub fn check_image_format(field: &str, bytes: &[u8]) -> Result<&'static str, TrustVisionError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else {
        Err(TrustVisionError::InvalidImageFormat {
            field: field.to_owned(),
        })
    }
}

/// An optional boolean field (a JSON bool, or the strings `true`/`false`).
pub fn optional_bool(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<bool>, TrustVisionError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(TrustVisionError::invalid(field, "must be a boolean")),
    }
}

/// An optional integer field (a JSON number or a numeric string, T9) within `range`.
pub fn optional_int(
    body: &Map<String, Value>,
    field: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, TrustVisionError> {
    let value = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    match value {
        Some(v) if range.contains(&v) => Ok(Some(v)),
        _ => Err(TrustVisionError::invalid(
            field,
            format!(
                "must be an integer from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// An optional string field.
pub fn optional_str<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, TrustVisionError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(TrustVisionError::invalid(field, "must be a string")),
    }
}

/// A collection name (T26: case-sensitive, a default when absent). Control characters are
/// refused: names starting with one are the gateway's own.
pub fn collection(
    value: Option<&str>,
    field: &str,
    default: &str,
) -> Result<String, TrustVisionError> {
    let name = match value {
        None => return Ok(default.to_owned()),
        Some("") => return Ok(default.to_owned()),
        Some(name) => name,
    };
    if name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(TrustVisionError::invalid(
            field,
            "a collection name has at most 128 characters and no control characters",
        ));
    }
    Ok(name.to_owned())
}

/// A face box on the wire: `{top, right, bottom, left, angle}` in whole pixels (TV-05 example).
pub fn bounding_box(bbox: &engine::BoundingBox) -> Value {
    json!({
        "top": bbox.top.round() as i64,
        "right": bbox.right().round() as i64,
        "bottom": bbox.bottom().round() as i64,
        "left": bbox.left.round() as i64,
        "angle": 0,
    })
}

/// RFC 3339 in UTC, e.g. `2021-06-19T18:23:28.453188Z`.
pub fn rfc3339_ms(unix_ms: u64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(&Rfc3339).unwrap_or_default()
}

/// A new id (T56: UUIDv4, lowercase).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
