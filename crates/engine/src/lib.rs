//! Images in, facts out. Face detection with landmarks, alignment, embeddings and quality signals.
//!
//! The engine knows nothing of HTTP, JSON envelopes, tenants or storage: it takes image bytes and
//! returns typed facts or typed [`EngineError`]s. Its tract plans are built once by
//! [`FaceEngine::load`] and shared by every worker thread. Each stage records its duration in the
//! `ekyc_engine_stage_seconds{stage=...}` histogram through the `metrics` facade.

mod detect;
pub mod document;
mod embed;
pub mod error;
pub mod geometry;
pub mod image_io;
mod mesh;
pub mod occlusion;
pub mod ocr;
mod runtime;

use std::path::PathBuf;
use std::time::Instant;

pub use detect::Detection;
pub use document::{locate_cards, CardKind, CardQuad};
pub use embed::{chip_image, FaceEmbedding, EMBEDDING_DIM, RECOGNIZER_MODEL_ID};
pub use error::EngineError;
pub use geometry::{BoundingBox, Point};
pub use image_io::{DecodedImage, ImageLimits};
pub use mesh::{eye_aspect_ratios, FaceLandmarks, FivePoints};
pub use occlusion::Occlusion;
pub use ocr::{
    OcrModelFiles, TesseractError, TesseractReader, TextLine, TextReader, VIETNAMESE_LANGUAGES,
};

/// Paths of the weight files the engine loads (all verified by the gateway's model set-up first).
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// BlazeFace short-range, rewritten for tract-tflite.
    pub detector_short_range: PathBuf,
    /// BlazeFace full-range (sparse), rewritten; second pass for small faces.
    pub detector_full_range: PathBuf,
    /// MediaPipe 468-point face mesh, rewritten.
    pub face_mesh: PathBuf,
    /// dlib ResNet v1 (face-api port) converted to ONNX.
    pub recognizer: PathBuf,
}

impl ModelFiles {
    /// The converted models under their canonical names in one directory (the model cache; the
    /// gateway's manifest names its outputs the same way).
    pub fn in_dir(dir: &std::path::Path) -> Self {
        Self {
            detector_short_range: dir.join("face_detection_short_range.tract.tflite"),
            detector_full_range: dir.join("face_detection_full_range.tract.tflite"),
            face_mesh: dir.join("face_landmark.tract.tflite"),
            recognizer: dir.join("dlib_resnet_v1.onnx"),
        }
    }

    /// `$EKYC_MODEL_DIR`, else `$XDG_CACHE_HOME/ekyc-gateway/models`, else
    /// `~/.cache/ekyc-gateway/models`: outside any checkout, shared by every build.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("EKYC_MODEL_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        let cache_home = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        cache_home.join("ekyc-gateway").join("models")
    }

    /// `(manifest model id, path)` for each file.
    pub fn by_id(&self) -> [(&'static str, &std::path::Path); 4] {
        [
            ("detector_short_range", &self.detector_short_range),
            ("detector_full_range", &self.detector_full_range),
            ("face_mesh", &self.face_mesh),
            ("recognizer", &self.recognizer),
        ]
    }
}

/// The faces found in one image, in the orientation where they were found.
pub struct DetectedFaces {
    /// Clockwise quarter turns applied to the decoded image before detection (0 unless auto-rotated).
    pub quarter_turns: u8,
    /// The image the boxes refer to (rotated by `quarter_turns`).
    pub image: DecodedImage,
    /// Best first.
    pub faces: Vec<Detection>,
}

impl DetectedFaces {
    /// The face with the largest box, the one a single-face route means.
    pub fn largest(&self) -> Option<&Detection> {
        self.faces
            .iter()
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
    }
}

/// One face, fully analysed.
#[derive(Debug, Clone)]
pub struct AnalyzedFace {
    pub quarter_turns: u8,
    pub detection: Detection,
    pub landmarks: FaceLandmarks,
    pub embedding: FaceEmbedding,
    pub quality: FaceQuality,
}

