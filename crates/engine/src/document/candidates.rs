//! Rough quadrilaterals worth refining, from the contours of Canny edge maps, two ways:
//!
//! - **outlines**: a contour whose convex hull is big enough is reduced to four corners (the
//!   smallest enclosing quad of the hull, and a Douglas-Peucker simplification). Exact when the
//!   card's outline is a closed contour of its own.
//! - **sides**: when the outline touches other edges (a collar, a sleeve, a table edge) its contour
//!   merges with them and its hull is useless, but its sides are still straight stretches of
//!   contour, which [`super::sides`] assembles into quads.

use image::GrayImage;
use imageproc::contours::find_contours;
use imageproc::distance_transform::Norm;
use imageproc::edges::canny;
use imageproc::geometry::{approximate_polygon_dp, convex_hull};
use imageproc::point::Point as PixelPoint;

use super::fit::Line;
use super::sides::{merge_stretches, quads_from_lines};
use super::{polygon_area, MAX_ASPECT};
use crate::geometry::Point;

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
    use super::super::order_corners;
    use super::super::sides::merge_stretches;
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
    }
}
