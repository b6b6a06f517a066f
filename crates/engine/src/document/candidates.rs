//! Rough quadrilaterals worth refining, from the contours of Canny edge maps, two ways:
//!
//! - **outlines**: a contour whose convex hull is big enough is reduced to four corners (the
//!   smallest enclosing quad of the hull, and a Douglas-Peucker simplification). Exact when the
//!   card's outline is a closed contour of its own.
//! - **sides**: when the outline touches other edges (a collar, a sleeve, a table edge) its contour
//!   merges with them and its hull is useless, but its four sides are still straight stretches of
//!   contour. Stretches on one line are merged, and pairs of roughly parallel lines crossing another
//!   such pair at roughly right angles make quads, kept when each line covers a good part of its
//!   side.

use image::GrayImage;
use imageproc::contours::find_contours;
use imageproc::distance_transform::Norm;
use imageproc::edges::canny;
use imageproc::geometry::{approximate_polygon_dp, convex_hull};
use imageproc::point::Point as PixelPoint;

use super::fit::Line;
use super::{is_convex, order_corners, polygon_area, quad_aspect, MAX_ASPECT, MIN_ASPECT};
use crate::geometry::Point;

/// At most this many of the longest straight stretches are paired into quads, and at most this
/// many side-built quads are handed on (best covered first): the cost stays bounded on clutter.
const MAX_LINES: usize = 48;
const MAX_SIDE_QUADS: usize = 24;

/// Rough quads (working pixels) from the edges of each plane (Canny with the hysteresis
/// thresholds given with it). Outlines come from each edge map alone; straight stretches from all
/// of them are pooled first, since a side may show in one plane only along part of its length.
pub(super) fn candidate_quads(planes: &[(&GrayImage, f32, f32)], min_area: f32) -> Vec<[Point; 4]> {
    // The shortest side of the smallest document worth finding, and the shortest stretch that may
    // be part of one (a side can be half hidden by fingers).
    let min_side = (min_area / MAX_ASPECT).sqrt();
    let min_stretch = 0.4 * min_side;

    let mut quads = Vec::new();
    let mut stretches = Vec::new();
    for &(plane, low, high) in planes {
        let edges = canny(plane, low, high);
        // One pixel of dilation closes the gaps Canny leaves at corners and weak stretches.
        let closed = imageproc::morphology::dilate(&edges, Norm::LInf, 1);
        for contour in find_contours::<i32>(&closed) {
            if (contour.points.len() as f32) < min_stretch {
                continue;
            }
            let points: Vec<Point> = contour
                .points
                .iter()
                .map(|p| Point::new(p.x as f32 + 0.5, p.y as f32 + 0.5))
                .collect();
            stretches.extend(straight_stretches(&points, min_stretch));

            if (points.len() as f32) < 2.0 * min_side {
                continue;
            }
            let hull = convex_hull(
                points
                    .iter()
                    .map(|p| PixelPoint::new(p.x, p.y))
                    .collect::<Vec<_>>(),
            );
            let hull: Vec<Point> = hull.iter().map(|p| Point::new(p.x, p.y)).collect();
            if hull.len() < 4 || polygon_area(&hull).abs() < min_area {
                continue;
            }
            quads.extend(enclosing_quad(&hull));
            quads.extend(simplified_quad(&hull));
        }
    }
    let lines = merge_stretches(stretches, min_stretch);
    quads.extend(quads_from_lines(&lines, min_side, min_area));
    quads
}

/// The straight pieces (at least `min_length` long) of a closed contour, as segments.
fn straight_stretches(contour: &[Point], min_length: f32) -> Vec<(Point, Point)> {
    // Within 1.5 px of a straight line: a printed edge, not a curve.
    let polygon = simplify_closed(contour, 1.5);
    (0..polygon.len())
        .map(|i| (polygon[i], polygon[(i + 1) % polygon.len()]))
        .filter(|(a, b)| a.distance(*b) >= min_length)
        .collect()
}

/// Douglas-Peucker simplification of a closed curve (no point repeated): the curve is cut at
/// its first point and the point farthest from it, and each half simplified.
fn simplify_closed(curve: &[Point], epsilon: f32) -> Vec<Point> {
    if curve.len() < 3 {
        return curve.to_vec();
    }
    let first = curve[0];
    let far = (1..curve.len())
        .max_by(|&i, &j| {
            first
                .distance(curve[i])
                .total_cmp(&first.distance(curve[j]))
                .then(j.cmp(&i))
        })
        .unwrap_or(1);
    let as_pixels = |points: &[Point]| -> Vec<PixelPoint<f64>> {
        points
            .iter()
            .map(|p| PixelPoint::new(p.x as f64, p.y as f64))
            .collect()
    };
    let mut second: Vec<Point> = curve[far..].to_vec();
    second.push(first);
    let mut out = Vec::new();
    for half in [&curve[..=far], &second[..]] {
        let simplified = approximate_polygon_dp(&as_pixels(half), epsilon as f64, false);
        // Each half ends where the next begins.
        out.extend(
            simplified[..simplified.len() - 1]
                .iter()
                .map(|p| Point::new(p.x as f32, p.y as f32)),
        );
    }
    out
}

