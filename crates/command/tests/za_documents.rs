//! Reading South African ID documents with the real engine (card locator, rectification, PP-OCR
//! text reader, barcode reader, ID number rules, face models). The smart cards and green ID book
//! pages are **synthetic**: rendered by the test suite from real fonts and a real face photo
//! (`testdata::render_za_smart_id`, `testdata::render_za_green_book`, whose Code 39 is drawn by
//! rxing's writer), because the shared data holds no South African ID specimen; then
//! photographed-like: pasted turned and tilted into a real photo, blurred and JPEG-encoded.

use std::sync::{Arc, OnceLock};

use ekyc_command as command;

use command::documents::{DocumentReader, FieldSource, ZaDocumentKind, ZaIdDocument};
use command::{FaceVerifier, ImageLimits, ScoreCalibration};
use engine::document::BarcodeKind;
use engine::{FaceEngine, ModelFiles, OcrModelFiles, TextReader};
use testdata::{
    sample_za_book_fields, sample_za_fields, za_book_scan_and_photo, za_card_scan_and_photo,
    CardPose, ZaBookFields,
};

fn reader() -> &'static DocumentReader {
    static READER: OnceLock<DocumentReader> = OnceLock::new();
    READER.get_or_init(|| {
        let need = |e: engine::EngineError| -> ! {
            panic!("{e}: run `./just setup` (ekyc-gateway models setup) first")
        };
        let files = ModelFiles::in_dir(&ModelFiles::default_dir());
        let engine = FaceEngine::load(&files).unwrap_or_else(|e| need(e));
        let text = TextReader::load(&OcrModelFiles::in_default_dir()).unwrap_or_else(|e| need(e));
        let verifier = FaceVerifier::new(Arc::new(engine), Arc::new(ScoreCalibration::bundled()));
        DocumentReader::new(verifier, Arc::new(text))
    })
}

/// The sample card as a scan, and as a photo of it lying turned and tilted on a real scene.
fn renders() -> Option<Vec<(&'static str, Vec<u8>)>> {
    let pose = CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.62,
        rotation_degrees: 6.0,
        tilt: (0.03, 0.02),
        corner_radius: testdata::ID1_CORNER_RADIUS,
    };
    let (scan, photo) =
        za_card_scan_and_photo(&sample_za_fields(), "faces/noface_coffee.png", &pose, 0.8)?;
    Some(vec![("scan", scan), ("photo", photo)])
}

#[test]
fn a_synthetic_smart_id_card_reads_as_printed() {
    let Some(renders) = renders() else { return };
    for (name, bytes) in renders {
        let started = std::time::Instant::now();
        let document = reader()
            .read_za_id(&bytes, &ImageLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let lines: Vec<&str> = document.lines.iter().map(|l| l.text.as_str()).collect();
        eprintln!(
            "{name}: {:?} in {:?}; lines {lines:?}",
            document.fields,
            started.elapsed()
        );
        let f = &document.fields;
        assert_eq!(
            f.identity_number.as_deref(),
            Some("9001020123088"),
            "{name}: {lines:?}"
        );
        assert_eq!(f.date_of_birth.as_deref(), Some("1990-01-02"), "{name}");
        assert_eq!(f.sex.as_deref(), Some("F"), "{name}");
        assert_eq!(f.status.as_deref(), Some("Citizen"), "{name}");
        assert_eq!(f.surname.as_deref(), Some("MOKOENA"), "{name}: {lines:?}");
        assert_eq!(
            f.names.as_deref(),
            Some("THANDIWE NOMSA"),
            "{name}: {lines:?}"
        );
        assert_eq!(
            f.country_of_birth.as_deref(),
            Some("South Africa"),
            "{name}: {lines:?}"
        );
        assert_eq!(f.nationality.as_deref(), Some("RSA"), "{name}: {lines:?}");
        if name == "photo" {
            assert!(
                document.outline_found,
                "the card outline is found in the photo"
            );
        }
    }
}

#[test]
fn the_card_portrait_is_found_and_matches_its_owner() {
    let Some(renders) = renders() else { return };
    let Some(selfie) = testdata::read("faces/obama_2.jpg") else {
        return;
    };
    let Some(stranger) = testdata::read("faces/biden_1.jpg") else {
        return;
    };
    let verifier = reader().verifier();
    let limits = ImageLimits::default();
    for (name, bytes) in renders {
        let portrait = verifier
            .document_portrait(&bytes, &limits)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            image::load_from_memory(&portrait.jpeg).is_ok(),
            "the crop is a readable JPEG"
        );
        let owner = verifier.analyze(
            command::ImageSlot::Second,
            &selfie,
            &command::CompareFaces {
                first: Vec::new(),
                second: Vec::new(),
                auto_rotate: false,
                check_quality: false,
                limits,
            },
        );
        let owner = owner.unwrap();
        let other = verifier
            .faces_in(&stranger, &limits)
            .unwrap()
            .faces
            .remove(0);
        let same = verifier.score_embeddings(&portrait.face.embedding, &owner.embedding);
        let different = verifier.score_embeddings(&portrait.face.embedding, &other.embedding);
        eprintln!("{name}: owner {same:?}, stranger {different:?}");
        assert!(same.value() >= 0.7, "{name}: {same:?}");
        assert!(different.value() < 0.6, "{name}: {different:?}");
    }
}

