//! Points, boxes, 2-D similarity transforms, and resampling a transformed region of an image
//! straight into a model's input tensor.

use image::RgbImage;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    pub fn distance(self, other: Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }

    pub fn midpoint(self, other: Point) -> Point {
        Point::new((self.x + other.x) / 2.0, (self.y + other.y) / 2.0)
    }
}

/// An axis-aligned box in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct BoundingBox {
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
}

impl BoundingBox {
    pub fn right(&self) -> f32 {
        self.left + self.width
    }

    pub fn bottom(&self) -> f32 {
        self.top + self.height
    }

    pub fn center(&self) -> Point {
        Point::new(self.left + self.width / 2.0, self.top + self.height / 2.0)
    }

    pub fn area(&self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    pub fn iou(&self, other: &BoundingBox) -> f32 {
        let w = (self.right().min(other.right()) - self.left.max(other.left)).max(0.0);
        let h = (self.bottom().min(other.bottom()) - self.top.max(other.top)).max(0.0);
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

/// `p' = [a -b; b a] p + t`: rotation, uniform scale and translation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    /// Maps the output square `[0,side)^2` onto a square of `source_side` pixels centred on `center`,
    /// turned by `angle` radians (the output's x axis points along `angle` in the source).
    pub fn square_crop(center: Point, source_side: f32, angle: f32, side: u32) -> Self {
        let scale = source_side / side as f32;
        let (sin, cos) = angle.sin_cos();
        let (a, b) = (scale * cos, scale * sin);
        let half = side as f32 / 2.0;
        // The output's centre maps to `center`.
        Self {
            a,
            b,
            tx: center.x - (a * half - b * half),
            ty: center.y - (b * half + a * half),
        }
    }

    /// Least-squares similarity taking `from[i]` to `to[i]` (Umeyama's closed form in 2-D).
    pub fn fit(from: &[Point], to: &[Point]) -> Option<Self> {
        if from.len() != to.len() || from.len() < 2 {
            return None;
        }
        let n = from.len() as f32;
        let mean = |ps: &[Point]| {
            Point::new(
                ps.iter().map(|p| p.x).sum::<f32>() / n,
                ps.iter().map(|p| p.y).sum::<f32>() / n,
            )
        };
        let (mf, mt) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
        for (p, q) in from.iter().zip(to) {
            let (px, py) = (p.x - mf.x, p.y - mf.y);
            let (qx, qy) = (q.x - mt.x, q.y - mt.y);
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        if norm <= f32::EPSILON {
            return None;
        }
        let (a, b) = (dot / norm, cross / norm);
        Some(Self {
            a,
            b,
            tx: mt.x - (a * mf.x - b * mf.y),
            ty: mt.y - (b * mf.x + a * mf.y),
        })
    }

    pub fn apply(&self, p: Point) -> Point {
        Point::new(
            self.a * p.x - self.b * p.y + self.tx,
            self.b * p.x + self.a * p.y + self.ty,
        )
    }

    pub fn inverse(&self) -> Self {
        let det = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / det, -self.b / det);
        Self {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }

    /// Source pixels per output pixel.
    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }
}

/// Fills `side x side` RGB samples (NHWC order, `f(channel value)`) of the region that `to_source`
/// maps the output square onto. Pixels outside the image read as black. When the region is much
/// larger than the output it is first box-filtered down, so the samples are not aliased.
pub fn sample_square(
    image: &RgbImage,
    to_source: &Similarity,
    side: u32,
    f: impl Fn(u8) -> f32,
) -> Vec<f32> {
    let scale = to_source.scale();
    if scale > 1.6 {
        // Crop the region's bounding box and shrink it with an area filter to about 1 source
        // pixel per output pixel, then sample that.
        let corners = [
            Point::new(0.0, 0.0),
            Point::new(side as f32, 0.0),
            Point::new(0.0, side as f32),
            Point::new(side as f32, side as f32),
        ]
        .map(|p| to_source.apply(p));
        let x0 = corners
            .iter()
            .map(|p| p.x)
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0) as u32;
        let y0 = corners
            .iter()
            .map(|p| p.y)
            .fold(f32::MAX, f32::min)
            .floor()
            .max(0.0) as u32;
        let x1 =
            (corners.iter().map(|p| p.x).fold(f32::MIN, f32::max).ceil() as u32).min(image.width());
        let y1 = (corners.iter().map(|p| p.y).fold(f32::MIN, f32::max).ceil() as u32)
            .min(image.height());
        if x1 > x0 + 1 && y1 > y0 + 1 {
            let (cw, ch) = (x1 - x0, y1 - y0);
            let (tw, th) = (
                ((cw as f32 / scale).round() as u32).max(1),
                ((ch as f32 / scale).round() as u32).max(1),
            );
            let region = image::imageops::crop_imm(image, x0, y0, cw, ch).to_image();
            let small = image::imageops::thumbnail(&region, tw, th);
            let (sx, sy) = (cw as f32 / tw as f32, ch as f32 / th as f32);
            // output -> original -> region -> small: small = (orig - origin) / s. The region is shrunk
            // with (almost) equal factors, so the composition stays a similarity.
            let s = (sx + sy) / 2.0;
            let local = Similarity {
                a: to_source.a / s,
                b: to_source.b / s,
                tx: (to_source.tx - x0 as f32) / s,
                ty: (to_source.ty - y0 as f32) / s,
            };
            return sample_bilinear(&small, &local, side, f);
        }
    }
    sample_bilinear(image, to_source, side, f)
}

fn sample_bilinear(
    image: &RgbImage,
    to_source: &Similarity,
    side: u32,
    f: impl Fn(u8) -> f32,
) -> Vec<f32> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let raw = image.as_raw();
    let mut out = Vec::with_capacity((side * side * 3) as usize);
    let lut: Vec<f32> = (0..=255u8).map(&f).collect();
    let black = lut[0];
    let pixel = |x: i64, y: i64, c: usize| -> f32 {
        if x < 0 || y < 0 || x >= w || y >= h {
            black
        } else {
            lut[raw[((y * w + x) * 3) as usize + c] as usize]
        }
    };
    for v in 0..side {
        for u in 0..side {
            // Sample at pixel centres.
            let p = to_source.apply(Point::new(u as f32 + 0.5, v as f32 + 0.5));
            let (x, y) = (p.x - 0.5, p.y - 0.5);
            let (x0, y0) = (x.floor() as i64, y.floor() as i64);
            let (fx, fy) = (x - x0 as f32, y - y0 as f32);
            for c in 0..3 {
                let top = pixel(x0, y0, c) * (1.0 - fx) + pixel(x0 + 1, y0, c) * fx;
                let bottom = pixel(x0, y0 + 1, c) * (1.0 - fx) + pixel(x0 + 1, y0 + 1, c) * fx;
                out.push(top * (1.0 - fy) + bottom * fy);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_known_similarity_and_inverts() {
        let truth = Similarity {
            a: 0.8,
            b: 0.3,
            tx: 12.0,
            ty: -4.0,
        };
        let from = [
            Point::new(0.0, 0.0),
            Point::new(10.0, 2.0),
            Point::new(3.0, 9.0),
            Point::new(7.0, 7.0),
        ];
        let to: Vec<Point> = from.iter().map(|p| truth.apply(*p)).collect();
        let fitted = Similarity::fit(&from, &to).unwrap();
        for (p, q) in from.iter().zip(&to) {
            assert!(fitted.apply(*p).distance(*q) < 1e-4);
            assert!(fitted.inverse().apply(*q).distance(*p) < 1e-4);
        }
    }

    #[test]
    fn square_crop_centres_on_the_requested_point() {
        let crop = Similarity::square_crop(Point::new(100.0, 50.0), 40.0, 0.7, 192);
        assert!(
            crop.apply(Point::new(96.0, 96.0))
                .distance(Point::new(100.0, 50.0))
                < 1e-3
        );
        assert!((crop.scale() - 40.0 / 192.0).abs() < 1e-6);
    }
}
