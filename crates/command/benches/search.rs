//! 1:N search benchmark: the in-memory `FaceIndex` at 10 k, 100 k and 1 M faces.
//!
//! `cargo bench -p ekyc-command --bench search` (`SEARCH_BENCH_MAX=100000` stops after 100 k).
//!
//! Embeddings are derived from real ones: the single-face photos of `../shared/data/faces` are
//! embedded by the real engine, and every synthetic identity is one of those embeddings moved by
//! Gaussian noise and renormalised; each indexed face and each query ("a new photo") is its
//! identity moved again by a little noise. The report prints the genuine and impostor distance
//! medians of the real photos next to the synthetic ones, so the resemblance can be judged.
//!
//! Per size: time to insert every face, resident memory grown by the index, latency p50/p99 of
//! `search` (int8 shortlist + exact re-rank) and `search_exact` (the reference), queries/s with two
//! threads sharing the index, and recall@1 / recall@10 of `search` against `search_exact`.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{
    distance, load_average, real_embeddings, rss_kib, thousands, RealFace, Synthetic, FACES_DIR,
    IDENTITY_SIGMA, PHOTO_SIGMA, SEED, SHRINK,
};
use ekyc_command::search::{FaceHit, FaceIndex, IndexedFace};
use ekyc_command::{CalibratedScore, ScoreCalibration};
use engine::FaceEmbedding;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Map;

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const QUERIES: usize = 200;
const WARM_UP: usize = 10;
const TOP_K: usize = 10;
const NO_FLOOR: CalibratedScore = CalibratedScore(0.0);
const THREADS: usize = 2;
const NAMESPACE: &str = "bench";
/// Identities sampled to measure the synthetic distance distribution.
const DISTRIBUTION_SAMPLE: usize = 2_000;
/// Set (to a JSON [`ChildJob`]) in the child process that runs one size.
const CHILD_ENV: &str = "SEARCH_BENCH_CHILD_JOB";
/// Prefix of the child's last line: its [`SizeResult`] as JSON.
const RESULT_PREFIX: &str = "SEARCH_BENCH_RESULT ";

// The targets (issue 4, "1:N search") on this 2-core machine.
const TARGET_FACES: usize = 1_000_000;
const TARGET_P50_MS: f64 = 20.0;
const TARGET_RECALL_AT_1: f64 = 0.99;

