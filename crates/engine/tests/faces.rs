//! The engine on real photos with the real models (set up by `ekyc-gateway models setup`).

use std::path::PathBuf;
use std::sync::OnceLock;

use ekyc_engine as engine;
use engine::{EngineError, FaceEngine, ImageLimits, ModelFiles};

fn face_engine() -> &'static FaceEngine {
    static ENGINE: OnceLock<FaceEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let files = ModelFiles::in_dir(&ModelFiles::default_dir());
        FaceEngine::load(&files)
            .unwrap_or_else(|e| panic!("{e}: run `./just setup` (ekyc-gateway models setup) first"))
    })
}

fn faces_dir() -> PathBuf {
    std::env::var_os("EKYC_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("faces")
}

/// The photo's bytes, or `None` with a loud message when the shared data is absent.
fn photo(name: &str) -> Option<Vec<u8>> {
    let path = faces_dir().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!(
                "!!! SKIPPED: test photo {} is absent ({e}); this test checked nothing",
                path.display()
            );
            None
        }
    }
}

fn embedding(name: &str) -> Option<engine::FaceEmbedding> {
    let bytes = photo(name)?;
    let image = face_engine()
        .decode(&bytes, &ImageLimits::default())
        .unwrap();
    Some(
        face_engine()
            .analyze_largest_face(&image, false)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .embedding,
    )
}

#[test]
fn same_person_is_closer_than_different_people() {
    let pairs_same = [
        ("obama_1.jpg", "obama_2.jpg"),
        ("biden_1.jpg", "biden_2.jpg"),
        ("kit_harington_1.jpg", "kit_harington_2.jpg"),
        ("rose_leslie_1.jpg", "rose_leslie_2.jpg"),
    ];
    let pairs_diff = [
        ("obama_1.jpg", "biden_1.jpg"),
        ("kit_harington_1.jpg", "rose_leslie_1.jpg"),
        ("tom_hanks_1.png", "paul_rudd_1.jpg"),
    ];
    let distances = |pairs: &[(&str, &str)]| -> Option<Vec<f32>> {
        pairs
            .iter()
            .map(|(a, b)| {
                let d = embedding(a)?.distance(&embedding(b)?);
                println!("{a} vs {b}: L2 {d:.3}");
                Some(d)
            })
            .collect()
    };
    let (Some(same), Some(different)) = (distances(&pairs_same), distances(&pairs_diff)) else {
        return;
    };
    let worst_same = same.iter().copied().fold(f32::MIN, f32::max);
    let best_different = different.iter().copied().fold(f32::MAX, f32::min);
    assert!(
        worst_same + 0.1 < best_different,
        "same-person {worst_same} vs different-person {best_different}"
    );
}

#[test]
fn embeddings_are_normalised_and_tagged() {
    let Some(e) = embedding("obama_1.jpg") else {
        return;
    };
    assert_eq!(e.values.len(), 128);
    let norm: f32 = e.values.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4);
    assert_eq!(e.model_id, engine::RECOGNIZER_MODEL_ID);
}

#[test]
fn finds_every_face_in_a_group_photo_and_none_in_a_cat() {
    for (name, at_least) in [
        ("multi_obama_and_biden.jpg", 2),
        ("multi_kit_with_rose.jpg", 2),
        ("multi_two_people.jpg", 2),
    ] {
        let Some(bytes) = photo(name) else { return };
        let image = face_engine()
            .decode(&bytes, &ImageLimits::default())
            .unwrap();
        let faces = face_engine().detect_all(&image, false).unwrap().faces;
        assert!(faces.len() >= at_least, "{name}: {} faces", faces.len());
    }
    for name in [
        "noface_chelsea_cat.png",
        "noface_coffee.png",
        "noface_rocket.jpg",
    ] {
        let Some(bytes) = photo(name) else { return };
        let image = face_engine()
            .decode(&bytes, &ImageLimits::default())
            .unwrap();
        let result = face_engine().analyze_largest_face(&image, false);
        assert!(
            matches!(result, Err(EngineError::NoFace)),
            "{name}: {:?}",
            result.map(|f| f.detection)
        );
    }
}

#[test]
fn auto_rotate_finds_a_face_turned_on_its_side() {
    let Some(bytes) = photo("obama_1.jpg") else {
        return;
    };
    let upright = face_engine()
        .decode(&bytes, &ImageLimits::default())
        .unwrap();
    let reference = face_engine().analyze_largest_face(&upright, false).unwrap();
    for turns in [1u8, 2, 3] {
        let turned = upright.rotated(turns);
        let found = face_engine().analyze_largest_face(&turned, true).unwrap();
        assert_eq!(
            (found.quarter_turns + turns) % 4,
            0,
            "turned {turns}: undone by {}",
            found.quarter_turns
        );
        let d = found.embedding.distance(&reference.embedding);
        assert!(d < 0.3, "turned {turns}: L2 to the upright embedding {d}");
    }
}

#[test]
fn landmarks_sit_inside_the_face_box() {
    let Some(bytes) = photo("obama_2.jpg") else {
        return;
    };
    let image = face_engine()
        .decode(&bytes, &ImageLimits::default())
        .unwrap();
    let face = face_engine().analyze_largest_face(&image, false).unwrap();
    let b = face.detection.bbox;
    for p in face.landmarks.five.as_array() {
        assert!(
            p.x > b.left - 0.1 * b.width && p.x < b.right() + 0.1 * b.width,
            "{p:?} outside {b:?}"
        );
        assert!(
            p.y > b.top - 0.1 * b.height && p.y < b.bottom() + 0.1 * b.height,
            "{p:?} outside {b:?}"
        );
    }
    let five = face.landmarks.five;
    assert!(
        five.left_eye.x < five.right_eye.x
            && five.nose.y > five.left_eye.y
            && five.mouth_left.y > five.nose.y
    );
    assert!(
        face.quality.landmark_presence > 0.9,
        "presence {}",
        face.quality.landmark_presence
    );
}