/// A straight edge: stretches on one line, merged.
#[derive(Debug, Clone)]
struct EdgeLine {
    line: Line,
    origin: Point,
    /// Unit direction, pointing right (or down when vertical), so parallel stretches agree.
    dir: Point,
    /// Angle of `dir` in [0, 180) degrees.
    angle: f32,
    /// Extent along `dir` from `origin`.
    start: f32,
    end: f32,
    /// Length actually covered by stretches (gaps excluded).
    covered: f32,
}

impl EdgeLine {
    /// The point at `t` along the line.
    fn at(&self, t: f32) -> Point {
        Point::new(
            self.origin.x + t * self.dir.x,
            self.origin.y + t * self.dir.y,
        )
    }

    fn position(&self, p: Point) -> f32 {
        (p.x - self.origin.x) * self.dir.x + (p.y - self.origin.y) * self.dir.y
    }

    /// The extent along the line of the segment `a`-`b`, lower end first.
    fn span(&self, a: Point, b: Point) -> (f32, f32) {
        let (pa, pb) = (self.position(a), self.position(b));
        (pa.min(pb), pa.max(pb))
    }
}

/// Angle between two undirected lines, in [0, 90] degrees.
fn angle_between(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(180.0);
    d.min(180.0 - d)
}

/// Merges stretches lying on one line (within 3 degrees and 2 px) and separated by less than
/// `max_gap` into edge lines, longest first.
fn merge_stretches(mut stretches: Vec<(Point, Point)>, max_gap: f32) -> Vec<EdgeLine> {
    stretches.sort_by(|(a, b), (c, d)| {
        c.distance(*d)
            .total_cmp(&a.distance(*b))
            .then(a.x.total_cmp(&c.x))
            .then(a.y.total_cmp(&c.y))
    });
    let mut lines: Vec<EdgeLine> = Vec::new();
    for (a, b) in stretches {
        let Some(line) = Line::through(a, b) else {
            continue;
        };
        let length = a.distance(b);
        let mut dir = Point::new((b.x - a.x) / length, (b.y - a.y) / length);
        if dir.x < -1e-6 || (dir.x.abs() <= 1e-6 && dir.y < 0.0) {
            dir = Point::new(-dir.x, -dir.y);
        }
        let angle = dir.y.atan2(dir.x).to_degrees().rem_euclid(180.0);
        let merged = lines.iter_mut().find(|l| {
            let (s, e) = l.span(a, b);
            angle_between(l.angle, angle) <= 3.0
                && l.line.distance(a).abs() <= 2.0
                && l.line.distance(b).abs() <= 2.0
                && s <= l.end + max_gap
                && e >= l.start - max_gap
        });
        match merged {
            Some(l) => {
                let (s, e) = l.span(a, b);
                let overlap = (e.min(l.end) - s.max(l.start)).max(0.0);
                l.covered += (e - s) - overlap;
                l.start = l.start.min(s);
                l.end = l.end.max(e);
            }
            None => {
                let end = (b.x - a.x) * dir.x + (b.y - a.y) * dir.y;
                lines.push(EdgeLine {
                    line,
                    origin: a,
                    dir,
                    angle,
                    start: end.min(0.0),
                    end: end.max(0.0),
                    covered: length,
                });
            }
        }
    }
    lines.sort_by(|a, b| b.covered.total_cmp(&a.covered));
    lines
}

