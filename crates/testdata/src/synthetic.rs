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
    let mut written = Vec::new();
    for (name, bytes) in [
        ("za_smart_id_scan.jpg", scan),
        ("za_smart_id_photo.jpg", photo),
    ] {
        let path = out.join(name);
        std::fs::write(&path, bytes).ok()?;
        written.push(path);
    }
    Some(written)
}
