//! South African identity numbers: `YYMMDD SSSS C A Z`, 13 digits.
//!
//! - `YYMMDD` the date of birth; the century is the one that puts the date latest without being in
//!   the future, so the holder is never older than 100 (the number has no century digit).
//! - `SSSS` the sequence number: below 5000 female, from 5000 male.
//! - `C` citizenship: 0 South African citizen, 1 permanent resident, 2 refugee (newer numbers).
//! - `A` formerly race, now usually 8 or 9; not interpreted.
//! - `Z` the Luhn check digit over the first 12 digits.
//!
//! Spaces and hyphens, as the number is printed on green ID books (`800101 5009 087`), are
//! ignored.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Date, OffsetDateTime};

use super::mrz::{birth_date, Sex};

/// The citizenship digit (`C`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Citizenship {
    /// 0
    Citizen,
    /// 1
    PermanentResident,
    /// 2, issued to refugees in newer numbers.
    Refugee,
}

/// A valid South African identity number and what it tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZaIdNumber {
    /// The 13 digits.
    pub number: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub sex: Sex,
    pub citizenship: Citizenship,
}

impl ZaIdNumber {
    /// The date of birth as a calendar day.
    pub fn birth_date(&self) -> Date {
        let part = |range: std::ops::Range<usize>| -> i32 {
            self.date_of_birth[range]
                .parse()
                .expect("written by parse_za_id_on")
        };
        let month = time::Month::try_from(part(5..7) as u8).expect("written by parse_za_id_on");
        Date::from_calendar_date(part(0..4), month, part(8..10) as u8)
            .expect("written by parse_za_id_on")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZaIdError {
    #[error("an SA ID number has 13 digits, not {0}")]
    Length(usize),
    #[error("an SA ID number holds only digits; found {0:?}")]
    NotDigit(char),
    #[error("the first six digits {0} are no date of birth on or before today")]
    BirthDate(String),
    #[error("citizenship digit {0} is none of 0 (citizen), 1 (permanent resident), 2 (refugee)")]
    Citizenship(char),
    #[error("the check digit is {found}, the Luhn algorithm gives {expected}")]
    CheckDigit { found: u8, expected: u8 },
}

/// Parse and check a number, with the century of its birth date resolved against today.
pub fn parse_za_id(text: &str) -> Result<ZaIdNumber, ZaIdError> {
    parse_za_id_on(text, OffsetDateTime::now_utc().date())
}

/// [`parse_za_id`] against a given `today`.
pub fn parse_za_id_on(text: &str, today: Date) -> Result<ZaIdNumber, ZaIdError> {
    let mut digits = Vec::with_capacity(13);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        match c.to_digit(10) {
            Some(d) => digits.push(d as u8),
            None => return Err(ZaIdError::NotDigit(c)),
        }
    }
    if digits.len() != 13 {
        return Err(ZaIdError::Length(digits.len()));
    }
    let number: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let expected = luhn_check_digit(&digits[..12]);
    if digits[12] != expected {
        return Err(ZaIdError::CheckDigit {
            found: digits[12],
            expected,
        });
    }
    let born = birth_date(&number[..6], today)
        .ok_or_else(|| ZaIdError::BirthDate(number[..6].to_owned()))?;
    let sequence: u32 = number[6..10].parse().expect("four digits");
    let citizenship = match digits[10] {
        0 => Citizenship::Citizen,
        1 => Citizenship::PermanentResident,
        2 => Citizenship::Refugee,
        d => return Err(ZaIdError::Citizenship(char::from(b'0' + d))),
    };
    Ok(ZaIdNumber {
        date_of_birth: format!(
            "{:04}-{:02}-{:02}",
            born.year(),
            u8::from(born.month()),
            born.day()
        ),
        number,
        sex: if sequence < 5000 {
            Sex::Female
        } else {
            Sex::Male
        },
        citizenship,
    })
}

/// The Luhn digit that makes `payload` followed by it pass: from the right, every second digit
/// of the payload (starting with the last) is doubled, and doubled values above 9 lose 9.
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn today() -> Date {
        Date::from_calendar_date(2025, Month::June, 1).unwrap()
    }

