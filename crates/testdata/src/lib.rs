//! Test-only helpers over the shared real test data (`/work/shared/data`, see its SOURCES.md).
//!
//! - [`shared_data`] / [`read`] / [`read_rgb`]: find and read a file of the shared data, or say
//!   loudly that it is absent so a test can skip instead of failing on a machine without it.
//! - [`paste_card`] / [`hand_held_card`]: **composites**. The `idholding` route compares the portrait
//!   printed on an ID card with the face of the person holding it, in one photo. No real photo of a
//!   person holding an ID card exists in the shared data, and printing a card and photographing it
//!   is not available here, so these functions build stand-ins from real parts: a real specimen
//!   card (the MyKad template the `ekyc` package ships) whose printed portrait is replaced by a real
//!   face photo, scaled, turned, tilted in perspective and pasted into a real photo of a person.
//!   The geometry of every composite is known exactly ([`Placement`]), which is what a card locator
//!   test needs; what they lack is listed under [`hand_held_card`].
//! - [`idholding_cases`]: the standard same-person / different-person composites.
//! - [`render_za_smart_id`] / [`render_za_green_book`]: **synthetic** South African ID documents
//!   (smart card front, green barcoded ID book page) rendered from real fonts and real faces.
//!
//! Everything is deterministic: no randomness, the same inputs give the same pixels.

mod cases;
mod composite;
mod synthetic;
mod text;
mod za_book;
mod za_card;

use std::path::PathBuf;

pub use cases::{idholding_cases, IdHoldingCase};
pub use composite::{
    flatten_card, hand_held_card, mykad_card, paste_card, portrait_crop, specimen_portrait,
    CardPose, CropBox, HandHeldCard, Placement, ID1_CORNER_RADIUS, MRZDETECTION_ID1_CARD,
    MYKAD_CARD_IN_TEMPLATE, MYKAD_PORTRAIT, MYKAD_TEMPLATE,
};
pub use synthetic::{fixture_card_pose, write_synthetic_documents};
pub use text::{dejavu_font, render_printed_lines, scanned, PrintedLine, ScanDegradation};
pub use za_book::{
    render_za_green_book, sample_za_book_fields, za_book_scan_and_photo, ZaBookFields,
    ZA_BOOK_PAGE_SIZE, ZA_BOOK_PORTRAIT,
};
pub use za_card::{
    render_za_smart_id, sample_za_fields, za_card_scan_and_photo, ZaCardFields, ZA_CARD_SIZE,
    ZA_PORTRAIT,
};

/// The shared test data directory: `$EKYC_SHARED_DATA`, else `<workspace>/../shared/data`.
/// `None`, with a loud message on stderr, when it does not exist.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("EKYC_SHARED_DATA")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "!!!!!!!! SKIPPED: shared test data directory {} is absent (set EKYC_SHARED_DATA); \
             this test checked nothing",
            dir.display()
        );
        None
    }
}

/// The bytes of `rel` (a path inside the shared data, e.g. `faces/obama_1.jpg`), or `None` with a
/// loud message when the file is absent.
pub fn read(rel: &str) -> Option<Vec<u8>> {
    let path = shared_data()?.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!(
                "!!!!!!!! SKIPPED: test data file {} is absent ({e}); this test checked nothing",
                path.display()
            );
            None
        }
    }
}

/// [`read`], decoded to RGB. Panics when the file is present but not an image (a broken checkout
/// must fail, not skip).
pub fn read_rgb(rel: &str) -> Option<image::RgbImage> {
    let bytes = read(rel)?;
    let decoded = image::load_from_memory(&bytes)
        .unwrap_or_else(|e| panic!("shared test data {rel} is not a readable image: {e}"));
    Some(decoded.to_rgb8())
}
