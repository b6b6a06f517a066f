//! Reading South African ID cards with the real engine (card locator, rectification, PP-OCR text
//! reader, ID number rules, face models). The cards are **synthetic**: rendered by the test suite
//! from real fonts and a real face photo (`testdata::render_za_smart_id`), because the shared data
//! holds no South African ID specimen; then photographed-like: pasted turned and tilted into a
//! real photo, blurred and JPEG-encoded.

use std::sync::{Arc, OnceLock};

use ekyc_command as command;

use command::documents::DocumentReader;
use command::{FaceVerifier, ImageLimits, ScoreCalibration};
use engine::{FaceEngine, ModelFiles, OcrModelFiles, TextReader};
use testdata::{sample_za_fields, za_card_scan_and_photo, CardPose};

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
