//! Identity documents in photos: where a card or passport data page lies in the frame.
//!
//! [`locate_cards`] finds the outline of ID-1 cards (ISO/IEC 7810 ID-1: 85.60 x 53.98 mm, the bank
//! card size of national ID cards and driving licences) and ID-3 passport data pages
//! (125 x 88 mm) as [`CardQuad`]s: four corners in image pixels, a confidence and the size class.
//! Routes that compare "the face on the card" with "the face holding it" split faces with
//! [`CardQuad::contains`]; document OCR rectifies the quad to a flat card.
//!
//! It is geometry, not recognition: any clean rectangle of a card's shape is reported (a window
//! pane, the photo box printed on a document), and a card shows only if all four sides do, at
//! least in part, and it covers 2% of the frame. A scan cropped to the document has no outline to
//! find.

pub mod barcode;
mod candidates;
mod evidence;
mod field;
mod fit;
mod locate;
pub mod mrz;
mod rectify;
mod sides;
pub mod za_id;

use serde::{Deserialize, Serialize};

use crate::geometry::{BoundingBox, Point};

pub use barcode::{read_barcodes, Barcode, BarcodeKind};
pub use locate::locate_cards;
pub use mrz::{read_mrz, Mrz, MrzError, MrzFormat};
pub use rectify::{rectify, RECTIFIED_HEIGHT};
pub use za_id::{parse_za_id, ZaIdError, ZaIdNumber};

/// The ISO/IEC 7810 size class of a located document, told apart by its aspect ratio. ID-2
/// documents (105 x 74 mm, aspect 1.419, e.g. the older French identity card) come out as `Id3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CardKind {
    /// 85.60 x 53.98 mm: ID cards, driving licences, residence permits (aspect 1.586).
    Id1,
    /// 125 x 88 mm: the passport data page (aspect 1.420).
    Id3,
}

impl CardKind {
    /// Long side over short side of the physical format.
    pub fn aspect_ratio(self) -> f32 {
        match self {
            CardKind::Id1 => 85.60 / 53.98,
            CardKind::Id3 => 125.0 / 88.0,
        }
    }

    /// The class whose aspect ratio is nearer `aspect` (long over short side).
    pub fn nearest(aspect: f32) -> Self {
        let id1 = (aspect - CardKind::Id1.aspect_ratio()).abs();
        let id3 = (aspect - CardKind::Id3.aspect_ratio()).abs();
        if id3 < id1 {
            CardKind::Id3
        } else {
            CardKind::Id1
        }
    }
}

/// One located document outline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CardQuad {
    /// Corners in pixels of the image given to [`locate_cards`] (pixel `(i, j)` covers
    /// `[i, i+1) x [j, j+1)`), clockwise as seen on screen, starting with the corner nearest the
    /// image's top-left (smallest `x + y`). For a card held sideways the first side may be a short
    /// one: compare side lengths before rectifying. Rounded card corners are reported where the
    /// straight sides meet, as a rectification wants them.
    pub corners: [Point; 4],
    /// How well the four sides are backed by image edges and how rectangular the outline is, in
    /// [0, 1]. Quads below [`MIN_CONFIDENCE`] are never returned.
    pub confidence: f32,
    pub kind: CardKind,
}

/// The lowest confidence [`locate_cards`] reports.
pub const MIN_CONFIDENCE: f32 = 0.62;

/// Long over short side of what may be a document: room for perspective around ID-3 (1.42) and
/// ID-1 (1.59).
const MIN_ASPECT: f32 = 1.28;
const MAX_ASPECT: f32 = 1.95;

impl CardQuad {
    /// Whether the point lies inside the quad (or on its outline).
    pub fn contains(&self, x: f32, y: f32) -> bool {
        convex_contains(&self.corners, Point::new(x, y))
    }

    /// The smallest axis-aligned box holding the four corners.
    pub fn axis_aligned_bounds(&self) -> BoundingBox {
        let (mut left, mut top) = (f32::MAX, f32::MAX);
        let (mut right, mut bottom) = (f32::MIN, f32::MIN);
        for p in &self.corners {
            left = left.min(p.x);
            top = top.min(p.y);
            right = right.max(p.x);
            bottom = bottom.max(p.y);
        }
        BoundingBox {
            left,
            top,
            width: right - left,
            height: bottom - top,
        }
    }

