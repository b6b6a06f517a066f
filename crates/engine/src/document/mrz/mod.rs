//! ICAO Doc 9303 machine-readable zones (MRZ) from OCR text lines: find, repair, parse, verify.
//!
//! [`read_mrz`] takes the text lines an OCR engine read off a document, top to bottom, with any
//! other lines around them, and returns the best-verified [`Mrz`] among the runs of consecutive
//! lines that have the shape of one: TD1 (3 x 30, ID cards), TD2 (2 x 36), TD3 (2 x 44, passports),
//! MRV-A (2 x 44) and MRV-B (2 x 36) visas.
//!
//! OCR misreads are repaired only where the zone itself confirms the repair:
//! - Lines are upper-cased, spaces dropped, `«` read as `<<`; a line up to 3 characters too long
//!   or too short loses or gains fillers (`<`) in its longest filler run.
//! - A `K` between two fillers, or in the filler run that ends a line, is a filler.
//! - Digit-only fields (dates, check digits) map look-alike letters to digits (`O`->`0`, `B`->`8`,
//!   ...) and keep the mapping only when the field's check digit then holds.
//! - Letter-and-digit fields (document number, optional data) try swapping a letter for its
//!   look-alike digit or back, only where the character disagrees with both neighbours (an `O`
//!   among digits), and keep the swap only when exactly one candidate makes the check digit hold.
//! - Letter-only fields (names, state codes) map look-alike digits to letters. No check digit
//!   covers them, so they stay [`FieldVerdict::Unverified`].
//!
//! Every repaired character is listed in [`Mrz::corrections`].

mod repair;

use repair::{
    digit_for_letter, fit_length, letter_for_digit, repair_k_fillers, settle_alphanumeric,
    settle_digits,
};

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Date, Month, OffsetDateTime};

/// The ICAO 9303 layout of a machine-readable zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MrzFormat {
    /// ID-1 cards, 3 lines of 30 (Doc 9303 part 5).
    Td1,
    /// ID-2 cards, 2 lines of 36 (part 6).
    Td2,
    /// Passports, 2 lines of 44 (part 4).
    Td3,
    /// Full-size visas, 2 lines of 44 (part 7).
    MrvA,
    /// Small visas, 2 lines of 36 (part 7).
    MrvB,
}

impl MrzFormat {
    pub fn line_length(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::MrvB => 36,
            MrzFormat::Td3 | MrzFormat::MrvA => 44,
        }
    }

    pub fn line_count(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            _ => 2,
        }
    }
}

/// What backs a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldVerdict {
    /// A check digit covering the field holds.
    Verified,
    /// No check digit covers the field (names, nationality, sex, visa optional data).
    Unverified,
    /// A check digit covering the field does not hold (or the field cannot be read at all).
    Failed,
}

/// A field's value and what backs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzField<T> {
    pub value: T,
    pub verdict: FieldVerdict,
}

/// A date as printed (`YYMMDD`) and, when it is a real calendar day, with its century resolved:
/// birth dates are the latest such day not after today, expiry dates fall between 69 years ago and
/// 30 years ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzDate {
    pub raw: String,
    /// `YYYY-MM-DD`; `None` when the digits are no calendar day (ICAO allows `<` for an unknown
    /// day or month).
    pub iso: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    Female,
    Male,
    /// `<` or `X` in an MRZ.
    Unspecified,
}

/// One character the reader changed, at its place in [`Mrz::lines`] (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub line: usize,
    pub column: usize,
    pub read: char,
    pub corrected: char,
}

