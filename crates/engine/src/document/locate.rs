//! Finding card and passport-page outlines.
//!
//! The pipeline, all at a working size of [`WORK_LONG_SIDE`] pixels:
//! 1. a grey-level plane and a chroma plane (a cyan card on a white shirt differs in colour only);
//! 2. rough quads from the contours of each plane's Canny edges ([`candidate_quads`]): closed
//!    outlines reduced to four corners, and quads assembled from straight stretches of edge;
//! 3. each side re-fitted to the edge across it, to sub-pixel precision ([`refine`]);
//! 4. a confidence from how much of each side is backed by an edge with the same profile along the
//!    side, how right the angles are, how card-like the aspect is, and whether the sides are merely
//!    parts of longer lines crossing the frame;
//! 5. duplicates dropped, printed frames merged into their card, containers ordered before what
//!    they contain, and the corners scaled back to the caller's pixels.
//!
//! Everything is deterministic: no sampling, ties broken by position.

use std::borrow::Cow;

use image::{imageops, GrayImage, Luma, RgbImage};

use super::candidates::candidate_quads;
use super::evidence::{side_evidence, SideEvidence};
use super::field::EdgeField;
use super::fit::refine;
use super::{
    convex_intersection_area, order_corners, polygon_area, quad_aspect, CardKind, CardQuad,
    MAX_ASPECT, MIN_ASPECT, MIN_CONFIDENCE,
};
use crate::geometry::Point;

/// Long side of the image the analysis runs on. Corners are fitted to sub-pixel precision here,
/// about 0.1% of the frame, far below what rectification needs.
const WORK_LONG_SIDE: u32 = 640;
/// A document smaller than this share of the frame is not worth reading.
const MIN_AREA_FRACTION: f32 = 0.02;

/// Finds ID-1 cards and ID-3 passport pages in a photo: most confident first, except that a quad
/// lying inside another (a photo box printed on a card) comes after it. Empty when none is found:
/// a scan cropped to the document's own edges shows no outline to find, and a caller may then
/// take the whole frame as the document. Deterministic; about 50 ms for a photo on one core.
pub fn locate_cards(image: &RgbImage) -> Vec<CardQuad> {
    let (width, height) = image.dimensions();
    if width < 32 || height < 32 {
        return Vec::new();
    }
    let shrink = (WORK_LONG_SIDE as f32 / width.max(height) as f32).min(1.0);
    let (work_w, work_h) = (
        ((width as f32 * shrink).round() as u32).max(1),
        ((height as f32 * shrink).round() as u32).max(1),
    );
    let small = if (work_w, work_h) == (width, height) {
        Cow::Borrowed(image)
    } else {
        Cow::Owned(imageops::thumbnail(image, work_w, work_h))
    };
    let gray = imageops::grayscale(small.as_ref());
    // A card and its background can share a grey level and differ in colour (a cyan card on a
    // white shirt): the spread between the largest and smallest channel tells them apart.
    let chroma = GrayImage::from_fn(work_w, work_h, |x, y| {
        let [r, g, b] = small.get_pixel(x, y).0;
        Luma([r.max(g).max(b) - r.min(g).min(b)])
    });
    let field = EdgeField::new(&[&gray, &chroma]);
    let frame_area = (work_w * work_h) as f32;
    // Canny hysteresis thresholds on the Sobel magnitude (at most ~1140): sensitive enough for a
    // pale card on a pale table; clutter that this lets through is what scoring is for.
    let candidates = candidate_quads(
        &[(&gray, 20.0, 50.0), (&chroma, 25.0, 60.0)],
        frame_area * MIN_AREA_FRACTION,
    );
    // The generators often propose the same outline; refine each only once.
    let mut distinct: Vec<[Point; 4]> = Vec::new();
    for raw in candidates {
        let raw = order_corners(raw);
        let seen = distinct
            .iter()
            .any(|d| d.iter().zip(&raw).all(|(p, q)| p.distance(*q) <= 2.0));
        if !seen {
            distinct.push(raw);
        }
    }
    let mut found: Vec<CardQuad> = Vec::new();
    for raw in distinct {
        let Some(corners) = refine(&field, raw) else {
            continue;
        };
        if let Some((confidence, kind)) = judge(&field, &corners, frame_area) {
            found.push(CardQuad {
                corners,
                confidence,
                kind,
            });
        }
    }
    let mut kept = suppress_duplicates(found);

    // Working pixels back to the caller's pixels (both with pixel (i, j) covering [i, i+1)).
    let (sx, sy) = (width as f32 / work_w as f32, height as f32 / work_h as f32);
    for quad in &mut kept {
        quad.corners = order_corners(quad.corners.map(|p| Point::new(p.x * sx, p.y * sy)));
    }
    kept
}

