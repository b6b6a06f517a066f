//! Prints what the engine sees in each photo given on the command line: faces, scores, landmark
//! presence. A tool for tuning and for bug reports: `cargo run -p ekyc-engine --example probe -- FILES`.

use ekyc_engine::{FaceEngine, ImageLimits, ModelFiles};

fn main() {
    let engine = FaceEngine::load(&ModelFiles::in_dir(&ModelFiles::default_dir())).expect("models");
    let limits = ImageLimits {
        max_bytes: 64 << 20,
        ..ImageLimits::default()
    };
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("readable file");
        let image = match engine.decode(&bytes, &limits) {
            Ok(image) => image,
            Err(e) => {
                println!("{path}: {e}");
                continue;
            }
        };
        let detected = engine.detect_all(&image, false).expect("detect");
        let faces: Vec<String> = detected
            .faces
            .iter()
            .map(|f| {
                let presence = engine
                    .landmarks(&detected.image, f)
                    .map(|l| l.presence)
                    .unwrap_or(f32::NAN);
                format!(
                    "score {:.3} size {:.0} presence {:.3}",
                    f.score,
                    f.bbox.width.min(f.bbox.height),
                    presence
                )
            })
            .collect();
        println!(
            "{path} {}x{}: {} face(s) [{}]",
            image.width(),
            image.height(),
            faces.len(),
            faces.join("; ")
        );
        match engine.analyze_largest_face(&image, false) {
            Ok(face) => println!(
                "  analyzed: occluded {} {:?}",
                face.quality.occlusion.any_covered(),
                face.quality.occlusion
            ),
            Err(e) => println!("  analyzed: {e}"),
        }
        if let Some(face) = detected.largest() {
            if let Ok(l) = engine.landmarks(&detected.image, face) {
                let p: Vec<String> = l
                    .five
                    .as_array()
                    .iter()
                    .map(|p| format!("{:.0},{:.0}", p.x, p.y))
                    .collect();
                let b = face.bbox;
                if let Some(dir) = std::env::var_os("PROBE_CHIPS") {
                    let name = std::path::Path::new(&path)
                        .file_stem()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned();
                    let chip = engine.aligned_chip(&detected.image, &l).expect("chip");
                    chip.save(std::path::Path::new(&dir).join(format!("{name}.png")))
                        .expect("chip saved");
                }
                println!(
                    "  largest: box {:.0},{:.0},{:.0},{:.0} five {}",
                    b.left,
                    b.top,
                    b.width,
                    b.height,
                    p.join(" ")
                );
            }
        }
    }
}
