//! verifyID's text and total scores (HU-4, H3-H8): each claimed field against what the document
//! yields, as a Levenshtein ratio (python-Levenshtein's, which the Hutts server used), their mean
//! as `text_match`, and `total_match = 0.4 text + 0.6 face` (the seed's example reproduces it).

use serde_json::{json, Map, Value};

/// What the client claims (verifyID's text fields, H3 names).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Claimed {
    pub names: String,
    pub surname: String,
    pub id_number: String,
    pub nationality: String,
    pub country_of_birth: String,
    pub status: String,
    pub sex: String,
    pub date_of_birth: String,
}

/// What the document yields (`None`: not read).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub names: Option<String>,
    pub surname: Option<String>,
    pub identity_number: Option<String>,
    pub nationality: Option<String>,
    pub country_of_birth: Option<String>,
    pub status: Option<String>,
    pub sex: Option<String>,
    pub date_of_birth: Option<String>,
}

/// One compared field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatch {
    /// The extraction's name of the field (`identity_number`, `sex`, ...).
    pub field: &'static str,
    /// 0-100, two decimals; `None` when the document did not yield the field.
    pub percent: Option<f64>,
    pub claimed: String,
    pub extracted: Option<String>,
}

/// Upstream's rule: fewer comparable fields than this and the text score is 0.
pub const MIN_COMPARED_FIELDS: usize = 4;

