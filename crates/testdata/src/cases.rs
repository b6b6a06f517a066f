//! The standard `idholding` composites: who holds whose card, and where.

use image::RgbImage;

use crate::composite::{
    hand_held_card, mykad_card, CardPose, CropBox, HandHeldCard, Placement, ID1_CORNER_RADIUS,
    MYKAD_CARD_IN_TEMPLATE, MYKAD_PORTRAIT, MYKAD_TEMPLATE,
};

/// One composite photo of a person holding an ID card (see [`hand_held_card`] for what a composite
/// is and lacks), and whether the card's portrait shows the holder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdHoldingCase {
    pub name: &'static str,
    /// The holder's photo, relative to the shared data.
    pub scene: &'static str,
    /// The photo the card's portrait is cut from (another photo of the holder, someone else, or
    /// the specimen card itself), relative to the shared data.
    pub portrait: &'static str,
    /// The portrait's crop in that photo: the face with some hair and shoulders, at about the
    /// 3:4 shape of the card's portrait box.
    pub portrait_crop: CropBox,
    pub options: HandHeldCard,
    /// Whether the card's portrait and the holder are the same person.
    pub same_person: bool,
}

impl IdHoldingCase {
    /// The composite and where its card lies, or `None` (after a loud message) when a file of the
    /// shared data is absent.
    pub fn build(&self) -> Option<(RgbImage, Placement)> {
        let scene = crate::read_rgb(self.scene)?;
        let card = mykad_card(&crate::read_rgb(MYKAD_TEMPLATE)?);
        let portrait = self.portrait_crop.crop(&crate::read_rgb(self.portrait)?);
        Some(hand_held_card(&scene, &card, &portrait, &self.options))
    }
}

/// Crop around a face box the engine's detector reported for that photo (BlazeFace, `detect_all`),
/// widened to a passport-style portrait: 1.9 face heights tall, 3:4, shifted down by 5%.
const fn portrait_around(left: u32, top: u32, side: u32) -> CropBox {
    let height = side * 19 / 10;
    let width = height * 76 / 100;
    CropBox {
        left: left + side / 2 - width / 2,
        top: top + side / 2 + side / 20 - height / 2,
        width,
        height,
    }
}

const fn pose(
    center: (f32, f32),
    width_fraction: f32,
    rotation_degrees: f32,
    tilt: (f32, f32),
) -> HandHeldCard {
    HandHeldCard {
        pose: CardPose {
            center,
            width_fraction,
            rotation_degrees,
            tilt,
            corner_radius: ID1_CORNER_RADIUS,
        },
        portrait_box: MYKAD_PORTRAIT,
        blur_sigma: 0.7,
        jpeg_quality: Some(90),
    }
}

/// The standard cases: four people holding a card with their own portrait (from another photo of
/// them), and two holding someone else's: Obama holding a card with Biden's portrait, and Kit
/// Harington holding the unmodified MyKad specimen (its own printed portrait). Each pose keeps the
/// card below or beside the holder's face. Face boxes (left, top, side) are the detector's on
/// each photo.
pub fn idholding_cases() -> Vec<IdHoldingCase> {
    // obama_2.jpg 626x1200: face (184, 295, 312).
    let obama_2 = portrait_around(184, 295, 312);
    // biden_2.jpg 1200x1200: face (401, 278, 499).
    let biden_2 = portrait_around(401, 278, 499);
    // kit_harington_2.jpg 630x374: face (321, 99, 178).
    let kit_2 = portrait_around(321, 99, 178);
    // alex_lacamoire_2.jpg 1548x1024: face (602, 170, 376).
    let alex_2 = portrait_around(602, 170, 376);
    // The specimen's own portrait, in template pixels.
    let specimen = CropBox {
        left: MYKAD_PORTRAIT.left + MYKAD_CARD_IN_TEMPLATE.left,
        top: MYKAD_PORTRAIT.top + MYKAD_CARD_IN_TEMPLATE.top,
        ..MYKAD_PORTRAIT
    };
    vec![
        IdHoldingCase {
            name: "obama_same",
            // 910x1137, face (348, 142, 274): the card over the folded arms.
            scene: "faces/obama_1.jpg",
            portrait: "faces/obama_2.jpg",
            portrait_crop: obama_2,
            options: pose((0.5, 0.75), 0.40, -5.0, (0.05, -0.03)),
            same_person: true,
        },
        IdHoldingCase {
            name: "biden_same",
            // 970x2204 (full length), face (422, 225, 325): the card at chest height.
            scene: "faces/biden_1.jpg",
            portrait: "faces/biden_2.jpg",
            portrait_crop: biden_2,
            options: pose((0.45, 0.34), 0.42, 6.0, (-0.04, 0.03)),
            same_person: true,
        },
        IdHoldingCase {
            name: "kit_harington_same",
            // 1200x599, face (675, 102, 128) right of centre: the card to the left, lower down.
            scene: "faces/kit_harington_1.jpg",
            portrait: "faces/kit_harington_2.jpg",
            portrait_crop: kit_2,
            options: pose((0.27, 0.66), 0.34, -3.0, (0.03, 0.04)),
            same_person: true,
        },
        IdHoldingCase {
            name: "alex_lacamoire_same",
            // 874x1200, face (262, 188, 360): the card on the jacket.
            scene: "faces/alex_lacamoire_1.jpg",
            portrait: "faces/alex_lacamoire_2.jpg",
            portrait_crop: alex_2,
            options: pose((0.56, 0.76), 0.42, 3.0, (-0.05, -0.02)),
            same_person: true,
        },
        IdHoldingCase {
            name: "obama_holds_biden",
            scene: "faces/obama_1.jpg",
            portrait: "faces/biden_2.jpg",
            portrait_crop: biden_2,
            options: pose((0.47, 0.74), 0.38, 7.0, (-0.03, 0.02)),
            same_person: false,
        },
        IdHoldingCase {
            name: "kit_harington_holds_specimen",
            scene: "faces/kit_harington_1.jpg",
            portrait: MYKAD_TEMPLATE,
            portrait_crop: specimen,
            options: pose((0.25, 0.68), 0.36, 5.0, (-0.02, 0.03)),
            same_person: false,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portrait_crop_is_centred_on_the_face_at_three_to_four() {
        let crop = portrait_around(100, 200, 100);
        assert_eq!((crop.width, crop.height), (144, 190));
        assert_eq!(crop.left + crop.width / 2, 150);
        assert_eq!(crop.top + crop.height / 2, 255);
    }
}