/// Confidence and size class of a refined quad, or `None` when it is not card-like.
fn judge(field: &EdgeField, corners: &[Point; 4], frame_area: f32) -> Option<(f32, CardKind)> {
    let area = polygon_area(corners).abs();
    if area < MIN_AREA_FRACTION * frame_area {
        return None;
    }
    let aspect = quad_aspect(corners);
    if !(MIN_ASPECT..=MAX_ASPECT).contains(&aspect) {
        return None;
    }
    // Opposite sides of a card seen in perspective differ, but not by more than 30%.
    for i in 0..2 {
        let (a, b) = (
            corners[i].distance(corners[i + 1]),
            corners[i + 2].distance(corners[(i + 3) % 4]),
        );
        if a.max(b) > 1.3 * a.min(b) {
            return None;
        }
    }
    let mut worst_angle = 0.0f32;
    for i in 0..4 {
        let (p, c, q) = (corners[(i + 3) % 4], corners[i], corners[(i + 1) % 4]);
        let (u, v) = (
            Point::new(p.x - c.x, p.y - c.y),
            Point::new(q.x - c.x, q.y - c.y),
        );
        let cos = (u.x * v.x + u.y * v.y) / (u.x.hypot(u.y) * v.x.hypot(v.y));
        worst_angle = worst_angle.max((cos.clamp(-1.0, 1.0).acos().to_degrees() - 90.0).abs());
    }
    let angle_factor = 1.0 - ((worst_angle - 12.0) / 20.0).clamp(0.0, 1.0);
    let aspect_factor = taper(aspect, MIN_ASPECT, 1.36, 1.75, MAX_ASPECT);
    let sides: Vec<SideEvidence> = (0..4)
        .map(|i| side_evidence(field, corners[i], corners[(i + 1) % 4]))
        .collect();
    let min_support = sides.iter().map(|s| s.support).fold(1.0f32, f32::min);
    let mean_support = sides.iter().map(|s| s.support).sum::<f32>() / 4.0;
    // An edge running on past both ends of a side is a line of the background that merely
    // crosses the quad; past one end only is common (a passport page's edge runs on across the
    // open booklet, a card's edge may line up with a lapel).
    let crossing: f32 = sides.iter().map(|s| s.crossing).sum();
    let crossing_factor = (1.0 - 0.6 * (crossing - 0.6).max(0.0)).clamp(0.0, 1.0);
    let confidence =
        (0.5 * min_support + 0.5 * mean_support) * angle_factor * aspect_factor * crossing_factor;
    (confidence >= MIN_CONFIDENCE).then(|| (confidence, CardKind::nearest(aspect)))
}

