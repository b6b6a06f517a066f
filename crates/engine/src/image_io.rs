//! Decoding with limits checked before pixels are allocated, and EXIF orientation honoured.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};
use serde::{Deserialize, Serialize};

use crate::EngineError;

/// Byte and pixel limits for one encoded input (each dialect documents its own; the defaults are the
/// stateless dialect's reading of the vendor's missing "photo standards" chapter, spec X3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageLimits {
    /// Smallest accepted encoded file, in bytes.
    pub min_bytes: usize,
    /// Largest accepted encoded file, in bytes.
    pub max_bytes: usize,
    /// Smallest accepted width and height, in pixels.
    pub min_side: u32,
    /// Largest accepted width and height, in pixels.
    pub max_side: u32,
    /// Largest accepted width x height: guards against decompression bombs.
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            min_bytes: 16,
            max_bytes: 10 * 1024 * 1024,
            min_side: 32,
            max_side: 8192,
            max_pixels: 40_000_000,
        }
    }
}

/// An RGB image, upright (EXIF orientation applied).
#[derive(Clone)]
pub struct DecodedImage {
    pub rgb: RgbImage,
}

impl DecodedImage {
    pub fn width(&self) -> u32 {
        self.rgb.width()
    }

    pub fn height(&self) -> u32 {
        self.rgb.height()
    }

    /// The same image turned clockwise by `quarter_turns` x 90 degrees.
    pub fn rotated(&self, quarter_turns: u8) -> DecodedImage {
        let rgb = match quarter_turns % 4 {
            0 => self.rgb.clone(),
            1 => image::imageops::rotate90(&self.rgb),
            2 => image::imageops::rotate180(&self.rgb),
            _ => image::imageops::rotate270(&self.rgb),
        };
        DecodedImage { rgb }
    }
}

/// Decodes JPEG, PNG, BMP, WebP, TIFF or GIF bytes. The header is read and checked against `limits`
/// before any pixel buffer is allocated, so a small file claiming 30000x30000 pixels costs nothing.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<DecodedImage, EngineError> {
    if bytes.len() > limits.max_bytes {
        return Err(EngineError::FileTooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if bytes.len() < limits.min_bytes {
        return Err(EngineError::FileTooSmall {
            bytes: bytes.len(),
            limit: limits.min_bytes,
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| EngineError::Undecodable(e.to_string()))?;
    match reader.format() {
        None => return Err(EngineError::Undecodable("unknown image format".into())),
        // The JPEG decoder fills a truncated scan with grey instead of failing.
        Some(image::ImageFormat::Jpeg) if !jpeg_is_complete(bytes) => {
            return Err(EngineError::Undecodable(
                "truncated JPEG: no end-of-image marker after the last scan".into(),
            ))
        }
        Some(_) => {}
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| EngineError::Undecodable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels
        || width > limits.max_side
        || height > limits.max_side
    {
        return Err(EngineError::ImageTooLarge { width, height });
    }
    if width < limits.min_side || height < limits.min_side {
        return Err(EngineError::ImageTooSmall {
            width,
            height,
            min_side: limits.min_side,
        });
    }
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(64 << 20));
    decoder
        .set_limits(decoder_limits)
        .map_err(|e| EngineError::Undecodable(e.to_string()))?;
    // A broken EXIF block is not worth rejecting the photo over: treat it as upright.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| EngineError::Undecodable(e.to_string()))?;
    image.apply_orientation(orientation);
    Ok(DecodedImage {
        rgb: image.into_rgb8(),
    })
}

/// True when an end-of-image marker (FF D9) follows the start of the last scan (FF DA). Inside
/// entropy-coded data every FF byte is stuffed (FF 00) or a restart marker, so neither marker can
/// appear there by accident, and an EXIF thumbnail's own markers come before the main scan.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let marker = |m: u8| move |w: &[u8]| w == [0xFF, m];
    let Some(last_scan) = bytes.windows(2).rposition(marker(0xDA)) else {
        return false;
    };
    bytes[last_scan..].windows(2).any(marker(0xD9))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        RgbImage::new(width, height)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn rejects_garbage_truncation_and_bad_sizes() {
        let limits = ImageLimits::default();
        assert!(matches!(
            decode(b"definitely not an image at all", &limits),
            Err(EngineError::Undecodable(_))
        ));
        let full = png(64, 64);
        assert!(matches!(
            decode(&full[..full.len() / 2], &limits),
            Err(EngineError::Undecodable(_))
        ));
        assert!(matches!(
            decode(&png(1, 1), &limits),
            Err(EngineError::ImageTooSmall { .. })
        ));
        assert!(matches!(
            decode(&[0u8; 4], &limits),
            Err(EngineError::FileTooSmall { .. })
        ));
        let tight = ImageLimits {
            max_bytes: 10,
            ..limits
        };
        assert!(matches!(
            decode(&full, &tight),
            Err(EngineError::FileTooLarge { .. })
        ));
        assert_eq!(decode(&full, &limits).unwrap().width(), 64);
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let mut jpeg = Vec::new();
        let image = RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 128]));
        image
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(decode(&jpeg, &ImageLimits::default()).is_ok());
        let cut = &jpeg[..jpeg.len() * 2 / 3];
        assert!(matches!(
            decode(cut, &ImageLimits::default()),
            Err(EngineError::Undecodable(_))
        ));
    }

    #[test]
    fn a_header_claiming_30000_pixels_square_is_refused_before_decoding() {
        // A real 64x64 PNG whose IHDR is rewritten to 30000x30000 with a valid CRC.
        let mut bytes = png(64, 64);
        bytes[16..20].copy_from_slice(&30000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&30000u32.to_be_bytes());
        let crc = crc32fast::hash(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            decode(&bytes, &ImageLimits::default()),
            Err(EngineError::ImageTooLarge {
                width: 30000,
                height: 30000
            })
        ));
    }
}
