//! Reading an identity document (E5 locate + E1 on the portrait; E6 text reading builds on it):
//! the portrait printed on the document, found and cropped, ready to compare with a selfie.
//!
//! The document is located by the engine's card locator; its portrait is the largest face whose
//! box lies mostly on the document. A photo without a located outline (a scan filling the frame, a
//! green ID book's page) is taken as the document itself: its largest face is the portrait.

use engine::document::locate_cards;
use engine::{AnalyzedFace, EngineError, ImageLimits};

use crate::compare::FaceVerifier;

/// The portrait printed on a document.
#[derive(Debug, Clone)]
pub struct DocumentPortrait {
    /// The face, analysed (its embedding compares with a selfie's).
    pub face: AnalyzedFace,
    /// The face's region of the document photo (box grown by a quarter each side), JPEG.
    pub jpeg: Vec<u8>,
    /// Whether a document outline was located (else the whole photo was taken as the document).
    pub outline_found: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The bytes are not a usable image.
    #[error(transparent)]
    Image(EngineError),
    /// The document shows no face.
    #[error("no face on the document")]
    NoFace,
}

impl From<EngineError> for DocumentError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::NoFace => DocumentError::NoFace,
            other => DocumentError::Image(other),
        }
    }
}

/// Share of a face box that must lie on the document outline for the face to be its portrait.
const ON_DOCUMENT: f32 = 0.6;

impl FaceVerifier {
    /// Finds the document's portrait (CPU-bound: call from a blocking pool).
    pub fn document_portrait(
        &self,
        bytes: &[u8],
        limits: &ImageLimits,
    ) -> Result<DocumentPortrait, DocumentError> {
        let engine = self.engine();
        let image = engine.decode(bytes, limits)?;
        let faces = engine.analyze_all_faces(&image, true)?;
        let cards = if faces.first().is_some_and(|f| f.quarter_turns == 0) {
            locate_cards(&image.rgb)
        } else {
            // Boxes of a turned photo are in the turned frame; the outline would not be.
            Vec::new()
        };
        let on_card = cards.iter().find_map(|card| {
            faces
                .iter()
                .find(|face| card.overlap_of(&face.detection.bbox) >= ON_DOCUMENT)
                .map(|face| (face.clone(), true))
        });
        let (face, outline_found) = match on_card {
            Some(found) => found,
            None => (faces.first().cloned().ok_or(DocumentError::NoFace)?, false),
        };
        let turned = image.rotated(face.quarter_turns);
        let jpeg = crate::compare::crop_jpeg(&turned.rgb, &face.detection.bbox)?;
        Ok(DocumentPortrait {
            face,
            jpeg,
            outline_found,
        })
    }
}

/// The seven fields the Hutts server extracts (HU-2), plus the nationality the smart card prints
/// (H4); `None` when not read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZaIdFields {
    /// 13 digits, Luhn-checked.
    pub identity_number: Option<String>,
    /// `YYYY-MM-DD`, from the ID number.
    pub date_of_birth: Option<String>,
    /// `M` or `F`, from the ID number (else as printed).
    pub sex: Option<String>,
    /// `Citizen` or `Non Citizen`, from the ID number's citizenship digit.
    pub status: Option<String>,
    /// `South Africa` for the printed `RSA` / `ZAF` / `SUID-AFRIKA`, else as printed.
    pub country_of_birth: Option<String>,
    pub names: Option<String>,
    pub surname: Option<String>,
    pub nationality: Option<String>,
}

/// What was read off a South African ID document.
#[derive(Debug, Clone)]
pub struct ZaIdDocument {
    pub fields: ZaIdFields,
    /// Every line of text read, in reading order (what the fields were taken from).
    pub lines: Vec<engine::TextLine>,
    /// Whether a document outline was located and rectified (else the whole photo was read).
    pub outline_found: bool,
}

