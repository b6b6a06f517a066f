//! What the benches share: face embeddings derived from real ones, one child process per size, and
//! the small measuring and printing helpers.
//!
//! The real embeddings come from the single-face photos of `../shared/data/faces`, embedded by the
//! real engine; every synthetic identity is one of them moved by Gaussian noise and renormalised
//! (see [`Synthetic`]).

// Each bench includes this module and uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use ekyc_command::ImageLimits;
use engine::{FaceEmbedding, FaceEngine, ModelFiles};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub const FACES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/faces");
/// How far each real embedding is kept from the real embeddings' mean before the identity noise is
/// added (1 keeps it as it is). With 0.5 and 0.025 the synthetic impostor distances land on the
/// real ones (the search bench prints both); the raw real embedding plus 0.08 noise per value
/// (`SEARCH_BENCH_SHRINK=1 SEARCH_BENCH_IDENTITY_SIGMA=0.08`) puts impostors near 1.05, nearly
/// twice the real 0.58, which would make the search far easier than on real faces.
pub const SHRINK: f32 = 0.5;
pub const IDENTITY_SIGMA: f32 = 0.025;
/// Per-value noise that turns an identity's centre into one photo of it (indexed face or query).
pub const PHOTO_SIGMA: f32 = 0.02;
pub const SEED: u64 = 0x5EA2_C4B3;

pub struct RealFace {
    pub person: String,
    pub embedding: FaceEmbedding,
}

/// The engine's embeddings of the single-face photos, or `None` (after saying why) to skip. `bench`
/// names the bench in the one-line reason written to stderr.
pub fn real_embeddings(bench: &str) -> Option<Vec<RealFace>> {
    let dir = Path::new(FACES_DIR);
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("SKIPPED: no face photos at {FACES_DIR} (the shared data set is not checked out)");
        eprintln!("{bench} bench SKIPPED: {FACES_DIR} is absent");
        return None;
    };
    let model_dir = ModelFiles::default_dir();
    let engine = match FaceEngine::load(&ModelFiles::in_dir(&model_dir)) {
        Ok(engine) => engine,
        Err(e) => {
            println!(
                "SKIPPED: the models in {} do not load ({e}); run `just setup`",
                model_dir.display()
            );
            eprintln!("{bench} bench SKIPPED: models absent");
            return None;
        }
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let limits = ImageLimits {
        max_bytes: 64 << 20,
        ..ImageLimits::default()
    };
    let mut reals = Vec::new();
    for file in files {
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        if stem.starts_with("multi_") || stem.starts_with("noface_") {
            continue;
        }
        // `obama_2` -> `obama`.
        let person = match stem.rsplit_once('_') {
            Some((name, n)) if n.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
            _ => stem.to_string(),
        };
        let analysed = std::fs::read(&file)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                engine
                    .decode(&bytes, &limits)
                    .and_then(|image| engine.analyze_largest_face(&image, false))
                    .map_err(|e| e.to_string())
            });
        match analysed {
            Ok(face) => reals.push(RealFace {
                person,
                embedding: face.embedding,
            }),
            Err(e) => println!("  (skipped {}: {e})", file.display()),
        }
    }
    if reals.is_empty() {
        println!("SKIPPED: no face found in the photos of {FACES_DIR}");
        eprintln!("{bench} bench SKIPPED: no real embeddings");
        return None;
    }
    Some(reals)
}

/// Synthetic identities derived from real embeddings; identity `i` is the same on every call.
#[derive(Clone, Serialize, Deserialize)]
pub struct Synthetic {
    /// The real embeddings, pulled towards their mean by `SHRINK`.
    pub bases: Vec<Vec<f32>>,
    pub model_id: String,
    pub identity_sigma: f32,
}

impl Synthetic {
    /// Identities around the real embeddings, each first pulled `shrink` of the way from the real
    /// embeddings' mean, so that the identity noise added to it lands impostor distances where
    /// real ones are.
    pub fn from_reals(reals: &[RealFace], shrink: f32, identity_sigma: f32) -> Self {
        let dimension = reals[0].embedding.values.len();
        let mean: Vec<f32> = (0..dimension)
            .map(|d| reals.iter().map(|r| r.embedding.values[d]).sum::<f32>() / reals.len() as f32)
            .collect();
        let bases: Vec<Vec<f32>> = reals
            .iter()
            .map(|r| {
                r.embedding
                    .values
                    .iter()
                    .zip(&mean)
                    .map(|(x, m)| m + shrink * (x - m))
                    .collect()
            })
            .collect();
        Synthetic {
            bases,
            model_id: reals[0].embedding.model_id.clone(),
            identity_sigma,
        }
    }