/// 1 on `[lo, hi]`, falling linearly to 0 at `min` and `max`.
fn taper(v: f32, min: f32, lo: f32, hi: f32, max: f32) -> f32 {
    if v < lo {
        ((v - min) / (lo - min)).clamp(0.0, 1.0)
    } else if v > hi {
        ((max - v) / (max - hi)).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// Keeps the best of near-identical outlines (the inner and outer border of one edge, found by
/// several generators), then resolves frames: a quad inside another of similar size is a printed
/// border or the card's own outline seen twice, and the outer one is the document unless it scores
/// lower by more than 5%. A tighter margin loses the blue top band of the French card in
/// `documents/id_cards/mrzdetection_id1.jpg`; a looser one takes in strips of background beside
/// pale card edges in the pose sweep of `tests/card_locate.rs`. A smaller quad inside a bigger one
/// (a photo box on a card, a data page in an open passport) is kept, after it.
fn suppress_duplicates(mut quads: Vec<CardQuad>) -> Vec<CardQuad> {
    quads.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(b.area().total_cmp(&a.area()))
            .then(a.corners[0].x.total_cmp(&b.corners[0].x))
            .then(a.corners[0].y.total_cmp(&b.corners[0].y))
    });
    let mut distinct: Vec<CardQuad> = Vec::new();
    for quad in quads {
        let corners = order_corners(quad.corners);
        let tolerance = (0.015 * corners[0].distance(corners[2])).max(2.5);
        let duplicate = distinct.iter().any(|k| {
            order_corners(k.corners)
                .iter()
                .zip(&corners)
                .all(|(p, q)| p.distance(*q) <= tolerance)
        });
        if !duplicate {
            distinct.push(quad);
        }
    }
    let mut dropped = vec![false; distinct.len()];
    for i in 0..distinct.len() {
        for j in 0..distinct.len() {
            let (inner, outer) = (&distinct[i], &distinct[j]);
            if i == j || dropped[i] || dropped[j] || inner.area() >= outer.area() {
                continue;
            }
            let inter = convex_intersection_area(&inner.corners, &outer.corners);
            if inter < 0.9 * inner.area() || inner.area() < 0.5 * outer.area() {
                continue;
            }
            if outer.confidence >= 0.95 * inner.confidence {
                dropped[i] = true;
            } else {
                dropped[j] = true;
            }
        }
    }
    let mut kept: Vec<CardQuad> = distinct
        .into_iter()
        .zip(dropped)
        .filter_map(|(quad, dropped)| (!dropped).then_some(quad))
        .collect();
    // A photo box or chip on a document can be found too; the document goes before it. Containment
    // is a strict order (the container is larger), so this terminates.
    let mut i = 0;
    while i < kept.len() {
        let container = (i + 1..kept.len()).find(|&j| {
            kept[j].area() > kept[i].area()
                && convex_intersection_area(&kept[i].corners, &kept[j].corners)
                    >= 0.9 * kept[i].area()
        });
        match container {
            Some(j) => {
                let outer = kept.remove(j);
                kept.insert(i, outer);
            }
            None => i += 1,
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawn_card_is_located_to_a_fraction_of_a_pixel() {
        // A plain light card on a darker table: the simplest case, with exact corners known.
        let (w, h) = (400u32, 300u32);
        let corners = [(80.0, 60.0), (310.0, 85.0), (296.0, 230.0), (66.0, 205.0)]
            .map(|(x, y)| Point::new(x, y));
        let mut image = RgbImage::from_pixel(w, h, image::Rgb([60, 70, 80]));
        for y in 0..h {
            for x in 0..w {
                // 4x4 supersampling for an anti-aliased outline.
                let mut inside = 0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let p = Point::new(
                            x as f32 + (sx as f32 + 0.5) / 4.0,
                            y as f32 + (sy as f32 + 0.5) / 4.0,
                        );
                        if super::super::convex_contains(&corners, p) {
                            inside += 1;
                        }
                    }
                }
                let t = inside as f32 / 16.0;
                let mix = |bg: f32, fg: f32| (bg * (1.0 - t) + fg * t).round() as u8;
                image.put_pixel(
                    x,
                    y,
                    image::Rgb([mix(60.0, 220.0), mix(70.0, 215.0), mix(80.0, 200.0)]),
                );
            }
        }
        let found = locate_cards(&image);
        assert_eq!(found.len(), 1, "{found:?}");
        for (got, want) in found[0].corners.iter().zip(&corners) {
            assert!(got.distance(*want) < 0.7, "{got:?} vs {want:?}");
        }
        assert_eq!(found[0].kind, CardKind::Id1);
        assert!(found[0].confidence > 0.9);
    }
}