/// The per-field matches and their mean (0 when fewer than [`MIN_COMPARED_FIELDS`] compared).
pub fn text_match(claimed: &Claimed, extracted: &Extracted) -> (Vec<FieldMatch>, f64) {
    let pairs: [(&'static str, &str, &Option<String>); 8] = [
        ("names", &claimed.names, &extracted.names),
        ("surname", &claimed.surname, &extracted.surname),
        (
            "identity_number",
            &claimed.id_number,
            &extracted.identity_number,
        ),
        ("nationality", &claimed.nationality, &extracted.nationality),
        (
            "country_of_birth",
            &claimed.country_of_birth,
            &extracted.country_of_birth,
        ),
        ("status", &claimed.status, &extracted.status),
        ("sex", &claimed.sex, &extracted.sex),
        (
            "date_of_birth",
            &claimed.date_of_birth,
            &extracted.date_of_birth,
        ),
    ];
    let matches: Vec<FieldMatch> = pairs
        .iter()
        .map(|&(field, claimed, extracted)| FieldMatch {
            field,
            percent: extracted.as_deref().map(|extracted| {
                round2(100.0 * ratio(&normalise(field, claimed), &normalise(field, extracted)))
            }),
            claimed: claimed.to_owned(),
            extracted: extracted.clone(),
        })
        .collect();
    let compared: Vec<f64> = matches.iter().filter_map(|m| m.percent).collect();
    let total = if compared.len() < MIN_COMPARED_FIELDS {
        0.0
    } else {
        round2(compared.iter().sum::<f64>() / compared.len() as f64)
    };
    (matches, total)
}

/// `verbose_verify`'s `text_match` object (upstream shape).
pub fn verbose(matches: &[FieldMatch], total: f64) -> Value {
    let mut object = Map::new();
    for m in matches {
        object.insert(
            m.field.to_owned(),
            json!({
                "match_percentage": m.percent,
                "verifier_field_value": m.claimed,
                "extracted_field_value": m.extracted,
            }),
        );
    }
    object.insert("total".into(), json!(total));
    Value::Object(object)
}

/// H7: `0.4 * text + 0.6 * face`.
pub fn total_match(text: f64, face: f64) -> f64 {
    0.4 * text + 0.6 * face
}

/// python-Levenshtein's `ratio`: 1 - indel distance / total length.
fn ratio(a: &str, b: &str) -> f64 {
    rapidfuzz::fuzz::ratio(a.chars(), b.chars())
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Case, spacing and the spellings one value has (`Male`/`M`, `1990-01-02`/`02/01/1990`) do not
/// count as differences.
fn normalise(field: &str, value: &str) -> String {
    let folded = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match field {
        "sex" => match folded.as_str() {
            "male" | "m" => "m".into(),
            "female" | "f" => "f".into(),
            _ => folded,
        },
        "identity_number" => folded.chars().filter(char::is_ascii_digit).collect(),
        "date_of_birth" => iso_date(&folded).unwrap_or(folded),
        "status" => match folded.as_str() {
            "citizen" | "sa citizen" | "south african citizen" => "citizen".into(),
            "non citizen" | "non-citizen" | "permanent resident" => "non citizen".into(),
            _ => folded,
        },
        _ => folded,
    }
}

/// `YYYY-MM-DD` from the usual spellings: `YYYY-MM-DD`, `YYYY/MM/DD`, `DD/MM/YYYY`, `DD-MM-YYYY`,
/// `DD MON YYYY` (the smart card's `02 JAN 1990`).
pub fn iso_date(text: &str) -> Option<String> {
    let parts: Vec<&str> = text
        .split(['-', '/', ' ', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let month = |m: &str| -> Option<u32> {
        if let Ok(n) = m.parse::<u32>() {
            return Some(n);
        }
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let m = m.to_lowercase();
        MONTHS
            .iter()
            .position(|name| m.starts_with(name))
            .map(|i| i as u32 + 1)
    };
    let (year, month, day) = if a.len() == 4 {
        (a.parse::<u32>().ok()?, month(b)?, c.parse::<u32>().ok()?)
    } else {
        (c.parse::<u32>().ok()?, month(b)?, a.parse::<u32>().ok()?)
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1800..=2200).contains(&year) {
        return None;
    }
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_example_total_is_reproduced() {
        // `000:L76-80`: text 14.29, face 84.15386465700645 -> total 56.20831879420387.
        let total = total_match(14.29, 84.15386465700645);
        assert!((total - 56.20831879420387).abs() < 1e-9, "{total}");
    }

    fn claimed() -> Claimed {
        Claimed {
            names: "Thandiwe Nomsa".into(),
            surname: "Mokoena".into(),
            id_number: "9001020123087".into(),
            nationality: "RSA".into(),
            country_of_birth: "South Africa".into(),
            status: "Citizen".into(),
            sex: "Female".into(),
            date_of_birth: "02/01/1990".into(),
        }
    }

    #[test]
    fn equal_values_in_other_spellings_match_fully() {
        let extracted = Extracted {
            names: Some("THANDIWE NOMSA".into()),
            surname: Some("MOKOENA".into()),
            identity_number: Some("900102 0123 087".into()),
            nationality: None,
            country_of_birth: Some("South Africa".into()),
            status: Some("Citizen".into()),
            sex: Some("F".into()),
            date_of_birth: Some("1990-01-02".into()),
        };
        let (matches, total) = text_match(&claimed(), &extracted);
        assert_eq!(total, 100.0);
        let nationality = matches.iter().find(|m| m.field == "nationality").unwrap();
        assert_eq!(
            nationality.percent, None,
            "not read: left out of the mean (H4)"
        );
    }

    #[test]
    fn differences_lower_the_mean_and_too_few_fields_score_zero() {
        let extracted = Extracted {
            names: Some("Thandi".into()),
            surname: Some("Mokoena".into()),
            identity_number: Some("9001020123087".into()),
            status: Some("Non Citizen".into()),
            ..Extracted::default()
        };
        let (matches, total) = text_match(&claimed(), &extracted);
        let names = matches.iter().find(|m| m.field == "names").unwrap();
        // python-Levenshtein: ratio("thandiwe nomsa", "thandi") = 2*6/20 = 0.6.
        assert_eq!(names.percent, Some(60.0));
        assert!(total > 0.0 && total < 100.0, "{total}");
        let few = Extracted {
            surname: Some("Mokoena".into()),
            ..Extracted::default()
        };
        assert_eq!(text_match(&claimed(), &few).1, 0.0);
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        assert_eq!(iso_date("1990-01-02").as_deref(), Some("1990-01-02"));
        assert_eq!(iso_date("02/01/1990").as_deref(), Some("1990-01-02"));
        assert_eq!(iso_date("02 jan 1990").as_deref(), Some("1990-01-02"));
        assert_eq!(iso_date("02 JANUARY 1990").as_deref(), Some("1990-01-02"));
        assert_eq!(iso_date("1990-13-02"), None);
        assert_eq!(iso_date("yesterday"), None);
    }
}
