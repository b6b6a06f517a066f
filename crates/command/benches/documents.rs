//! Document reading benchmark: per-field accuracy and time per document.
//!
//! `cargo bench -p ekyc-command --bench documents` (part of `./just bench`; models from
//! `./just setup`).
//!
//! 1. **Synthetic** South African smart ID cards (`testdata::render_za_smart_id`: real fonts, real
//!    face photos, but not a real card: the shared data holds no SA ID specimen). Every card is
//!    read twice by `DocumentReader::read_za_id`: as a scan (the card image, JPEG) and as a photo
//!    (pasted turned and tilted into a real scene, blurred, JPEG). The fields, the portraits and
//!    the photo poses vary with a seeded generator, so every run reads the same documents.
//!    Then **synthetic** green barcoded ID book pages (`testdata::render_za_green_book`: the same
//!    fonts and faces, a grey portrait, a Code 39 of the ID number drawn by rxing's writer), read
//!    the same two ways; on every fourth page the printed number is one digit off (the barcode's
//!    is right), which the reader must report from the barcode.
//! 2. Real documents with a machine-readable zone (`../shared/data/documents/mrz/`): the whole
//!    image is read by `TextReader::read` and the lines handed to `read_mrz`, and the fields are
//!    compared with the zones transcribed by eye in `crates/engine/tests/mrz.rs`.
//!
//! Times are wall-clock on whatever else the machine is doing (the load average is printed);
//! model loading is timed once, apart.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ekyc_command as command;

use command::documents::{DocumentReader, FieldSource, ZaDocumentKind, ZaIdFields};
use command::{FaceVerifier, ImageLimits, ScoreCalibration};
use engine::document::{read_mrz, Mrz};
use engine::{FaceEmbedding, FaceEngine, ModelFiles, OcrModelFiles, TextReader};
use image::RgbImage;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use testdata::{
    paste_card, render_za_green_book, render_za_smart_id, CardPose, ZaBookFields, ZaCardFields,
    ID1_CORNER_RADIUS,
};

const SEED: u64 = 0xD0C5_2A1D;
const CARDS: usize = 24;
const BOOKS: usize = 24;
/// In the shared data.
const MRZ_DIR: &str = "documents/mrz";

const SURNAMES: [&str; 16] = [
    "MOKOENA",
    "NKOSI",
    "VAN DER WESTHUIZEN",
    "DLAMINI",
    "BOTHA",
    "NAIDOO",
    "PRETORIUS",
    "MAHLANGU",
    "LE ROUX",
    "KHUMALO",
    "SMIT",
    "DU PLESSIS",
    "ZULU",
    "GOVENDER",
    "MASEKO-RAMAPHOSA",
    "OOSTHUIZEN",
];
const NAMES: [&str; 16] = [
    "THANDIWE NOMSA",
    "JOHANNES PETRUS",
    "SIPHO",
    "ANNA-MARIE",
    "LERATO GRACE",
    "PIETER WILLEM JACOBUS",
    "AYANDA",
    "PRIYA DEVI",
    "MOHAMMED ISMAIL",
    "NOKUTHULA PRECIOUS",
    "JAN",
    "KAGISO TEBOGO",
    "ELIZABETH JANE",
    "BONGANI",
    "CHARLOTTE MARIE LOUISE",
    "TSHEPO",
];
/// Printed nationality and country of birth of the permanent residents (citizenship digit 1).
const FOREIGN: [&str; 5] = ["ZWE", "MOZ", "GBR", "NGA", "IND"];
/// The country of birth a green ID book prints for a permanent resident.
const FOREIGN_BOOK: [&str; 5] = ["ZIMBABWE", "MALAWI", "LESOTHO", "NIGERIA", "INDIA"];
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
/// Single-face photos of the shared data, upright; the portrait is cropped around the detected face.
const PORTRAITS: [&str; 8] = [
    "faces/obama_1.jpg",
    "faces/biden_2.jpg",
    "faces/kate_siegel_1.jpg",
    "faces/kit_harington_1.jpg",
    "faces/rose_leslie_1.jpg",
    "faces/paul_rudd_1.jpg",
    "faces/eileen_collins_1.png",
    "faces/lin_manuel_miranda_1.png",
];
const SCENES: [&str; 2] = ["faces/noface_coffee.png", "faces/noface_rocket.jpg"];
const SCENE_WIDTH: u32 = 1600;

/// One field of what `read_za_id` reports.
type ZaField = fn(&ZaIdFields) -> Option<&str>;

/// The fields compared, by the names `read_za_id` reports them under.
const ZA_FIELDS: [(&str, ZaField); 8] = [
    ("identity_number", |f| f.identity_number.as_deref()),
    ("date_of_birth", |f| f.date_of_birth.as_deref()),
    ("sex", |f| f.sex.as_deref()),
    ("status", |f| f.status.as_deref()),
    ("surname", |f| f.surname.as_deref()),
    ("names", |f| f.names.as_deref()),
    ("country_of_birth", |f| f.country_of_birth.as_deref()),
    ("nationality", |f| f.nationality.as_deref()),
];

