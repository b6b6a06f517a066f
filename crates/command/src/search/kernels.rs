//! The arithmetic of the scan: f32 and int8 dot products, and symmetric int8 quantisation of a row.
//!
//! The f32 dot keeps eight partial sums so the compiler can vectorise it without being allowed to
//! reassociate floating-point additions; the int8 dot sums in `i32`, which it vectorises freely.

/// Largest code magnitude: the codes are symmetric, `-127..=127`, so negation never overflows.
const CODE_MAX: f32 = 127.0;

/// `a · b` over equally long rows.
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut lanes = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// `a · b` over two code rows, exactly, in integers. Codes are symmetric (`-127..=127`), so each
/// product fits an `i16` (at most 16,129); sixteen `i32` lanes let the compiler vectorise the
/// widening multiply-add (128 x 127² fits an `i32` many times over).
pub(super) fn dot_codes(a: &[i8], b: &[i8]) -> i32 {
    debug_assert_eq!(a.len(), b.len());
    let mut lanes = [0i32; 16];
    let (a_chunks, b_chunks) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += i32::from(i16::from(x) * i16::from(y));
        }
    }
    lanes.iter().sum::<i32>() + tail
}

/// Quantises `row` into `codes` with one scale for the row (its largest magnitude maps to 127),
/// and returns the step: `row[i] ≈ codes[i] as f32 * step`. A per-row scale rather than one global
/// scale because unit 128-d vectors rarely have a component above ~0.4, so a global [-1, 1] range
/// would waste most of the 8 bits.
pub(super) fn quantise(row: &[f32], codes: &mut [i8]) -> f32 {
    debug_assert_eq!(row.len(), codes.len());
    let largest = row.iter().fold(0f32, |m, v| m.max(v.abs()));
    if largest == 0.0 {
        codes.fill(0);
        return 0.0;
    }
    let step = largest / CODE_MAX;
    for (code, v) in codes.iter_mut().zip(row) {
        // In range by construction; the clamp only guards the rounding of the largest component.
        *code = (v / step).round().clamp(-CODE_MAX, CODE_MAX) as i8;
    }
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_for_any_length() {
        for n in [0usize, 1, 7, 8, 9, 128, 131] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "n = {n}");
            let (ca, cb): (Vec<i8>, Vec<i8>) = (0..n)
                .map(|i| ((i * 37 % 255) as i32 - 127, (i * 91 % 255) as i32 - 127))
                .map(|(x, y)| (x as i8, y as i8))
                .unzip();
            let exact: i32 = ca
                .iter()
                .zip(&cb)
                .map(|(&x, &y)| i32::from(x) * i32::from(y))
                .sum();
            assert_eq!(dot_codes(&ca, &cb), exact, "n = {n}");
        }
    }

    #[test]
    fn quantised_rows_approximate_the_originals() {
        let row: Vec<f32> = (0..128).map(|i| (i as f32 * 0.7).sin() * 0.2).collect();
        let mut codes = vec![0i8; 128];
        let step = quantise(&row, &mut codes);
        assert_eq!(codes.iter().map(|c| c.unsigned_abs()).max(), Some(127));
        for (v, c) in row.iter().zip(&codes) {
            assert!((v - f32::from(*c) * step).abs() <= step / 2.0 + 1e-7);
        }
        let (self_dot, exact) = (
            dot_codes(&codes, &codes) as f32 * step * step,
            dot(&row, &row),
        );
        assert!(
            (self_dot / exact - 1.0).abs() < 1e-3,
            "{self_dot} vs {exact}"
        );

        let zero = [0f32; 4];
        let mut zero_codes = [1i8; 4];
        assert_eq!(quantise(&zero, &mut zero_codes), 0.0);
        assert_eq!(zero_codes, [0; 4]);
    }
}
