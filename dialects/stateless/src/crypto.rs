//! The image encryption the stateless vendor's clients use (spec 3.1, ambiguity S1): AES-256-GCM, the key
//! and the nonce are the UTF-8 bytes of two configured strings (32 and 12 characters), the 128-bit tag is
//! appended to the ciphertext (Java's `AES/GCM/NoPadding` output), no AAD, Base64 on the wire.
//!
//! The nonce is fixed per deployment, as the vendor's `AESCipher(key, iv)` fixes it. Reusing a GCM nonce
//! leaks the XOR of plaintexts encrypted under the same key; we implement it for compatibility only and the
//! docs say so (S1).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// Key length in bytes: the vendor's key is a 32-character string used as-is (AES-256).
pub const KEY_LEN: usize = 32;
/// Nonce length in bytes: the vendor's IV is a 12-character string used as-is (the GCM standard nonce).
pub const IV_LEN: usize = 12;

/// Why a configured key or IV cannot be used. Never contains the secret itself.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherConfigError {
    #[error("the stateless AES key must be {KEY_LEN} bytes of UTF-8, it is {0} bytes")]
    KeyLength(usize),
    #[error("the stateless AES IV must be {IV_LEN} bytes of UTF-8, it is {0} bytes")]
    IvLength(usize),
}

/// Why an encrypted field could not be turned back into image bytes.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecryptError {
    #[error("not Base64")]
    Base64,
    /// Wrong key or IV, tampered or truncated ciphertext: GCM cannot tell these apart, by design.
    #[error("authentication tag mismatch (wrong key, wrong IV, or altered ciphertext)")]
    Authentication,
}

/// AES-256-GCM with the deployment's fixed key and nonce.
#[derive(Clone)]
pub struct ImageCipher {
    aead: Aes256Gcm,
    nonce: [u8; IV_LEN],
}

impl std::fmt::Debug for ImageCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is the dialect's only secret: never print it, not even in debug output.
        f.write_str("ImageCipher { key: <redacted>, nonce: <redacted> }")
    }
}

/// Accepts what real clients send: the standard alphabet with or without `=` padding. The URL-safe
/// alphabet is folded into this one by [`normalize_base64`] before decoding.
const TOLERANT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl ImageCipher {
    /// `key` and `iv` are the vendor-style strings (`dcbbad67...`, `df25d188a061`); their UTF-8 bytes are the
    /// AES key and the GCM nonce (S1: hex-decoding would give a 16-byte key and a 6-byte IV, which no mode takes).
    pub fn new(key: &str, iv: &str) -> Result<Self, CipherConfigError> {
        let key = key.as_bytes();
        let iv = iv.as_bytes();
        if key.len() != KEY_LEN {
            return Err(CipherConfigError::KeyLength(key.len()));
        }
        let nonce: [u8; IV_LEN] = iv
            .try_into()
            .map_err(|_| CipherConfigError::IvLength(iv.len()))?;
        let aead =
            Aes256Gcm::new_from_slice(key).map_err(|_| CipherConfigError::KeyLength(key.len()))?;
        Ok(Self { aead, nonce })
    }

    /// Base64 field value -> plaintext image bytes.
    pub fn decrypt_field(&self, field: &str) -> Result<Vec<u8>, DecryptError> {
        let sealed = TOLERANT_BASE64
            .decode(normalize_base64(field))
            .map_err(|_| DecryptError::Base64)?;
        self.aead
            .decrypt(Nonce::from_slice(&self.nonce), sealed.as_slice())
            .map_err(|_| DecryptError::Authentication)
    }

    /// Plaintext -> standard padded Base64 of ciphertext ‖ tag, exactly what the vendor's Java client sends.
    /// The gateway never encrypts; this exists so the test vector pins the scheme in both directions.
    pub fn encrypt_field(&self, plaintext: &[u8]) -> String {
        let sealed = self
            .aead
            .encrypt(Nonce::from_slice(&self.nonce), plaintext)
            .expect("AES-GCM encryption of an in-memory buffer cannot fail below 64 GiB");
        base64::engine::general_purpose::STANDARD.encode(sealed)
    }
}

