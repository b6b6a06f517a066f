//! Vietnamese text: the Tesseract reader must read a Vietnamese citizen ID card's lines with their
//! diacritics, and the PP-OCR reader is shown not to (why the Tesseract fallback exists).
//!
//! The card is **synthetic**: the lines of a CCCD front printed in DejaVu Sans at ID-1 size
//! (856 x 540 px, 10 px/mm; `testdata::render_printed_lines`), degraded at the OCR study's "mild"
//! level (scale 0.85, 0.6 degrees, blur 0.8, noise 6, JPEG 60). The ground truth is what was drawn.
//!
//! Needs Debian's `tesseract-ocr` and `tesseract-ocr-vie` (`just system-packages`) and the fonts;
//! without them each test says SKIPPED loudly and checks nothing. The PP-OCR comparison also needs
//! the OCR models (`ekyc-gateway models setup`) and likewise skips loudly without them.

use ekyc_engine::ocr::{
    OcrModelFiles, TesseractError, TesseractReader, TextLine, TextReader, VIETNAMESE_LANGUAGES,
};
use image::RgbImage;
use testdata::{PrintedLine, ScanDegradation};

/// The card's lines: (text, left, top, font size in px, bold). The wording and order of a CCCD
/// front; the person is made up.
const CARD_LINES: &[(&str, i32, i32, f32, bool)] = &[
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 200, 28, 26.0, true),
    ("Độc lập - Tự do - Hạnh phúc", 290, 64, 22.0, false),
    ("CĂN CƯỚC CÔNG DÂN", 250, 108, 34.0, true),
    ("Số định danh cá nhân: 001090012345", 40, 176, 24.0, false),
    ("Họ và tên: NGUYỄN VĂN AN", 40, 226, 24.0, false),
    ("Ngày sinh: 02/01/1990", 40, 276, 24.0, false),
    ("Giới tính: Nam", 40, 326, 24.0, false),
    ("Quê quán: Đông Anh, Hà Nội", 40, 376, 24.0, false),
    ("Nơi thường trú: 12 Phố Huế, Hà Nội", 40, 426, 24.0, false),
    ("Có giá trị đến: 02/01/2030", 40, 476, 24.0, false),
];

/// Every line must read at least this well at the mild level, and all of them together at least
/// [`MIN_MEAN_ACCURACY`]. Measured here: every line exact (1.000, mean 100 %) with Tesseract 5.3.0
/// and Debian's vie/eng data 4.1.0. The study measured 98.3 % on its Vietnamese lines (all levels),
/// its typical error one mark missed on a capital (`NGUYEN VĂN AN`, 0.92 on that line). So: 0.9 a
/// line allows two such misses on a 24-character line, and a 0.97 mean about one error in 30
/// characters over the card. PP-OCR on the same image: 0.852-1.000 a line, mean 0.903 (below),
/// which the mean fails.
const MIN_LINE_ACCURACY: f64 = 0.9;
const MIN_MEAN_ACCURACY: f64 = 0.97;

fn card(level: &ScanDegradation) -> Option<RgbImage> {
    let lines: Vec<PrintedLine> = CARD_LINES
        .iter()
        .map(|&(text, x, y, px, bold)| PrintedLine {
            text,
            x,
            y,
            px,
            bold,
        })
        .collect();
    let card = testdata::render_printed_lines((856, 540), &lines)?;
    Some(testdata::scanned(&card, level))
}

/// Tesseract with Vietnamese, or `None` after a loud SKIPPED line when it is not installed. Any
/// other failure is a failure.
fn tesseract() -> Option<TesseractReader> {
    match TesseractReader::detect(VIETNAMESE_LANGUAGES) {
        Ok(reader) => Some(reader),
        Err(e @ (TesseractError::NotInstalled { .. } | TesseractError::MissingLanguage { .. })) => {
            eprintln!(
                "!!!!!!!! SKIPPED: {e}. This test checked nothing: \
                 install tesseract-ocr tesseract-ocr-vie"
            );
            None
        }
        Err(e) => panic!("Tesseract is installed but unusable: {e}"),
    }
}

/// Character edit distance (insertions, deletions, substitutions).
fn levenshtein(a: &str, b: &str) -> usize {
    rapidfuzz::distance::levenshtein::distance(a.chars(), b.chars())
}

