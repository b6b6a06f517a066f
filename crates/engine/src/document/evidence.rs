//! How well one side of a candidate quad is backed by the image, and whether it is really a piece
//! of a longer line that merely crosses the quad.

use super::field::EdgeField;
use super::fit::EDGE_STRENGTH;
use crate::geometry::Point;

/// Levels sampled this far (working pixels) inside and outside a side must differ by at least
/// [`STEP_CONTRAST`] (grey levels, or chroma) for the side to count as a document's border.
const STEP_OFFSET: f32 = 3.0;
const STEP_CONTRAST: f32 = 10.0;

/// What a plane does across a side: the quad is lighter or darker than its background (a step),
/// or a thin line darker or lighter than both runs along the side (the shadow line of a white card
/// on a white table, a printed border).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Lighter,
    Darker,
    DarkLine,
    LightLine,
}

impl Profile {
    const ALL: [Profile; 4] = [
        Profile::Lighter,
        Profile::Darker,
        Profile::DarkLine,
        Profile::LightLine,
    ];

    /// The profile from the levels just inside, just outside, and the extremes on the side.
    fn of(inside: f32, outside: f32, line_min: f32, line_max: f32) -> Option<Profile> {
        if inside - outside >= STEP_CONTRAST {
            Some(Profile::Lighter)
        } else if outside - inside >= STEP_CONTRAST {
            Some(Profile::Darker)
        } else if inside.min(outside) - line_min >= STEP_CONTRAST {
            Some(Profile::DarkLine)
        } else if line_max - inside.max(outside) >= STEP_CONTRAST {
            Some(Profile::LightLine)
        } else {
            None
        }
    }
}

/// The evidence for one side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SideEvidence {
    /// Share of the side (ends excluded) with an across-side edge within a pixel and the profile
    /// that prevails along the side, in grey level or chroma. A card is lighter or darker than
    /// what lies behind it, not both; text and texture give edges too, but broken and of every
    /// profile.
    pub(super) support: f32,
    /// How far the same edge (same profile) runs on past the side's ends: the smaller of its
    /// shares over 5% to 25% of the side's length beyond each end. A card's side stops at its
    /// corners; a line of the background (a window frame, a printed stripe) runs through.
    pub(super) crossing: f32,
}

/// The evidence for the side `a -> b` of a quad whose corners run clockwise on screen.
pub(super) fn side_evidence(field: &EdgeField, a: Point, b: Point) -> SideEvidence {
    let length = a.distance(b);
    if length < 1.0 {
        return SideEvidence {
            support: 0.0,
            crossing: 0.0,
        };
    }
    let dir = Point::new((b.x - a.x) / length, (b.y - a.y) / length);
    // Points into the quad.
    let normal = Point::new(-dir.y, dir.x);
    let along = |t: f32| Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));

    let samples = ((length / 1.5) as usize).max(8);
    let profiles: Vec<Vec<Option<Profile>>> = (0..samples)
        .filter_map(|k| {
            profiles_at(
                field,
                along(0.08 + 0.84 * (k as f32 + 0.5) / samples as f32),
                normal,
            )
        })
        .collect();
    let planes = field.plane_count();
    // The prevailing profile of each plane along the side (none where the plane shows no edge).
    let prevailing: Vec<Option<Profile>> = (0..planes)
        .map(|p| {
            let count = |kind: Profile| profiles.iter().filter(|s| s[p] == Some(kind)).count();
            Profile::ALL
                .into_iter()
                .filter(|&kind| count(kind) > 0)
                .max_by_key(|&kind| (count(kind), std::cmp::Reverse(kind as u8)))
        })
        .collect();
    let matches = |s: &Vec<Option<Profile>>| {
        (0..planes).any(|p| prevailing[p].is_some() && s[p] == prevailing[p])
    };
    let support = profiles.iter().filter(|s| matches(s)).count() as f32 / samples as f32;

    let reach = ((0.2 * length / 1.5) as usize).max(4);
    let extension = |t0: f32, sign: f32| {
        let hits = (0..reach)
            .filter_map(|k| {
                let t = t0 + sign * (0.05 + 0.2 * (k as f32 + 0.5) / reach as f32);
                profiles_at(field, along(t), normal)
            })
            .filter(|s| matches(s))
            .count();
        hits as f32 / reach as f32
    };
    SideEvidence {
        support,
        crossing: extension(0.0, -1.0).min(extension(1.0, 1.0)),
    }
}

/// The profile of each plane across the line through `base` with unit normal `normal` (pointing
/// into the quad), or `None` when no across-side edge lies within a pixel of `base`.
fn profiles_at(field: &EdgeField, base: Point, normal: Point) -> Option<Vec<Option<Profile>>> {
    let at = |s: f32| Point::new(base.x + s * normal.x, base.y + s * normal.y);
    let edge = (-2..=2).any(|j| field.across(at(j as f32 * 0.5), normal) >= EDGE_STRENGTH);
    if !edge {
        return None;
    }
    Some(
        (0..field.plane_count())
            .map(|p| {
                let inside = field.level(p, at(STEP_OFFSET))?;
                // Next to the image border (a scan cropped close) the outer strip is narrower.
                let outside = [STEP_OFFSET, 2.0, 1.25]
                    .iter()
                    .find_map(|&s| field.level(p, at(-s)))?;
                let (mut line_min, mut line_max) = (f32::MAX, f32::MIN);
                for j in -2..=2 {
                    let v = field.level(p, at(j as f32 * 0.5))?;
                    line_min = line_min.min(v);
                    line_max = line_max.max(v);
                }
                Profile::of(inside, outside, line_min, line_max)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    fn field_of(image: &GrayImage) -> EdgeField {
        let flat = GrayImage::from_pixel(image.width(), image.height(), Luma([0]));
        EdgeField::new(&[image, &flat])
    }

    #[test]
    fn a_step_backs_the_side_and_a_line_through_the_frame_crosses() {
        // Left half dark, right half light: a vertical step at x = 50.
        let image = GrayImage::from_fn(100, 100, |x, _| Luma([if x < 50 { 40 } else { 200 }]));
        let field = field_of(&image);
        // A side running down the step, with the quad (its inside) to the right: supported, and
        // the step runs on past both ends.
        let side = side_evidence(&field, Point::new(50.0, 70.0), Point::new(50.0, 30.0));
        assert!(side.support > 0.95, "{side:?}");
        assert!(side.crossing > 0.95, "{side:?}");
        // A side across flat grey: nothing.
        let flat = side_evidence(&field, Point::new(80.0, 70.0), Point::new(80.0, 30.0));
        assert_eq!(flat.support, 0.0);
    }

    #[test]
    fn a_side_ending_at_its_corners_does_not_cross() {
        // A light card (20..80 x 30..70) on a dark table.
        let image = GrayImage::from_fn(100, 100, |x, y| {
            Luma([if (20..80).contains(&x) && (30..70).contains(&y) {
                210
            } else {
                50
            }])
        });
        let field = field_of(&image);
        // The left side, run upwards so the card lies to its right (clockwise on screen).
        let side = side_evidence(&field, Point::new(20.0, 70.0), Point::new(20.0, 30.0));
        assert!(side.support > 0.95, "{side:?}");
        assert!(side.crossing < 0.05, "{side:?}");
    }
}
