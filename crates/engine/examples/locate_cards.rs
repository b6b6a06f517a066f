//! Runs [`ekyc_engine::locate_cards`] on every image given (files or directories; default: the
//! shared data's `documents/id_cards` and `documents/mrz`) and prints what it finds, with timings
//! and a count per directory. With `--annotate DIR`, writes each image as a PNG with the quads drawn
//! (best in green, others in orange), for a person to look at.
//!
//! `cargo run --release -p ekyc-engine --example locate_cards -- [--annotate /tmp/cards] [PATHS]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use ekyc_engine::locate_cards;
use image::{Rgb, RgbImage};
use imageproc::drawing::draw_line_segment_mut;

fn main() {
    let mut annotate: Option<PathBuf> = None;
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--annotate" {
            annotate = Some(args.next().expect("--annotate DIR").into());
        } else {
            inputs.push(arg.into());
        }
    }
    if inputs.is_empty() {
        let data = std::env::var_os("EKYC_SHARED_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
            });
        inputs = vec![data.join("documents/id_cards"), data.join("documents/mrz")];
    }
    if let Some(dir) = &annotate {
        std::fs::create_dir_all(dir).expect("annotation directory");
    }
    let mut total = (0, 0);
    for input in &inputs {
        let files = if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .expect("readable directory")
                .map(|e| e.expect("directory entry").path())
                .collect();
            files.sort();
            files
        } else {
            vec![input.clone()]
        };
        let (mut located, mut seen) = (0, 0);
        for file in files {
            let Ok(image) = image::open(&file) else {
                println!("{}: not an image", file.display());
                continue;
            };
            let image = image.to_rgb8();
            let start = Instant::now();
            let quads = locate_cards(&image);
            let elapsed = start.elapsed();
            seen += 1;
            if !quads.is_empty() {
                located += 1;
            }
            let best = quads.first().map_or_else(
                || "none".to_string(),
                |q| {
                    let corners: Vec<String> = q
                        .corners
                        .iter()
                        .map(|p| format!("({:.0},{:.0})", p.x, p.y))
                        .collect();
                    let share = q.area() / (image.width() * image.height()) as f32;
                    format!(
                        "{:?} conf {:.2} aspect {:.2} area {:.0}% [{}]",
                        q.kind,
                        q.confidence,
                        q.aspect_ratio(),
                        share * 100.0,
                        corners.join(" ")
                    )
                },
            );
            println!(
                "{:<40} {:>5}x{:<5} {:>6.1} ms  {} quad(s)  best: {best}",
                file.file_name().unwrap_or_default().to_string_lossy(),
                image.width(),
                image.height(),
                elapsed.as_secs_f64() * 1e3,
                quads.len(),
            );
            if let Some(dir) = &annotate {
                write_annotated(dir, &file, &image, &quads);
            }
        }
        println!(
            "{}: {located} of {seen} images yield a quad\n",
            input.display()
        );
        total = (total.0 + located, total.1 + seen);
    }
    println!("total: {} of {} images yield a quad", total.0, total.1);
}

fn write_annotated(dir: &Path, file: &Path, image: &RgbImage, quads: &[ekyc_engine::CardQuad]) {
    let mut canvas = image.clone();
    let thickness = (image.width().max(image.height()) / 300).max(1) as i32;
    for (rank, quad) in quads.iter().enumerate().rev() {
        let colour = if rank == 0 {
            Rgb([0, 230, 0])
        } else {
            Rgb([255, 140, 0])
        };
        for i in 0..4 {
            let (a, b) = (quad.corners[i], quad.corners[(i + 1) % 4]);
            for d in -thickness..=thickness {
                let d = d as f32 * 0.7;
                draw_line_segment_mut(&mut canvas, (a.x + d, a.y + d), (b.x + d, b.y + d), colour);
            }
        }
        // The first corner, so the ordering can be checked by eye.
        let c = quad.corners[0];
        let r = 3 * thickness;
        imageproc::drawing::draw_filled_circle_mut(
            &mut canvas,
            (c.x as i32, c.y as i32),
            r,
            Rgb([255, 0, 0]),
        );
    }
    let scale = 900.0 / image.width().max(image.height()) as f32;
    if scale < 1.0 {
        canvas = image::imageops::resize(
            &canvas,
            (image.width() as f32 * scale) as u32,
            (image.height() as f32 * scale) as u32,
            image::imageops::FilterType::Triangle,
        );
    }
    let name = file.file_stem().unwrap_or_default().to_string_lossy();
    canvas
        .save(dir.join(format!("{name}.png")))
        .expect("writable annotation");
}