/// A real document's zone and fields as transcribed by eye: image, lines, document number, birth
/// date, expiry date, nationality, surname, given names.
type MrzTruth = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Copied from `crates/engine/tests/mrz.rs` (`REAL`, and `polish_visa_with_a_zero_in_its_nationality`
/// for the last one, whose nationality prints as `P0L`); the nationality is the zone's own field.
const MRZ_TRUTH: [MrzTruth; 11] = [
    (
        "fastmrz_passport_uk.jpg",
        &[
            "P<GBRPUDARSAN<<HENERT<<<<<<<<<<<<<<<<<<<<<<<",
            "7077979792GBR9505209M1704224<<<<<<<<<<<<<<00",
        ],
        "707797979",
        "1995-05-20",
        "2017-04-22",
        "GBR",
        "PUDARSAN",
        "HENERT",
    ),
    (
        "passporteye_100_pass-cze.jpg",
        &[
            "P<CZESPECIMEN<<VZOR<<<<<<<<<<<<<<<<<<<<<<<<<",
            "99003853<1CZE1101018M1207046110101111<<<<<94",
        ],
        "99003853",
        "2011-01-01",
        "2012-07-04",
        "CZE",
        "SPECIMEN",
        "VZOR",
    ),
    (
        "passporteye_100_pass-fin.png",
        &[
            "P<FINVIRTANEN<<MARIA<OLIVIA<<<<<<<<<<<<<<<<<",
            "XP82716024FIN7112214F1108213211271<426U<<<04",
        ],
        "XP8271602",
        "1971-12-21",
        "2011-08-21",
        "FIN",
        "VIRTANEN",
        "MARIA OLIVIA",
    ),
    (
        "passporteye_98_pass-nld.jpg",
        &[
            "P<NLDMEULENDIJK<<LOES<ALBERTINE<<<<<<<<<<<<<",
            "XA00000148NLD7110195F0604121123456782<<<<<02",
        ],
        "XA0000014",
        "1971-10-19",
        "2006-04-12",
        "NLD",
        "MEULENDIJK",
        "LOES ALBERTINE",
    ),
    (
        "passporteye_100_pass-hrv.jpg",
        &[
            "P<HRVSPECIMEN<<SPECIMEN<<<<<<<<<<<<<<<<<<<<<",
            "0070070071HRV8212258F1407019<<<<<<<<<<<<<<06",
        ],
        "007007007",
        "1982-12-25",
        "2014-07-01",
        "HRV",
        "SPECIMEN",
        "SPECIMEN",
    ),
    (
        "passporteye_100_id-che.jpg",
        &[
            "IDCHES0002068<8<<<<<<<<<<<<<<<",
            "8102287F1301014CHE<<<<<<<<<<<4",
            "VADIS<<QUO<<<<<<<<<<<<<<<<<<<<",
        ],
        "S0002068",
        "1981-02-28",
        "2013-01-01",
        "CHE",
        "VADIS",
        "QUO",
    ),
    (
        "passporteye_100_id-usa.jpg",
        &[
            "IAUSA0000000033LIN1044750079<<",
            "5808175F1004027COD<<<<<<<<<<<7",
            "SPECIMEN<<TEST<VOID<<<<<<<<<<<",
        ],
        "000000003",
        "1958-08-17",
        "2010-04-02",
        "COD",
        "SPECIMEN",
        "TEST VOID",
    ),
    (
        "fastmrz_mrva.jpg",
        &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        ],
        "L8988901C",
        "1940-09-07",
        "1996-12-10",
        "XXX",
        "ERIKSSON",
        "ANNA MARIA",
    ),
    (
        "fastmrz_mrvb.jpg",
        &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX4009078F9612109<<<<<<<<",
        ],
        "L8988901C",
        "1940-09-07",
        "1996-12-10",
        "XXX",
        "ERIKSSON",
        "ANNA MARIA",
    ),
    (
        "passporteye_100_visa-usa.jpg",
        &[
            "VIUSATRAVELER<<HAPPYPERSON<<<<<<<<<<<<<<<<<<",
            "555123ABC6GBR6502056F0412236IFLNDOOAMS803085",
        ],
        "555123ABC",
        "1965-02-05",
        "2004-12-23",
        "GBR",
        "TRAVELER",
        "HAPPYPERSON",
    ),
    (
        "passporteye_100_visa-polx.jpg",
        &[
            "VCPOLKOWALSKA<KWIATKOWSKA<<BEATA<<<<",
            "PL00000008P0L6002084F0505011<<<<<<<0",
        ],
        "PL0000000",
        "1960-02-08",
        "2005-05-01",
        "POL",
        "KOWALSKA KWIATKOWSKA",
        "BEATA",
    ),
];

const MRZ_FIELDS: [&str; 6] = [
    "document_number",
    "birth_date",
    "expiry_date",
    "nationality",
    "surname",
    "given_names",
];