/// A parsed machine-readable zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mrz {
    pub format: MrzFormat,
    /// The zone after repair, one string per line, each of the format's length.
    pub lines: Vec<String>,
    /// `P`, `I`, `ID`, `V`, ... (fillers trimmed).
    pub document_code: MrzField<String>,
    pub issuing_state: MrzField<String>,
    /// The primary identifier, before the first `<<`, with inner fillers as spaces.
    pub surname: MrzField<String>,
    /// The secondary identifier, after the first `<<`, with fillers as spaces.
    pub given_names: MrzField<String>,
    /// Fillers trimmed; TD1/TD2 numbers longer than 9 characters are joined with their
    /// continuation in the optional data.
    pub document_number: MrzField<String>,
    pub nationality: MrzField<String>,
    pub birth_date: MrzField<MrzDate>,
    pub sex: MrzField<Sex>,
    pub expiry_date: MrzField<MrzDate>,
    /// TD3: the personal number; TD1: line 1 positions 16-30; others: line 2 after the expiry
    /// date. Fillers kept, trailing fillers trimmed.
    pub optional_data: MrzField<String>,
    /// TD1 only: line 2 positions 19-29.
    pub optional_data_2: Option<MrzField<String>>,
    /// The composite check digit over the number, dates and optional data (TD1, TD2, TD3).
    pub composite: Option<FieldVerdict>,
    /// Every character changed by the repairs described in the module documentation.
    pub corrections: Vec<Correction>,
    /// Lines whose length was repaired by adding or removing fillers.
    pub resized_lines: Vec<usize>,
}

impl Mrz {
    /// Check digits that hold and check digits that exist in this format.
    pub fn check_digits(&self) -> (usize, usize) {
        let verdicts = self.check_digit_verdicts();
        let held = verdicts
            .iter()
            .filter(|v| **v == FieldVerdict::Verified)
            .count();
        (held, verdicts.len())
    }

    /// Whether every check digit of the zone holds.
    pub fn fully_verified(&self) -> bool {
        let (held, total) = self.check_digits();
        held == total
    }

    fn check_digit_verdicts(&self) -> Vec<FieldVerdict> {
        let mut verdicts = vec![
            self.document_number.verdict,
            self.birth_date.verdict,
            self.expiry_date.verdict,
        ];
        if self.format == MrzFormat::Td3 {
            verdicts.push(self.optional_data.verdict);
        }
        verdicts.extend(self.composite);
        verdicts
    }
}

/// Why no zone came out of the lines.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MrzError {
    #[error("no machine-readable zone: no 3 lines of 30 characters or 2 of 36 or 44")]
    NotFound,
    #[error("lines shaped like a {format:?} zone are not one: {defect}")]
    NotAnMrz {
        format: MrzFormat,
        defect: MrzDefect,
    },
}

/// What disqualified the best candidate lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MrzDefect {
    #[error("the document code does not start with a letter")]
    DocumentCode,
    #[error("a date field holds letters that are no look-alike of a digit")]
    Dates,
    #[error("only {held} of {total} check digits hold")]
    CheckDigits { held: usize, total: usize },
}

/// The best-verified zone among the lines, with dates resolved against today's UTC date.
pub fn read_mrz<S: AsRef<str>>(lines: &[S]) -> Result<Mrz, MrzError> {
    read_mrz_on(lines, OffsetDateTime::now_utc().date())
}

/// [`read_mrz`] with dates resolved against `today`.
pub fn read_mrz_on<S: AsRef<str>>(lines: &[S], today: Date) -> Result<Mrz, MrzError> {
    let candidates: Vec<Vec<char>> = lines
        .iter()
        .flat_map(|l| l.as_ref().lines().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|l| normalize_line(&l))
        .collect();
    let mut best: Option<Mrz> = None;
    let mut rejection = MrzError::NotFound;
    for start in 0..candidates.len() {
        for format in formats_at(&candidates[start..]) {
            let group = &candidates[start..start + format.line_count()];
            match parse_group(group, format, today) {
                Ok(mrz) => {
                    let better = best
                        .as_ref()
                        .is_none_or(|b| mrz.check_digits().0 > b.check_digits().0);
                    if better {
                        best = Some(mrz);
                    }
                }
                Err(defect) => rejection = MrzError::NotAnMrz { format, defect },
            }
        }
    }
    best.ok_or(rejection)
}