fn main() {
    if let Ok(child) = std::env::var(CHILD_ENV) {
        return run_child(&child);
    }
    let started = Instant::now();
    let sizes = common::sizes_up_to(&SIZES, "SEARCH_BENCH_MAX");
    let shrink = env_f32("SEARCH_BENCH_SHRINK", SHRINK);
    let identity_sigma = env_f32("SEARCH_BENCH_IDENTITY_SIGMA", IDENTITY_SIGMA);

    println!("== 1:N face search benchmark (ekyc-command FaceIndex) ==");
    println!(
        "machine: {} CPUs, load average at start {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );

    let Some(reals) = real_embeddings("search") else {
        return;
    };
    let dimension = reals[0].embedding.values.len();
    let model_id = &reals[0].embedding.model_id;
    let people: HashSet<&str> = reals.iter().map(|r| r.person.as_str()).collect();
    println!(
        "real embeddings: {} single-face photos of {} people from {FACES_DIR}, {dimension} values, model {model_id}",
        reals.len(),
        people.len()
    );
    let synth = Synthetic::from_reals(&reals, shrink, identity_sigma);
    println!(
        "synthetic: identity centre = renormalise(mean + {shrink} * (random real embedding - mean) + N(0, {identity_sigma}^2) per value),"
    );
    println!(
        "           mean = the real embeddings' mean (SEARCH_BENCH_SHRINK / SEARCH_BENCH_IDENTITY_SIGMA override {SHRINK} / {IDENTITY_SIGMA});"
    );
    println!(
        "           indexed face and query = renormalise(centre + N(0, {PHOTO_SIGMA}^2) per value), independent draws;"
    );
    println!(
        "           one indexed face per identity; queries are new photos of indexed identities"
    );
    print_distributions(&reals, &synth);
    println!(
        "(each size runs in a fresh child process, so its memory is measured from a clean heap)"
    );

    let mut rows = Vec::new();
    for &n in &sizes {
        match run_in_child(&synth, n) {
            Ok(row) => rows.push(row),
            Err(e) => println!("N = {}: FAILED: {e}", thousands(n)),
        }
    }
    print_summary(&rows);
    println!(
        "total wall time {:.1} s (load average at end {})",
        started.elapsed().as_secs_f64(),
        load_average()
    );
    if rows.len() < sizes.len() {
        std::process::exit(1);
    }
}

fn env_f32(name: &str, default: f32) -> f32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// What a child process needs to run one size: the synthetic identities and N.
#[derive(Serialize, Deserialize)]
struct ChildJob {
    n: usize,
    synth: Synthetic,
}

/// Runs one size in a child process (this executable again), echoing its report as it comes.
fn run_in_child(synth: &Synthetic, n: usize) -> Result<SizeResult, String> {
    let job = ChildJob {
        n,
        synth: synth.clone(),
    };
    common::run_in_child(CHILD_ENV, RESULT_PREFIX, &job)
}

fn run_child(job: &str) {
    common::run_child(job, RESULT_PREFIX, |job: ChildJob| {
        run_size(&job.synth, job.n)
    });
}

fn print_distributions(reals: &[RealFace], synth: &Synthetic) {
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    for (i, a) in reals.iter().enumerate() {
        for b in &reals[i + 1..] {
            let d = a.embedding.distance(&b.embedding);
            if a.person == b.person {
                genuine.push(d);
            } else {
                impostor.push(d);
            }
        }
    }
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    let (mut synth_genuine, mut synth_impostor) = (Vec::new(), Vec::new());
    for i in 0..DISTRIBUTION_SAMPLE {
        let query = synth.photo(&mut rng, i);
        synth_genuine.push(distance(&query, &synth.identity(i).1));
        let other = (i + rng.gen_range(1..DISTRIBUTION_SAMPLE)) % DISTRIBUTION_SAMPLE;
        synth_impostor.push(distance(&query, &synth.identity(other).1));
    }
    println!("L2 distance between embeddings (median [p5, p95], pairs):");
    for (label, g, i) in [
        ("real photos      ", &mut genuine, &mut impostor),
        ("synthetic        ", &mut synth_genuine, &mut synth_impostor),
    ] {
        println!("  {label} genuine {}   impostor {}", spread(g), spread(i));
    }
}

/// `median [p5, p95] (n)` of the values, or `n/a`.
fn spread(values: &mut [f32]) -> String {
    if values.is_empty() {
        return "n/a".into();
    }
    values.sort_by(f32::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    format!(
        "{:.3} [{:.3}, {:.3}] ({:>4})",
        at(0.5),
        at(0.05),
        at(0.95),
        values.len()
    )
}

#[derive(Serialize, Deserialize)]
struct SizeResult {
    n: usize,
    build: Duration,
    rss_delta_kib: Option<i64>,
    search: Latency,
    exact: Latency,
    qps_threads: f64,
    recall_at_1: f64,
    recall_at_10: f64,
}

#[derive(Serialize, Deserialize)]
struct Latency {
    p50_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
}

impl Latency {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        // Nearest rank: p99 of 200 is the 198th.
        let rank =
            |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        Self {
            p50_ms: ms(rank(0.50)),
            p99_ms: ms(rank(0.99)),
            mean_ms: ms(times.iter().sum::<Duration>()) / times.len() as f64,
        }
    }
}

fn run_size(synth: &Synthetic, n: usize) -> SizeResult {
    let dimension = synth.dimension();
    println!();
    println!("-- N = {} faces --", thousands(n));
    let rss_before = rss_kib();
    let mut index: FaceIndex<String> = FaceIndex::new(ScoreCalibration::bundled(), dimension);
    let mut build = Duration::ZERO;
    let wall = Instant::now();
    for i in 0..n {
        let face = IndexedFace {
            face_id: format!("f{i}"),
            person_id: Some(format!("p{i}")),
            embedding: synth.embedding(synth.identity(i).1),
            metadata: Map::new(),
        };
        let namespace = NAMESPACE.to_string();
        let started = Instant::now();
        index.upsert(namespace, face).expect("a valid embedding");
        build += started.elapsed();
    }
    let wall = wall.elapsed();
    let rss_delta_kib = rss_kib()
        .zip(rss_before)
        .map(|(after, before)| after - before);
    let raw = n * (dimension * (4 + 1) + 8);
    println!(
        "build: {} inserts in {:.2} s of upsert ({:.2} us/insert; {:.1} s with generating the embeddings)",
        thousands(n),
        build.as_secs_f64(),
        build.as_secs_f64() * 1e6 / n as f64,
        wall.as_secs_f64()
    );
    println!(
        "memory: VmRSS {} (f32 + int8 rows + per-row step and norm alone: {:.1} MiB)",
        rss_delta_kib.map_or("n/a".into(), |k| format!("+{:.1} MiB", k as f64 / 1024.0)),
        raw as f64 / (1 << 20) as f64
    );

    let mut rng = StdRng::seed_from_u64(SEED ^ n as u64);
    let targets: Vec<usize> = (0..QUERIES).map(|_| rng.gen_range(0..n)).collect();
    let queries: Vec<FaceEmbedding> = targets
        .iter()
        .map(|&i| synth.embedding(synth.photo(&mut rng, i)))
        .collect();

    let search = |q: &FaceEmbedding| {
        index
            .search(NAMESPACE, q, TOP_K, NO_FLOOR, None)
            .expect("search")
    };
    let exact = |q: &FaceEmbedding| {
        index
            .search_exact(NAMESPACE, q, TOP_K, NO_FLOOR, None)
            .expect("search_exact")
    };
    // Each method runs over every query in turn (not interleaved), after a few warm-up queries.
    let (search_hits, search_times) = timed_queries(&queries, search);
    let (exact_hits, exact_times) = timed_queries(&queries, exact);
    let (search_lat, exact_lat) = (Latency::of(search_times), Latency::of(exact_times));

    // Throughput: THREADS threads share the index, each runs every query (from its own offset).
    let wall = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let (queries, search) = (&queries, &search);
            scope.spawn(move || {
                for j in 0..QUERIES {
                    std::hint::black_box(search(&queries[(j + t * QUERIES / THREADS) % QUERIES]));
                }
            });
        }
    });
    let qps_threads = (THREADS * QUERIES) as f64 / wall.elapsed().as_secs_f64();

    let (mut top1, mut top10, mut genuine_first) = (0usize, 0usize, 0usize);
    let mut nearest_impostor = Vec::new();
    for ((quantised, reference), &target) in search_hits.iter().zip(&exact_hits).zip(&targets) {
        top1 += usize::from(quantised[0].face_id == reference[0].face_id);
        let truth: HashSet<&str> = reference.iter().map(|h| h.face_id.as_str()).collect();
        top10 += quantised
            .iter()
            .filter(|h| truth.contains(h.face_id.as_str()))
            .count();
        let genuine = format!("p{target}");
        genuine_first += usize::from(reference[0].person_id.as_deref() == Some(genuine.as_str()));
        if let Some(hit) = reference
            .iter()
            .find(|h| h.person_id.as_deref() != Some(genuine.as_str()))
        {
            nearest_impostor.push(hit.distance);
        }
    }
    let recall_at_1 = top1 as f64 / QUERIES as f64;
    let recall_at_10 = top10 as f64 / (QUERIES * TOP_K) as f64;

    println!("latency, {QUERIES} queries, top_k {TOP_K}, 1 thread:     p50        p99       mean");
    for (label, l) in [
        ("search (int8 + re-rank)", &search_lat),
        ("search_exact (reference)", &exact_lat),
    ] {
        println!(
            "  {label:<40} {:>7.3} ms {:>7.3} ms {:>7.3} ms",
            l.p50_ms, l.p99_ms, l.mean_ms
        );
    }
    println!(
        "throughput: search {qps_threads:.1} queries/s with {THREADS} threads (1 thread: {:.1} queries/s; search_exact 1 thread: {:.1} queries/s)",
        1e3 / search_lat.mean_ms,
        1e3 / exact_lat.mean_ms
    );
    println!("recall of search vs search_exact: @1 {recall_at_1:.4}, @10 {recall_at_10:.4}");
    println!(
        "exact top-1 is the query's own identity: {genuine_first}/{QUERIES}; nearest impostor distance {}",
        spread(&mut nearest_impostor)
    );
    SizeResult {
        n,
        build,
        rss_delta_kib,
        search: search_lat,
        exact: exact_lat,
        qps_threads,
        recall_at_1,
        recall_at_10,
    }
}