/// Real photos are never flagged as occluded; the same photos with the mouth painted over
/// (synthetic occluders, drawn by this test from the found landmarks) always are. Eyes painted
/// over are flagged less reliably (the mesh can infer the hidden eyes lower than they are, so
/// the check looks beside the band): at least two thirds must be.
#[test]
fn occlusion_signal_flags_covered_features_only() {
    let names = [
        "obama_1.jpg",
        "biden_2.jpg",
        "kate_siegel_1.jpg",
        "kit_harington_2.jpg",
        "rose_leslie_1.jpg",
        "shea_whigham_1.jpg",
    ];
    let mut eyes_flagged = 0;
    for name in names {
        let Some(bytes) = photo(name) else { return };
        let image = face_engine()
            .decode(&bytes, &ImageLimits::default())
            .unwrap();
        let face = face_engine().analyze_largest_face(&image, false).unwrap();
        assert!(
            !face.quality.occlusion.any_covered(),
            "{name}: {:?}",
            face.quality.occlusion
        );
        let five = face.landmarks.five;
        let eye = five.left_eye.distance(five.right_eye);
        let paint = |x0: f32, y0: f32, x1: f32, y1: f32| {
            let mut covered = image.clone();
            for y in y0.max(0.0) as u32..(y1 as u32).min(covered.height()) {
                for x in x0.max(0.0) as u32..(x1 as u32).min(covered.width()) {
                    covered.rgb.put_pixel(x, y, image::Rgb([35, 35, 40]));
                }
            }
            covered
        };
        let (mouth_y, eye_y) = (
            (five.mouth_left.y + five.mouth_right.y) / 2.0,
            (five.left_eye.y + five.right_eye.y) / 2.0,
        );
        let hand_over_mouth = paint(
            five.mouth_left.x - 0.4 * eye,
            mouth_y - 0.35 * eye,
            five.mouth_right.x + 0.4 * eye,
            mouth_y + 0.45 * eye,
        );
        let blindfold = paint(
            five.left_eye.x - 0.5 * eye,
            eye_y - 0.25 * eye,
            five.right_eye.x + 0.5 * eye,
            eye_y + 0.25 * eye,
        );
        let flagged = |covered: &engine::DecodedImage| match face_engine()
            .analyze_largest_face(covered, false)
        {
            Ok(face) => face.quality.occlusion.any_covered(),
            // A face covered this much may not be found at all; that is an honest answer too.
            Err(EngineError::NoFace) => true,
            Err(e) => panic!("{name}: {e}"),
        };
        assert!(flagged(&hand_over_mouth), "{name} with the mouth covered");
        eyes_flagged += usize::from(flagged(&blindfold));
    }
    println!("eyes covered: {eyes_flagged} of {} flagged", names.len());
    assert!(
        eyes_flagged * 3 >= names.len() * 2,
        "eyes covered: only {eyes_flagged} of {} flagged",
        names.len()
    );
}

/// Corrupted real photos and odd images give a typed error or a result, never a panic.
#[test]
fn damaged_and_odd_inputs_never_panic() {
    let Some(bytes) = photo("kit_harington_2.jpg") else {
        return;
    };
    let limits = ImageLimits::default();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..40 {
        let mut damaged = bytes.clone();
        for _ in 0..8 {
            let at = (next() as usize) % damaged.len();
            damaged[at] = next() as u8;
        }
        let cut = damaged.len() - (next() as usize) % (damaged.len() / 2);
        for input in [&damaged[..], &damaged[..cut]] {
            if let Ok(image) = face_engine().decode(input, &limits) {
                let _ = face_engine().analyze_largest_face(&image, true);
            }
        }
    }
    // Extreme shapes: a 32x8192 strip and a flat grey square.
    for (w, h) in [(32u32, 8192u32), (8192, 32), (64, 64)] {
        let image = engine::DecodedImage {
            rgb: image::RgbImage::from_pixel(w, h, image::Rgb([128, 128, 128])),
        };
        assert!(matches!(
            face_engine().analyze_largest_face(&image, true),
            Err(EngineError::NoFace)
        ));
    }
}

/// A phone photo stored sideways with an EXIF orientation tag is read upright without auto_rotate.
#[test]
fn exif_orientation_is_honoured() {
    use image::ImageEncoder as _;
    let Some(bytes) = photo("obama_2.jpg") else {
        return;
    };
    let upright = image::load_from_memory(&bytes).unwrap().into_rgb8();
    // Stored turned a quarter anticlockwise; orientation 6 tells a reader to turn it clockwise.
    let stored = image::imageops::rotate270(&upright);
    // A minimal big-endian TIFF block: one IFD entry, tag 0x0112 (Orientation), SHORT, value 6.
    let exif = vec![
        0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let mut jpeg = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92);
    encoder.set_exif_metadata(exif).unwrap();
    encoder
        .write_image(
            stored.as_raw(),
            stored.width(),
            stored.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    let decoded = face_engine()
        .decode(&jpeg, &ImageLimits::default())
        .unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        upright.dimensions(),
        "EXIF orientation not applied"
    );
    let face = face_engine()
        .analyze_largest_face(&decoded, false)
        .expect("upright face found without auto_rotate");
    assert_eq!(face.quarter_turns, 0);
}
