//! Reading an identity document (E5 locate + E1 on the portrait; E6 text reading builds on it):
//! the portrait printed on the document, found and cropped, ready to compare with a selfie.
//!
//! The document is located by the engine's card locator; its portrait is the largest face whose
//! box lies mostly on the document, else a face found on the document rectified flat (see
//! [`FaceVerifier::document_portrait`]). A photo without a located outline (a scan filling the
//! frame) is taken as the document itself: its largest face is the portrait.

use std::collections::BTreeMap;

use engine::document::{locate_cards, read_barcodes, Barcode, BarcodeKind, CardQuad, ZaIdNumber};
use engine::{AnalyzedFace, DecodedImage, EngineError, ImageLimits, TextLine};
use image::RgbImage;

use crate::compare::FaceVerifier;

/// The portrait printed on a document.
#[derive(Debug, Clone)]
pub struct DocumentPortrait {
    /// The face, analysed (its embedding compares with a selfie's). Its box refers to the frame it
    /// was found in: the photo (turned by its `quarter_turns`), or the rectified document when
    /// found there.
    pub face: AnalyzedFace,
    /// The face's region (box grown by a quarter each side), turned upright, JPEG.
    pub jpeg: Vec<u8>,
    /// Whether the face was found on a located document outline (else the whole photo was taken as
    /// the document).
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
    ///
    /// In order: the largest face lying on a located document outline; else a face found on the
    /// located document rectified flat (a small grey printed portrait, like the green ID book's,
    /// spans too little of a hand-held photo for the detector, and a pattern in a turned copy may
    /// outscore it); else the largest face anywhere; else a face found the same way on the whole
    /// photo taken as the document (a scan filling the frame has no outline).
    pub fn document_portrait(
        &self,
        bytes: &[u8],
        limits: &ImageLimits,
    ) -> Result<DocumentPortrait, DocumentError> {
        let engine = self.engine();
        let image = engine.decode(bytes, limits)?;
        let faces = engine.analyze_all_faces(&image, true)?;
        let cards = locate_cards(&image.rgb);
        // Outlines are in the upright photo's frame; boxes found in a turned copy are not.
        let on_card = cards.iter().find_map(|card| {
            faces.iter().find(|face| {
                face.quarter_turns == 0 && card.overlap_of(&face.detection.bbox) >= ON_DOCUMENT
            })
        });
        if let Some((face, flat)) = self.portrait_on_flat_document(&image, &cards)? {
            return portrait(face, &flat, true);
        }
        if let Some(face) = on_card {
            return portrait(face.clone(), &image.rotated(face.quarter_turns).rgb, true);
        }
        if let Some(face) = faces.first() {
            return portrait(face.clone(), &image.rotated(face.quarter_turns).rgb, false);
        }
        // No outline and no face at the photo's scale: a scan filling the frame, searched as the
        // document itself.
        match self.portrait_in_windows(image.rgb)? {
            Some((face, frame)) => portrait(face, &frame, false),
            None => Err(DocumentError::NoFace),
        }
    }

    /// The face on the most likely located document, rectified flat, as
    /// [`Self::portrait_in_windows`] finds it.
    fn portrait_on_flat_document(
        &self,
        image: &DecodedImage,
        cards: &[CardQuad],
    ) -> Result<Option<(AnalyzedFace, RgbImage)>, DocumentError> {
        match cards
            .iter()
            .max_by(|a, b| (a.area() * a.confidence).total_cmp(&(b.area() * b.confidence)))
            .and_then(|card| engine::document::rectify(&image.rgb, card))
        {
            Some(page) => self.portrait_in_windows(page),
            None => Ok(None),
        }
    }

