//! The **synthetic** documents the contract fixtures name (`synthetic/<name>.jpg` under a data root),
//! rendered from real fonts and real photos because the shared data holds no South African ID specimen.

use std::path::{Path, PathBuf};

use crate::{sample_za_fields, za_card_scan_and_photo, CardPose, ID1_CORNER_RADIUS};

/// How the fixtures' smart card is photographed: turned 3°, tilted, on a real scene.
pub fn fixture_card_pose() -> CardPose {
    CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.6,
        rotation_degrees: 3.0,
        tilt: (0.03, 0.0),
        corner_radius: ID1_CORNER_RADIUS,
    }
}

/// Writes every synthetic document into `dir/synthetic/` (so `dir` is a data root); returns the files
/// written, or `None` when a font or photo they are made from is absent (said loudly by the readers).
pub fn write_synthetic_documents(dir: &Path) -> Option<Vec<PathBuf>> {
    let out = dir.join("synthetic");
    std::fs::create_dir_all(&out).ok()?;
    let (scan, photo) = za_card_scan_and_photo(
        &sample_za_fields(),
        "faces/noface_rocket.jpg",
        &fixture_card_pose(),
        0.8,
    )?;
    let occluded = occluded_face()?;
    let mut written = Vec::new();
    for (name, bytes) in [
        ("za_smart_id_scan.jpg", scan),
        ("za_smart_id_photo.jpg", photo),
        ("obama_1-nose-and-mouth-covered.jpg", occluded),
    ] {
        let path = out.join(name);
        std::fs::write(&path, bytes).ok()?;
        written.push(path);
    }
    Some(written)
}

/// `faces/obama_1.jpg` with an opaque grey (40,40,40) rectangle over nose and mouth (x 400-599, y 262-369
/// of the 910x1137 photo), cropped to x 200-790, y 0-640, JPEG quality 85: a face found but partly
/// covered (no real photo in the shared data shows one).
fn occluded_face() -> Option<Vec<u8>> {
    let mut photo = crate::read_rgb("faces/obama_1.jpg")?;
    if photo.dimensions() != (910, 1137) {
        return None;
    }
    for y in 262..370 {
        for x in 400..600 {
            photo.put_pixel(x, y, image::Rgb([40, 40, 40]));
        }
    }
    let face = image::imageops::crop_imm(&photo, 200, 0, 590, 640).to_image();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&face)
        .ok()?;
    Some(out)
}
