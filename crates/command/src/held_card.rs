//! `CompareHeldCard`: one photo of a person holding their ID card; the portrait printed on the card
//! is compared with the holder's face (aisolution `idholding`, AI-2).
//!
//! The card is found by the engine's document locator; the card's face is the largest face whose
//! centre lies inside the card (searched again in the card's own crop when the whole photo shows
//! it too small to detect), the holder's face the largest face outside the card. When no card
//! outline is found with a face on each side of it (a card held at a steep angle, fingers over its
//! edges), the two largest faces are used: the larger is the holder (nearer the camera), the
//! smaller the printed portrait. Fewer than two faces is the dialect's "not an ID holding image".

use engine::document::{locate_cards, CardQuad};
use engine::{AnalyzedFace, DecodedImage, EngineError, ImageLimits};

use crate::compare::{FaceComparison, FaceVerifier};

/// Compare the card's portrait with the face of the person holding it.
#[derive(Debug, Clone)]
pub struct CompareHeldCard {
    pub image: Vec<u8>,
    pub limits: ImageLimits,
}

/// The comparison, and how the two faces were told apart.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldCardComparison {
    pub comparison: FaceComparison,
    /// The card outline the faces were assigned by; `None` when the size rule was used.
    pub card: Option<CardQuad>,
    /// Faces found in the photo.
    pub faces: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum HeldCardError {
    #[error(transparent)]
    Image(#[from] EngineError),
    /// The photo does not show both a holder's face and a card portrait.
    #[error("{faces} faces found, and no card portrait beside a holder's face")]
    FaceCount { faces: usize },
}

impl FaceVerifier {
    /// CPU-bound (detection of every face, a card search, one embedding per face).
    pub fn compare_held_card(
        &self,
        command: &CompareHeldCard,
    ) -> Result<HeldCardComparison, HeldCardError> {
        let engine = self.engine();
        let image = engine.decode(&command.image, &command.limits)?;
        let faces = engine.analyze_all_faces(&image, false)?;
        let cards = locate_cards(&image.rgb);
        // The printed portrait is small in a photo of the whole person: the detectors see the image
        // at 128-192 px, where it may vanish. So each card is also searched at its own resolution.
        let mut assigned = None;
        for card in &cards {
            if let Some((holder, portrait)) = self.assign_to_card(&image, &faces, card)? {
                assigned = Some((holder, portrait, *card));
                break;
            }
        }
        let count = faces.len().max(usize::from(assigned.is_some()) * 2);
        let (holder, portrait, card) = match assigned {
            Some((holder, portrait, card)) => (holder, portrait, Some(card)),
            // `faces` is largest first: the holder is nearer the camera than the card's portrait.
            None if faces.len() >= 2 => (faces[0].clone(), faces[1].clone(), None),
            None => return Err(HeldCardError::FaceCount { faces: faces.len() }),
        };
        let distance = holder.embedding.distance(&portrait.embedding);
        Ok(HeldCardComparison {
            comparison: FaceComparison {
                score: self.calibration().score(distance),
                distance,
            },
            card,
            faces: count,
        })
    }

    /// (holder, portrait) for one card: the largest face outside it, and the largest face inside
    /// it, looked for first among the faces of the whole photo, then in the card's own crop.
    fn assign_to_card(
        &self,
        image: &DecodedImage,
        faces: &[AnalyzedFace],
        card: &CardQuad,
    ) -> Result<Option<(AnalyzedFace, AnalyzedFace)>, HeldCardError> {
        let inside = |face: &AnalyzedFace| {
            let centre = face.detection.bbox.center();
            card.contains(centre.x, centre.y)
        };
        let Some(holder) = faces.iter().find(|face| !inside(face)) else {
            return Ok(None);
        };
        if let Some(portrait) = faces.iter().find(|face| inside(face)) {
            return Ok(Some((holder.clone(), portrait.clone())));
        }
        let Some(crop) = card_crop(image, card) else {
            return Ok(None);
        };
        let portrait = self
            .engine()
            .analyze_all_faces(&crop, false)?
            .into_iter()
            .next();
        Ok(portrait.map(|portrait| (holder.clone(), portrait)))
    }
}

/// The card's bounding box, a little wider, cut from the image and enlarged so that its long side
/// is at least 640 px (a printed portrait then spans a detector-friendly share of the crop).
fn card_crop(image: &DecodedImage, card: &CardQuad) -> Option<DecodedImage> {
    let bounds = card.axis_aligned_bounds();
    let margin = 0.05 * bounds.width.max(bounds.height);
    let left = (bounds.left - margin).max(0.0) as u32;
    let top = (bounds.top - margin).max(0.0) as u32;
    let right = ((bounds.left + bounds.width + margin) as u32).min(image.width());
    let bottom = ((bounds.top + bounds.height + margin) as u32).min(image.height());
    if right <= left + 16 || bottom <= top + 16 {
        return None;
    }
    let crop =
        image::imageops::crop_imm(&image.rgb, left, top, right - left, bottom - top).to_image();
    let long_side = crop.width().max(crop.height());
    let rgb = if long_side < 640 {
        let scale = 640.0 / long_side as f32;
        image::imageops::resize(
            &crop,
            (crop.width() as f32 * scale).round() as u32,
            (crop.height() as f32 * scale).round() as u32,
            image::imageops::FilterType::CatmullRom,
        )
    } else {
        crop
    };
    Some(DecodedImage { rgb })
}
