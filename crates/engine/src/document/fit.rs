//! Sub-pixel side fitting: each side of a rough quad is re-fitted to the edge across it, and the
//! corners become the intersections of the fitted lines.

use super::field::EdgeField;
use super::{is_convex, polygon_area};
use crate::geometry::Point;

/// Sobel response across a side that counts as an edge (a step of about 10 grey levels).
pub(super) const EDGE_STRENGTH: f32 = 28.0;

/// The line through `a` and `b` in normal form `n . p = rho` (unit `n`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Line {
    n: Point,
    rho: f32,
}

impl Line {
    pub(super) fn through(a: Point, b: Point) -> Option<Self> {
        let len = a.distance(b);
        if len <= f32::EPSILON {
            return None;
        }
        let n = Point::new(-(b.y - a.y) / len, (b.x - a.x) / len);
        Some(Self {
            n,
            rho: n.x * a.x + n.y * a.y,
        })
    }

    pub(super) fn distance(&self, p: Point) -> f32 {
        self.n.x * p.x + self.n.y * p.y - self.rho
    }

    pub(super) fn intersect(&self, other: &Line) -> Option<Point> {
        let det = self.n.x * other.n.y - self.n.y * other.n.x;
        // Sides meeting at less than ~10 degrees do not make a corner.
        if det.abs() < 0.17 {
            return None;
        }
        Some(Point::new(
            (self.rho * other.n.y - self.n.y * other.rho) / det,
            (self.n.x * other.rho - self.rho * other.n.x) / det,
        ))
    }

    /// Total least squares fit.
    pub(super) fn fit(points: &[Point]) -> Option<Self> {
        if points.len() < 2 {
            return None;
        }
        let k = points.len() as f32;
        let cx = points.iter().map(|p| p.x).sum::<f32>() / k;
        let cy = points.iter().map(|p| p.y).sum::<f32>() / k;
        let (mut sxx, mut syy, mut sxy) = (0.0f32, 0.0f32, 0.0f32);
        for p in points {
            let (dx, dy) = (p.x - cx, p.y - cy);
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        // Direction of largest spread; the normal is perpendicular to it.
        let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let n = Point::new(-theta.sin(), theta.cos());
        Some(Self {
            n,
            rho: n.x * cx + n.y * cy,
        })
    }
}

/// Re-fits each side to the image edge near it; `None` when a side finds no edge or the corners
/// move implausibly far.
pub(super) fn refine(field: &EdgeField, corners: [Point; 4]) -> Option<[Point; 4]> {
    let mut corners = corners;
    if polygon_area(&corners) < 0.0 {
        corners.reverse();
    }
    if !is_convex(&corners) {
        return None;
    }
    let scale = (polygon_area(&corners).abs()).sqrt();
    for radius_share in [0.05, 0.02] {
        let radius = (radius_share * scale).clamp(2.0, 16.0);
        let mut lines = [None; 4];
        for (i, line) in lines.iter_mut().enumerate() {
            *line = fit_side(field, corners[i], corners[(i + 1) % 4], radius);
        }
        let mut next = corners;
        for i in 0..4 {
            let (before, after) = (lines[(i + 3) % 4]?, lines[i]?);
            next[i] = before.intersect(&after)?;
        }
        for i in 0..4 {
            if next[i].distance(corners[i]) > 0.2 * scale {
                return None;
            }
        }
        if !is_convex(&next) || polygon_area(&next) <= 0.0 {
            return None;
        }
        corners = next;
    }
    Some(corners)
}

/// Fits a line to the strongest across-side edge near the side `a -> b` (within `radius`).
fn fit_side(field: &EdgeField, a: Point, b: Point, radius: f32) -> Option<Line> {
    let length = a.distance(b);
    if length < 8.0 {
        return None;
    }
    let dir = Point::new((b.x - a.x) / length, (b.y - a.y) / length);
    let normal = Point::new(-dir.y, dir.x);
    // Enough points for a line fit; the search steps a pixel at a time when it reaches far, and the
    // parabola below recovers the sub-pixel position either way.
    let samples = ((length / 4.0) as usize).clamp(8, 48);
    let step = if radius > 4.0 { 1.0f32 } else { 0.5 };
    let reach = (radius / step).ceil() as i32;
    let mut points = Vec::with_capacity(samples);
    for k in 0..samples {
        // Stay clear of the ends: card corners are rounded.
        let t = 0.1 + 0.8 * (k as f32 + 0.5) / samples as f32;
        let base = Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        let at = |s: f32| Point::new(base.x + s * normal.x, base.y + s * normal.y);
        let mut best = (0.0f32, 0i32);
        for j in -reach..=reach {
            let s = j as f32 * step;
            // The nearer of two equal edges wins: the contour already lies close to the side.
            let weight = 1.0 - 0.3 * (s / radius).powi(2);
            let v = field.across(at(s), normal) * weight;
            if v > best.0 {
                best = (v, j);
            }
        }
        if best.0 < EDGE_STRENGTH {
            continue;
        }
        // Parabola through the peak and its neighbours for the sub-sample offset.
        let s = best.1 as f32 * step;
        let (l, c, r) = (
            field.across(at(s - step), normal),
            field.across(at(s), normal),
            field.across(at(s + step), normal),
        );
        let denom = l - 2.0 * c + r;
        let offset = if denom < 0.0 {
            (0.5 * (l - r) / denom).clamp(-0.5, 0.5) * step
        } else {
            0.0
        };
        points.push(at(s + offset));
    }
    if points.len() < (samples / 4).max(6) {
        return None;
    }
    // Trim outliers (a finger, a printed line) and refit.
    let mut line = Line::fit(&points)?;
    for _ in 0..3 {
        let mut residuals: Vec<f32> = points.iter().map(|p| line.distance(*p).abs()).collect();
        residuals.sort_by(f32::total_cmp);
        let median = residuals[residuals.len() / 2];
        let limit = (2.5 * median).max(0.75);
        let inliers: Vec<Point> = points
            .iter()
            .copied()
            .filter(|p| line.distance(*p).abs() <= limit)
            .collect();
        if inliers.len() < (samples / 4).max(6) {
            return None;
        }
        line = Line::fit(&inliers)?;
        points = inliers;
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_fit_and_intersection() {
        let horizontal: Vec<Point> = (0..10).map(|i| Point::new(i as f32, 5.0)).collect();
        let vertical: Vec<Point> = (0..10).map(|i| Point::new(3.0, i as f32)).collect();
        let (h, v) = (
            Line::fit(&horizontal).unwrap(),
            Line::fit(&vertical).unwrap(),
        );
        assert!(h.intersect(&v).unwrap().distance(Point::new(3.0, 5.0)) < 1e-4);
        assert!((h.distance(Point::new(7.0, 8.0)).abs() - 3.0).abs() < 1e-4);
        assert!(h.intersect(&h).is_none(), "parallel lines do not meet");
    }
}
