//! Phone numbers as clients send them, checked and normalised to E.164 with `phonenumber` (a port
//! of libphonenumber and its per-country metadata).
//!
//! aisolution-api.txt L493-494: `number` is a "phone number", `country` a "country abbreviation"
//! (PH, VN, IN named). The example request sends `81387300008` without a country and the answers
//! show `+62...` numbers, so a national number takes the client's default country when `country`
//! is absent (dialects.md A15).

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id as CountryId;

/// Longest `number` accepted, separators included: E.164 numbers have at most 15 digits, and this
/// leaves room for generous grouping while refusing pasted garbage early.
const MAX_NUMBER_CHARS: usize = 40;

/// Characters a client may use to group digits (`+62 813-8730-0008`, `(0917) 123.4567`).
const SEPARATORS: &[char] = &[' ', '-', '.', '(', ')', '/'];

/// A number in E.164 form (`+6281387300008`): what jobs are keyed by and what providers are asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164Number(String);

impl E164Number {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a number that must already be in E.164 form (FileProvider tables, stored jobs).
    pub fn parse_e164(text: &str) -> Result<Self, NumberError> {
        if !text.starts_with('+') {
            return Err(NumberError::NotE164);
        }
        let normalised = normalise(text, None)?;
        if normalised.as_str() != text {
            return Err(NumberError::NotE164);
        }
        Ok(normalised)
    }
}

impl fmt::Display for E164Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for E164Number {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Why a number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("the number is empty")]
    Empty,
    #[error("the number is longer than {MAX_NUMBER_CHARS} characters")]
    TooLong,
    /// Only digits, an optional leading `+` and the separators ` -.()/` are accepted.
    #[error("the number may hold only digits, a leading `+` and the separators ` -.()/`")]
    BadCharacters,
    /// A national number (no leading `+`) was given without any country to read it in.
    #[error("the number has no country code and no country was given")]
    NoCountry,
    /// The digits do not form a number of the country's numbering plan.
    #[error("not a valid phone number")]
    NotANumber,
    /// A stored or configured number is not written in canonical E.164 form.
    #[error("not written in E.164 form (`+` country code and national number, no separators)")]
    NotE164,
}

/// An ISO 3166-1 alpha-2 country known to the numbering metadata, e.g. `PH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country(CountryId);

impl Country {
    /// Reads a two-letter code in any case (`ph`, `PH`).
    pub fn parse(code: &str) -> Result<Self, UnknownCountry> {
        let code = code.trim();
        let unknown = || UnknownCountry {
            code: code.to_owned(),
        };
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(unknown());
        }
        CountryId::from_str(&code.to_ascii_uppercase())
            .map(Country)
            .map_err(|_| unknown())
    }

    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A country code that is not an ISO 3166-1 alpha-2 code known to the numbering metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a known ISO 3166-1 alpha-2 country code")]
pub struct UnknownCountry {
    pub code: String,
}

/// Checks `text` and normalises it to E.164. A number starting with `+` carries its own country
/// code; any other is read as a national number of `country`.
pub fn normalise(text: &str, country: Option<Country>) -> Result<E164Number, NumberError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NumberError::Empty);
    }
    if text.chars().count() > MAX_NUMBER_CHARS {
        return Err(NumberError::TooLong);
    }
    let body = text.strip_prefix('+').unwrap_or(text);
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || SEPARATORS.contains(&c))
        || !body.chars().any(|c| c.is_ascii_digit())
    {
        return Err(NumberError::BadCharacters);
    }
    if !text.starts_with('+') && country.is_none() {
        return Err(NumberError::NoCountry);
    }
    let parsed =
        phonenumber::parse(country.map(|c| c.0), text).map_err(|_| NumberError::NotANumber)?;
    if !parsed.is_valid() {
        return Err(NumberError::NotANumber);
    }
    Ok(E164Number(
        parsed.format().mode(phonenumber::Mode::E164).to_string(),
    ))
}

