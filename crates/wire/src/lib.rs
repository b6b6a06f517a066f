//! HTTP plumbing every dialect shares, so that each dialect stays a table of its own wire types and
//! errors: reading a body within a limit ([`read_body`]), turning a form or multipart body into its
//! fields ([`form_fields`]), and decoding the many flavours of base64 clients send ([`decode_base64`],
//! spec X4). Errors are typed; each dialect maps them onto its own vocabulary.

pub mod catalogue;

use actix_multipart::Multipart;
use actix_web::http::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use actix_web::web::{self, Bytes, BytesMut};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use futures_util::{StreamExt as _, TryStreamExt as _};

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// A POST that announces neither a length nor chunked encoding.
    #[error("POST without Content-Length or chunked Transfer-Encoding")]
    LengthRequired,
    #[error("request body over the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("malformed body: {0}")]
    Malformed(String),
}

/// Reads the whole body, refusing it as soon as it is known to exceed `limit` (so the client gets
/// its dialect's error, never the framework's), and refusing a body that announces no length.
pub async fn read_body(
    headers: &HeaderMap,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let chunked = headers
        .get(TRANSFER_ENCODING)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_none() && !chunked {
        return Err(BodyError::LengthRequired);
    }
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = BytesMut::with_capacity(declared.map_or(0, |length| length as usize));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|err| BodyError::Malformed(format!("reading the body: {err}")))?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether `Content-Type` says `multipart/form-data`. Anything else is read as
/// `application/x-www-form-urlencoded` (curl `-d`, Java `UrlEncodedFormEntity`): clients are not
/// always careful with the header.
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The body's fields in order, as (name, text). Multipart parts may be plain fields or file
/// uploads: a client that uploads the text as a file means the same thing.
pub async fn form_fields(
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Vec<(String, String)>, BodyError> {
    if !is_multipart(headers) {
        return serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .map_err(|err| BodyError::Malformed(format!("form body: {err}")));
    }
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut multipart = Multipart::new(headers, stream);
    let mut fields = Vec::new();
    while let Some(part) = multipart.next().await {
        let part = part.map_err(|err| BodyError::Malformed(format!("multipart body: {err}")))?;
        let Some(name) = part
            .content_disposition()
            .and_then(|cd| cd.get_name())
            .map(str::to_owned)
        else {
            continue;
        };
        let content: Vec<u8> = part
            .map_ok(|chunk| chunk.to_vec())
            .try_concat()
            .await
            .map_err(|err| BodyError::Malformed(format!("multipart part {name}: {err}")))?;
        let text = String::from_utf8(content).map_err(|_| {
            BodyError::Malformed(format!("multipart part {name} is not UTF-8 text"))
        })?;
        fields.push((name, text));
    }
    Ok(fields)
}

/// One part of a multipart body, bytes as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// The `filename` of a file part.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// Every named part of a `multipart/form-data` body, in order, with its bytes (file uploads).
pub async fn multipart_parts(headers: &HeaderMap, body: Bytes) -> Result<Vec<Part>, BodyError> {
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut multipart = Multipart::new(headers, stream);
    let mut parts = Vec::new();
    while let Some(part) = multipart.next().await {
        let part = part.map_err(|err| BodyError::Malformed(format!("multipart body: {err}")))?;
        let Some(disposition) = part.content_disposition().cloned() else {
            continue;
        };
        let Some(name) = disposition.get_name().map(str::to_owned) else {
            continue;
        };
        let filename = disposition.get_filename().map(str::to_owned);
        let content_type = part.content_type().map(ToString::to_string);
        let bytes: Vec<u8> = part
            .map_ok(|chunk| chunk.to_vec())
            .try_concat()
            .await
            .map_err(|err| BodyError::Malformed(format!("multipart part {name}: {err}")))?;
        parts.push(Part {
            name,
            filename,
            content_type,
            bytes,
        });
    }
    Ok(parts)
}

/// Why a base64 text did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    #[error("is empty")]
    Empty,
    #[error("is not base64")]
    Invalid,
}

/// Decodes base64 the way clients actually send it (spec X4): an optional `data:<type>;base64,`
/// prefix, whitespace and line breaks anywhere, the standard or URL-safe alphabet, padded or not.
/// A `+` turned into a space by a client that forgot to percent-encode its form value is read
/// back as `+` (a space is never part of base64).
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    let text = text.trim_start();
    let payload = match text.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("data:") => text
            .split_once(',')
            .map(|(_, payload)| payload)
            .ok_or(Base64Error::Invalid)?,
        _ => text,
    };
    let trimmed = payload.trim();
    let mut compact = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        match c {
            ' ' => compact.push('+'),
            '\t' | '\r' | '\n' => {}
            c => compact.push(c),
        }
    }
    if compact.is_empty() {
        return Err(Base64Error::Empty);
    }
    let url_safe = compact.contains(['-', '_']);
    let padded = compact.ends_with('=');
    let engine = match (url_safe, padded) {
        (false, true) => &STANDARD,
        (false, false) => &STANDARD_NO_PAD,
        (true, true) => &URL_SAFE,
        (true, false) => &URL_SAFE_NO_PAD,
    };
    engine.decode(compact).map_err(|_| Base64Error::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flavour_of_base64_decodes_to_the_same_bytes() {
        let bytes: Vec<u8> = (0u8..=255).collect();
        let standard = STANDARD.encode(&bytes);
        let flavours = [
            standard.clone(),
            STANDARD_NO_PAD.encode(&bytes),
            URL_SAFE.encode(&bytes),
            URL_SAFE_NO_PAD.encode(&bytes),
            format!("data:image/jpeg;base64,{standard}"),
            format!("DATA:image/png;base64, {standard}\n"),
            standard.replace('+', " "),
            standard
                .as_bytes()
                .chunks(76)
                .map(|line| std::str::from_utf8(line).expect("ascii"))
                .collect::<Vec<_>>()
                .join("\r\n"),
        ];
        for flavour in flavours {
            assert_eq!(
                decode_base64(&flavour).as_deref(),
                Ok(&bytes[..]),
                "{flavour:.40}"
            );
        }
    }

    #[test]
    fn non_base64_is_refused() {
        assert_eq!(decode_base64(""), Err(Base64Error::Empty));
        assert_eq!(decode_base64("  \n"), Err(Base64Error::Empty));
        assert_eq!(
            decode_base64("data:image/png;base64"),
            Err(Base64Error::Invalid)
        );
        assert_eq!(decode_base64("not*base64!"), Err(Base64Error::Invalid));
        assert_eq!(decode_base64("QUJD="), Err(Base64Error::Invalid));
    }

    #[actix_web::test]
    async fn form_and_multipart_bodies_give_the_same_fields() {
        let mut headers = HeaderMap::new();
        let form = Bytes::from_static(b"img=a%2Bb%3D&person_id=x");
        let fields = form_fields(&headers, form).await.expect("form parses");
        assert_eq!(
            fields,
            vec![
                ("img".into(), "a+b=".into()),
                ("person_id".into(), "x".into())
            ]
        );

        headers.insert(
            CONTENT_TYPE,
            "multipart/form-data; boundary=XyZ".parse().expect("header"),
        );
        let multipart = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"img\"; filename=\"a.txt\"\r\n\r\na+b=\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"person_id\"\r\n\r\nx\r\n--XyZ--\r\n",
        );
        let fields = form_fields(&headers, multipart)
            .await
            .expect("multipart parses");
        assert_eq!(
            fields,
            vec![
                ("img".into(), "a+b=".into()),
                ("person_id".into(), "x".into())
            ]
        );
    }
}
