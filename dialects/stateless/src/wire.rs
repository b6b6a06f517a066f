//! Wire types of ST-1: the form fields in (`001:L17-55`), the two JSON envelopes out (`001:L83-87`,
//! `001:L147-151`).

use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use serde::Serialize;

use crate::error::StatelessError;

pub const FIRST_IMAGE: &str = "first_encrypted_image";
pub const SECOND_IMAGE: &str = "second_encrypted_image";
pub const AUTO_ROTATE: &str = "auto_rotate";
pub const CHECK_QUALITY: &str = "check_quality";

/// The request as the vendor documents it, before decryption.
#[derive(Debug, PartialEq, Eq)]
pub struct VerificationRequest {
    pub first_encrypted_image: String,
    pub second_encrypted_image: String,
    /// `001:L37-45`: default false.
    pub auto_rotate: bool,
    /// `001:L47-55`: default false.
    pub check_quality: bool,
}

/// `{"code": 1000, "verification_score": float, "request_id": string}` (`001:L83-87`), HTTP 200.
#[derive(Debug, Serialize)]
pub struct VerificationResponse {
    pub code: u16,
    pub verification_score: f32,
    pub request_id: String,
}

/// `{"code": int, "message": string, "request_id": string}` (`001:L147-151`).
#[derive(Debug, Serialize)]
pub struct AbnormalResponse {
    pub code: u16,
    pub message: &'static str,
    pub request_id: String,
}

/// Parse the already size-limited body into the request's fields: `application/x-www-form-urlencoded`
/// (curl `-d`, Java `UrlEncodedFormEntity`) or `multipart/form-data` (best reading 3.2: the same field
/// names).
pub async fn parse_request(
    headers: &HeaderMap,
    body: Bytes,
) -> Result<VerificationRequest, StatelessError> {
    let fields = wire::form_fields(headers, body).await?;
    VerificationRequest::from_fields(fields)
}

impl VerificationRequest {
    /// Field list -> request. Unknown fields are ignored; a known field sent twice is ambiguous and rejected.
    pub fn from_fields(fields: Vec<(String, String)>) -> Result<Self, StatelessError> {
        let mut first = None;
        let mut second = None;
        let mut auto_rotate = None;
        let mut check_quality = None;
        for (name, value) in fields {
            let slot = match name.as_str() {
                FIRST_IMAGE => &mut first,
                SECOND_IMAGE => &mut second,
                AUTO_ROTATE => &mut auto_rotate,
                CHECK_QUALITY => &mut check_quality,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(StatelessError::DuplicateField(known_field_name(&name)));
            }
        }
        Ok(Self {
            first_encrypted_image: required(first, FIRST_IMAGE)?,
            second_encrypted_image: required(second, SECOND_IMAGE)?,
            auto_rotate: optional_bool(auto_rotate, AUTO_ROTATE)?,
            check_quality: optional_bool(check_quality, CHECK_QUALITY)?,
        })
    }
}

fn known_field_name(name: &str) -> &'static str {
    [FIRST_IMAGE, SECOND_IMAGE, AUTO_ROTATE, CHECK_QUALITY]
        .into_iter()
        .find(|known| *known == name)
        .unwrap_or("unknown")
}

/// S10: a missing (or empty) required field is `1200 invalid argument`.
fn required(value: Option<String>, field: &'static str) -> Result<String, StatelessError> {
    match value {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(StatelessError::MissingField(field)),
    }
}