    /// The Luhn check the textbook way, independent of `luhn_check_digit`: the whole number's
    /// sum, doubling every second digit from the right, is a multiple of 10.
    fn passes_luhn(number: &str) -> bool {
        let sum: u32 = number
            .chars()
            .rev()
            .enumerate()
            .map(|(i, c)| {
                let d = c.to_digit(10).unwrap();
                match (i % 2 == 1, d * 2) {
                    (true, x) if x > 9 => x - 9,
                    (true, x) => x,
                    (false, _) => d,
                }
            })
            .sum();
        sum.is_multiple_of(10)
    }

    /// A number with the Luhn digit found by trying all ten.
    fn with_check_digit(first_twelve: &str) -> String {
        (0..10)
            .map(|z| format!("{first_twelve}{z}"))
            .find(|n| passes_luhn(n))
            .unwrap()
    }

    #[test]
    fn hand_checked_numbers() {
        // 8001015009087: digits from the right 7,8,0,9,0,0,5,1,0,1,0,0,8; doubling the 2nd, 4th,
        // ...: 7 + 7(16) + 0 + 9(18) + 0 + 0 + 5 + 2 + 0 + 2 + 0 + 0 + 8 = 40.
        let id = parse_za_id_on("800101 5009 087", today()).unwrap();
        assert_eq!(id.number, "8001015009087");
        assert_eq!(id.date_of_birth, "1980-01-01");
        assert_eq!(id.sex, Sex::Male);
        assert_eq!(id.citizenship, Citizenship::Citizen);
        assert_eq!(id.birth_date().year(), 1980);

        // 9202204720083: from the right 3 + (8->16->7) + 0 + (0) + 2 + (7->14->5) + 4 + (0) + 2
        // + (2->4) + 0 + (2->4) + 9 = 40.
        let id = parse_za_id_on("9202204720083", today()).unwrap();
        assert_eq!(id.date_of_birth, "1992-02-20");
        assert_eq!(id.sex, Sex::Female);
        assert_eq!(id.citizenship, Citizenship::Citizen);
    }

    #[test]
    fn constructed_numbers_give_sex_citizenship_and_century() {
        let cases = [
            (
                "050315012310",
                "2005-03-15",
                Sex::Female,
                Citizenship::PermanentResident,
            ),
            (
                "250601500028",
                "2025-06-01",
                Sex::Male,
                Citizenship::Refugee,
            ),
            (
                "250602499908",
                "1925-06-02",
                Sex::Female,
                Citizenship::Citizen,
            ),
            (
                "000229500018",
                "2000-02-29",
                Sex::Male,
                Citizenship::PermanentResident,
            ),
        ];
        for (first_twelve, born, sex, citizenship) in cases {
            let number = with_check_digit(first_twelve);
            let id = parse_za_id_on(&number, today()).unwrap();
            assert_eq!(id.date_of_birth, born, "{number}");
            assert_eq!((id.sex, id.citizenship), (sex, citizenship), "{number}");
            assert_eq!(
                luhn_check_digit(&number.bytes().map(|b| b - b'0').collect::<Vec<_>>()[..12]),
                number.as_bytes()[12] - b'0'
            );
        }
    }

    #[test]
    fn invalid_numbers_are_refused() {
        let t = today();
        assert_eq!(
            parse_za_id_on("800101500908", t),
            Err(ZaIdError::Length(12))
        );
        assert_eq!(
            parse_za_id_on("80010150090877", t),
            Err(ZaIdError::Length(14))
        );
        assert_eq!(
            parse_za_id_on("80010150O9087", t),
            Err(ZaIdError::NotDigit('O'))
        );
        assert_eq!(
            parse_za_id_on("8001015009088", t),
            Err(ZaIdError::CheckDigit {
                found: 8,
                expected: 7
            })
        );
        // Two adjacent digits swapped: Luhn catches it (all but 09 <-> 90).
        assert!(matches!(
            parse_za_id_on("8001010509087", t),
            Err(ZaIdError::CheckDigit { .. })
        ));
        for bad_date in ["801301500908", "800230500908", "800100500908"] {
            let number = with_check_digit(bad_date);
            assert_eq!(
                parse_za_id_on(&number, t),
                Err(ZaIdError::BirthDate(bad_date[..6].to_owned()))
            );
        }
        let number = with_check_digit("800101500938");
        assert_eq!(parse_za_id_on(&number, t), Err(ZaIdError::Citizenship('3')));
    }
}