fn main() {
    if testdata::shared_data().is_none() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    // Blank lines between the lines of the header: the output is pasted into markdown as is.
    println!("== Document reading benchmark (ekyc-command DocumentReader, engine TextReader + read_mrz) ==");
    println!();
    println!("command: `cargo bench --locked -p ekyc-command --bench documents`");
    println!();
    println!(
        "machine: {cores} cores, load average {} at start (the times include whatever else runs)",
        common::load_average()
    );
    println!();

    let started = Instant::now();
    let need = |e: engine::EngineError| -> ! {
        panic!("{e}: run `./just setup` (ekyc-gateway models setup) first")
    };
    let face_engine = FaceEngine::load(&ModelFiles::in_dir(&ModelFiles::default_dir()))
        .unwrap_or_else(|e| need(e));
    let face_load = started.elapsed();
    let started = Instant::now();
    let text =
        Arc::new(TextReader::load(&OcrModelFiles::in_default_dir()).unwrap_or_else(|e| need(e)));
    let text_load = started.elapsed();
    let verifier = FaceVerifier::new(Arc::new(face_engine), Arc::new(ScoreCalibration::bundled()));
    let reader = DocumentReader::new(verifier, Arc::clone(&text));
    println!(
        "model load (once, not in the per-document times): face models {:.0} ms, PP-OCR text reader {:.0} ms",
        ms(face_load),
        ms(text_load)
    );
    println!();

    let (portraits, holders, scenes) = za_inputs(&reader);
    za_cards(&reader, &portraits, &holders, &scenes);
    za_books(&reader, &portraits, &holders, &scenes);
    mrz_documents(&text);
    real_portraits(&reader);
    println!(
        "machine: load average {} at the end",
        common::load_average()
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Synthetic South African smart ID cards

/// One synthetic card: what it prints, what `read_za_id` should report, and its two renderings.
struct SyntheticCard {
    printed: ZaCardFields,
    expected: ZaIdFields,
    portrait: &'static str,
    scan: Vec<u8>,
    photo: Vec<u8>,
    photo_note: String,
}

/// What one reading got right, and how long it took.
struct Reading {
    right: [bool; 8],
    got: ZaIdFields,
    outline_found: bool,
    /// Lines of text read.
    lines: usize,
    /// Where the reported ID number came from.
    number_source: Option<FieldSource>,
    kind: Option<ZaDocumentKind>,
    elapsed: Duration,
}

/// One `read_za_id`, timed, against what it should report (a field is right when reported as
/// expected; a field the document does not print is right when not reported).
fn read_za(reader: &DocumentReader, bytes: &[u8], expected: &ZaIdFields) -> Reading {
    let started = Instant::now();
    let document = reader.read_za_id(bytes, &ImageLimits::default());
    let elapsed = started.elapsed();
    let (got, outline_found, lines, number_source, kind) = match document {
        Ok(d) => (
            d.fields,
            d.outline_found,
            d.lines.len(),
            d.sources.get("identity_number").copied(),
            d.kind,
        ),
        Err(_) => (ZaIdFields::default(), false, 0, None, None),
    };
    let right = ZA_FIELDS.map(|(_, field)| field(&got) == field(expected));
    Reading {
        right,
        got,
        outline_found,
        lines,
        number_source,
        kind,
        elapsed,
    }
}

/// The portraits (cropped around each face), their holders' embeddings (of the whole photo) and the
/// scenes (scaled) the synthetic documents use.
fn za_inputs(reader: &DocumentReader) -> (Vec<RgbImage>, Vec<FaceEmbedding>, Vec<RgbImage>) {
    let (portraits, holders): (Vec<RgbImage>, Vec<FaceEmbedding>) = PORTRAITS
        .iter()
        .map(|rel| portrait_crop(reader.verifier(), rel))
        .unzip();
    let scenes: Vec<RgbImage> = SCENES
        .iter()
        .map(|rel| {
            let scene = testdata::read_rgb(rel).expect("shared data checked above");
            let height = scene.height() * SCENE_WIDTH / scene.width();
            image::imageops::resize(
                &scene,
                SCENE_WIDTH,
                height,
                image::imageops::FilterType::Triangle,
            )
        })
        .collect();
    (portraits, holders, scenes)
}

fn za_cards(
    reader: &DocumentReader,
    portraits: &[RgbImage],
    holders: &[FaceEmbedding],
    scenes: &[RgbImage],
) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let cards: Vec<SyntheticCard> = (0..CARDS)
        .map(|i| synthetic_card(i, &mut rng, portraits, scenes))
        .collect();

    // The first reading pays for lazily built buffers; it is done once, untimed, before the runs.
    let _ = reader.read_za_id(&cards[0].scan, &ImageLimits::default());

    let scans: Vec<Reading> = cards
        .iter()
        .map(|c| read_za(reader, &c.scan, &c.expected))
        .collect();
    let photos: Vec<Reading> = cards
        .iter()
        .map(|c| read_za(reader, &c.photo, &c.expected))
        .collect();

    println!("### 1. SYNTHETIC South African smart ID cards ({CARDS} cards, each as a scan and as a photo)");
    println!();
    println!("Rendered by `testdata::render_za_smart_id` (DejaVu fonts, real face photos); not real cards.");
    println!("Scan: the 856x540 card, JPEG q92. Photo: pasted into a 1600-wide real scene, turned -8..8 deg,");
    println!("tilted up to 0.04, Gaussian blur sigma 0.5-1.2, JPEG q75-90. Seed {SEED:#x}.");
    println!();
    println!("| field | scans exact | photos exact |");
    println!("|---|---|---|");
    for (k, (name, _)) in ZA_FIELDS.iter().enumerate() {
        println!(
            "| {name} | {} | {} |",
            rate(scans.iter().filter(|r| r.right[k]).count(), CARDS),
            rate(photos.iter().filter(|r| r.right[k]).count(), CARDS)
        );
    }
    println!(
        "| all 8 fields of a card | {} | {} |",
        rate(
            scans.iter().filter(|r| r.right.iter().all(|&x| x)).count(),
            CARDS
        ),
        rate(
            photos.iter().filter(|r| r.right.iter().all(|&x| x)).count(),
            CARDS
        )
    );
    println!(
        "| (card outline located) | {} | {} |",
        rate(scans.iter().filter(|r| r.outline_found).count(), CARDS),
        rate(photos.iter().filter(|r| r.outline_found).count(), CARDS)
    );
    println!(
        "| (told a smart card) | {} | {} |",
        rate(kind_count(&scans, ZaDocumentKind::SmartCard), CARDS),
        rate(kind_count(&photos, ZaDocumentKind::SmartCard), CARDS)
    );
    print_portrait_rows(
        reader,
        holders,
        cards
            .iter()
            .map(|c| (&c.scan[..], &c.photo[..], c.portrait)),
    );
    println!();
    println!("Time per document, `read_za_id`, one thread: decode, locate, barcodes (Code 39, Code 128, PDF417)");
    println!("on the rectified card and on the whole image (the card front has none), then OCR of the rectified");
    println!("card both ways up when an outline is located, else of the whole image once; then the fields.");
    println!();
    timing_header();
    timing_row(
        "scan (856x540)",
        &scans.iter().map(|r| r.elapsed).collect::<Vec<_>>(),
    );
    timing_row(
        "photo (1600x1067)",
        &photos.iter().map(|r| r.elapsed).collect::<Vec<_>>(),
    );
    println!();

    let mut misses = Vec::new();
    for (kind, readings) in [("scan", &scans), ("photo", &photos)] {
        for (card, reading) in cards.iter().zip(readings.iter()) {
            let wrong: Vec<String> = ZA_FIELDS
                .iter()
                .zip(reading.right)
                .filter(|(_, right)| !right)
                .map(|((name, field), _)| {
                    let got = field(&reading.got).map_or("(none)".to_owned(), |g| format!("`{g}`"));
                    format!(
                        "{name} {got} for `{}`",
                        field(&card.expected).unwrap_or("-")
                    )
                })
                .collect();
            if !wrong.is_empty() {
                misses.push(format!(
                    "| {} | {kind} | {} | {} | {} |",
                    card_label(card, kind),
                    if reading.outline_found { "yes" } else { "no" },
                    reading.lines,
                    if wrong.len() == ZA_FIELDS.len() {
                        "all 8 fields missing".to_owned()
                    } else {
                        wrong.join("; ")
                    }
                ));
            }
        }
    }
    println!(
        "Every reading with a wrong or missing field ({}):",
        misses.len()
    );
    println!();
    if !misses.is_empty() {
        println!("| card | as | outline located | lines read | wrong or missing |");
        println!("|---|---|---|---|---|");
        for miss in &misses {
            println!("{miss}");
        }
        println!();
    }
}

fn card_label(card: &SyntheticCard, kind: &str) -> String {
    let who = format!("{} / {}", card.printed.surname, card.printed.names);
    let portrait = card.portrait.trim_start_matches("faces/");
    if kind == "photo" {
        format!("{who} ({portrait}; {})", card.photo_note)
    } else {
        format!("{who} ({portrait})")
    }
}

fn kind_count(readings: &[Reading], kind: ZaDocumentKind) -> usize {
    readings.iter().filter(|r| r.kind == Some(kind)).count()
}

/// The hutts dialect's default `is_match` mark on the calibrated score (spec 7.3).
const HOLDER_MATCH: f32 = 0.7;

/// Two table rows: on how many scans and photos `document_portrait` (what verifyID and
/// extractFace use; not timed) finds a portrait, and on how many that portrait is the holder's: a
/// calibrated score of at least [`HOLDER_MATCH`] against the whole photo the portrait was cut from.
fn print_portrait_rows<'a>(
    reader: &DocumentReader,
    holders: &[FaceEmbedding],
    documents: impl Iterator<Item = (&'a [u8], &'a [u8], &'static str)>,
) {
    let verifier = reader.verifier();
    let (mut found, mut holder, mut total) = ([0usize; 2], [0usize; 2], 0);
    for (scan, photo, portrait) in documents {
        total += 1;
        let source = PORTRAITS
            .iter()
            .position(|p| *p == portrait)
            .expect("a portrait of PORTRAITS");
        for (k, bytes) in [scan, photo].into_iter().enumerate() {
            if let Ok(p) = verifier.document_portrait(bytes, &ImageLimits::default()) {
                found[k] += 1;
                let score = verifier.score_embeddings(&p.face.embedding, &holders[source]);
                holder[k] += usize::from(score.value() >= HOLDER_MATCH);
            }
        }
    }
    println!(
        "| (portrait found, `document_portrait`) | {} | {} |",
        rate(found[0], total),
        rate(found[1], total)
    );
    println!(
        "| (portrait the holder's, score >= {HOLDER_MATCH} against the source photo) | {} | {} |",
        rate(holder[0], total),
        rate(holder[1], total)
    );
}

// ---------------------------------------------------------------------------------------------
// 1b. Synthetic South African green barcoded ID books

/// One synthetic book page: what it prints, what `read_za_id` should report, its two renderings.
struct SyntheticBook {
    printed: ZaBookFields,
    expected: ZaIdFields,
    portrait: &'static str,
    scan: Vec<u8>,
    photo: Vec<u8>,
    photo_note: String,
}

fn za_books(
    reader: &DocumentReader,
    portraits: &[RgbImage],
    holders: &[FaceEmbedding],
    scenes: &[RgbImage],
) {
    // A seed of their own: the cards above stay the documents they were.
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    let books: Vec<SyntheticBook> = (0..BOOKS)
        .map(|i| synthetic_book(i, &mut rng, portraits, scenes))
        .collect();
    let scans: Vec<Reading> = books
        .iter()
        .map(|b| read_za(reader, &b.scan, &b.expected))
        .collect();
    let photos: Vec<Reading> = books
        .iter()
        .map(|b| read_za(reader, &b.photo, &b.expected))
        .collect();
    let misprinted = books
        .iter()
        .filter(|b| b.printed.identity_number != b.printed.barcode)
        .count();

    println!("### 1b. SYNTHETIC South African green barcoded ID books ({BOOKS} identity pages, each as a scan and as a photo)");
    println!();
    println!("Rendered by `testdata::render_za_green_book` (DejaVu fonts, the same real face photos in grey, a Code 39");
    println!("of the ID number drawn by rxing's writer); not real books. Scan: the 1000x704 page, JPEG q92. Photo:");
    println!("as the cards'. On {misprinted} of the pages (every fourth) the printed number is one digit off and");
    println!("only the barcode carries the right one. The book prints no nationality: that row counts a page");
    println!("right when none is reported. Seed {:#x}.", SEED + 1);
    println!();
    println!("| field | scans exact | photos exact |");
    println!("|---|---|---|");
    for (k, (name, _)) in ZA_FIELDS.iter().enumerate() {
        println!(
            "| {name} | {} | {} |",
            rate(scans.iter().filter(|r| r.right[k]).count(), BOOKS),
            rate(photos.iter().filter(|r| r.right[k]).count(), BOOKS)
        );
    }
    println!(
        "| all fields of a page | {} | {} |",
        rate(
            scans.iter().filter(|r| r.right.iter().all(|&x| x)).count(),
            BOOKS
        ),
        rate(
            photos.iter().filter(|r| r.right.iter().all(|&x| x)).count(),
            BOOKS
        )
    );
    let from_barcode = |readings: &[Reading]| {
        readings
            .iter()
            .filter(|r| matches!(r.number_source, Some(FieldSource::Barcode(_))))
            .count()
    };
    println!(
        "| (ID number from the barcode) | {} | {} |",
        rate(from_barcode(&scans), BOOKS),
        rate(from_barcode(&photos), BOOKS)
    );
    println!(
        "| (page outline located) | {} | {} |",
        rate(scans.iter().filter(|r| r.outline_found).count(), BOOKS),
        rate(photos.iter().filter(|r| r.outline_found).count(), BOOKS)
    );
    println!(
        "| (told a green book) | {} | {} |",
        rate(kind_count(&scans, ZaDocumentKind::GreenBook), BOOKS),
        rate(kind_count(&photos, ZaDocumentKind::GreenBook), BOOKS)
    );
    print_portrait_rows(
        reader,
        holders,
        books
            .iter()
            .map(|b| (&b.scan[..], &b.photo[..], b.portrait)),
    );
    println!();
    println!("Time per document, `read_za_id`, one thread, as for the cards. In a photo the Code 39 is found on");
    println!("the rectified page and the whole image is not searched for barcodes; a scan has no outline, so its");
    println!("whole image is searched (and read once).");
    println!();
    timing_header();
    timing_row(
        "scan (1000x704)",
        &scans.iter().map(|r| r.elapsed).collect::<Vec<_>>(),
    );
    timing_row(
        "photo (1600x1067)",
        &photos.iter().map(|r| r.elapsed).collect::<Vec<_>>(),
    );
    println!();

    let mut misses = Vec::new();
    for (kind, readings) in [("scan", &scans), ("photo", &photos)] {
        for (book, reading) in books.iter().zip(readings.iter()) {
            let wrong: Vec<String> = ZA_FIELDS
                .iter()
                .zip(reading.right)
                .filter(|(_, right)| !right)
                .map(|((name, field), _)| {
                    let got = field(&reading.got).map_or("(none)".to_owned(), |g| format!("`{g}`"));
                    format!(
                        "{name} {got} for `{}`",
                        field(&book.expected).unwrap_or("-")
                    )
                })
                .collect();
            if !wrong.is_empty() {
                let who = format!("{} / {}", book.printed.surname, book.printed.forenames);
                let portrait = book.portrait.trim_start_matches("faces/");
                let note = if kind == "photo" {
                    format!("{portrait}; {}", book.photo_note)
                } else {
                    portrait.to_owned()
                };
                misses.push(format!(
                    "| {who} ({note}) | {kind} | {} | {} | {} |",
                    if reading.outline_found { "yes" } else { "no" },
                    reading.lines,
                    wrong.join("; ")
                ));
            }
        }
    }
    println!(
        "Every book reading with a wrong or missing field ({}):",
        misses.len()
    );
    println!();
    if !misses.is_empty() {
        println!("| page | as | outline located | lines read | wrong or missing |");
        println!("|---|---|---|---|---|");
        for miss in &misses {
            println!("{miss}");
        }
        println!();
    }
}

fn synthetic_book(
    i: usize,
    rng: &mut StdRng,
    portraits: &[RgbImage],
    scenes: &[RgbImage],
) -> SyntheticBook {
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let names = NAMES[rng.gen_range(0..NAMES.len())];
    let female = i.is_multiple_of(2);
    let citizen = i % 3 != 2;
    let year = rng.gen_range(1940..=2005u32);
    let month = rng.gen_range(1..=12u32);
    let day = rng.gen_range(1..=days_in_month(year, month));
    let sequence = if female {
        rng.gen_range(0..5000u32)
    } else {
        rng.gen_range(5000..10_000u32)
    };
    let race_digit = if rng.gen_bool(0.8) { 8 } else { 9 };
    let payload = format!(
        "{:02}{month:02}{day:02}{sequence:04}{}{race_digit}",
        year % 100,
        u8::from(!citizen)
    );
    let identity_number = format!("{payload}{}", luhn_digit(&payload));
    // Every fourth page prints its number with the ninth digit wrong (the Luhn digit then fails).
    let printed_number = if i % 4 == 3 {
        let mut digits: Vec<u8> = identity_number.bytes().collect();
        digits[8] = b'0' + (digits[8] - b'0' + 5) % 10;
        String::from_utf8(digits).expect("digits")
    } else {
        identity_number.clone()
    };
    let origin = if citizen {
        "SUID-AFRIKA"
    } else {
        FOREIGN_BOOK[rng.gen_range(0..FOREIGN_BOOK.len())]
    };
    // Issued at 16 or later, from 1986 (the barcoded book's first year).
    let first = (year + 16).max(1986);
    let issued_year = rng.gen_range(first..=first.max(2012));
    let issued_month = rng.gen_range(1..=12u32);
    let issued_day = rng.gen_range(1..=days_in_month(issued_year, issued_month));
    let printed = ZaBookFields {
        identity_number: printed_number,
        barcode: identity_number.clone(),
        surname: surname.into(),
        forenames: names.into(),
        country_of_birth: origin.into(),
        date_of_birth: format!("{year:04}-{month:02}-{day:02}"),
        date_issued: format!("{issued_year:04}-{issued_month:02}-{issued_day:02}"),
    };
    let expected = ZaIdFields {
        identity_number: Some(identity_number),
        date_of_birth: Some(format!("{year:04}-{month:02}-{day:02}")),
        sex: Some(if female { "F" } else { "M" }.into()),
        status: Some(if citizen { "Citizen" } else { "Non Citizen" }.into()),
        country_of_birth: Some(if citizen { "South Africa" } else { origin }.into()),
        names: Some(names.into()),
        surname: Some(surname.into()),
        nationality: None,
    };
    let p = i % portraits.len();
    let page =
        render_za_green_book(&printed, &portraits[p]).expect("fonts-dejavu-core is installed");
    let scan = jpeg(&page, 92);
    let pose = CardPose {
        center: (
            0.5 + rng.gen_range(-0.05..0.05),
            0.5 + rng.gen_range(-0.05..0.05),
        ),
        width_fraction: rng.gen_range(0.55..0.7),
        rotation_degrees: rng.gen_range(-8.0..=8.0),
        tilt: (rng.gen_range(-0.04..=0.04), rng.gen_range(-0.04..=0.04)),
        corner_radius: 0.0,
    };
    let blur = rng.gen_range(0.5..=1.2f32);
    let quality = rng.gen_range(75..=90u8);
    let scene = i % scenes.len();
    let (photo, _) = paste_card(&scenes[scene], &page, &pose);
    let photo = image::imageops::blur(&photo, blur);
    let photo_note = format!(
        "{} turn {:+.1} tilt ({:+.3}, {:+.3}) blur {blur:.2} q{quality}",
        SCENES[scene].trim_start_matches("faces/noface_"),
        pose.rotation_degrees,
        pose.tilt.0,
        pose.tilt.1
    );
    SyntheticBook {
        printed,
        expected,
        portrait: PORTRAITS[p],
        scan,
        photo: jpeg(&photo, quality),
        photo_note,
    }
}

fn synthetic_card(
    i: usize,
    rng: &mut StdRng,
    portraits: &[RgbImage],
    scenes: &[RgbImage],
) -> SyntheticCard {
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let names = NAMES[rng.gen_range(0..NAMES.len())];
    let female = i.is_multiple_of(2);
    // Every third card is a permanent resident's (citizenship digit 1), with a foreign nationality.
    let citizen = i % 3 != 2;
    let year = rng.gen_range(1940..=2005u32);
    let month = rng.gen_range(1..=12u32);
    let day = rng.gen_range(1..=days_in_month(year, month));
    let sequence = if female {
        rng.gen_range(0..5000u32)
    } else {
        rng.gen_range(5000..10_000u32)
    };
    let race_digit = if rng.gen_bool(0.8) { 8 } else { 9 };
    let payload = format!(
        "{:02}{month:02}{day:02}{sequence:04}{}{race_digit}",
        year % 100,
        u8::from(!citizen)
    );
    let identity_number = format!("{payload}{}", luhn_digit(&payload));
    let origin = if citizen {
        "RSA"
    } else {
        FOREIGN[rng.gen_range(0..FOREIGN.len())]
    };
    let printed = ZaCardFields {
        surname: surname.into(),
        names: names.into(),
        sex: if female { "F" } else { "M" }.into(),
        nationality: origin.into(),
        identity_number: identity_number.clone(),
        date_of_birth: format!("{day:02} {} {year}", MONTHS[month as usize - 1]),
        country_of_birth: origin.into(),
        status: if citizen { "CITIZEN" } else { "NON CITIZEN" }.into(),
    };
    // What the reader reports (documents.rs `ZaIdFields`): dates as ISO, sex and status from the
    // number, `RSA` as the country's name.
    let expected = ZaIdFields {
        identity_number: Some(identity_number),
        date_of_birth: Some(format!("{year:04}-{month:02}-{day:02}")),
        sex: Some(printed.sex.clone()),
        status: Some(if citizen { "Citizen" } else { "Non Citizen" }.into()),
        country_of_birth: Some(if citizen { "South Africa" } else { origin }.into()),
        names: Some(names.into()),
        surname: Some(surname.into()),
        nationality: Some(origin.into()),
    };
    let p = i % portraits.len();
    let card = render_za_smart_id(&printed, &portraits[p]).expect("fonts-dejavu-core is installed");
    let scan = jpeg(&card, 92);

    let pose = CardPose {
        center: (
            0.5 + rng.gen_range(-0.05..0.05),
            0.5 + rng.gen_range(-0.05..0.05),
        ),
        width_fraction: rng.gen_range(0.55..0.7),
        rotation_degrees: rng.gen_range(-8.0..=8.0),
        tilt: (rng.gen_range(-0.04..=0.04), rng.gen_range(-0.04..=0.04)),
        corner_radius: ID1_CORNER_RADIUS,
    };
    let blur = rng.gen_range(0.5..=1.2f32);
    let quality = rng.gen_range(75..=90u8);
    let scene = i % scenes.len();
    let (photo, _) = paste_card(&scenes[scene], &card, &pose);
    let photo = image::imageops::blur(&photo, blur);
    let photo_note = format!(
        "{} turn {:+.1} tilt ({:+.3}, {:+.3}) blur {blur:.2} q{quality}",
        SCENES[scene].trim_start_matches("faces/noface_"),
        pose.rotation_degrees,
        pose.tilt.0,
        pose.tilt.1
    );
    SyntheticCard {
        printed,
        expected,
        portrait: PORTRAITS[p],
        scan,
        photo: jpeg(&photo, quality),
        photo_note,
    }
}

/// The photo's face, cropped to the card's portrait shape with room around it.
fn portrait_crop(verifier: &FaceVerifier, rel: &str) -> (RgbImage, FaceEmbedding) {
    let bytes = testdata::read(rel).expect("shared data checked above");
    let image = image::load_from_memory(&bytes)
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .to_rgb8();
    let faces = verifier
        .faces_in(&bytes, &ImageLimits::default())
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let face = faces
        .faces
        .iter()
        .find(|f| f.quarter_turns == 0)
        .unwrap_or_else(|| panic!("{rel}: no upright face"));
    let b = &face.detection.bbox;
    let crop = testdata::portrait_crop(
        &image,
        (b.left, b.top, b.width),
        (testdata::ZA_PORTRAIT.2, testdata::ZA_PORTRAIT.3),
    );
    (crop, face.embedding.clone())
}

/// The Luhn check digit of the ID number's first 12 digits, written here rather than taken from
/// the engine so that the ground truth does not come from the code under test.
fn luhn_digit(payload: &str) -> u32 {
    let sum: u32 = payload
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).expect("digits");
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("encoding to memory");
    out.into_inner()
}