/// Signals for quality checks; the command layer decides what passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceQuality {
    /// Shorter side of the face box, in pixels of the decoded image.
    pub face_size: f32,
    /// Detector confidence in [0,1].
    pub detection_score: f32,
    /// The face mesh's probability that the crop holds a face (confirms the detection).
    pub landmark_presence: f32,
    /// Whether eyes, nose and mouth are visible (the occlusion signal).
    pub occlusion: Occlusion,
}

/// Below this face-mesh presence a detection is not taken as a face: it rejects the detector's
/// false positives (a cat scored 0.19, a background patch 0.005; real faces score 0.99+).
pub const MIN_FACE_PRESENCE: f32 = 0.25;

/// The face engine: tract plans built once at start, shared across worker threads.
pub struct FaceEngine {
    short_range: detect::BlazeFace,
    full_range: detect::BlazeFace,
    mesh: mesh::FaceMesh,
    recognizer: embed::Recognizer,
}

fn timed<T>(stage: &'static str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    metrics::histogram!("ekyc_engine_stage_seconds", "stage" => stage)
        .record(start.elapsed().as_secs_f64());
    out
}

impl FaceEngine {
    pub fn load(files: &ModelFiles) -> Result<Self, EngineError> {
        Ok(Self {
            short_range: detect::BlazeFace::short_range(&files.detector_short_range)?,
            full_range: detect::BlazeFace::full_range(&files.detector_full_range)?,
            mesh: mesh::FaceMesh::load(&files.face_mesh)?,
            recognizer: embed::Recognizer::load(&files.recognizer)?,
        })
    }