/// Quads whose four sides lie on edge lines: two roughly parallel pairs crossing at roughly
/// right angles, each line covering at least 40% of its side and not running on far past it.
fn quads_from_lines(lines: &[EdgeLine], min_side: f32, min_area: f32) -> Vec<[Point; 4]> {
    let lines = &lines[..lines.len().min(MAX_LINES)];
    // Opposite sides: near parallel, far enough apart, overlapping along their direction.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            let (a, b) = (&lines[i], &lines[j]);
            if angle_between(lines[i].angle, lines[j].angle) > 12.0 {
                continue;
            }
            let mid_b = b.at((b.start + b.end) / 2.0);
            if a.line.distance(mid_b).abs() < 0.7 * min_side {
                continue;
            }
            let (s, e) = (a.position(b.at(b.start)), a.position(b.at(b.end)));
            let overlap = (e.max(s).min(a.end) - e.min(s).max(a.start)).max(0.0);
            if overlap < 0.3 * (a.end - a.start).min(b.end - b.start) {
                continue;
            }
            pairs.push((i, j));
        }
    }
    let mut quads: Vec<(f32, [Point; 4])> = Vec::new();
    for (p, &(i, j)) in pairs.iter().enumerate() {
        for &(k, l) in &pairs[p + 1..] {
            if [k, l].contains(&i) || [k, l].contains(&j) {
                continue;
            }
            let crossing = angle_between(lines[i].angle, lines[k].angle);
            if crossing < 65.0 {
                continue;
            }
            if let Some(quad) =
                quad_on_lines([&lines[i], &lines[k], &lines[j], &lines[l]], min_area)
            {
                quads.push(quad);
            }
        }
    }
    quads.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1[0].x.total_cmp(&b.1[0].x))
            .then(a.1[0].y.total_cmp(&b.1[0].y))
    });
    quads
        .into_iter()
        .take(MAX_SIDE_QUADS)
        .map(|(_, q)| q)
        .collect()
}

/// The quad bounded by four lines taken in turn around it (`sides[0]` and `sides[2]` opposite),
/// with how well the lines cover its sides; `None` when it is not a plausible document.
fn quad_on_lines(sides: [&EdgeLine; 4], min_area: f32) -> Option<(f32, [Point; 4])> {
    let mut corners = [Point::default(); 4];
    for i in 0..4 {
        corners[i] = sides[(i + 3) % 4].line.intersect(&sides[i].line)?;
    }
    let corners = order_corners(corners);
    if !is_convex(&corners) || polygon_area(&corners).abs() < min_area {
        return None;
    }
    if !(MIN_ASPECT..=MAX_ASPECT).contains(&quad_aspect(&corners)) {
        return None;
    }
    let mut coverage = 0.0;
    for side in sides {
        // The quad side this line carries: the one whose ends lie on it.
        let (a, b) =
            (0..4)
                .map(|i| (corners[i], corners[(i + 1) % 4]))
                .min_by(|(a, b), (c, d)| {
                    (side.line.distance(*a).abs() + side.line.distance(*b).abs())
                        .total_cmp(&(side.line.distance(*c).abs() + side.line.distance(*d).abs()))
                })?;
        let (s, e) = side.span(a, b);
        let length = e - s;
        let inside = (side.end.min(e) - side.start.max(s)).max(0.0);
        let beyond = (side.end - side.start) - inside;
        // Covered length is not tracked per place; what lies within the side bounds it.
        let share = (side.covered.min(inside) / length).min(1.0);
        if share < 0.4 || beyond > 0.5 * length {
            return None;
        }
        coverage += share;
    }
    Some((coverage, corners))
}

/// The smallest quadrilateral enclosing a convex polygon, found greedily: the side whose removal
/// (extending its two neighbours until they meet) adds the least area goes first.
fn enclosing_quad(hull: &[Point]) -> Option<[Point; 4]> {
    let mut poly: Vec<Point> = hull.to_vec();
    if polygon_area(&poly) < 0.0 {
        poly.reverse();
    }
    while poly.len() > 4 {
        let n = poly.len();
        let mut best: Option<(f32, usize, Point)> = None;
        for i in 0..n {
            // Side i runs poly[i] -> poly[i+1]; its neighbours are the sides before and after.
            let (p0, p1, p2, p3) = (
                poly[(i + n - 1) % n],
                poly[i],
                poly[(i + 1) % n],
                poly[(i + 2) % n],
            );
            let (Some(before), Some(after)) = (Line::through(p0, p1), Line::through(p2, p3)) else {
                continue;
            };
            let Some(x) = before.intersect(&after) else {
                continue;
            };
            // The meeting point must lie beyond side i (outside the polygon), on both rays.
            let ahead = |from: Point, to: Point| {
                (x.x - to.x) * (to.x - from.x) + (x.y - to.y) * (to.y - from.y) >= 0.0
            };
            if !ahead(p0, p1) || !ahead(p3, p2) {
                continue;
            }
            let added = polygon_area(&[p1, x, p2]).abs();
            if best.is_none_or(|(a, _, _)| added < a) {
                best = Some((added, i, x));
            }
        }
        let (_, i, x) = best?;
        poly[i] = x;
        poly.remove((i + 1) % n);
    }
    (poly.len() == 4).then(|| [poly[0], poly[1], poly[2], poly[3]])
}

