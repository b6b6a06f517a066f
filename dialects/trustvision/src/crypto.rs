//! Response encryption as the vendor's client decrypts it (trustvision-client.md,
//! `encryptions/TVEncryptionService.js`, `utils/crypto.js` in the package): AES-CBC with the key
//! `secret[..16] + transaction_id[..16]` (AES-128 when there is no transaction, AES-256 with one),
//! a zero IV, PKCS#5/7 padding, and the ciphertext hex-encoded; the plaintext is the JSON of `data`.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};

/// Why a response could not be encrypted: the key material has a length AES cannot take (a
/// secret or transaction id of under 16 bytes gives a key of neither 16, 24 nor 32 bytes).
#[derive(Debug, thiserror::Error)]
#[error("cannot derive an AES key of {0} bytes from the secret and transaction id")]
pub struct KeyLengthError(usize);

/// The key the client derives: the first 16 characters of the secret and of the transaction id.
pub fn response_key(secret: &str, transaction_id: &str) -> Vec<u8> {
    let head = |s: &str| s.chars().take(16).collect::<String>();
    format!("{}{}", head(secret), head(transaction_id)).into_bytes()
}

/// Encrypts `plaintext` and hex-encodes it.
pub fn encrypt_hex(key: &[u8], plaintext: &[u8]) -> Result<String, KeyLengthError> {
    let iv = [0u8; 16];
    let ciphertext = match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, &iv)
            .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
        24 => cbc::Encryptor::<aes::Aes192>::new_from_slices(key, &iv)
            .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(plaintext)),
        other => return Err(KeyLengthError(other)),
    }
    .map_err(|_| KeyLengthError(key.len()))?;
    Ok(hex::encode(ciphertext))
}

/// The inverse of [`encrypt_hex`] (tests; what the client does).
pub fn decrypt_hex(key: &[u8], hex_text: &str) -> Option<Vec<u8>> {
    let ciphertext = hex::decode(hex_text).ok()?;
    let iv = [0u8; 16];
    match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, &iv)
            .ok()?
            .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
            .ok(),
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .ok()?
            .decrypt_padded_vec_mut::<Pkcs7>(&ciphertext)
            .ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_a_transaction() {
        let plaintext = br#"{"image_id":"20b457d2-cf11-4c2b-a491-8137ae6b0bc8"}"#;
        for transaction in ["", "cfc7b8d5-f2e2-437b-80e5-d600dfad26e2"] {
            let key = response_key("tv-secret-encrypted-0123456789ab", transaction);
            assert_eq!(key.len(), if transaction.is_empty() { 16 } else { 32 });
            let hex_text = encrypt_hex(&key, plaintext).unwrap();
            assert_eq!(hex_text.len() % 32, 0);
            assert_eq!(
                decrypt_hex(&key, &hex_text).as_deref(),
                Some(&plaintext[..])
            );
        }
    }

    #[test]
    fn a_short_secret_cannot_make_a_key() {
        assert!(encrypt_hex(&response_key("short", ""), b"{}").is_err());
    }
}
