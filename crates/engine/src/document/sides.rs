//! Quads assembled from straight edges: stretches of contour on one line are merged into edge
//! lines; two roughly parallel lines crossing another such pair at roughly right angles make a
//! quad, kept when each line covers a good part of its side.
//!
//! All four sides must show. Completing three visible sides with a fourth placed by a card's
//! proportions was tried: it found a few more cards in synthetic sweeps, and as many false
//! outlines in real photos.

use super::fit::Line;
use super::{is_convex, order_corners, polygon_area, quad_aspect, MAX_ASPECT, MIN_ASPECT};
use crate::geometry::Point;

/// At most this many of the longest edge lines are paired into quads, and at most this many quads
/// are handed on (best covered first): the cost stays bounded on clutter.
const MAX_LINES: usize = 96;
const MAX_QUADS: usize = 24;

/// A straight edge: stretches on one line, merged.
#[derive(Debug, Clone)]
pub(super) struct EdgeLine {
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

    /// The middle of the line's extent.
    fn middle(&self) -> Point {
        self.at((self.start + self.end) / 2.0)
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
pub(super) fn merge_stretches(mut stretches: Vec<(Point, Point)>, max_gap: f32) -> Vec<EdgeLine> {
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

/// Quads whose sides lie on edge lines: two roughly parallel pairs crossing at roughly right
/// angles, each line covering at least 40% of its side and not running on far past it.
pub(super) fn quads_from_lines(
    lines: &[EdgeLine],
    min_side: f32,
    min_area: f32,
) -> Vec<[Point; 4]> {
    let lines = &lines[..lines.len().min(MAX_LINES)];
    // Opposite sides: near parallel, far enough apart, overlapping along their direction.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            let (a, b) = (&lines[i], &lines[j]);
            if angle_between(a.angle, b.angle) > 12.0 {
                continue;
            }
            if a.line.distance(b.middle()).abs() < 0.7 * min_side {
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
    let mut four: Vec<(f32, [Point; 4])> = Vec::new();
    for (p, &(i, j)) in pairs.iter().enumerate() {
        for &(k, l) in &pairs[p + 1..] {
            if [k, l].contains(&i) || [k, l].contains(&j) {
                continue;
            }
            if angle_between(lines[i].angle, lines[k].angle) < 65.0 {
                continue;
            }
            four.extend(quad_on_lines(
                [&lines[i], &lines[k], &lines[j], &lines[l]],
                min_area,
            ));
        }
    }
    four.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1[0].x.total_cmp(&b.1[0].x))
            .then(a.1[0].y.total_cmp(&b.1[0].y))
    });
    four.into_iter().take(MAX_QUADS).map(|(_, q)| q).collect()
}

/// Share of the segment `a`-`b` (on the line) that the line's stretches cover.
fn across_share(line: &EdgeLine, a: Point, b: Point) -> f32 {
    let (s, e) = line.span(a, b);
    if e - s <= 0.0 {
        return 0.0;
    }
    let inside = (line.end.min(e) - line.start.max(s)).max(0.0);
    // Covered length is not tracked per place; what lies within the side bounds it.
    (line.covered.min(inside) / (e - s)).min(1.0)
}

/// The side of the quad lying on `line`: the one whose ends are nearest it.
fn side_on(line: &EdgeLine, corners: &[Point; 4]) -> Option<(Point, Point)> {
    (0..4)
        .map(|i| (corners[i], corners[(i + 1) % 4]))
        .min_by(|(a, b), (c, d)| {
            (line.line.distance(*a).abs() + line.line.distance(*b).abs())
                .total_cmp(&(line.line.distance(*c).abs() + line.line.distance(*d).abs()))
        })
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
        let (a, b) = side_on(side, &corners)?;
        let (s, e) = side.span(a, b);
        let beyond = (side.end - side.start) - (side.end.min(e) - side.start.max(s)).max(0.0);
        let share = across_share(side, a, b);
        if share < 0.4 || beyond > 0.5 * (e - s) {
            return None;
        }
        coverage += share;
    }
    Some((coverage, corners))
}

#[cfg(test)]
mod tests {
    use super::*;

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