    /// Id of the recognizer whose embeddings this engine produces.
    pub fn recognizer_id(&self) -> &'static str {
        RECOGNIZER_MODEL_ID
    }

    pub fn decode(&self, bytes: &[u8], limits: &ImageLimits) -> Result<DecodedImage, EngineError> {
        timed("decode", || image_io::decode(bytes, limits))
    }

    /// The fast pass for single-face routes: short-range detection, then full-range only when it
    /// finds nothing (small faces). With `auto_rotate`, all four quarter turns are tried and the one
    /// with the most confident face kept.
    pub fn detect(
        &self,
        image: &DecodedImage,
        auto_rotate: bool,
    ) -> Result<DetectedFaces, EngineError> {
        self.detect_with(image, auto_rotate, false)
    }

    /// Every face: short- and full-range both run and their faces merged (group photos, counting).
    pub fn detect_all(
        &self,
        image: &DecodedImage,
        auto_rotate: bool,
    ) -> Result<DetectedFaces, EngineError> {
        self.detect_with(image, auto_rotate, true)
    }

    fn detect_with(
        &self,
        image: &DecodedImage,
        auto_rotate: bool,
        both_passes: bool,
    ) -> Result<DetectedFaces, EngineError> {
        let mut turns = self.detect_turns(image, auto_rotate, both_passes)?;
        Ok(if turns.is_empty() {
            DetectedFaces {
                quarter_turns: 0,
                image: image.clone(),
                faces: Vec::new(),
            }
        } else {
            turns.swap_remove(0)
        })
    }

    /// The detections of each tried orientation that found any, the most confident first. A false
    /// detection in a turned copy (a printed pattern on a document) may outscore a real face upright;
    /// the analysers below walk this list until the face mesh confirms a face.
    fn detect_turns(
        &self,
        image: &DecodedImage,
        auto_rotate: bool,
        both_passes: bool,
    ) -> Result<Vec<DetectedFaces>, EngineError> {
        timed("detect", || {
            let turns: &[u8] = if auto_rotate { &[0, 1, 2, 3] } else { &[0] };
            let mut found = Vec::new();
            for &quarter_turns in turns {
                let image = if quarter_turns == 0 {
                    image.clone()
                } else {
                    image.rotated(quarter_turns)
                };
                let mut faces = self.short_range.detect(&image.rgb)?;
                if both_passes {
                    faces = detect::merge_passes(faces, self.full_range.detect(&image.rgb)?);
                } else if faces.is_empty() {
                    faces = self.full_range.detect(&image.rgb)?;
                }
                if !faces.is_empty() {
                    found.push(DetectedFaces {
                        quarter_turns,
                        image,
                        faces,
                    });
                }
            }
            // Stable: on equal scores the upright copy (tried first) stays first.
            found.sort_by(|a: &DetectedFaces, b: &DetectedFaces| {
                b.faces[0].score.total_cmp(&a.faces[0].score)
            });
            Ok(found)
        })
    }

    pub fn landmarks(
        &self,
        image: &DecodedImage,
        face: &Detection,
    ) -> Result<FaceLandmarks, EngineError> {
        timed("landmarks", || self.mesh.landmarks(&image.rgb, face))
    }

    /// Aligns the face to the recognizer's template and embeds it.
    pub fn embed(
        &self,
        image: &DecodedImage,
        landmarks: &FaceLandmarks,
    ) -> Result<FaceEmbedding, EngineError> {
        let chip = Self::align(image, landmarks)?;
        timed("embed", || self.recognizer.embed(&chip))
    }

    /// The 150x150 chip (RGB 0..255, NHWC) aligned to the recognizer's template.
    fn align(image: &DecodedImage, landmarks: &FaceLandmarks) -> Result<Vec<f32>, EngineError> {
        timed("align", || {
            embed::Recognizer::align(&image.rgb, &landmarks.five)
        })
    }

    /// The aligned 150x150 face chip the recognizer sees.
    pub fn aligned_chip(
        &self,
        image: &DecodedImage,
        landmarks: &FaceLandmarks,
    ) -> Result<image::RgbImage, EngineError> {
        Ok(chip_image(&Self::align(image, landmarks)?))
    }

    /// Detect; take the largest detection the face mesh confirms as a face; align, embed and assess it.
    /// With `auto_rotate`, the orientations are tried most confident first until one holds a
    /// confirmed face.
    pub fn analyze_largest_face(
        &self,
        image: &DecodedImage,
        auto_rotate: bool,
    ) -> Result<AnalyzedFace, EngineError> {
        for detected in self.detect_turns(image, auto_rotate, false)? {
            let mut candidates = detected.faces.clone();
            candidates.sort_by(|a, b| b.bbox.area().total_cmp(&a.bbox.area()));
            for detection in candidates {
                if let Some(face) = self.analyze_detection(&detected, detection)? {
                    return Ok(face);
                }
            }
        }
        Err(EngineError::NoFace)
    }

    /// Every face of the image (both detector passes), each confirmed by the face mesh, embedded and
    /// assessed; largest first. Boxes are in the orientation `quarter_turns` names: with
    /// `auto_rotate`, the most confident orientation that holds a confirmed face. Empty when there
    /// is no face. For routes that reason about several faces (a card held next to its holder).
    pub fn analyze_all_faces(
        &self,
        image: &DecodedImage,
        auto_rotate: bool,
    ) -> Result<Vec<AnalyzedFace>, EngineError> {
        for detected in self.detect_turns(image, auto_rotate, true)? {
            let mut faces = Vec::with_capacity(detected.faces.len());
            for detection in detected.faces.clone() {
                faces.extend(self.analyze_detection(&detected, detection)?);
            }
            if !faces.is_empty() {
                faces.sort_by(|a, b| b.detection.bbox.area().total_cmp(&a.detection.bbox.area()));
                return Ok(faces);
            }
        }
        Ok(Vec::new())
    }

    /// Landmarks, embedding and quality of one detection; `None` when the mesh does not confirm it.
    fn analyze_detection(
        &self,
        detected: &DetectedFaces,
        detection: Detection,
    ) -> Result<Option<AnalyzedFace>, EngineError> {
        let landmarks = self.landmarks(&detected.image, &detection)?;
        if landmarks.presence < MIN_FACE_PRESENCE {
            return Ok(None);
        }
        let chip = Self::align(&detected.image, &landmarks)?;
        let embedding = timed("embed", || self.recognizer.embed(&chip))?;
        let quality = FaceQuality {
            face_size: detection.bbox.width.min(detection.bbox.height),
            detection_score: detection.score,
            landmark_presence: landmarks.presence,
            occlusion: timed("occlusion", || occlusion::assess(&chip)),
        };
        Ok(Some(AnalyzedFace {
            quarter_turns: detected.quarter_turns,
            detection,
            landmarks,
            embedding,
            quality,
        }))
    }
}