/// Runs `run` on every query (after `WARM_UP` untimed ones) and returns the hits and times.
fn timed_queries(
    queries: &[FaceEmbedding],
    run: impl Fn(&FaceEmbedding) -> Vec<FaceHit>,
) -> (Vec<Vec<FaceHit>>, Vec<Duration>) {
    for q in queries.iter().take(WARM_UP) {
        std::hint::black_box(run(q));
    }
    queries
        .iter()
        .map(|q| {
            let started = Instant::now();
            let hits = std::hint::black_box(run(q));
            (hits, started.elapsed())
        })
        .unzip()
}

fn print_summary(rows: &[SizeResult]) {
    println!();
    println!("== summary ==");
    println!(
        "{:>10} {:>9} {:>10} {:>12} {:>12} {:>12} {:>12} {:>10} {:>9} {:>9}",
        "faces",
        "build s",
        "RSS MiB",
        "search p50",
        "search p99",
        "exact p50",
        "exact p99",
        "q/s 2 thr",
        "recall@1",
        "recall@10"
    );
    for r in rows {
        println!(
            "{:>10} {:>9.2} {:>10} {:>9.3} ms {:>9.3} ms {:>9.3} ms {:>9.3} ms {:>10.1} {:>9.4} {:>9.4}",
            thousands(r.n),
            r.build.as_secs_f64(),
            r.rss_delta_kib
                .map_or("n/a".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
            r.search.p50_ms,
            r.search.p99_ms,
            r.exact.p50_ms,
            r.exact.p99_ms,
            r.qps_threads,
            r.recall_at_1,
            r.recall_at_10
        );
    }
    println!();
    println!("targets (issue 4): {} faces, search p50 <= {TARGET_P50_MS} ms per query with recall@1 >= {TARGET_RECALL_AT_1}", thousands(TARGET_FACES));
    match rows.iter().find(|r| r.n == TARGET_FACES) {
        Some(r) => {
            let verdict = |ok: bool| if ok { "MET" } else { "NOT MET" };
            println!(
                "  search p50 {:.3} ms  (target <= {TARGET_P50_MS} ms)   {}",
                r.search.p50_ms,
                verdict(r.search.p50_ms <= TARGET_P50_MS)
            );
            println!(
                "  recall@1   {:.4}     (target >= {TARGET_RECALL_AT_1})      {}",
                r.recall_at_1,
                verdict(r.recall_at_1 >= TARGET_RECALL_AT_1)
            );
        }
        None => println!(
            "  not measured: this run stopped below {} faces (SEARCH_BENCH_MAX)",
            thousands(TARGET_FACES)
        ),
    }
}