    /// The portrait on `page` (a document, rectified or scanned), found on the whole page or in a
    /// square window at either end of its long side, where ID cards, passports and ID books print
    /// their portraits (a small face spans more of a window than of the page, for the detector);
    /// each tried in all four quarter turns (which way up a rectified document is cannot be told
    /// from its outline, and a two-page spread rectifies sideways). Of every face the face mesh
    /// confirms there, the one the detector is most sure of (printed text can pass for a small
    /// face; the portrait is the clearer face). Returns the face and the image its box refers to
    /// (turned as the face is upright).
    fn portrait_in_windows(
        &self,
        page: RgbImage,
    ) -> Result<Option<(AnalyzedFace, RgbImage)>, DocumentError> {
        let (width, height) = page.dimensions();
        let side = height.min(width);
        let (far_x, far_y) = (width - side, height - side);
        let windows = [
            image::imageops::crop_imm(&page, 0, 0, side, side).to_image(),
            image::imageops::crop_imm(&page, far_x, far_y, side, side).to_image(),
            page,
        ];
        let mut best: Option<(AnalyzedFace, DecodedImage)> = None;
        for window in windows {
            let window = DecodedImage { rgb: window };
            let found = self.engine().analyze_all_faces(&window, true)?;
            let Some(face) = found
                .into_iter()
                .max_by(|a, b| a.detection.score.total_cmp(&b.detection.score))
            else {
                continue;
            };
            if best
                .as_ref()
                .is_none_or(|(b, _)| face.detection.score > b.detection.score)
            {
                best = Some((face, window));
            }
        }
        Ok(best.map(|(face, window)| {
            let frame = window.rotated(face.quarter_turns).rgb;
            (face, frame)
        }))
    }
}

/// The portrait `face`, its box cut (grown by a quarter each side) from `frame`, the image the box
/// refers to, and turned by quarter turns so that the face stands upright in the crop: the face
/// mesh's eyes above its mouth (a detector may confirm a face in a sideways copy of a scan).
fn portrait(
    face: AnalyzedFace,
    frame: &RgbImage,
    outline_found: bool,
) -> Result<DocumentPortrait, DocumentError> {
    let crop = crate::compare::crop_around(frame, &face.detection.bbox);
    let five = &face.landmarks.five;
    // Where the face's "down" (eyes to mouth) points in the frame, y growing downwards.
    let dx = (five.mouth_left.x + five.mouth_right.x - five.left_eye.x - five.right_eye.x) / 2.0;
    let dy = (five.mouth_left.y + five.mouth_right.y - five.left_eye.y - five.right_eye.y) / 2.0;
    let upright = if dy.abs() >= dx.abs() {
        if dy >= 0.0 {
            crop
        } else {
            image::imageops::rotate180(&crop)
        }
    } else if dx > 0.0 {
        // Down points right: a clockwise quarter turn brings it down.
        image::imageops::rotate90(&crop)
    } else {
        image::imageops::rotate270(&crop)
    };
    let jpeg = crate::compare::encode_jpeg(upright)?;
    Ok(DocumentPortrait {
        face,
        jpeg,
        outline_found,
    })
}

/// The seven fields the Hutts server extracts (HU-2), plus the nationality the smart card prints
/// (H4); `None` when not read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZaIdFields {
    /// 13 digits, Luhn-checked.
    pub identity_number: Option<String>,
    /// `YYYY-MM-DD`, from the ID number (else as printed, when it reads as a date).
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

/// Where a reported field came from, so that a caller can tell what was read off the document
/// from what was worked out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldSource {
    /// Decoded from a barcode on the document (the green ID book's Code 39 ID number).
    Barcode(BarcodeKind),
    /// Read as printed text; `confidence` is the recogniser's mean character probability (0-1)
    /// over the line it was read from.
    Text { confidence: f32 },
    /// Worked out from another field, named by its [`ZaIdFields`] name (date of birth, sex and
    /// status from `identity_number`).
    Derived { from: &'static str },
}

