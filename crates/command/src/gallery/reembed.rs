//! `ekyc-gateway store reembed`: when the configured recognizer changes, every stored face is
//! embedded again, by the running engine, from the original image it was enrolled from.

use engine::{ImageLimits, RECOGNIZER_MODEL_ID};
use store::{Embedding, Face, Store, StoreError};

use super::GalleryError;
use crate::compare::FaceVerifier;

/// What a re-embedding pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReembedReport {
    /// Faces already embedded by the running model, left alone.
    pub current: usize,
    /// Faces embedded again from their original image.
    pub reembedded: usize,
    /// Faces that could not be re-embedded, with the reason: no stored original, or no face found
    /// in it any more. They keep their old embedding (and `serve` keeps refusing them).
    pub failed: Vec<(String, String)>,
    /// Entries of alert inquiry logs that had no image (the query was an embedding): another
    /// model's vector cannot be re-made, so they are removed; the history they counted goes too.
    pub dropped_inquiries: usize,
}

/// Re-embeds every face whose model is not the engine's. Each face is rewritten in its own
/// transaction, so an interrupted pass can simply be run again.
pub fn reembed(
    store: &dyn Store,
    verifier: &FaceVerifier,
    mut progress: impl FnMut(&ReembedReport),
) -> Result<ReembedReport, GalleryError> {
    let engine = verifier.engine();
    // Originals were accepted once under some dialect's limits; accept anything sane now.
    let limits = ImageLimits {
        max_bytes: 64 * 1024 * 1024,
        max_side: 16_384,
        max_pixels: 120_000_000,
        ..ImageLimits::default()
    };
    let mut report = ReembedReport::default();
    // Collect the stale faces first: rewriting while scanning the same tree would revisit them.
    let stale: Vec<Face> = store
        .all_faces()
        .filter(|face| match face {
            Ok(face) if face.embedding.model_id == RECOGNIZER_MODEL_ID => {
                report.current += 1;
                false
            }
            _ => true,
        })
        .collect::<Result<_, StoreError>>()?;
    for mut face in stale {
        let name = format!("{}/{}", face.namespace, face.face_id);
        let Some(media_id) = face.source_media_id.clone() else {
            if face.namespace.collection == super::INQUIRY_COLLECTION {
                store.write(&mut |tx| tx.delete_face(&face.namespace, &face.face_id).map(drop))?;
                report.dropped_inquiries += 1;
                continue;
            }
            report
                .failed
                .push((name, "no original image was stored".into()));
            continue;
        };
        let Some(media) = store.get_media(&face.namespace.tenant, &media_id)? else {
            report
                .failed
                .push((name, format!("original image {media_id} is gone")));
            continue;
        };
        let analysed = engine
            .decode(&media.bytes, &limits)
            .and_then(|image| engine.analyze_all_faces(&image, false));
        let faces = match analysed {
            Ok(faces) => faces,
            Err(error) => {
                report.failed.push((name, error.to_string()));
                continue;
            }
        };
        // The face enrolled is the one whose box overlaps the stored box most; without a stored
        // box, the largest (what every enrolment route takes).
        let chosen = match &face.bounding_box {
            Some(stored) => {
                let stored = engine::BoundingBox {
                    left: stored.left,
                    top: stored.top,
                    width: stored.width,
                    height: stored.height,
                };
                faces
                    .iter()
                    .map(|f| (f.detection.bbox.iou(&stored), f))
                    .filter(|(overlap, _)| *overlap > 0.3)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, f)| f)
            }
            None => faces.first(),
        };
        let Some(chosen) = chosen else {
            report
                .failed
                .push((name, "the original image shows the face no more".into()));
            continue;
        };
        face.embedding = Embedding {
            model_id: chosen.embedding.model_id.clone(),
            values: chosen.embedding.values.clone(),
        };
        face.bounding_box = Some(super::stored_box(&chosen.detection.bbox));
        store.write(&mut |tx| tx.put_face(&face))?;
        report.reembedded += 1;
        progress(&report);
    }
    Ok(report)
}