    /// Area in square pixels.
    pub fn area(&self) -> f32 {
        polygon_area(&self.corners).abs()
    }

    pub fn center(&self) -> Point {
        let sum = self.corners.iter().fold(Point::default(), |acc, p| {
            Point::new(acc.x + p.x, acc.y + p.y)
        });
        Point::new(sum.x / 4.0, sum.y / 4.0)
    }

    /// Mean long side over mean short side (opposite sides averaged, which cancels most of a
    /// perspective tilt).
    pub fn aspect_ratio(&self) -> f32 {
        quad_aspect(&self.corners)
    }

    /// The fraction of `bbox`'s area that lies inside the quad, in [0, 1] (for instance how much of
    /// a face box is on the card).
    pub fn overlap_of(&self, bbox: &BoundingBox) -> f32 {
        let area = bbox.area();
        if area <= 0.0 {
            return 0.0;
        }
        let rect = [
            Point::new(bbox.left, bbox.top),
            Point::new(bbox.right(), bbox.top),
            Point::new(bbox.right(), bbox.bottom()),
            Point::new(bbox.left, bbox.bottom()),
        ];
        (convex_intersection_area(&self.corners, &rect) / area).clamp(0.0, 1.0)
    }
}

/// Signed shoelace area: positive when the vertices run clockwise on screen (y pointing down).
pub(crate) fn polygon_area(points: &[Point]) -> f32 {
    let n = points.len();
    let mut twice = 0.0f32;
    for i in 0..n {
        let (p, q) = (points[i], points[(i + 1) % n]);
        twice += p.x * q.y - q.x * p.y;
    }
    twice / 2.0
}

fn cross(o: Point, a: Point, b: Point) -> f32 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// Point in a convex polygon of either orientation, boundary included.
pub(crate) fn convex_contains(polygon: &[Point], p: Point) -> bool {
    let n = polygon.len();
    let (mut positive, mut negative) = (false, false);
    for i in 0..n {
        let c = cross(polygon[i], polygon[(i + 1) % n], p);
        positive |= c > 0.0;
        negative |= c < 0.0;
        if positive && negative {
            return false;
        }
    }
    true
}

/// Whether the polygon is strictly convex (every turn the same way, no zero-length side).
pub(crate) fn is_convex(polygon: &[Point]) -> bool {
    let n = polygon.len();
    if n < 3 {
        return false;
    }
    let mut sign = 0.0f32;
    for i in 0..n {
        let c = cross(polygon[i], polygon[(i + 1) % n], polygon[(i + 2) % n]);
        if c == 0.0 || c * sign < 0.0 {
            return false;
        }
        sign = c;
    }
    true
}

/// Area of the intersection of two convex polygons (Sutherland-Hodgman clipping of `subject` by
/// each side of `clip`).
pub(crate) fn convex_intersection_area(subject: &[Point], clip: &[Point]) -> f32 {
    // Clip against a clockwise polygon: keep the side where cross(a, b, p) >= 0.
    let clip: Vec<Point> = if polygon_area(clip) >= 0.0 {
        clip.to_vec()
    } else {
        clip.iter().rev().copied().collect()
    };
    let mut output: Vec<Point> = subject.to_vec();
    for i in 0..clip.len() {
        if output.is_empty() {
            break;
        }
        let (a, b) = (clip[i], clip[(i + 1) % clip.len()]);
        let input = std::mem::take(&mut output);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (cp, cq) = (cross(a, b, p), cross(a, b, q));
            if cp >= 0.0 {
                output.push(p);
            }
            if (cp >= 0.0) != (cq >= 0.0) {
                let t = cp / (cp - cq);
                output.push(Point::new(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)));
            }
        }
    }
    polygon_area(&output).abs()
}

/// Mean long side over mean short side of a quad.
pub(crate) fn quad_aspect(corners: &[Point; 4]) -> f32 {
    let a = (corners[0].distance(corners[1]) + corners[2].distance(corners[3])) / 2.0;
    let b = (corners[1].distance(corners[2]) + corners[3].distance(corners[0])) / 2.0;
    if a.min(b) <= 0.0 {
        return f32::INFINITY;
    }
    a.max(b) / a.min(b)
}