/// Most characters a line may be off its format's length and still be repaired.
const LENGTH_TOLERANCE: usize = 3;

/// Upper-cased, spaces dropped, `«` as `<<`; `None` for lines with more than two characters
/// that never occur in an MRZ (ordinary printed text).
fn normalize_line(line: &str) -> Option<Vec<char>> {
    let mut out = Vec::with_capacity(line.len());
    let mut foreign = 0;
    for c in line.chars().flat_map(char::to_uppercase) {
        match c {
            c if c.is_whitespace() => {}
            '«' => out.extend(['<', '<']),
            '‹' | '＜' | '〈' => out.push('<'),
            'A'..='Z' | '0'..='9' | '<' => out.push(c),
            _ => foreign += 1,
        }
    }
    (foreign <= 2 && out.len() + LENGTH_TOLERANCE >= 30).then_some(out)
}

/// The formats whose line run could start at the first of `lines`.
fn formats_at(lines: &[Vec<char>]) -> Vec<MrzFormat> {
    let visa = lines.first().is_some_and(|l| l.first() == Some(&'V'));
    let candidates = if visa {
        [MrzFormat::Td1, MrzFormat::MrvB, MrzFormat::MrvA]
    } else {
        [MrzFormat::Td1, MrzFormat::Td2, MrzFormat::Td3]
    };
    candidates
        .into_iter()
        .filter(|f| {
            lines.len() >= f.line_count()
                && lines[..f.line_count()]
                    .iter()
                    .all(|l| l.len().abs_diff(f.line_length()) <= LENGTH_TOLERANCE)
        })
        .collect()
}

/// A character's place in the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: usize,
    col: usize,
}

fn span(line: usize, start: usize, len: usize) -> Vec<Pos> {
    (start..start + len).map(|col| Pos { line, col }).collect()
}

/// Where each field lies (Doc 9303 parts 4 to 7).
struct Layout {
    code: Vec<Pos>,
    state: Vec<Pos>,
    names: Vec<Pos>,
    number: Vec<Pos>,
    number_check: Pos,
    nationality: Vec<Pos>,
    birth: Vec<Pos>,
    birth_check: Pos,
    sex: Pos,
    expiry: Vec<Pos>,
    expiry_check: Pos,
    optional: Vec<Pos>,
    optional_check: Option<Pos>,
    optional_2: Option<Vec<Pos>>,
    /// The characters the composite check digit covers, and the digit.
    composite: Option<(Vec<Pos>, Pos)>,
    /// TD1 and TD2 numbers may run on into the optional data (parts 5 and 6).
    extended_numbers: bool,
}

fn layout(format: MrzFormat) -> Layout {
    let at = |line, col| Pos { line, col };
    if format == MrzFormat::Td1 {
        let covered = [
            span(0, 5, 25),
            span(1, 0, 7),
            span(1, 8, 7),
            span(1, 18, 11),
        ]
        .concat();
        return Layout {
            code: span(0, 0, 2),
            state: span(0, 2, 3),
            names: span(2, 0, 30),
            number: span(0, 5, 9),
            number_check: at(0, 14),
            nationality: span(1, 15, 3),
            birth: span(1, 0, 6),
            birth_check: at(1, 6),
            sex: at(1, 7),
            expiry: span(1, 8, 6),
            expiry_check: at(1, 14),
            optional: span(0, 15, 15),
            optional_check: None,
            optional_2: Some(span(1, 18, 11)),
            composite: Some((covered, at(1, 29))),
            extended_numbers: true,
        };
    }
    let len = format.line_length();
    let (optional_len, optional_check, composite) = match format {
        MrzFormat::Td2 => (7, None, true),
        MrzFormat::Td3 => (14, Some(at(1, 42)), true),
        MrzFormat::MrvA => (16, None, false),
        _ => (8, None, false),
    };
    Layout {
        code: span(0, 0, 2),
        state: span(0, 2, 3),
        names: span(0, 5, len - 5),
        number: span(1, 0, 9),
        number_check: at(1, 9),
        nationality: span(1, 10, 3),
        birth: span(1, 13, 6),
        birth_check: at(1, 19),
        sex: at(1, 20),
        expiry: span(1, 21, 6),
        expiry_check: at(1, 27),
        optional: span(1, 28, optional_len),
        optional_check,
        optional_2: None,
        composite: composite.then(|| {
            let covered = [span(1, 0, 10), span(1, 13, 7), span(1, 21, len - 22)].concat();
            (covered, at(1, len - 1))
        }),
        extended_numbers: format == MrzFormat::Td2,
    }
}