#[test]
fn the_smart_card_reads_as_a_smart_card_from_its_printed_text() {
    let Some(renders) = renders() else { return };
    for (name, bytes) in renders {
        let document = read(name, &bytes);
        assert_eq!(document.kind, Some(ZaDocumentKind::SmartCard), "{name}");
        assert!(
            matches!(
                document.sources.get("identity_number"),
                Some(FieldSource::Text { confidence }) if *confidence > 0.5
            ),
            "{name}: {:?}",
            document.sources
        );
        for field in ["date_of_birth", "sex", "status"] {
            assert_eq!(
                document.sources.get(field),
                Some(&FieldSource::Derived {
                    from: "identity_number"
                }),
                "{name}: {field}"
            );
        }
        assert!(
            matches!(
                document.sources.get("surname"),
                Some(FieldSource::Text { .. })
            ),
            "{name}"
        );
    }
}

/// A green ID book page as a scan, and as a photo of it lying turned and tilted on a real scene.
fn book_renders(fields: &ZaBookFields) -> Option<Vec<(&'static str, Vec<u8>)>> {
    let pose = CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.6,
        rotation_degrees: -4.0,
        tilt: (0.02, 0.03),
        corner_radius: 0.0,
    };
    let (scan, photo) = za_book_scan_and_photo(fields, "faces/noface_rocket.jpg", &pose, 0.8)?;
    Some(vec![("book scan", scan), ("book photo", photo)])
}

fn read(name: &str, bytes: &[u8]) -> ZaIdDocument {
    let started = std::time::Instant::now();
    let document = reader()
        .read_za_id(bytes, &ImageLimits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let lines: Vec<&str> = document.lines.iter().map(|l| l.text.as_str()).collect();
    eprintln!(
        "{name}: {:?} {:?} {:?} in {:?}; lines {lines:?}",
        document.kind,
        document.fields,
        document.sources,
        started.elapsed()
    );
    document
}

#[test]
fn a_synthetic_green_id_book_reads_as_printed_with_the_number_from_its_barcode() {
    let Some(renders) = book_renders(&sample_za_book_fields()) else {
        return;
    };
    for (name, bytes) in renders {
        let document = read(name, &bytes);
        let lines: Vec<&str> = document.lines.iter().map(|l| l.text.as_str()).collect();
        let f = &document.fields;
        assert_eq!(
            f.identity_number.as_deref(),
            Some("9001020123088"),
            "{name}"
        );
        assert_eq!(f.date_of_birth.as_deref(), Some("1990-01-02"), "{name}");
        assert_eq!(f.sex.as_deref(), Some("F"), "{name}");
        assert_eq!(f.status.as_deref(), Some("Citizen"), "{name}");
        assert_eq!(f.surname.as_deref(), Some("MOKOENA"), "{name}: {lines:?}");
        assert_eq!(
            f.names.as_deref(),
            Some("THANDIWE NOMSA"),
            "{name}: {lines:?}"
        );
        assert_eq!(
            f.country_of_birth.as_deref(),
            Some("South Africa"),
            "{name}: {lines:?}"
        );
        assert_eq!(f.nationality, None, "the book prints no nationality");
        assert_eq!(
            document.sources.get("identity_number"),
            Some(&FieldSource::Barcode(BarcodeKind::Code39)),
            "{name}"
        );
        assert_eq!(
            document.sources.get("date_of_birth"),
            Some(&FieldSource::Derived {
                from: "identity_number"
            }),
            "{name}"
        );
        for field in ["surname", "names", "country_of_birth"] {
            assert!(
                matches!(
                    document.sources.get(field),
                    Some(FieldSource::Text { confidence }) if *confidence > 0.5
                ),
                "{name}: {field} {:?}",
                document.sources
            );
        }
        assert_eq!(document.kind, Some(ZaDocumentKind::GreenBook), "{name}");
        assert!(
            document
                .barcodes
                .iter()
                .any(|b| b.kind == BarcodeKind::Code39 && b.text == "9001020123088"),
            "{name}: {:?}",
            document.barcodes
        );
        if name == "book photo" {
            assert!(document.outline_found, "the page outline is found");
        }
    }
}

#[test]
fn the_barcode_wins_over_a_misprinted_number() {
    // The printed number is one digit off (its Luhn digit no longer holds); the bars are right.
    let fields = ZaBookFields {
        identity_number: "9001020128088".into(),
        ..sample_za_book_fields()
    };
    let Some(renders) = book_renders(&fields) else {
        return;
    };
    for (name, bytes) in renders {
        let document = read(name, &bytes);
        assert!(
            document
                .lines
                .iter()
                .any(|l| l.text.contains("9001020128088")),
            "{name}: the misprint is printed and read"
        );
        assert_eq!(
            document.fields.identity_number.as_deref(),
            Some("9001020123088"),
            "{name}"
        );
        assert_eq!(
            document.sources.get("identity_number"),
            Some(&FieldSource::Barcode(BarcodeKind::Code39)),
            "{name}"
        );
        assert_eq!(document.fields.date_of_birth.as_deref(), Some("1990-01-02"));
        assert_eq!(
            document.fields.surname.as_deref(),
            Some("MOKOENA"),
            "{name}"
        );
    }
}

#[test]
fn the_book_portrait_is_found_and_matches_its_owner() {
    let Some(renders) = book_renders(&sample_za_book_fields()) else {
        return;
    };
    let Some(selfie) = testdata::read("faces/obama_2.jpg") else {
        return;
    };
    let verifier = reader().verifier();
    let limits = ImageLimits::default();
    let owner = verifier.faces_in(&selfie, &limits).unwrap().faces.remove(0);
    for (name, bytes) in renders {
        let portrait = verifier
            .document_portrait(&bytes, &limits)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let same = verifier.score_embeddings(&portrait.face.embedding, &owner.embedding);
        eprintln!("{name}: owner {same:?}");
        assert!(same.value() >= 0.7, "{name}: {same:?}");
    }
}