/// The same four corners, clockwise on screen, starting at the one with the smallest `x + y`
/// (ties: smallest `y`).
pub(crate) fn order_corners(corners: [Point; 4]) -> [Point; 4] {
    let mut ordered = corners;
    if polygon_area(&ordered) < 0.0 {
        ordered.reverse();
    }
    let first = (0..4)
        .min_by(|&i, &j| {
            let (p, q) = (ordered[i], ordered[j]);
            (p.x + p.y)
                .total_cmp(&(q.x + q.y))
                .then(p.y.total_cmp(&q.y))
        })
        .unwrap_or(0);
    ordered.rotate_left(first);
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad(points: [(f32, f32); 4]) -> CardQuad {
        CardQuad {
            corners: points.map(|(x, y)| Point::new(x, y)),
            confidence: 1.0,
            kind: CardKind::Id1,
        }
    }

    #[test]
    fn contains_tells_inside_from_outside_for_a_tilted_quad() {
        // A card 160 x 100 turned by about 10 degrees.
        let q = quad([(100.0, 50.0), (257.6, 77.8), (240.2, 176.2), (82.6, 148.5)]);
        assert!(q.contains(170.0, 113.0));
        assert!(q.contains(100.0, 51.0));
        assert!(
            !q.contains(99.0, 52.0),
            "left of the tilted top-left corner"
        );
        assert!(!q.contains(250.0, 60.0), "above the tilted top side");
        assert!(!q.contains(300.0, 113.0));
        // Orientation does not matter.
        let mut reversed = q;
        reversed.corners.reverse();
        assert!(reversed.contains(170.0, 113.0));
        assert!(!reversed.contains(300.0, 113.0));
    }

    #[test]
    fn bounds_area_and_aspect_of_a_card_shaped_quad() {
        let q = quad([(10.0, 20.0), (168.6, 20.0), (168.6, 120.0), (10.0, 120.0)]);
        let b = q.axis_aligned_bounds();
        assert_eq!(
            (b.left, b.top, b.right(), b.bottom()),
            (10.0, 20.0, 168.6, 120.0)
        );
        assert!((q.area() - 15860.0).abs() < 0.5);
        assert!((q.aspect_ratio() - 1.586).abs() < 1e-3);
        assert_eq!(CardKind::nearest(q.aspect_ratio()), CardKind::Id1);
        assert_eq!(CardKind::nearest(1.43), CardKind::Id3);
        assert_eq!(q.center(), Point::new(89.3, 70.0));
    }

    #[test]
    fn overlap_of_a_box_half_on_the_card() {
        let q = quad([(0.0, 0.0), (100.0, 0.0), (100.0, 60.0), (0.0, 60.0)]);
        let half_on = BoundingBox {
            left: 80.0,
            top: 10.0,
            width: 40.0,
            height: 20.0,
        };
        assert!((q.overlap_of(&half_on) - 0.5).abs() < 1e-5);
        let off = BoundingBox {
            left: 200.0,
            ..half_on
        };
        assert_eq!(q.overlap_of(&off), 0.0);
    }

    #[test]
    fn corners_are_ordered_clockwise_from_the_top_left() {
        let tl = Point::new(100.0, 50.0);
        let tr = Point::new(257.6, 77.8);
        let br = Point::new(240.2, 176.2);
        let bl = Point::new(82.6, 148.5);
        for shuffled in [[br, bl, tl, tr], [tl, bl, br, tr], [tr, tl, bl, br]] {
            assert_eq!(order_corners(shuffled), [tl, tr, br, bl]);
        }
    }

    #[test]
    fn convexity_and_intersection_of_squares() {
        let a = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)].map(|(x, y)| Point::new(x, y));
        let b = [(5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)].map(|(x, y)| Point::new(x, y));
        assert!(is_convex(&a));
        let dart =
            [(0.0, 0.0), (10.0, 0.0), (3.0, 3.0), (0.0, 10.0)].map(|(x, y)| Point::new(x, y));
        assert!(!is_convex(&dart));
        assert!((convex_intersection_area(&a, &b) - 25.0).abs() < 1e-4);
        let mut b_ccw = b;
        b_ccw.reverse();
        assert!((convex_intersection_area(&a, &b_ccw) - 25.0).abs() < 1e-4);
    }
}