/// The zone being repaired, and what was changed.
struct Zone {
    lines: Vec<Vec<char>>,
    corrections: Vec<Correction>,
}

impl Zone {
    fn get(&self, field: &[Pos]) -> String {
        field.iter().map(|p| self.lines[p.line][p.col]).collect()
    }

    fn at(&self, p: Pos) -> char {
        self.lines[p.line][p.col]
    }

    fn set(&mut self, p: Pos, c: char) {
        let read = self.lines[p.line][p.col];
        if read != c {
            self.lines[p.line][p.col] = c;
            self.corrections.push(Correction {
                line: p.line,
                column: p.col,
                read,
                corrected: c,
            });
        }
    }

    fn holds(&self, covered: &[Pos], check: Pos) -> bool {
        check_digit_holds(&self.get(covered), self.at(check))
    }
}

fn parse_group(group: &[Vec<char>], format: MrzFormat, today: Date) -> Result<Mrz, MrzDefect> {
    let mut resized_lines = Vec::new();
    let lines = group
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let fitted = fit_length(l, format.line_length());
            if fitted.len() != l.len() {
                resized_lines.push(i);
            }
            fitted
        })
        .collect();
    let mut zone = Zone {
        lines,
        corrections: Vec::new(),
    };
    let layout = layout(format);
    repair_k_fillers(&mut zone);

    for field in [
        &layout.code,
        &layout.state,
        &layout.nationality,
        &layout.names,
    ] {
        for &p in field.iter() {
            zone.set(p, letter_for_digit(zone.at(p)));
        }
    }
    if !zone.at(layout.code[0]).is_ascii_uppercase() {
        return Err(MrzDefect::DocumentCode);
    }

    let birth_verdict = settle_digits(&mut zone, &layout.birth, layout.birth_check);
    let expiry_verdict = settle_digits(&mut zone, &layout.expiry, layout.expiry_check);
    let composite_holds = |z: &Zone| {
        layout
            .composite
            .as_ref()
            .is_some_and(|(covered, check)| z.holds(covered, *check))
    };

    // TD1/TD2 (parts 5 and 6): a number longer than 9 characters has a filler for its check
    // digit and runs on into the optional data, followed by its check digit.
    let (number, number_check, optional) = match extended_number(&zone, &layout) {
        Some(extended) => extended,
        None => (
            layout.number.clone(),
            layout.number_check,
            layout.optional.clone(),
        ),
    };
    let number_verdict = settle_alphanumeric(
        &mut zone,
        &number,
        &[number_check],
        &|z| z.holds(&number, number_check),
        &composite_holds,
    );

    let optional_verdict = match (layout.optional_check, &layout.composite) {
        (Some(check), _) => settle_alphanumeric(
            &mut zone,
            &optional,
            &[check],
            &|z| z.holds(&optional, check),
            &composite_holds,
        ),
        (None, Some((_, check))) => {
            let mut field = optional.clone();
            field.extend(layout.optional_2.iter().flatten());
            settle_alphanumeric(&mut zone, &field, &[*check], &composite_holds, &|_| true)
        }
        (None, None) => FieldVerdict::Unverified,
    };
    if let Some((_, check)) = &layout.composite {
        if !composite_holds(&zone) {
            let mut trial = Zone {
                lines: zone.lines.clone(),
                corrections: Vec::new(),
            };
            trial.set(*check, digit_for_letter(zone.at(*check)));
            if composite_holds(&trial) {
                zone.set(*check, trial.at(*check));
            }
        }
    }
    let composite = layout
        .composite
        .as_ref()
        .map(|_| verdict(composite_holds(&zone)));

    let text = |field: &[Pos]| zone.get(field).trim_end_matches('<').to_owned();
    let unverified = |value: String| MrzField {
        value,
        verdict: FieldVerdict::Unverified,
    };
    let names = text(&layout.names);
    let (surname, given) = names.split_once("<<").unwrap_or((&names, ""));
    let sex = match zone.at(layout.sex) {
        'F' => Some(Sex::Female),
        'M' => Some(Sex::Male),
        '<' | 'X' => Some(Sex::Unspecified),
        _ => None,
    };
    let mrz = Mrz {
        format,
        lines: zone.lines.iter().map(|l| l.iter().collect()).collect(),
        document_code: unverified(text(&layout.code)),
        issuing_state: unverified(text(&layout.state)),
        surname: unverified(words(surname)),
        given_names: unverified(words(given)),
        document_number: MrzField {
            value: zone.get(&number).trim_matches('<').to_owned(),
            verdict: number_verdict,
        },
        nationality: unverified(text(&layout.nationality)),
        birth_date: MrzField {
            value: mrz_date(zone.get(&layout.birth), |raw| birth_date(raw, today)),
            verdict: birth_verdict,
        },
        sex: MrzField {
            value: sex.unwrap_or(Sex::Unspecified),
            verdict: if sex.is_some() {
                FieldVerdict::Unverified
            } else {
                FieldVerdict::Failed
            },
        },
        expiry_date: MrzField {
            value: mrz_date(zone.get(&layout.expiry), |raw| expiry_date(raw, today)),
            verdict: expiry_verdict,
        },
        optional_data: MrzField {
            value: text(&optional),
            verdict: optional_verdict,
        },
        optional_data_2: layout.optional_2.as_ref().map(|field| MrzField {
            value: text(field),
            verdict: optional_verdict,
        }),
        composite,
        corrections: zone.corrections,
        resized_lines,
    };
    let date_shaped = |d: &MrzDate| d.raw.chars().all(|c| c.is_ascii_digit() || c == '<');
    if !date_shaped(&mrz.birth_date.value) || !date_shaped(&mrz.expiry_date.value) {
        return Err(MrzDefect::Dates);
    }
    let (held, total) = mrz.check_digits();
    // Random text passes one check digit in ten: a zone needs at least two and half of them.
    if held < 2 || held * 2 < total {
        return Err(MrzDefect::CheckDigits { held, total });
    }
    Ok(mrz)
}