/// The labels printed above each value (smart card; green ID book in both languages).
const LABELS: [(&str, &[&str]); 8] = [
    ("surname", &["surname", "van/surname", "van"]),
    (
        "names",
        &["names", "forenames", "voorname/forenames", "voorname"],
    ),
    ("sex", &["sex", "geslag/sex"]),
    ("nationality", &["nationality"]),
    (
        "identity_number",
        &["identity number", "id no", "i.d. no", "identiteitsnommer"],
    ),
    (
        "date_of_birth",
        &[
            "date of birth",
            "geboortedatum/date of birth",
            "geboortedatum",
        ],
    ),
    (
        "country_of_birth",
        &[
            "country of birth",
            "district or country of birth",
            "geboortedistrik of-land/district or country of birth",
        ],
    ),
    ("status", &["status"]),
];

/// Reads documents: the face verifier (portraits) and the text reader (E6).
pub struct DocumentReader {
    verifier: FaceVerifier,
    text: std::sync::Arc<engine::TextReader>,
}

impl DocumentReader {
    pub fn new(verifier: FaceVerifier, text: std::sync::Arc<engine::TextReader>) -> Self {
        Self { verifier, text }
    }

    pub fn verifier(&self) -> &FaceVerifier {
        &self.verifier
    }

    /// Reads a South African ID document (smart card or green ID book) in a photo or scan: the
    /// outline is located and rectified when found (both ways up are tried), the text read, and
    /// the fields taken from the labels; the ID number is searched in every line and only a
    /// Luhn-valid number is reported. CPU-bound: call from a blocking pool.
    pub fn read_za_id(
        &self,
        bytes: &[u8],
        limits: &ImageLimits,
    ) -> Result<ZaIdDocument, DocumentError> {
        let image = self.verifier.engine().decode(bytes, limits)?;
        let best_card = locate_cards(&image.rgb)
            .into_iter()
            .max_by(|a, b| (a.area() * a.confidence).total_cmp(&(b.area() * b.confidence)));
        let mut pages: Vec<(image::RgbImage, bool)> = match best_card
            .as_ref()
            .and_then(|card| engine::document::rectify(&image.rgb, card))
        {
            Some(flat) => {
                let turned = image::imageops::rotate180(&flat);
                vec![(flat, true), (turned, true)]
            }
            None => Vec::new(),
        };
        // The whole photo is read too when no outline was found, or when the outline read gave no
        // ID number: a scan filling the frame has no outline of its own, and the locator may take
        // a rectangle printed on the card (the portrait's frame) for one.
        pages.push((image.rgb.clone(), false));
        let mut best: Option<(usize, ZaIdDocument)> = None;
        for (page, outline_found) in pages {
            if !outline_found
                && best
                    .as_ref()
                    .is_some_and(|(_, document)| document.fields.identity_number.is_some())
            {
                break;
            }
            let lines = self.text.read(&page)?;
            let fields = za_fields(&lines);
            let found = [
                &fields.identity_number,
                &fields.surname,
                &fields.names,
                &fields.country_of_birth,
                &fields.nationality,
            ]
            .iter()
            .filter(|f| f.is_some())
            .count()
                + 3 * usize::from(fields.identity_number.is_some());
            if best.as_ref().is_none_or(|(score, _)| found > *score) {
                best = Some((
                    found,
                    ZaIdDocument {
                        fields,
                        lines,
                        outline_found,
                    },
                ));
            }
        }
        best.map(|(_, document)| document)
            .ok_or(DocumentError::NoFace)
    }
}

