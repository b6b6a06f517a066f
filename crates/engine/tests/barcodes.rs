//! QR and PDF417 reading on synthetic symbols made by independent encoders (see
//! `tests/fixtures/barcodes/README.md`), clean and photographed-looking; Code 39 on a **synthetic**
//! South African green ID book page (`testdata::render_za_green_book`: DejaVu fonts, a real face,
//! the bars drawn by rxing's writer) as a scan and as a photo; and a real face photo that holds
//! none.

use std::path::PathBuf;

use ekyc_engine::document::{read_barcodes, Barcode, BarcodeKind};
use image::RgbImage;

const CCCD_TEXT: &str = "079203012345|025123456|Nguyễn Văn An|01011990|Nam|\
    Số 12 Đường Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh|15082021";
const PDF417_TEXT: &str = "ZA-SPECIMEN|SURNAME=DOE|NAMES=JANE|ID=8001015009087|DOB=1980-01-01";

const BOTH: [BarcodeKind; 2] = [BarcodeKind::Qr, BarcodeKind::Pdf417];
const EVERY: [BarcodeKind; 4] = [
    BarcodeKind::Qr,
    BarcodeKind::Pdf417,
    BarcodeKind::Code39,
    BarcodeKind::Code128,
];

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/barcodes")
        .join(name)
}

fn fixture(name: &str) -> RgbImage {
    image::open(fixture_path(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .to_rgb8()
}

fn only(found: Vec<Barcode>, name: &str) -> Barcode {
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn qr_with_vietnamese_utf8_text() {
    for name in ["qr_cccd_vi.png", "qr_cccd_vi_photo.jpg"] {
        let image = fixture(name);
        let code = only(read_barcodes(&image, &BOTH), name);
        assert_eq!(code.kind, BarcodeKind::Qr, "{name}");
        assert_eq!(code.text, CCCD_TEXT, "{name}");
        assert_eq!(code.bytes, CCCD_TEXT.as_bytes(), "{name}");
        assert!(code.corners.len() >= 3, "{name}: {:?}", code.corners);
        for p in &code.corners {
            assert!(
                p.x >= 0.0
                    && p.y >= 0.0
                    && p.x < image.width() as f32
                    && p.y < image.height() as f32,
                "{name}: {p:?}"
            );
        }
    }
}

#[test]
fn only_the_kinds_asked_for_are_read() {
    assert!(read_barcodes(&fixture("qr_cccd_vi.png"), &[BarcodeKind::Pdf417]).is_empty());
    assert!(read_barcodes(&fixture("pdf417_text.png"), &[BarcodeKind::Qr]).is_empty());
}

#[test]
fn pdf417_text_clean_and_turned_in_a_photo() {
    for name in ["pdf417_text.png", "pdf417_text_photo_5deg.jpg"] {
        let image = fixture(name);
        let code = only(read_barcodes(&image, &BOTH), name);
        assert_eq!(code.kind, BarcodeKind::Pdf417, "{name}");
        assert_eq!(code.text, PDF417_TEXT, "{name}");
        assert_eq!(code.bytes, PDF417_TEXT.as_bytes(), "{name}");
        assert!(code.corners.len() >= 4, "{name}: {:?}", code.corners);
    }
}

#[test]
fn pdf417_corners_on_a_turned_photo_are_in_the_original_frame() {
    let image = fixture("pdf417_text_photo_5deg.jpg");
    let code = only(read_barcodes(&image, &[BarcodeKind::Pdf417]), "photo");
    // The symbol lies roughly in x 150..600, y 140..260 of the 738 x 362 photo (drawn there by
    // the fixture script: card at (80, 60), symbol 60 px in, then turned 5 degrees).
    for p in &code.corners {
        assert!(
            (120.0..640.0).contains(&p.x) && (100.0..300.0).contains(&p.y),
            "{:?}",
            code.corners
        );
    }
}

#[test]
fn pdf417_binary_payload_comes_back_byte_for_byte() {
    let expected = std::fs::read(fixture_path("pdf417_binary.bin")).unwrap();
    let code = only(
        read_barcodes(&fixture("pdf417_binary.png"), &[BarcodeKind::Pdf417]),
        "binary",
    );
    assert_eq!(code.bytes.len(), 300);
    assert_eq!(code.bytes, expected);
}

#[test]
fn a_face_photo_holds_no_barcode() {
    let Some(image) = testdata::read_rgb("faces/obama_1.jpg") else {
        eprintln!("SKIPPED: shared test data not found");
        return;
    };
    assert!(read_barcodes(&image, &EVERY).is_empty());
}

/// The sample green ID book page as a scan and as a photo (turned 5 degrees, tilted, blurred).
fn green_book() -> Option<[(&'static str, RgbImage); 2]> {
    let pose = testdata::CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.62,
        rotation_degrees: 5.0,
        tilt: (0.03, 0.02),
        corner_radius: 0.0,
    };
    let (scan, photo) = testdata::za_book_scan_and_photo(
        &testdata::sample_za_book_fields(),
        "faces/noface_coffee.png",
        &pose,
        0.8,
    )?;
    let decode = |bytes: &[u8]| image::load_from_memory(bytes).unwrap().to_rgb8();
    Some([("scan", decode(&scan)), ("photo", decode(&photo))])
}

#[test]
fn code39_of_a_green_id_book_in_a_scan_and_a_photo() {
    let Some(renders) = green_book() else { return };
    for (name, image) in renders {
        let code = only(read_barcodes(&image, &EVERY), name);
        assert_eq!(code.kind, BarcodeKind::Code39, "{name}");
        assert_eq!(code.text, "9001020123088", "{name}");
        assert_eq!(code.bytes, b"9001020123088", "{name}");
        assert_eq!(code.corners.len(), 2, "{name}: {:?}", code.corners);
        // The row read lies in the top of the page, and starts at the bars' left end. (The end
        // point rxing 0.9.3 gives for Code 39 is `(last start + last width) / 2`, not the last
        // character's centre: only its row is checked.)
        let [start, end] = [code.corners[0], code.corners[1]];
        let (w, h) = (image.width() as f32, image.height() as f32);
        assert!(
            start.y < h * 0.5 && end.y < h * 0.5,
            "{name}: {:?}",
            code.corners
        );
        assert!(start.x < w * 0.4, "{name}: {:?}", code.corners);
    }
}

#[test]
fn code39_running_down_the_page_is_read_and_placed_in_the_frame_given() {
    let Some([(_, scan), _]) = green_book() else {
        return;
    };
    // A quarter turn clockwise: the bars now run down the right-hand side.
    let turned = image::imageops::rotate90(&scan);
    let code = only(read_barcodes(&turned, &[BarcodeKind::Code39]), "turned");
    assert_eq!(code.text, "9001020123088");
    for p in &code.corners {
        assert!(
            p.x > turned.width() as f32 * 0.7 && p.y < turned.height() as f32 * 0.8,
            "{:?} in {}x{}",
            code.corners,
            turned.width(),
            turned.height()
        );
    }
    assert!(
        (code.corners[0].x - code.corners[1].x).abs() < 40.0,
        "read along a column: {:?}",
        code.corners
    );
}

#[test]
fn a_book_page_holds_no_code128_and_a_qr_no_code39() {
    if let Some([(_, scan), _]) = green_book() {
        assert!(read_barcodes(&scan, &[BarcodeKind::Code128]).is_empty());
    }
    assert!(read_barcodes(&fixture("qr_cccd_vi.png"), &[BarcodeKind::Code39]).is_empty());
}