/// Which South African identity document was read, when its labels or barcode tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZaDocumentKind {
    /// The smart ID card: English labels (`Surname`, `Names`, `Nationality`, `Identity Number`,
    /// `Status`). Its back carries a PDF417 symbol whose payload the issuer encrypts: it is
    /// decoded as a symbol (listed in [`ZaIdDocument::barcodes`]) but its content cannot be read
    /// offline, holds no readable ID number, and is never used for a field.
    SmartCard,
    /// The green barcoded ID book: bilingual labels (`VAN/SURNAME`, `VOORNAME/FORENAMES`, ...) and
    /// a Code 39 barcode of the ID number above them.
    GreenBook,
}

/// What was read off a South African ID document.
#[derive(Debug, Clone)]
pub struct ZaIdDocument {
    pub fields: ZaIdFields,
    /// Where each field of `fields` that was read came from, by its [`ZaIdFields`] name
    /// (`identity_number`, `surname`, ...); a field not read has no entry.
    pub sources: BTreeMap<&'static str, FieldSource>,
    /// The kind of document, when its labels or its barcode tell it.
    pub kind: Option<ZaDocumentKind>,
    /// Every barcode decoded on the document (also those that carry no ID number).
    pub barcodes: Vec<Barcode>,
    /// Every line of text read, in reading order (what the fields were taken from).
    pub lines: Vec<engine::TextLine>,
    /// Whether a document outline was located and rectified (else the whole photo was read).
    pub outline_found: bool,
}

/// The labels printed above each value (smart card; green ID book in both languages), as
/// [`label_key`] spells them: lower-case letters and digits only, so that OCR's spacing around a
/// slash or a hyphen does not matter. `date_issued` (the book's) is recognised so that its value
/// is never taken for another field's, but not reported.
const LABELS: [(&str, &[&str]); 9] = [
    ("surname", &["surname", "vansurname", "van"]),
    (
        "names",
        &["names", "forenames", "voornameforenames", "voorname"],
    ),
    ("sex", &["sex", "geslagsex"]),
    ("nationality", &["nationality"]),
    (
        "identity_number",
        &["identitynumber", "idno", "identiteitsnommer"],
    ),
    (
        "date_of_birth",
        &["dateofbirth", "geboortedatumdateofbirth", "geboortedatum"],
    ),
    (
        "country_of_birth",
        &[
            "countryofbirth",
            "districtorcountryofbirth",
            "geboortedistrikoflanddistrictorcountryofbirth",
        ],
    ),
    ("status", &["status"]),
    (
        "date_issued",
        &["dateissued", "datumuitgereikdateissued", "datumuitgereik"],
    ),
];

/// Printed words (as [`label_key`] spells them) found only on the green ID book...
const GREEN_BOOK_WORDS: [&str; 7] = [
    "vansurname",
    "voornameforenames",
    "geboortedistrikoflanddistrictorcountryofbirth",
    "geboortedatumdateofbirth",
    "datumuitgereikdateissued",
    "saburgersacitizen",
    "identiteitsnommer",
];
/// ...and only on the smart card.
const SMART_CARD_WORDS: [&str; 7] = [
    "surname",
    "names",
    "nationality",
    "identitynumber",
    "status",
    "countryofbirth",
    "nationalidentitycard",
];