/// Douglas-Peucker simplification of the hull to four vertices, loosening until it gets there.
fn simplified_quad(hull: &[Point]) -> Option<[Point; 4]> {
    let perimeter: f32 = (0..hull.len())
        .map(|i| hull[i].distance(hull[(i + 1) % hull.len()]))
        .sum();
    for share in [0.01, 0.02, 0.035, 0.05, 0.08] {
        let simplified = simplify_closed(hull, share * perimeter);
        match simplified.len() {
            n if n > 4 => continue,
            4 => return Some([simplified[0], simplified[1], simplified[2], simplified[3]]),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enclosing_quad_of_a_rounded_rectangle_recovers_its_corners() {
        // A 200 x 126 rectangle with corners rounded by 8 px, as a convex polygon.
        let mut hull = Vec::new();
        let (w, h, r) = (200.0f32, 126.0f32, 8.0f32);
        let centres = [(w - r, r), (w - r, h - r), (r, h - r), (r, r)];
        for (k, (cx, cy)) in centres.iter().enumerate() {
            for step in 0..=6 {
                let angle = (-90.0 + 90.0 * k as f32 + 15.0 * step as f32).to_radians();
                hull.push(Point::new(cx + r * angle.cos(), cy + r * angle.sin()));
            }
        }
        let quad = order_corners(enclosing_quad(&hull).unwrap());
        let truth = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)].map(|(x, y)| Point::new(x, y));
        for (got, want) in quad.iter().zip(&truth) {
            assert!(got.distance(*want) < 0.5, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn closed_simplification_keeps_the_corners_of_a_traced_rectangle() {
        // A 40 x 20 rectangle traced pixel by pixel, starting mid-side.
        let mut curve = Vec::new();
        curve.extend((20..=40).map(|x| Point::new(x as f32, 0.0)));
        curve.extend((1..=20).map(|y| Point::new(40.0, y as f32)));
        curve.extend((0..40).rev().map(|x| Point::new(x as f32, 20.0)));
        curve.extend((0..20).rev().map(|y| Point::new(0.0, y as f32)));
        curve.extend((1..20).map(|x| Point::new(x as f32, 0.0)));
        let mut corners = simplify_closed(&curve, 1.0);
        // The cut at the first point may leave it as a fifth vertex, in line with its neighbours.
        corners.retain(|p| p.x.fract() == 0.0 && (p.x == 0.0 || p.x == 40.0));
        assert_eq!(corners.len(), 4, "{corners:?}");
        // The side cut at the start comes out in two pieces, which merging joins again.
        let stretches = straight_stretches(&curve, 15.0);
        assert_eq!(stretches.len(), 5, "{stretches:?}");
        let lines = merge_stretches(stretches, 5.0);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines
            .iter()
            .all(|l| (l.covered - (l.end - l.start)).abs() < 1e-3));
    }

    #[test]
    fn broken_sides_merge_and_pair_into_their_quad() {
        // A 160 x 100 card whose top side is broken in two (a finger) and whose left side has
        // an unrelated stretch running off it at an angle (a collar).
        let stretches = vec![
            (Point::new(10.0, 10.0), Point::new(80.0, 10.0)),
            (Point::new(100.0, 10.2), Point::new(170.0, 10.1)),
            (Point::new(170.0, 10.0), Point::new(170.0, 110.0)),
            (Point::new(170.0, 110.0), Point::new(10.0, 110.0)),
            (Point::new(10.0, 110.0), Point::new(10.0, 10.0)),
            (Point::new(10.0, 60.0), Point::new(-40.0, 20.0)),
        ];
        let lines = merge_stretches(stretches, 30.0);
        assert_eq!(lines.len(), 5, "{lines:?}");
        let top = lines
            .iter()
            .find(|l| angle_between(l.angle, 0.0) < 1.0 && l.origin.y < 20.0)
            .unwrap();
        assert!((top.covered - 140.0).abs() < 0.5 && (top.end - top.start - 160.0).abs() < 0.5);
        let quads = quads_from_lines(&lines, 50.0, 2000.0);
        assert!(!quads.is_empty());
        let truth = [(10.0, 10.0), (170.0, 10.0), (170.0, 110.0), (10.0, 110.0)]
            .map(|(x, y)| Point::new(x, y));
        for (got, want) in quads[0].iter().zip(&truth) {
            assert!(got.distance(*want) < 0.5, "{got:?} vs {want:?}");
        }
    }
}
