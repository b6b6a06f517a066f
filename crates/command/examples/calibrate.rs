//! Fits the score calibration (crates/command/src/score.rs) on real genuine and impostor pairs,
//! and prints the measured rates for docs/calibration.md. Run by `just calibrate`:
//! `cargo run --release -p ekyc-command --example calibrate -- --out FILE DIR...`
//!
//! Input: one or more directories of face photos. A photo's identity is its parent folder's name
//! (`DIR/<identity>/<file>`), or for files directly in DIR the part of the name before the last
//! `_<n>` (`obama_2.jpg` -> `obama`); files starting with `multi_` or `noface_` are skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use ekyc_command::ScoreCalibration;
use engine::{FaceEmbedding, FaceEngine, ImageLimits, ModelFiles};
use serde_json::json;
use statrs::distribution::{ContinuousCDF, Normal};

/// Impostor distances whose empirical CDF is at most this are the "lower tail" the normal is fitted
/// to: the part that decides the false-accept rates of the published table.
const TAIL_QUANTILE: f64 = 0.25;

struct CalibrateArgs {
    dirs: Vec<PathBuf>,
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (mut dirs, mut out) = (Vec::new(), None);
    while let Some(arg) = args.next() {
        if arg == "--out" {
            out = args.next().map(PathBuf::from);
        } else {
            dirs.push(PathBuf::from(arg));
        }
    }
    let out = out.context("usage: calibrate --out FILE DIR...")?;
    anyhow::ensure!(!dirs.is_empty(), "usage: calibrate --out FILE DIR...");
    let engine = FaceEngine::load(&ModelFiles::in_dir(&ModelFiles::default_dir()))?;
    run(&engine, &CalibrateArgs { dirs, out })
}

struct Sample {
    identity: String,
    embedding: FaceEmbedding,
}

fn run(engine: &FaceEngine, args: &CalibrateArgs) -> anyhow::Result<()> {
    let mut samples = Vec::new();
    let mut skipped = Vec::new();
    let limits = ImageLimits {
        max_bytes: 64 << 20,
        ..ImageLimits::default()
    };
    for (identity, file) in list_photos(&args.dirs)? {
        let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
        let analyzed = engine
            .decode(&bytes, &limits)
            .and_then(|image| engine.analyze_largest_face(&image, false));
        match analyzed {
            Ok(face) => samples.push(Sample {
                identity,
                embedding: face.embedding,
            }),
            Err(e) => skipped.push(format!("{}: {e}", file.display())),
        }
    }
    let identities: BTreeMap<&str, usize> = samples.iter().fold(BTreeMap::new(), |mut m, s| {
        *m.entry(s.identity.as_str()).or_default() += 1;
        m
    });
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for (i, a) in samples.iter().enumerate() {
        for b in &samples[i + 1..] {
            let d = f64::from(a.embedding.distance(&b.embedding));
            if a.identity == b.identity {
                genuine.push(d)
            } else {
                impostor.push(d)
            }
        }
    }
    anyhow::ensure!(
        genuine.len() >= 10 && impostor.len() >= 100,
        "too few pairs to calibrate"
    );
    genuine.sort_by(f64::total_cmp);
    impostor.sort_by(f64::total_cmp);
    let (mean, std) = fit_lower_tail(&impostor);
    let calibration = ScoreCalibration {
        model_id: engine.recognizer_id().to_string(),
        impostor_mean: mean,
        impostor_std: std,
        fitted_on: json!({
            "photos": samples.len(),
            "identities": identities.len(),
            "genuine_pairs": genuine.len(),
            "impostor_pairs": impostor.len(),
            "tail_quantile": TAIL_QUANTILE,
            "sources": args.dirs.iter().map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(),
        }),
    };
    std::fs::write(
        &args.out,
        serde_json::to_string_pretty(&calibration)? + "\n",
    )
    .with_context(|| args.out.display().to_string())?;

    println!(
        "photos embedded: {} ({} identities); skipped: {}",
        samples.len(),
        identities.len(),
        skipped.len()
    );
    for s in &skipped {
        println!("  skipped {s}");
    }
    println!(
        "pairs: {} genuine, {} impostor",
        genuine.len(),
        impostor.len()
    );
    println!(
        "fitted impostor lower tail: normal(mean {mean:.4}, std {std:.4}) -> {}",
        args.out.display()
    );
    let q = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    for (name, v) in [("genuine", &genuine), ("impostor", &impostor)] {
        println!(
            "{name:>8} L2: min {:.3} p1 {:.3} p5 {:.3} median {:.3} p95 {:.3} p99 {:.3} max {:.3}",
            v[0],
            q(v, 0.01),
            q(v, 0.05),
            q(v, 0.5),
            q(v, 0.95),
            q(v, 0.99),
            v[v.len() - 1]
        );
        let scores: Vec<f32> = v
            .iter()
            .map(|&d| calibration.score(d as f32).value())
            .collect();
        let mut sorted = scores.clone();
        sorted.sort_by(f32::total_cmp);
        let qs = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
        println!(
            "{name:>8} score: min {:.3} p5 {:.3} median {:.3} p95 {:.3} max {:.3}",
            sorted[0],
            qs(0.05),
            qs(0.5),
            qs(0.95),
            sorted[sorted.len() - 1]
        );
        println!(
            "{name:>8} score histogram (0.1 bins): {:?}",
            histogram(&scores)
        );
    }
    println!("| threshold | published FAR | measured FAR (false accepts / impostor pairs) | measured FRR (false rejects / genuine pairs) |");
    println!("|---|---|---|---|");
    for t in [0.4f32, 0.5, 0.6, 0.7, 0.8, 0.9] {
        let fa = impostor
            .iter()
            .filter(|&&d| calibration.score(d as f32).value() >= t)
            .count();
        let fr = genuine
            .iter()
            .filter(|&&d| calibration.score(d as f32).value() < t)
            .count();
        println!(
            "| {t:.1} | {:.0e} | {:.2e} ({fa}/{}) | {:.2} % ({fr}/{}) |",
            ekyc_command::CalibratedScore(t).false_accept_rate(),
            fa as f64 / impostor.len() as f64,
            impostor.len(),
            100.0 * fr as f64 / genuine.len() as f64,
            genuine.len()
        );
    }
    Ok(())
}