/// 1 - edit distance / length, in characters (Unicode scalar values: `ễ` precomposed is one, so a
/// dropped mark costs one), against the best-matching line read; 0 and `None` when nothing is close.
fn char_accuracy(truth: &str, lines: &[TextLine]) -> (f64, Option<usize>) {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let distance = levenshtein(truth, &line.text);
            let accuracy = 1.0 - distance as f64 / truth.chars().count() as f64;
            (accuracy.max(0.0), Some(i))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((0.0, None))
}

/// Per-line accuracy of `lines` against the card, each printed with what was read.
fn score(reader: &str, lines: &[TextLine]) -> Vec<(f64, Option<usize>)> {
    CARD_LINES
        .iter()
        .map(|&(truth, ..)| {
            let (accuracy, index) = char_accuracy(truth, lines);
            eprintln!(
                "    {reader} {accuracy:.3}  {truth}\n                     {}",
                index.map_or("(nothing)", |i| lines[i].text.as_str())
            );
            (accuracy, index)
        })
        .collect()
}

/// The letters Vietnamese adds to ASCII (ă â đ ê ô ơ ư, their capitals and every tone-marked
/// vowel), as a string's characters.
fn vietnamese_letters(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter(|c| !c.is_ascii() && c.is_alphabetic())
}

#[test]
fn tesseract_reads_a_vietnamese_card_with_its_diacritics() {
    let Some(reader) = tesseract() else { return };
    let Some(image) = card(&ScanDegradation::MILD) else {
        return;
    };
    let start = std::time::Instant::now();
    let lines = reader.read(&image).expect("Tesseract reads the card");
    eprintln!(
        "Tesseract {} ({}), mild level, {}x{}: {} lines in {} ms",
        reader.version(),
        reader.languages(),
        image.width(),
        image.height(),
        lines.len(),
        start.elapsed().as_millis()
    );
    for line in &lines {
        assert!(
            !line.text.is_empty() && line.text.trim() == line.text,
            "{line:?}"
        );
        assert_eq!(line.char_confidences.len(), line.text.chars().count());
        let mean = line.char_confidences.iter().sum::<f32>() / line.char_confidences.len() as f32;
        assert!((line.confidence - mean).abs() < 1e-4, "{line:?}");
        assert!((0.5..=1.0).contains(&line.confidence), "{line:?}");
        let [tl, tr, br, bl] = line.quad;
        assert!(
            tl.x < tr.x && tl.y < bl.y && tr.y == tl.y && br.x == tr.x,
            "{line:?}"
        );
        for p in line.quad {
            assert!(p.x >= 0.0 && p.y >= 0.0, "{line:?}");
            assert!(p.x < image.width() as f32 && p.y < image.height() as f32);
        }
    }
    let scored = score("tesseract", &lines);
    let mean = scored.iter().map(|s| s.0).sum::<f64>() / scored.len() as f64;
    let exact = scored.iter().filter(|s| s.0 == 1.0).count();
    eprintln!(
        "tesseract mild: mean char accuracy {:.1} %, {exact}/{} lines exact",
        mean * 100.0,
        scored.len()
    );
    for (&(truth, _, y, px, _), &(accuracy, index)) in CARD_LINES.iter().zip(&scored) {
        assert!(
            accuracy >= MIN_LINE_ACCURACY,
            "`{truth}` read at {accuracy:.3}"
        );
        // Each line's box is where it was printed: its middle within the printed band (scaled;
        // the 0.6 degree turn moves it by at most 5 px at the card's edge).
        let line = &lines[index.expect("a line read")];
        let middle = (line.quad[0].y + line.quad[3].y) / 2.0;
        let scale = ScanDegradation::MILD.scale;
        let (top, bottom) = (y as f32 * scale - 5.0, (y as f32 + px) * scale + 5.0);
        assert!(
            (top..=bottom).contains(&middle),
            "`{truth}` found at y {middle}, printed at {top}..{bottom}"
        );
    }
    // One line read per printed line, in the order printed.
    let indices: Vec<usize> = scored.iter().filter_map(|s| s.1).collect();
    assert!(
        indices.windows(2).all(|w| w[0] < w[1]),
        "lines matched out of order or twice: {indices:?}"
    );
    assert_eq!(lines.len(), CARD_LINES.len());
    assert!(mean >= MIN_MEAN_ACCURACY, "mean char accuracy {mean:.3}");
}