/// Undo what transports do to Base64 before it reaches us:
/// - a space is never Base64, but it is what a `+` becomes when a client sends the value in a form body
///   without URL-encoding it (curl `-d field=...`, spec S2), so every space becomes `+` again;
/// - line breaks and tabs (MIME-style wrapping) are dropped;
/// - the URL-safe alphabet's `-` and `_` become `+` and `/`.
///
/// Leading and trailing spaces are deliberately not trimmed: a value that starts with `+` arrives with a leading
/// space under S2, and one in 64 ciphertexts does.
fn normalize_base64(field: &str) -> String {
    field
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| match c {
            ' ' | '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE_KEY: &str = "dcbbad6765e14139a07d34b92292a672";
    const SAMPLE_IV: &str = "df25d188a061";
    /// Spec 3.1, derived test vector: `hello` under the vendor sample's key and IV.
    const HELLO_FIELD: &str = "7EWZ/NONkYfOjH/m+K3KKsDO4CZ/";

    fn sample_cipher() -> ImageCipher {
        ImageCipher::new(SAMPLE_KEY, SAMPLE_IV).unwrap()
    }

    #[test]
    fn encrypts_the_spec_test_vector() {
        assert_eq!(sample_cipher().encrypt_field(b"hello"), HELLO_FIELD);
    }

    #[test]
    fn decrypts_the_spec_test_vector() {
        assert_eq!(
            sample_cipher().decrypt_field(HELLO_FIELD).unwrap(),
            b"hello"
        );
    }

    #[test]
    fn tolerates_plus_sent_unencoded_in_a_form() {
        // What `curl -d first_encrypted_image=7EWZ/...m+K3...` delivers after form decoding.
        let mangled = HELLO_FIELD.replace('+', " ");
        assert_eq!(sample_cipher().decrypt_field(&mangled).unwrap(), b"hello");
    }

    #[test]
    fn tolerates_url_safe_unpadded_and_wrapped_base64() {
        let cipher = sample_cipher();
        let sealed = cipher.encrypt_field(b"a longer plaintext that makes padding appear!");
        assert!(
            sealed.ends_with('='),
            "the case must exercise padding: {sealed}"
        );
        let url_safe = sealed.replace('+', "-").replace('/', "_");
        let unpadded = url_safe.trim_end_matches('=');
        let wrapped = format!("{}\r\n{}\n", &unpadded[..20], &unpadded[20..]);
        for variant in [url_safe.as_str(), unpadded, wrapped.as_str()] {
            assert_eq!(
                cipher.decrypt_field(variant).unwrap(),
                b"a longer plaintext that makes padding appear!",
                "{variant:?}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_base64() {
        assert_eq!(
            sample_cipher().decrypt_field("not*base64!"),
            Err(DecryptError::Base64)
        );
        assert_eq!(
            sample_cipher().decrypt_field("A"),
            Err(DecryptError::Base64)
        );
    }

    #[test]
    fn rejects_a_wrong_key_a_wrong_iv_and_tampering() {
        let other_key = ImageCipher::new("00000000000000000000000000000000", SAMPLE_IV).unwrap();
        assert_eq!(
            other_key.decrypt_field(HELLO_FIELD),
            Err(DecryptError::Authentication)
        );
        let other_iv = ImageCipher::new(SAMPLE_KEY, "000000000000").unwrap();
        assert_eq!(
            other_iv.decrypt_field(HELLO_FIELD),
            Err(DecryptError::Authentication)
        );

        let mut sealed = base64::engine::general_purpose::STANDARD
            .decode(HELLO_FIELD)
            .unwrap();
        sealed[0] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(&sealed);
        assert_eq!(
            sample_cipher().decrypt_field(&tampered),
            Err(DecryptError::Authentication)
        );
        // Shorter than a tag.
        assert_eq!(
            sample_cipher().decrypt_field("AAAA"),
            Err(DecryptError::Authentication)
        );
        assert_eq!(
            sample_cipher().decrypt_field(""),
            Err(DecryptError::Authentication)
        );
    }

    #[test]
    fn rejects_keys_and_ivs_of_the_wrong_length_without_echoing_them() {
        let err = ImageCipher::new("dcbbad6765e14139a07d34b92292a67", SAMPLE_IV).unwrap_err();
        assert_eq!(err, CipherConfigError::KeyLength(31));
        assert!(!err.to_string().contains("dcbbad"));
        assert_eq!(
            ImageCipher::new(SAMPLE_KEY, "df25d188a06").unwrap_err(),
            CipherConfigError::IvLength(11)
        );
        // Hex-decoding the sample key (S1) would give 16 bytes; we must not accept a 16-byte key.
        assert_eq!(
            ImageCipher::new(&"k".repeat(16), SAMPLE_IV).unwrap_err(),
            CipherConfigError::KeyLength(16)
        );
    }

    #[test]
    fn debug_output_redacts_the_key() {
        let debug = format!("{:?}", sample_cipher());
        assert!(
            !debug.contains(SAMPLE_KEY) && !debug.contains(SAMPLE_IV),
            "{debug}"
        );
    }
}