/// S3: `true`/`false` in any case, or `1`/`0`; absent means false; anything else is `1200`.
fn optional_bool(value: Option<String>, field: &'static str) -> Result<bool, StatelessError> {
    let Some(value) = value else { return Ok(false) };
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(StatelessError::InvalidBoolean(field)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderValue, CONTENT_TYPE};

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        headers
    }

    #[test]
    fn reads_the_curl_sample_fields() {
        let request = VerificationRequest::from_fields(fields(&[
            (FIRST_IMAGE, "a"),
            (SECOND_IMAGE, "b"),
            (AUTO_ROTATE, "true"),
        ]))
        .unwrap();
        assert_eq!(
            request,
            VerificationRequest {
                first_encrypted_image: "a".into(),
                second_encrypted_image: "b".into(),
                auto_rotate: true,
                check_quality: false,
            }
        );
    }

    #[test]
    fn booleans_follow_s3() {
        for (text, expected) in [
            ("TRUE", true),
            ("True", true),
            ("1", true),
            ("false", false),
            ("0", false),
        ] {
            let request = VerificationRequest::from_fields(fields(&[
                (FIRST_IMAGE, "a"),
                (SECOND_IMAGE, "b"),
                (CHECK_QUALITY, text),
            ]))
            .unwrap();
            assert_eq!(request.check_quality, expected, "{text}");
        }
        for text in ["yes", "", "2", "tru"] {
            let err = VerificationRequest::from_fields(fields(&[
                (FIRST_IMAGE, "a"),
                (SECOND_IMAGE, "b"),
                (AUTO_ROTATE, text),
            ]))
            .unwrap_err();
            assert!(
                matches!(err, StatelessError::InvalidBoolean(AUTO_ROTATE)),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn missing_empty_and_duplicate_fields_are_rejected() {
        let missing = VerificationRequest::from_fields(fields(&[(FIRST_IMAGE, "a")])).unwrap_err();
        assert!(matches!(
            missing,
            StatelessError::MissingField(SECOND_IMAGE)
        ));
        let empty =
            VerificationRequest::from_fields(fields(&[(FIRST_IMAGE, ""), (SECOND_IMAGE, "b")]))
                .unwrap_err();
        assert!(matches!(empty, StatelessError::MissingField(FIRST_IMAGE)));
        let twice = VerificationRequest::from_fields(fields(&[
            (FIRST_IMAGE, "a"),
            (FIRST_IMAGE, "c"),
            (SECOND_IMAGE, "b"),
        ]))
        .unwrap_err();
        assert!(matches!(twice, StatelessError::DuplicateField(FIRST_IMAGE)));
    }

    #[actix_web::test]
    async fn parses_urlencoded_with_and_without_content_type() {
        let body =
            Bytes::from_static(b"first_encrypted_image=a%2Bb&second_encrypted_image=c+d&extra=1");
        for content_type in [
            "application/x-www-form-urlencoded; charset=ISO-8859-1",
            "text/plain",
        ] {
            let request = parse_request(&headers(content_type), body.clone())
                .await
                .unwrap();
            assert_eq!(request.first_encrypted_image, "a+b");
            // Form decoding turns an unencoded `+` into a space; the cipher maps it back (S2).
            assert_eq!(request.second_encrypted_image, "c d");
        }
    }

    #[actix_web::test]
    async fn parses_multipart_text_and_file_parts() {
        let body = "--XyZ\r\n\
            Content-Disposition: form-data; name=\"first_encrypted_image\"\r\n\r\n\
            a+b/c=\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"second_encrypted_image\"; filename=\"two.txt\"\r\n\
            Content-Type: text/plain\r\n\r\n\
            d+e\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"check_quality\"\r\n\r\n\
            1\r\n\
            --XyZ--\r\n";
        let request = parse_request(
            &headers("multipart/form-data; boundary=XyZ"),
            Bytes::from(body),
        )
        .await
        .unwrap();
        assert_eq!(request.first_encrypted_image, "a+b/c=");
        assert_eq!(request.second_encrypted_image, "d+e");
        assert!(request.check_quality);
        assert!(!request.auto_rotate);
    }

    #[actix_web::test]
    async fn malformed_multipart_is_a_client_error() {
        let err = parse_request(
            &headers("multipart/form-data; boundary=XyZ"),
            Bytes::from_static(b"garbage"),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StatelessError::MalformedBody(_)), "{err:?}");
    }
}