/// The study's hard level (scale 0.7, 1.5 degrees, blur 1.3, noise 12, JPEG 35), where it measured
/// Tesseract falling to 88.5 % overall: not a level the gateway promises, checked so a regression of
/// the reader or its data shows. Measured here: mean 93.4 % (lines 0.778-1.000, marks confused on
/// small regular text: `Hạnh phúc` -> `Mạnh phục`); 0.85 leaves room for that noise.
#[test]
fn tesseract_still_reads_most_of_a_hard_scan() {
    let Some(reader) = tesseract() else { return };
    let Some(image) = card(&ScanDegradation::HARD) else {
        return;
    };
    let lines = reader.read(&image).expect("Tesseract reads the card");
    let scored = score("tesseract", &lines);
    let mean = scored.iter().map(|s| s.0).sum::<f64>() / scored.len() as f64;
    eprintln!("tesseract hard: mean char accuracy {:.1} %", mean * 100.0);
    assert!(
        mean >= 0.85,
        "mean char accuracy {mean:.3} at the hard level"
    );
}

/// Why the fallback exists: on the same image the PP-OCR reader loses the marks.
#[test]
fn pp_ocr_drops_the_vietnamese_diacritics() {
    let files = OcrModelFiles::in_default_dir();
    if let Some((id, path)) = files.by_id().into_iter().find(|(_, p)| !p.is_file()) {
        eprintln!(
            "!!!!!!!! SKIPPED: OCR model {id} ({}) is absent: run `ekyc-gateway models setup`; \
             this test checked nothing",
            path.display()
        );
        return;
    }
    let Some(image) = card(&ScanDegradation::MILD) else {
        return;
    };
    let reader = TextReader::load(&files).expect("the OCR models load");
    let lines = reader.read(&image).expect("PP-OCR reads the card");
    let scored = score("pp-ocr   ", &lines);
    let mean = scored.iter().map(|s| s.0).sum::<f64>() / scored.len() as f64;
    eprintln!("pp-ocr mild: mean char accuracy {:.1} %", mean * 100.0);
    let dictionary = std::fs::read_to_string(&files.dictionary).expect("the dictionary reads");
    let known: std::collections::HashSet<char> = dictionary
        .lines()
        .filter_map(|l| l.chars().next())
        .collect();
    // The recogniser cannot output a letter its dictionary lacks: these are lost whatever the image.
    let unknown: String = CARD_LINES
        .iter()
        .flat_map(|&(truth, ..)| vietnamese_letters(truth))
        .filter(|c| !known.contains(c))
        .collect();
    eprintln!(
        "pp-ocr: {} of the card's printed letters are not in its dictionary: {unknown}",
        unknown.chars().count()
    );
    assert!(
        unknown.chars().count() >= 20,
        "only {unknown:?} of the card unknown to PP-OCR: has the recogniser learnt Vietnamese?"
    );
    assert!(
        mean < MIN_MEAN_ACCURACY,
        "PP-OCR read the Vietnamese card at {mean:.3}: is the Tesseract fallback still needed?"
    );
}

#[test]
fn a_blank_card_reads_as_nothing() {
    let Some(reader) = tesseract() else { return };
    let Some(image) = testdata::render_printed_lines((856, 540), &[]) else {
        return;
    };
    let lines = reader.read(&image).expect("an empty page is not an error");
    assert!(lines.is_empty(), "{lines:?}");
}

#[test]
fn a_photo_without_text_reads_as_little_or_nothing() {
    let Some(reader) = tesseract() else { return };
    let Some(image) = testdata::read_rgb("faces/noface_coffee.png") else {
        return;
    };
    let lines = reader.read(&image).expect("Tesseract reads the photo");
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    eprintln!("faces/noface_coffee.png: {texts:?}");
    let characters: usize = texts.iter().map(|t| t.chars().count()).sum();
    assert!(
        characters <= 3,
        "text read from a photo of a coffee cup: {lines:?}"
    );
}