fn verdict(holds: bool) -> FieldVerdict {
    if holds {
        FieldVerdict::Verified
    } else {
        FieldVerdict::Failed
    }
}

fn words(field: &str) -> String {
    field
        .split('<')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The number, its check digit and what is left of the optional data, for a TD1/TD2 document
/// number longer than 9 characters.
fn extended_number(zone: &Zone, layout: &Layout) -> Option<(Vec<Pos>, Pos, Vec<Pos>)> {
    if !layout.extended_numbers || zone.at(layout.number_check) != '<' {
        return None;
    }
    let run = layout
        .optional
        .iter()
        .take_while(|p| zone.at(**p) != '<')
        .count();
    if run < 2 {
        return None;
    }
    let mut number = layout.number.clone();
    number.extend(&layout.optional[..run - 1]);
    Some((
        number,
        layout.optional[run - 1],
        layout.optional[run..].to_vec(),
    ))
}

/// The ICAO 9303 part 3 check digit: values 0-9, A=10 .. Z=35, `<`=0, weights 7, 3, 1.
/// `None` when a character has no value.
pub fn check_digit(data: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in data.chars().enumerate() {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += value * [7, 3, 1][i % 3];
    }
    Some(sum % 10)
}

/// A check digit `<` stands for 0 (Doc 9303 allows it over an all-filler field).
fn check_digit_holds(data: &str, check: char) -> bool {
    let expected = match check {
        '0'..='9' => check as u32 - '0' as u32,
        '<' => 0,
        _ => return false,
    };
    check_digit(data) == Some(expected)
}

fn mrz_date(raw: String, resolve: impl Fn(&str) -> Option<Date>) -> MrzDate {
    let iso =
        resolve(&raw).map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()));
    MrzDate { raw, iso }
}