/// The fields of a South African ID from its lines of text (reading order).
pub fn za_fields(lines: &[engine::TextLine]) -> ZaIdFields {
    let normal = |text: &str| {
        text.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let label_of = |text: &str| -> Option<&'static str> {
        let text = normal(text);
        LABELS.iter().find_map(|(field, spellings)| {
            spellings
                .iter()
                .any(|s| text == *s || text.trim_end_matches(':') == *s)
                .then_some(*field)
        })
    };
    let mut fields = ZaIdFields::default();
    let mut printed_sex = None;
    for (i, line) in lines.iter().enumerate() {
        let Some(field) = label_of(&line.text) else {
            continue;
        };
        // The value: the nearest line below the label, starting near the label's left edge.
        let height = line_height(line);
        let value = lines[i + 1..]
            .iter()
            .filter(|other| label_of(&other.text).is_none())
            .filter(|other| {
                let dy = centre_y(other) - centre_y(line);
                dy > height * 0.4
                    && dy < height * 3.0
                    && (left(other) - left(line)).abs() < height * 2.5
            })
            .min_by(|a, b| {
                (centre_y(a) - centre_y(line)).total_cmp(&(centre_y(b) - centre_y(line)))
            })
            .map(|other| other.text.trim().to_owned());
        let Some(value) = value else { continue };
        match field {
            "surname" => fields.surname = Some(value),
            "names" => fields.names = Some(value),
            "sex" => printed_sex = Some(value),
            "nationality" => fields.nationality = Some(value),
            "country_of_birth" => fields.country_of_birth = Some(country(&value)),
            "identity_number" => {
                fields.identity_number = id_number_in(&value).map(|n| n.number);
            }
            _ => {}
        }
    }
    let number = fields
        .identity_number
        .as_deref()
        .and_then(|n| engine::document::parse_za_id(n).ok())
        .or_else(|| lines.iter().find_map(|line| id_number_in(&line.text)));
    if let Some(number) = number {
        fields.date_of_birth = Some(number.date_of_birth.clone());
        fields.sex = Some(
            match number.sex {
                engine::document::mrz::Sex::Female => "F",
                _ => "M",
            }
            .to_owned(),
        );
        fields.status = Some(
            match number.citizenship {
                engine::document::za_id::Citizenship::Citizen => "Citizen",
                _ => "Non Citizen",
            }
            .to_owned(),
        );
        fields.identity_number = Some(number.number);
    } else if let Some(sex) = printed_sex {
        fields.sex = match sex.trim().to_uppercase().as_str() {
            "M" | "MALE" => Some("M".into()),
            "F" | "FEMALE" => Some("F".into()),
            _ => None,
        };
    }
    fields
}

/// A Luhn-valid SA ID number in the text: digits and OCR look-alikes (O→0, I/l→1, S→5, B→8, Z→2)
/// with spaces between groups; a correction counts only when the check digit confirms it.
fn id_number_in(text: &str) -> Option<engine::document::ZaIdNumber> {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            'O' | 'o' | 'D' | 'Q' => '0',
            'I' | 'l' | '|' | 'i' => '1',
            'S' | 's' => '5',
            'B' => '8',
            'Z' | 'z' => '2',
            other => other,
        })
        .collect();
    let compact: Vec<char> = mapped.chars().filter(|c| !c.is_whitespace()).collect();
    compact.windows(13).find_map(|window| {
        let candidate: String = window.iter().collect();
        if !candidate.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        engine::document::parse_za_id(&candidate).ok()
    })
}

fn country(printed: &str) -> String {
    match printed.trim().to_uppercase().as_str() {
        "RSA" | "ZAF" | "ZA" | "SUID-AFRIKA" | "SOUTH AFRICA" | "SUID AFRIKA" => {
            "South Africa".into()
        }
        _ => printed.trim().to_owned(),
    }
}

fn centre_y(line: &engine::TextLine) -> f32 {
    line.quad.iter().map(|p| p.y).sum::<f32>() / 4.0
}

fn left(line: &engine::TextLine) -> f32 {
    line.quad[0].x.min(line.quad[3].x)
}

fn line_height(line: &engine::TextLine) -> f32 {
    let [tl, tr, br, bl] = line.quad;
    ((tl.distance(bl) + tr.distance(br)) / 2.0).max(1.0)
}