    pub fn dimension(&self) -> usize {
        self.bases[0].len()
    }

    /// Identity `i`: its centre and the face of it that is indexed.
    pub fn identity(&self, i: usize) -> (Vec<f32>, Vec<f32>) {
        let mut rng = StdRng::seed_from_u64(SEED ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let base = &self.bases[rng.gen_range(0..self.bases.len())];
        let centre = nudge(&mut rng, base, self.identity_sigma);
        let face = nudge(&mut rng, &centre, PHOTO_SIGMA);
        (centre, face)
    }

    /// A new photo of identity `i`.
    pub fn photo(&self, rng: &mut StdRng, i: usize) -> Vec<f32> {
        nudge(rng, &self.identity(i).0, PHOTO_SIGMA)
    }

    pub fn embedding(&self, values: Vec<f32>) -> FaceEmbedding {
        FaceEmbedding {
            model_id: self.model_id.clone(),
            values,
        }
    }
}

/// `v` moved by Gaussian noise of `sigma` per value, then renormalised.
pub fn nudge(rng: &mut StdRng, v: &[f32], sigma: f32) -> Vec<f32> {
    let mut out: Vec<f32> = v
        .iter()
        .map(|x| x + sigma * rng.sample::<f32, _>(StandardNormal))
        .collect();
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    out.iter_mut().for_each(|x| *x /= norm);
    out
}

pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// Runs `job` in a child process (this executable again, with `job` as JSON in the environment
/// variable `child_env`), echoing its report as it comes; the child's line starting with
/// `result_prefix` is its result as JSON.
pub fn run_in_child<J: Serialize, R: DeserializeOwned>(
    child_env: &str,
    result_prefix: &str,
    job: &J,
) -> Result<R, String> {
    let job = serde_json::to_string(job).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .env(child_env, job)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no child stdout")?;
    let mut result = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        match line.strip_prefix(result_prefix) {
            Some(json) => result = Some(serde_json::from_str(json).map_err(|e| e.to_string())?),
            None => println!("{line}"),
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    match result {
        Some(result) if status.success() => Ok(result),
        _ => Err(format!("the child process ended with {status}")),
    }
}

/// The child's side of [`run_in_child`]: runs the parent's `job` and prints its result.
pub fn run_child<J: DeserializeOwned, R: Serialize>(
    job: &str,
    result_prefix: &str,
    run: impl FnOnce(J) -> R,
) {
    let job: J = serde_json::from_str(job).expect("the parent's job description");
    let result = run(job);
    println!(
        "{result_prefix}{}",
        serde_json::to_string(&result).expect("serialisable")
    );
}

/// The sizes to run: `sizes` up to the cap in the environment variable `max_env` (underscores
/// allowed), or the cap alone when it is below every size.
pub fn sizes_up_to(sizes: &[usize], max_env: &str) -> Vec<usize> {
    let max = std::env::var(max_env)
        .ok()
        .map(|v| v.trim().replace('_', ""))
        .and_then(|v| v.parse::<usize>().ok());
    let mut chosen: Vec<usize> = sizes
        .iter()
        .copied()
        .filter(|&n| !matches!(max, Some(m) if n > m))
        .collect();
    if chosen.is_empty() {
        chosen.push(max.unwrap_or(sizes[0]).max(1));
    }
    chosen
}

/// This process's resident set size, from /proc/self/status (Linux only).
pub fn rss_kib() -> Option<i64> {
    proc_status_kib("VmRSS:")
}

/// This process's peak resident set size so far (Linux only).
pub fn peak_rss_kib() -> Option<i64> {
    proc_status_kib("VmHWM:")
}

fn proc_status_kib(field: &str) -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "n/a".into())
}

/// `1000000` -> `1,000,000`.
pub fn thousands(n: usize) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| g.iter().collect())
        .collect();
    groups.join(",")
}