/// Least-squares line through (d, probit(empirical CDF)) over the lower tail of the sorted
/// impostor distances: probit(F) = (d - mean) / std.
fn fit_lower_tail(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len() as f64;
    let unit = Normal::new(0.0, 1.0).expect("unit normal");
    let points: Vec<(f64, f64)> = sorted
        .iter()
        .enumerate()
        .map(|(i, &d)| (d, (i as f64 + 0.5) / n))
        .take_while(|&(_, f)| f <= TAIL_QUANTILE)
        .map(|(d, f)| (d, unit.inverse_cdf(f)))
        .collect();
    let m = points.len() as f64;
    let (sx, sz) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (d, z)| (a + d, b + z));
    let (mx, mz) = (sx / m, sz / m);
    let (cov, var) = points.iter().fold((0.0, 0.0), |(c, v), (d, z)| {
        (c + (d - mx) * (z - mz), v + (d - mx) * (d - mx))
    });
    let slope = cov / var;
    let std = 1.0 / slope;
    (mx - mz * std, std)
}

fn histogram(scores: &[f32]) -> [usize; 10] {
    let mut bins = [0; 10];
    for &s in scores {
        bins[((s * 10.0) as usize).min(9)] += 1;
    }
    bins
}

fn list_photos(dirs: &[PathBuf]) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let is_image = |p: &Path| {
        matches!(
            p.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("jpg" | "jpeg" | "png" | "bmp" | "webp" | "pgm" | "ppm")
        )
    };
    let mut photos = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
            let path = entry?.path();
            if path.is_dir() {
                let identity = path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                for inner in std::fs::read_dir(&path)? {
                    let file = inner?.path();
                    if is_image(&file) {
                        photos.push((identity.clone(), file));
                    }
                }
            } else if is_image(&path) {
                let stem = path
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                if stem.starts_with("multi_") || stem.starts_with("noface_") {
                    continue;
                }
                let identity = stem
                    .rsplit_once('_')
                    .map_or(stem.clone(), |(id, _)| id.to_string());
                photos.push((identity, path));
            }
        }
    }
    photos.sort();
    Ok(photos)
}