/// The symbologies sought: the green ID book's Code 39 (Code 128 for reprints that use it), and
/// the smart card back's PDF417 (read, but its payload is encrypted: see
/// [`ZaDocumentKind::SmartCard`]).
const ZA_BARCODES: [BarcodeKind; 3] = [
    BarcodeKind::Code39,
    BarcodeKind::Code128,
    BarcodeKind::Pdf417,
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
    /// Luhn-valid number is reported. Barcodes (Code 39, Code 128, PDF417) are read on the
    /// rectified document, and on the whole photo when that gave no ID number: a payload that is
    /// a Luhn-valid 13-digit ID number takes precedence over the printed one, as the Hutts server
    /// did (the printed digits are what OCR misreads; the bars carry the same number). The smart
    /// card's PDF417 payload is encrypted by the issuer and is not read. CPU-bound: call from a
    /// blocking pool.
    pub fn read_za_id(
        &self,
        bytes: &[u8],
        limits: &ImageLimits,
    ) -> Result<ZaIdDocument, DocumentError> {
        let image = self.verifier.engine().decode(bytes, limits)?;
        let best_card = locate_cards(&image.rgb)
            .into_iter()
            .max_by(|a, b| (a.area() * a.confidence).total_cmp(&(b.area() * b.confidence)));
        let flat = best_card
            .as_ref()
            .and_then(|card| engine::document::rectify(&image.rgb, card));
        // A 1D symbol reads either way up, so one copy of the rectified document is enough.
        let mut barcodes = flat
            .as_ref()
            .map(|flat| read_barcodes(flat, &ZA_BARCODES))
            .unwrap_or_default();
        if !barcodes.iter().any(|b| id_number_of(b).is_some()) {
            for found in read_barcodes(&image.rgb, &ZA_BARCODES) {
                if !barcodes
                    .iter()
                    .any(|b| b.kind == found.kind && b.text == found.text)
                {
                    barcodes.push(found);
                }
            }
        }
        let barcoded = barcodes
            .iter()
            .find_map(|b| id_number_of(b).map(|number| (number, b.kind)));

        let mut pages: Vec<(image::RgbImage, bool)> = match flat {
            Some(flat) => {
                let turned = image::imageops::rotate180(&flat);
                vec![(flat, true), (turned, true)]
            }
            None => Vec::new(),
        };
        // The whole photo is read too when no outline was found, or when the outline read gave no
        // ID number (or, with the number from a barcode, no names): a scan filling the frame has
        // no outline of its own, and the locator may take a rectangle printed on the card (the
        // portrait's frame) for one.
        pages.push((image.rgb.clone(), false));
        let mut best: Option<(usize, ZaIdDocument)> = None;
        for (page, outline_found) in pages {
            if !outline_found && best.as_ref().is_some_and(|(_, d)| read_enough(d)) {
                break;
            }
            let lines = self.text.read(&page)?;
            let (fields, sources) = read_fields(&lines, barcoded.clone());
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
                let kind = document_kind(&lines, &barcodes);
                best = Some((
                    found,
                    ZaIdDocument {
                        fields,
                        sources,
                        kind,
                        barcodes: barcodes.clone(),
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

/// Whether a reading needs no second look at the whole photo: its ID number was read as text, or
/// came from a barcode and the names were read too.
fn read_enough(document: &ZaIdDocument) -> bool {
    match document.sources.get("identity_number") {
        Some(FieldSource::Text { .. }) => true,
        Some(_) => document.fields.surname.is_some() && document.fields.names.is_some(),
        None => false,
    }
}

/// The ID number a barcode carries: its whole payload, 13 Luhn-valid digits.
fn id_number_of(barcode: &Barcode) -> Option<ZaIdNumber> {
    let payload = barcode.text.trim();
    if payload.len() != 13 || !payload.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    engine::document::parse_za_id(payload).ok()
}

/// The document's kind from the words printed on it, else from its barcode.
fn document_kind(lines: &[TextLine], barcodes: &[Barcode]) -> Option<ZaDocumentKind> {
    let count = |words: &[&str]| {
        lines
            .iter()
            .filter(|line| words.contains(&label_key(&line.text).as_str()))
            .count()
    };
    let (book, card) = (count(&GREEN_BOOK_WORDS), count(&SMART_CARD_WORDS));
    if book != card {
        return Some(if book > card {
            ZaDocumentKind::GreenBook
        } else {
            ZaDocumentKind::SmartCard
        });
    }
    barcodes.iter().find_map(|b| match b.kind {
        BarcodeKind::Code39 | BarcodeKind::Code128 if id_number_of(b).is_some() => {
            Some(ZaDocumentKind::GreenBook)
        }
        BarcodeKind::Pdf417 => Some(ZaDocumentKind::SmartCard),
        _ => None,
    })
}

/// The fields of a South African ID from its lines of text (reading order).
pub fn za_fields(lines: &[engine::TextLine]) -> ZaIdFields {
    read_fields(lines, None).0
}

/// The fields and where each came from; `barcoded` (an ID number from a barcode) takes
/// precedence over the number read as text.
fn read_fields(
    lines: &[TextLine],
    barcoded: Option<(ZaIdNumber, BarcodeKind)>,
) -> (ZaIdFields, BTreeMap<&'static str, FieldSource>) {
    let label_of = |text: &str| -> Option<&'static str> {
        let key = label_key(text);
        LABELS
            .iter()
            .find_map(|(field, spellings)| spellings.contains(&key.as_str()).then_some(*field))
    };
    let mut fields = ZaIdFields::default();
    let mut sources = BTreeMap::new();
    let mut printed_sex = None;
    let mut printed_birth = None;
    let mut text_number = None;
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
            });
        let Some(value_line) = value else { continue };
        let value = value_line.text.trim().to_owned();
        let read = FieldSource::Text {
            confidence: value_line.confidence,
        };
        let (slot, field) = match field {
            "surname" => (&mut fields.surname, "surname"),
            "names" => (&mut fields.names, "names"),
            "nationality" => (&mut fields.nationality, "nationality"),
            "country_of_birth" => (&mut fields.country_of_birth, "country_of_birth"),
            "sex" => {
                printed_sex = Some((value, read));
                continue;
            }
            "date_of_birth" => {
                printed_birth = Some((value, read));
                continue;
            }
            "identity_number" => {
                text_number = id_number_in(&value).map(|n| (n, read));
                continue;
            }
            _ => continue,
        };
        *slot = Some(if field == "country_of_birth" {
            country(&value)
        } else {
            value
        });
        sources.insert(field, read);
    }
    let text_number = text_number.or_else(|| {
        lines.iter().find_map(|line| {
            id_number_in(&line.text).map(|n| {
                let read = FieldSource::Text {
                    confidence: line.confidence,
                };
                (n, read)
            })
        })
    });
    let number = match (barcoded, text_number) {
        (Some((barcoded, kind)), printed) => {
            if let Some((printed, _)) = printed.filter(|(p, _)| p.number != barcoded.number) {
                tracing::debug!(
                    barcode = %barcoded.number,
                    printed = %printed.number,
                    "the barcode's ID number differs from the printed one; the barcode's is taken"
                );
            }
            Some((barcoded, FieldSource::Barcode(kind)))
        }
        (None, printed) => printed,
    };
    if let Some((number, source)) = number {
        let derived = FieldSource::Derived {
            from: "identity_number",
        };
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
        sources.insert("identity_number", source);
        for field in ["date_of_birth", "sex", "status"] {
            sources.insert(field, derived);
        }
    } else {
        if let Some((sex, read)) = printed_sex {
            fields.sex = match sex.trim().to_uppercase().as_str() {
                "M" | "MALE" => Some("M".into()),
                "F" | "FEMALE" => Some("F".into()),
                _ => None,
            };
            if fields.sex.is_some() {
                sources.insert("sex", read);
            }
        }
        if let Some((date, read)) = printed_birth {
            fields.date_of_birth = printed_date(&date);
            if fields.date_of_birth.is_some() {
                sources.insert("date_of_birth", read);
            }
        }
    }
    (fields, sources)
}

/// A printed date as `YYYY-MM-DD`: the book's `1990-01-02`, the card's `02 JAN 1990`. Only the
/// shape and the ranges are checked (the ID number, when read, gives the real date).
fn printed_date(printed: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let parts: Vec<String> = printed
        .split(|c: char| c == '-' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(str::to_uppercase)
        .collect();
    let number = |p: &str| {
        p.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| p.parse::<u32>().ok())?
    };
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (number(y)?, number(m)?, number(d)?),
        [d, m, y] if y.len() == 4 => {
            let month = MONTHS.iter().position(|name| name == m)? as u32 + 1;
            (number(y)?, month, number(d)?)
        }
        _ => return None,
    };
    ((1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// A printed label as [`LABELS`] spells it: lower-case letters and digits only.
fn label_key(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
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
