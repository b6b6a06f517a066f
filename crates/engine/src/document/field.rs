//! The image as the locator sees it: grey level and chroma planes at the working size, lightly
//! blurred, with Sobel gradients, sampled bilinearly at sub-pixel points.

use image::{GrayImage, ImageBuffer, Luma};

use crate::geometry::Point;

/// `|g . n| / |g|` above this: the gradient points across a side (within about 25 degrees).
const EDGE_ALIGNMENT: f32 = 0.9;

/// One image plane, lightly blurred, with its Sobel gradients.
pub(super) struct Plane {
    level: Vec<f32>,
    gx: Vec<f32>,
    gy: Vec<f32>,
}

/// The planes the analysis looks at (grey level and chroma), sampled bilinearly at any point.
pub(super) struct EdgeField {
    width: usize,
    height: usize,
    planes: Vec<Plane>,
}

impl EdgeField {
    pub(super) fn new(images: &[&GrayImage]) -> Self {
        let (width, height) = images[0].dimensions();
        let planes = images
            .iter()
            .map(|image| {
                // Blurred in floating point, so the gradients keep sub-level precision.
                let levels: ImageBuffer<Luma<f32>, Vec<f32>> =
                    ImageBuffer::from_fn(width, height, |x, y| {
                        Luma([image.get_pixel(x, y).0[0] as f32])
                    });
                let level = imageproc::filter::gaussian_blur_f32(&levels, 1.0).into_raw();
                let (gx, gy) = sobel(&level, width as usize, height as usize);
                Plane { level, gx, gy }
            })
            .collect();
        Self {
            width: width as usize,
            height: height as usize,
            planes,
        }
    }

    /// Bilinear sample of a per-pixel array at `p` (pixel `(i, j)`'s value sits at
    /// `(i + 0.5, j + 0.5)`); `None` outside the image.
    fn sample(&self, values: &[f32], p: Point) -> Option<f32> {
        let (x, y) = (p.x - 0.5, p.y - 0.5);
        if x < 0.0 || y < 0.0 {
            return None;
        }
        let (x0, y0) = (x as usize, y as usize);
        if x0 + 1 >= self.width || y0 + 1 >= self.height {
            return None;
        }
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let i = y0 * self.width + x0;
        let w = self.width;
        let top = values[i] * (1.0 - fx) + values[i + 1] * fx;
        let bottom = values[i + w] * (1.0 - fx) + values[i + w + 1] * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }

    /// The strongest gradient component along the unit normal `n` over the planes, counting only
    /// gradients that point across (0 elsewhere and outside the image).
    pub(super) fn across(&self, p: Point, n: Point) -> f32 {
        let mut best = 0.0f32;
        for plane in &self.planes {
            let (Some(gx), Some(gy)) = (self.sample(&plane.gx, p), self.sample(&plane.gy, p))
            else {
                return 0.0;
            };
            let along = (gx * n.x + gy * n.y).abs();
            if along * along >= EDGE_ALIGNMENT * EDGE_ALIGNMENT * (gx * gx + gy * gy) {
                best = best.max(along);
            }
        }
        best
    }

    /// How many planes there are.
    pub(super) fn plane_count(&self) -> usize {
        self.planes.len()
    }

    /// Plane `k`'s (blurred) level at `p`; `None` outside the image.
    pub(super) fn level(&self, k: usize, p: Point) -> Option<f32> {
        self.sample(&self.planes[k].level, p)
    }
}

/// The 3x3 Sobel derivatives of a `width x height` plane, border pixels replicated (the scale of
/// imageproc's `horizontal_sobel` / `vertical_sobel`). Written out because those work on 8-bit
/// images through a generic kernel filter: on these float planes this loop is several times
/// faster, and the gradients keep the blur's sub-level precision.
fn sobel(v: &[f32], width: usize, height: usize) -> (Vec<f32>, Vec<f32>) {
    let mut gx = vec![0.0f32; v.len()];
    let mut gy = vec![0.0f32; v.len()];
    for y in 0..height {
        let (up, down) = (y.saturating_sub(1) * width, (y + 1).min(height - 1) * width);
        let row = y * width;
        for x in 0..width {
            let (left, right) = (x.saturating_sub(1), (x + 1).min(width - 1));
            gx[row + x] = (v[up + right] + 2.0 * v[row + right] + v[down + right])
                - (v[up + left] + 2.0 * v[row + left] + v[down + left]);
            gy[row + x] = (v[down + left] + 2.0 * v[down + x] + v[down + right])
                - (v[up + left] + 2.0 * v[up + x] + v[up + right]);
        }
    }
    (gx, gy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sobel_matches_imageproc_on_an_8_bit_image() {
        let image = GrayImage::from_fn(9, 7, |x, y| Luma([((x * 37 + y * y * 11) % 256) as u8]));
        let levels: Vec<f32> = image.as_raw().iter().map(|&v| v as f32).collect();
        let (gx, gy) = sobel(&levels, 9, 7);
        let want_x = imageproc::gradients::horizontal_sobel(&image);
        let want_y = imageproc::gradients::vertical_sobel(&image);
        for (i, (x, y)) in want_x.as_raw().iter().zip(want_y.as_raw()).enumerate() {
            assert_eq!((gx[i], gy[i]), (*x as f32, *y as f32), "pixel {i}");
        }
    }
}
