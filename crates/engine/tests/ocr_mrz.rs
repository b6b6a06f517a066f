//! Real documents end to end: the whole photo read by the text reader, the machine-readable zone
//! found among its lines, repaired where check digits confirm, and parsed. Ground truth transcribed
//! from the images (the same zones as `tests/mrz.rs`).

use std::sync::OnceLock;

use ekyc_engine as engine;
use engine::document::read_mrz;
use engine::{OcrModelFiles, TextReader};

fn reader() -> &'static TextReader {
    static READER: OnceLock<TextReader> = OnceLock::new();
    READER.get_or_init(|| {
        TextReader::load(&OcrModelFiles::in_default_dir())
            .unwrap_or_else(|e| panic!("{e}: run `ekyc-gateway models setup` first"))
    })
}

/// (file under documents/mrz, document number, birth date, expiry date, surname).
const DOCUMENTS: [(&str, &str, &str, &str, &str); 5] = [
    (
        "passporteye_100_pass-cze.jpg",
        "99003853",
        "2011-01-01",
        "2012-07-04",
        "SPECIMEN",
    ),
    (
        "passporteye_100_pass-fin.png",
        "XP8271602",
        "1971-12-21",
        "2011-08-21",
        "VIRTANEN",
    ),
    (
        "passporteye_100_pass-hrv.jpg",
        "007007007",
        "1982-12-25",
        "2014-07-01",
        "SPECIMEN",
    ),
    (
        "passporteye_100_id-che.jpg",
        "S0002068",
        "1981-02-28",
        "2013-01-01",
        "VADIS",
    ),
    (
        "fastmrz_passport_uk.jpg",
        "707797979",
        "1995-05-20",
        "2017-04-22",
        "PUDARSAN",
    ),
];

#[test]
fn passports_and_id_cards_read_with_every_check_digit_holding() {
    let mut read = 0;
    for (file, number, birth, expiry, surname) in DOCUMENTS {
        let Some(image) = testdata::read_rgb(&format!("documents/mrz/{file}")) else {
            continue;
        };
        let started = std::time::Instant::now();
        let lines = reader().read(&image).expect("the reader runs");
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        let mrz = read_mrz(&texts).unwrap_or_else(|e| panic!("{file}: {e}; lines {texts:?}"));
        let (held, total) = mrz.check_digits();
        eprintln!(
            "{file}: {:?} {} {held}/{total} check digits, {} corrections, {:?}",
            mrz.format,
            mrz.document_number.value,
            mrz.corrections.len(),
            started.elapsed()
        );
        assert_eq!(
            held, total,
            "{file}: every check digit holds: {:?}",
            mrz.lines
        );
        assert_eq!(mrz.document_number.value, number, "{file}");
        assert_eq!(mrz.birth_date.value.iso.as_deref(), Some(birth), "{file}");
        assert_eq!(mrz.expiry_date.value.iso.as_deref(), Some(expiry), "{file}");
        assert_eq!(mrz.surname.value, surname, "{file}");
        read += 1;
    }
    if read == 0 {
        eprintln!("!!! SKIPPED: no document image was present; this test checked nothing");
    }
}
