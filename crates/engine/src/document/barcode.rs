//! QR codes (Vietnamese CCCD cards), PDF417 symbols (the back of the South African smart ID
//! card) and Code 39 / Code 128 bars (the South African green ID book's ID number) in photos,
//! decoded with rxing (a ZXing port).
//!
//! rxing reads one symbol of each kind per image. PDF417 has no rotation-invariant finder
//! pattern and rxing loses it beyond about 3 degrees of tilt, so a PDF417 that is not found
//! upright is sought again on copies turned by +-3 and +-6 degrees. The 1D symbols are read row by
//! row: with TryHarder rxing scans every few rows of the whole image in both directions, then does
//! the same on a copy turned a quarter (bars running down the page) and maps the points back. A
//! row finds bars turned up to about atan(bar height / symbol length) from either axis.
//!
//! Code 39 carries no check character by default: a misread row can decode as other valid
//! characters. Callers should check the payload (the SA ID number has its Luhn digit).

use image::{imageops, GrayImage, Luma, RgbImage};
use imageproc::geometric_transformations::{rotate_about_center, Border, Interpolation};
use rxing::{
    BarcodeFormat, DecodeHints, Exceptions, RXingResult, RXingResultMetadataType,
    RXingResultMetadataValue,
};
use serde::{Deserialize, Serialize};

use crate::geometry::Point;

/// The symbologies read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BarcodeKind {
    Qr,
    Pdf417,
    /// Code 39 (the green ID book's ID number), read without a check character.
    Code39,
    Code128,
}

impl BarcodeKind {
    fn format(self) -> BarcodeFormat {
        match self {
            BarcodeKind::Qr => BarcodeFormat::QR_CODE,
            BarcodeKind::Pdf417 => BarcodeFormat::PDF_417,
            BarcodeKind::Code39 => BarcodeFormat::CODE_39,
            BarcodeKind::Code128 => BarcodeFormat::CODE_128,
        }
    }
}

/// One decoded symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Barcode {
    pub kind: BarcodeKind,
    /// The payload as text, in the character set the symbol declares (QR: UTF-8 where the
    /// encoder said so or the bytes read as UTF-8; otherwise ISO-8859-1).
    pub text: String,
    /// The payload bytes: the QR byte segments, or for PDF417 (whose binary payloads rxing hands
    /// over as ISO-8859-1 text) the text turned back into bytes one character each. Text with a
    /// character above U+00FF comes back as UTF-8.
    pub bytes: Vec<u8>,
    /// Where the decoder found the symbol, in pixels of the image given: for QR the centres of the
    /// finder patterns (bottom-left, top-left, top-right) and of an alignment pattern if found;
    /// for PDF417 the corners of its start and stop patterns; for Code 39 / Code 128 two points
    /// on the row (or column) the bars were read along: the start pattern's centre, and an end
    /// point (rxing 0.9.3 computes Code 39's as `(last start + last width) / 2`, short of the
    /// symbol's right end: use it for the row, not the length).
    pub corners: Vec<Point>,
}

/// Tilts tried, in degrees, when a PDF417 is not found upright.
const PDF417_RETRY_DEGREES: [f32; 4] = [3.0, -3.0, 6.0, -6.0];

/// Every symbol of the given kinds found in the image (at most one per kind).
pub fn read_barcodes(image: &RgbImage, kinds: &[BarcodeKind]) -> Vec<Barcode> {
    let luma = imageops::grayscale(image);
    let mut found = Vec::new();
    for &kind in kinds {
        if let Some(result) = decode(&luma, kind) {
            found.push(barcode(kind, &result, None, &luma));
            continue;
        }
        if kind != BarcodeKind::Pdf417 {
            continue;
        }
        for degrees in PDF417_RETRY_DEGREES {
            let theta = degrees.to_radians();
            let turned = rotate_about_center(
                &luma,
                theta,
                Interpolation::Bilinear,
                Border::Constant(Luma([255])),
            );
            if let Some(result) = decode(&turned, kind) {
                found.push(barcode(kind, &result, Some(theta), &luma));
                break;
            }
        }
    }
    found
}

fn decode(luma: &GrayImage, kind: BarcodeKind) -> Option<RXingResult> {
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    match rxing::helpers::detect_in_luma_slice_with_hints(
        luma.as_raw(),
        luma.width(),
        luma.height(),
        Some(kind.format()),
        &mut hints,
    ) {
        Ok(result) => Some(result),
        Err(Exceptions::NotFoundException(_))
        | Err(Exceptions::ChecksumException(_))
        | Err(Exceptions::FormatException(_)) => None,
        Err(other) => {
            tracing::debug!(?kind, error = %other, "barcode decoder failed");
            None
        }
    }
}

/// The result as a [`Barcode`]; `turned_by` is the rotation (radians, about the centre) of the
/// copy it was found on, undone for the corners.
fn barcode(
    kind: BarcodeKind,
    result: &RXingResult,
    turned_by: Option<f32>,
    original: &GrayImage,
) -> Barcode {
    let text = result.getText().to_owned();
    let segments: Vec<u8> = match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::BYTE_SEGMENTS)
    {
        Some(RXingResultMetadataValue::ByteSegments(segments)) => segments.concat(),
        _ => Vec::new(),
    };
    let bytes = if !segments.is_empty() {
        segments
    } else if text.chars().all(|c| (c as u32) <= 0xFF) {
        text.chars().map(|c| c as u8).collect()
    } else {
        text.clone().into_bytes()
    };
    let (cx, cy) = (
        original.width() as f32 / 2.0,
        original.height() as f32 / 2.0,
    );
    let corners = result
        .getPoints()
        .iter()
        .map(|p| match turned_by {
            None => Point::new(p.x, p.y),
            Some(theta) => {
                // rotate_about_center maps source to target by +theta; undo it.
                let (s, c) = theta.sin_cos();
                let (dx, dy) = (p.x - cx, p.y - cy);
                Point::new(cx + c * dx + s * dy, cy - s * dx + c * dy)
            }
        })
        .collect();
    Barcode {
        kind,
        text,
        bytes,
        corners,
    }
}