/// Two-digit year, month and day of a `YYMMDD` field.
fn date_parts(raw: &str) -> Option<(i32, Month, u8)> {
    if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i32 = raw[0..2].parse().ok()?;
    let month = Month::try_from(raw[2..4].parse::<u8>().ok()?).ok()?;
    Some((yy, month, raw[4..6].parse().ok()?))
}

/// The latest calendar day with these digits that is not after `today`.
pub(crate) fn birth_date(raw: &str, today: Date) -> Option<Date> {
    let (yy, month, day) = date_parts(raw)?;
    let century = today.year() / 100 * 100;
    [century, century - 100, century - 200]
        .into_iter()
        .filter_map(|c| Date::from_calendar_date(c + yy, month, day).ok())
        .find(|d| *d <= today)
}

/// The calendar day with these digits between 69 years before and 30 years after `today`.
fn expiry_date(raw: &str, today: Date) -> Option<Date> {
    let (yy, month, day) = date_parts(raw)?;
    let low = today.year() - 69;
    let year = low + (yy - low).rem_euclid(100);
    Date::from_calendar_date(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::repair::outliers;
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn check_digits_of_the_doc_9303_part_3_example() {
        // Doc 9303 part 3, 4.9: "520727" has check digit 3.
        assert_eq!(check_digit("520727"), Some(3));
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("<<<<<<<<<<<<<<"), Some(0));
        assert_eq!(check_digit("AB-1"), None);
    }

    #[test]
    fn centuries_of_birth_and_expiry_dates() {
        let today = day(2025, 6, 1);
        assert_eq!(birth_date("740812", today), Some(day(1974, 8, 12)));
        assert_eq!(birth_date("250601", today), Some(day(2025, 6, 1)));
        assert_eq!(birth_date("250602", today), Some(day(1925, 6, 2)));
        assert_eq!(birth_date("741332", today), None);
        assert_eq!(expiry_date("120415", today), Some(day(2012, 4, 15)));
        assert_eq!(expiry_date("550101", today), Some(day(2055, 1, 1)));
        assert_eq!(expiry_date("961210", today), Some(day(1996, 12, 10)));
    }

    #[test]
    fn lines_are_fitted_in_their_longest_filler_run() {
        let fit = |s: &str, n| fit_length(&s.chars().collect::<Vec<_>>(), n);
        assert_eq!(
            fit("AB<<CD<<<<12", 14).iter().collect::<String>(),
            "AB<<CD<<<<<<12"
        );
        assert_eq!(
            fit("AB<<CD<<<<12", 10).iter().collect::<String>(),
            "AB<<CD<<12"
        );
        assert_eq!(fit("ABC", 5).iter().collect::<String>(), "ABC<<");
    }

    #[test]
    fn outliers_are_characters_unlike_both_neighbours() {
        assert_eq!(outliers("L8989O2C3"), vec![0, 5, 6, 7, 8]);
        assert_eq!(outliers("99003853<"), Vec::<usize>::new());
    }
}
