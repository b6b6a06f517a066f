//! The `idholding` composites against the real engine: the card locator finds each card where it
//! was pasted, the face detector finds the printed portrait inside the card and the holder's face
//! outside it, and the two embeddings tell same-person cases from different-person ones.
//! Composites are written to `/tmp/idholding_<name>.png` for a person to look at.

use std::sync::OnceLock;

use ekyc_testdata as testdata;
use engine::{locate_cards, BoundingBox, CardQuad, DecodedImage, FaceEngine, ModelFiles};
use image::RgbImage;
use testdata::{idholding_cases, IdHoldingCase, Placement};

fn face_engine() -> &'static FaceEngine {
    static ENGINE: OnceLock<FaceEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let files = ModelFiles::in_dir(&ModelFiles::default_dir());
        FaceEngine::load(&files)
            .unwrap_or_else(|e| panic!("{e}: run `./just setup` (ekyc-gateway models setup) first"))
    })
}

/// Largest distance from a located corner to the pasted one, over the card's diagonal.
fn corner_error(quad: &CardQuad, placement: &Placement) -> f32 {
    let c = placement.corners;
    let diagonal = (c[0].0 - c[2].0).hypot(c[0].1 - c[2].1);
    quad.corners
        .iter()
        .zip(c)
        .map(|(p, (x, y))| (p.x - x).hypot(p.y - y))
        .fold(0.0f32, f32::max)
        / diagonal
}

struct FaceOnImage {
    bbox: BoundingBox,
    embedding: engine::FaceEmbedding,
}

/// Every face the engine confirms (detector, then the face mesh), with its embedding.
fn faces(image: &RgbImage) -> Vec<FaceOnImage> {
    let engine = face_engine();
    let decoded = DecodedImage { rgb: image.clone() };
    let detected = engine.detect_all(&decoded, false).expect("detection runs");
    let mut out = Vec::new();
    for detection in &detected.faces {
        let landmarks = engine
            .landmarks(&detected.image, detection)
            .expect("landmarks run");
        if landmarks.presence < engine::MIN_FACE_PRESENCE {
            continue;
        }
        out.push(FaceOnImage {
            bbox: detection.bbox,
            embedding: engine
                .embed(&detected.image, &landmarks)
                .expect("embedding runs"),
        });
    }
    out
}

/// The face printed on the card: looked for in the card's bounding box (with a margin), enlarged
/// to at least 640 px, because the detector sees the whole frame at 128 or 192 px and a card
/// portrait is a few percent of it. Box in scene pixels.
fn card_face(image: &RgbImage, quad: &CardQuad) -> Option<FaceOnImage> {
    let b = quad.axis_aligned_bounds();
    let margin = 0.1 * b.width.max(b.height);
    let left = (b.left - margin).max(0.0) as u32;
    let top = (b.top - margin).max(0.0) as u32;
    let right = ((b.right() + margin) as u32).min(image.width());
    let bottom = ((b.bottom() + margin) as u32).min(image.height());
    let crop = image::imageops::crop_imm(image, left, top, right - left, bottom - top).to_image();
    let scale = (640.0 / crop.width().max(crop.height()) as f32).max(1.0);
    let crop = image::imageops::resize(
        &crop,
        (crop.width() as f32 * scale) as u32,
        (crop.height() as f32 * scale) as u32,
        image::imageops::FilterType::CatmullRom,
    );
    faces(&crop)
        .into_iter()
        .map(|f| FaceOnImage {
            bbox: BoundingBox {
                left: left as f32 + f.bbox.left / scale,
                top: top as f32 + f.bbox.top / scale,
                width: f.bbox.width / scale,
                height: f.bbox.height / scale,
            },
            embedding: f.embedding,
        })
        .filter(|f| quad.overlap_of(&f.bbox) > 0.5)
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
}

#[test]
fn composites_show_the_card_where_it_was_pasted_and_a_face_on_each_side() {
    let cases = idholding_cases();
    assert!(cases.iter().filter(|c| c.same_person).count() >= 3);
    assert!(cases.iter().filter(|c| !c.same_person).count() >= 2);
    let mut distances: Vec<(&IdHoldingCase, f32)> = Vec::new();
    for case in &cases {
        let Some((image, placement)) = case.build() else {
            return;
        };
        let path = format!("/tmp/idholding_{}.png", case.name);
        if let Err(e) = image.save(&path) {
            eprintln!("could not write {path}: {e}");
        }

        let quads = locate_cards(&image);
        let quad = quads
            .first()
            .unwrap_or_else(|| panic!("{}: no card located", case.name));
        let error = corner_error(quad, &placement);
        println!(
            "{}: {} quad(s), best confidence {:.2}, corner error {:.2}% of the diagonal",
            case.name,
            quads.len(),
            quad.confidence,
            error * 100.0
        );
        assert!(
            error < 0.02,
            "{}: corners off by {:.1}%",
            case.name,
            error * 100.0
        );
        let (px, py) = placement.portrait_center();
        assert!(
            quad.contains(px, py),
            "{}: portrait outside the quad",
            case.name
        );

        // The holder: the largest face whose box is mostly off the card.
        let holder = faces(&image)
            .into_iter()
            .filter(|f| quad.overlap_of(&f.bbox) < 0.5)
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
            .unwrap_or_else(|| panic!("{}: no face outside the card", case.name));
        let printed = card_face(&image, quad)
            .unwrap_or_else(|| panic!("{}: no face inside the card", case.name));
        let c = printed.bbox.center();
        assert!(
            quad.contains(c.x, c.y),
            "{}: the card's face is not on the card",
            case.name
        );
        let d = holder.embedding.distance(&printed.embedding);
        println!(
            "{}: holder face {:.0}px, card face {:.0}px, L2 distance {d:.3} (same person: {})",
            case.name, holder.bbox.width, printed.bbox.width, case.same_person
        );
        distances.push((case, d));
    }
    // The portraits are real photos of the same people (or not), so the recognizer must separate
    // them even after printing, scaling and JPEG.
    let worst_same = distances
        .iter()
        .filter(|(c, _)| c.same_person)
        .map(|(_, d)| *d)
        .fold(f32::MIN, f32::max);
    let best_different = distances
        .iter()
        .filter(|(c, _)| !c.same_person)
        .map(|(_, d)| *d)
        .fold(f32::MAX, f32::min);
    assert!(
        worst_same < best_different,
        "same-person distances reach {worst_same:.3}, different-person ones go down to {best_different:.3}"
    );
}

#[test]
fn composites_are_deterministic() {
    let case = idholding_cases()[0];
    let (Some((a, pa)), Some((b, pb))) = (case.build(), case.build()) else {
        return;
    };
    assert_eq!(pa, pb);
    assert!(a == b, "two builds of {} differ", case.name);
}