/// The country whose numbering plan `number` belongs to (`None` for non-geographic numbers such
/// as `+800` freephone).
pub fn country_of(number: &E164Number) -> Option<Country> {
    let parsed = phonenumber::parse(None, number.as_str()).ok()?;
    parsed.country().id().map(Country)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(code: &str) -> Option<Country> {
        Some(Country::parse(code).expect("known country"))
    }

    #[test]
    fn the_documented_example_number_reads_as_indonesian_by_default() {
        // aisolution-api.txt L436 sends `81387300008`; the answers are `+62...` numbers.
        let number = normalise("81387300008", country("ID")).unwrap();
        assert_eq!(number.as_str(), "+6281387300008");
        // The trunk prefix and the country code forms land on the same number.
        assert_eq!(normalise("081387300008", country("ID")).unwrap(), number);
        assert_eq!(normalise("+62 813-8730-0008", None).unwrap(), number);
        assert_eq!(
            normalise("+62 813-8730-0008", country("PH")).unwrap(),
            number
        );
    }

    #[test]
    fn the_vendor_example_numbers() {
        // aisolution-api.txt L482 calls back `+62813116594289`: a valid Indonesian mobile number.
        assert_eq!(
            normalise("+62813116594289", None).unwrap().as_str(),
            "+62813116594289"
        );
        // The example answers (L445, L461, L473) show `+6284921089722`, which is not in
        // libphonenumber's Indonesian plan (no `+62 849` range): a client sending it is refused.
        assert_eq!(
            normalise("+6284921089722", None),
            Err(NumberError::NotANumber)
        );
    }

    #[test]
    fn philippine_vietnamese_and_indian_numbers() {
        assert_eq!(
            normalise("0917 123 4567", country("PH")).unwrap().as_str(),
            "+639171234567"
        );
        assert_eq!(
            normalise("0912 345 678", country("vn")).unwrap().as_str(),
            "+84912345678"
        );
        assert_eq!(
            normalise("(091) 234-5678", country("VN")).unwrap().as_str(),
            "+84912345678"
        );
        assert_eq!(
            normalise("98765 43210", country("IN")).unwrap().as_str(),
            "+919876543210"
        );
        assert_eq!(
            normalise("+91 98765-43210", None).unwrap().as_str(),
            "+919876543210"
        );
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let id = country("ID");
        assert_eq!(normalise("", id), Err(NumberError::Empty));
        assert_eq!(normalise("   ", id), Err(NumberError::Empty));
        assert_eq!(normalise("abc", id), Err(NumberError::BadCharacters));
        assert_eq!(
            normalise("0917-ABC-4567", id),
            Err(NumberError::BadCharacters)
        );
        assert_eq!(normalise("+", id), Err(NumberError::BadCharacters));
        assert_eq!(
            normalise("+62 813 ext 5", id),
            Err(NumberError::BadCharacters)
        );
        assert_eq!(normalise("1++2", id), Err(NumberError::BadCharacters));
        assert_eq!(normalise("12", id), Err(NumberError::NotANumber));
        assert_eq!(
            normalise("+999 1234 5678", id),
            Err(NumberError::NotANumber)
        );
        assert_eq!(
            normalise("0917 123 4567", None),
            Err(NumberError::NoCountry)
        );
        assert_eq!(
            normalise(&"1".repeat(MAX_NUMBER_CHARS + 1), id),
            Err(NumberError::TooLong)
        );
    }

    #[test]
    fn countries_are_iso_alpha_2_codes() {
        assert_eq!(Country::parse("ph").unwrap().code(), "PH");
        assert_eq!(Country::parse(" IN ").unwrap().code(), "IN");
        for bad in ["", "P", "PHL", "ZZ", "1A", "P-"] {
            assert_eq!(
                Country::parse(bad),
                Err(UnknownCountry {
                    code: bad.trim().to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn e164_parsing_requires_canonical_form() {
        assert_eq!(
            E164Number::parse_e164("+639171234567").unwrap().as_str(),
            "+639171234567"
        );
        assert_eq!(
            E164Number::parse_e164("639171234567"),
            Err(NumberError::NotE164)
        );
        assert_eq!(
            E164Number::parse_e164("+63 917 123 4567"),
            Err(NumberError::NotE164)
        );
    }

    #[test]
    fn country_of_a_number() {
        let ph = normalise("0917 123 4567", country("PH")).unwrap();
        assert_eq!(country_of(&ph), country("PH"));
        let us = normalise("+1 415 555 2671", None).unwrap();
        assert_eq!(country_of(&us).as_ref().map(Country::code), Some("US"));
    }
}