// ---------------------------------------------------------------------------------------------
// 2. Real machine-readable zones

fn mrz_documents(text: &TextReader) {
    println!(
        "### 2. REAL documents with a machine-readable zone ({} images of `documents/mrz/` with a transcribed zone)",
        MRZ_TRUTH.len()
    );
    println!();
    println!("Whole image -> `TextReader::read` -> `read_mrz` on all the lines; no cropping, no rotation.");
    println!("Time: OCR + MRZ parse (image decoding excluded), one thread.");
    println!();
    println!("| image | size | lines read | format | check digits | all verified | zone exact | fields right | ms | wrong or missing |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut right = [0usize; 6];
    let mut parsed = 0;
    let mut verified = 0;
    let mut zones_exact = 0;
    let mut times = Vec::new();
    for &(file, truth_lines, number, born, expires, nationality, surname, given) in &MRZ_TRUTH {
        let rel = format!("{MRZ_DIR}/{file}");
        let Some(image) = testdata::read_rgb(&rel) else {
            continue;
        };
        let started = Instant::now();
        let lines = text.read(&image).unwrap_or_else(|e| panic!("{file}: {e}"));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        let mrz = read_mrz(&texts);
        let elapsed = started.elapsed();
        times.push(elapsed);
        let size = format!("{}x{}", image.width(), image.height());
        let mrz = match mrz {
            Ok(mrz) => mrz,
            Err(e) => {
                println!(
                    "| {file} | {size} | {} | - | - | no | no | 0/6 | {:.0} | {e} |",
                    lines.len(),
                    ms(elapsed)
                );
                continue;
            }
        };
        parsed += 1;
        let expected = [number, born, expires, nationality, surname, given];
        let got = mrz_values(&mrz);
        let mut wrong = Vec::new();
        for (k, ((name, want), have)) in MRZ_FIELDS.iter().zip(expected).zip(&got).enumerate() {
            if have.as_deref() == Some(want) {
                right[k] += 1;
            } else {
                wrong.push(format!("{name} `{}`", have.as_deref().unwrap_or("(none)")));
            }
        }
        let right_here = 6 - wrong.len();
        if mrz.fully_verified() {
            verified += 1;
        }
        // The transcribed zone as the parser repairs it (the Polish visa's `P0L` becomes `POL`).
        let truth_zone = read_mrz(truth_lines).map(|z| z.lines);
        let zone_exact = truth_zone.as_ref() == Ok(&mrz.lines);
        zones_exact += usize::from(zone_exact);
        if let Ok(truth_zone) = &truth_zone {
            for (k, (read, truth)) in mrz.lines.iter().zip(truth_zone).enumerate() {
                if read != truth {
                    wrong.push(format!("zone line {} `{read}` for `{truth}`", k + 1));
                }
            }
        }
        let (held, total) = mrz.check_digits();
        println!(
            "| {file} | {size} | {} | {:?} | {held}/{total} | {} | {} | {}/6 | {:.0} | {} |",
            lines.len(),
            mrz.format,
            if mrz.fully_verified() { "yes" } else { "no" },
            if zone_exact { "yes" } else { "no" },
            right_here,
            ms(elapsed),
            wrong.join(", ")
        );
    }
    let n = MRZ_TRUTH.len();
    println!();
    println!("| field | exact |");
    println!("|---|---|");
    for (k, name) in MRZ_FIELDS.iter().enumerate() {
        println!("| {name} | {} |", rate(right[k], n));
    }
    println!("| zone found (`read_mrz` Ok) | {} |", rate(parsed, n));
    println!(
        "| zone with every check digit verified | {} |",
        rate(verified, n)
    );
    println!(
        "| whole zone exact (every character) | {} |",
        rate(zones_exact, n)
    );
    println!();
    timing_header();
    timing_row("OCR + MRZ, whole image", &times);
    println!();
}

/// The six compared fields as `read_mrz` reports them (dates as ISO).
fn mrz_values(mrz: &Mrz) -> [Option<String>; 6] {
    [
        Some(mrz.document_number.value.clone()),
        mrz.birth_date.value.iso.clone(),
        mrz.expiry_date.value.iso.clone(),
        Some(mrz.nationality.value.clone()),
        Some(mrz.surname.value.clone()),
        Some(mrz.given_names.value.clone()),
    ]
}

// ---------------------------------------------------------------------------------------------
// Printing

// ---------------------------------------------------------------------------------------------
// 3. Portraits on the real documents

/// The real document images of the shared data whose portrait is looked for.
const REAL_DOCUMENT_DIRS: [&str; 2] = ["documents/id_cards", "documents/mrz"];

/// `document_portrait` on every real document image: found or not, where, how big, how sure. With
/// `DOCUMENTS_BENCH_CROPS=<dir>` the crops are written there, to be looked at (no identity ground
/// truth exists for these specimens).
fn real_portraits(reader: &DocumentReader) {
    let crops = std::env::var_os("DOCUMENTS_BENCH_CROPS").map(std::path::PathBuf::from);
    let mut files: Vec<String> = Vec::new();
    for dir in REAL_DOCUMENT_DIRS {
        let Some(data) = testdata::shared_data() else {
            break;
        };
        let Ok(entries) = std::fs::read_dir(data.join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
    }
    println!(
        "### 3. REAL documents: the portrait ({} images of `documents/id_cards/` and `documents/mrz/`)",
        files.len()
    );
    println!();
    println!("`document_portrait` (what verifyID and extractFace use), one thread, decoding included. \"where\":");
    println!("on the document located and rectified, or anywhere in the photo when no outline holds a face.");
    println!("Most specimens print a portrait; a few are cut-outs of the zone alone (\"none\" is right there).");
    println!(
        "No identity ground truth: run with `DOCUMENTS_BENCH_CROPS=<dir>` to look at each crop."
    );
    println!();
    println!("| image | size | portrait | where | face px | detector score | ms |");
    println!("|---|---|---|---|---|---|---|");
    let mut found = 0;
    let mut times = Vec::new();
    for rel in &files {
        let Some(bytes) = testdata::read(rel) else {
            continue;
        };
        let size = image::load_from_memory(&bytes)
            .map(|i| format!("{}x{}", i.width(), i.height()))
            .unwrap_or_else(|_| "-".into());
        let started = Instant::now();
        let result = reader
            .verifier()
            .document_portrait(&bytes, &ImageLimits::default());
        let elapsed = started.elapsed();
        times.push(elapsed);
        let name = rel.trim_start_matches("documents/");
        match result {
            Ok(p) => {
                found += 1;
                let b = &p.face.detection.bbox;
                println!(
                    "| {name} | {size} | yes | {} | {:.0} | {:.2} | {:.0} |",
                    if p.outline_found { "document" } else { "photo" },
                    b.width.min(b.height),
                    p.face.detection.score,
                    ms(elapsed)
                );
                if let Some(dir) = &crops {
                    let out = dir.join(format!("{}.jpg", name.replace('/', "_")));
                    if let Err(e) =
                        std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&out, &p.jpeg))
                    {
                        eprintln!("cannot write {}: {e}", out.display());
                    }
                }
            }
            Err(e) => println!(
                "| {name} | {size} | none ({e}) | - | - | - | {:.0} |",
                ms(elapsed)
            ),
        }
    }
    println!();
    println!("Portrait found on {found} of {} images.", files.len());
    println!();
    println!("| documents | n | mean ms | p50 ms | p90 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    timing_row("real documents, `document_portrait`", &times);
    println!();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rate(hits: usize, n: usize) -> String {
    if n == 0 {
        return "-".into();
    }
    format!("{hits}/{n} ({:.1} %)", 100.0 * hits as f64 / n as f64)
}

fn timing_header() {
    println!("| documents | n | mean ms | p50 ms | p90 ms | max ms |");
    println!("|---|---|---|---|---|---|");
}

/// Nearest-rank percentiles.
fn timing_row(label: &str, times: &[Duration]) {
    if times.is_empty() {
        println!("| {label} | 0 | - | - | - | - |");
        return;
    }
    let mut sorted: Vec<f64> = times.iter().map(|&d| ms(d)).collect();
    sorted.sort_by(f64::total_cmp);
    let rank =
        |q: f64| sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    println!(
        "| {label} | {} | {mean:.0} | {:.0} | {:.0} | {:.0} |",
        sorted.len(),
        rank(0.5),
        rank(0.9),
        sorted[sorted.len() - 1]
    );
}
