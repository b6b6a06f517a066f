//! Reading Vietnamese text: Tesseract 5 (Debian's `tesseract-ocr` with `tesseract-ocr-vie` and
//! `-eng`), run as a child process.
//!
//! Why it exists: the PP-OCR recogniser the engine ships ([`super::TextReader`]) cannot output
//! Vietnamese. Its dictionary covers 90 of the 178 precomposed Vietnamese letters and almost none of
//! U+1EA0-U+1EF9 (ạ ả ấ … ễ ế ệ ố ộ ờ ợ ữ ự), so `NGUYỄN` reads as `NGUYN` and `Hà Nội` as `Hà Ni`.
//! No ONNX model on an allowed registry reads Vietnamese. Tesseract `-l vie+eng --psm 3` read the
//! study's synthetic Vietnamese card lines at 98.3 % character accuracy (`../shared/notes/feas-ocr.md`,
//! Q2 and Q3), so it is the engine's reader for Vietnamese text, and only for that: this deliberately
//! breaks the engine's tract-only rule for one script (docs/models.md).
//!
//! Why a subprocess: the Rust crates that run Tesseract (`tesseract`, `leptess`) bind libtesseract
//! through C. Building them needs the `-dev` packages and clang for bindgen, and links the binary
//! to one library version. The pure-Rust OCR crates (`ocrs`, `oar-ocr`, `rusto-rs`) run PP-OCR or
//! their own weights, fetched from GitHub or Hugging Face releases rather than a registry, and none
//! is known to read Vietnamese. The `tesseract` command is the very configuration the study
//! measured, and a crash in it cannot take the gateway down. Its cost is a process start and a load
//! of the language data per image: `tesseract --version` takes 10-30 ms, and a whole synthetic
//! card, start included, about 0.25 s.
//!
//! The image goes to the child's stdin as PNG and the words come back as TSV on its stdout
//! (`tesseract stdin stdout -l vie+eng --psm 3 tsv`): level-5 rows (words) are grouped by block,
//! paragraph and line into [`TextLine`]s.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use image::{ImageEncoder, RgbImage};

use super::{reading_order, TextLine, MIN_LINE_CONFIDENCE};
use crate::geometry::Point;
use crate::timed;

/// The languages the gateway reads Vietnamese documents with: Vietnamese first, English for the
/// Latin-only text printed beside it (`--psm 3` with `vie+eng` is the study's measured set-up).
pub const VIETNAMESE_LANGUAGES: &str = "vie+eng";

/// Tesseract's page segmentation mode: fully automatic, no orientation detection. Tried with the
/// command on `tests/ocr_vietnamese.rs`'s cards: `--psm 6` (one uniform block) read `NGUYỄN VĂN`
/// as `NGUYEN VAN` on the mild card and read the hard one worse; `--psm 11` (sparse text) read the
/// hard card worst. 3 also copes with a portrait or columns beside the text.
const PAGE_SEGMENTATION_MODE: &str = "3";

/// Every way running Tesseract can fail, each saying what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TesseractError {
    /// The program does not start (absent from `PATH`, or not executable).
    #[error(
        "cannot run `{program}` ({reason}): install the Debian package tesseract-ocr \
         (`just system-packages`)"
    )]
    NotInstalled { program: String, reason: String },
    /// A requested language has no traineddata installed.
    #[error(
        "Tesseract has no `{language}` language data: install the Debian package {package} \
         (`just system-packages`)"
    )]
    MissingLanguage { language: String, package: String },
    /// The language list is empty, or a name is not a Tesseract language code.
    #[error("`{0}` is not a list of Tesseract languages (codes joined by `+`, e.g. `vie+eng`)")]
    InvalidLanguages(String),
    /// The image could not be encoded for the child (an internal error).
    #[error("cannot encode the image as PNG for Tesseract: {0}")]
    Encode(String),
    /// The child could not be started or talked to.
    #[error("cannot run Tesseract: {0}")]
    Io(#[from] std::io::Error),
    /// The child exited with an error.
    #[error("Tesseract failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    /// The child's output is not the TSV it writes.
    #[error("Tesseract wrote output that is not its TSV: {0}")]
    Output(String),
}

/// Tesseract, found and checked once: the program runs and has every requested language.
#[derive(Debug, Clone)]
pub struct TesseractReader {
    program: PathBuf,
    languages: String,
    version: String,
}

impl TesseractReader {
    /// `tesseract` from `PATH`, with `languages` (Tesseract codes joined by `+`, e.g.
    /// [`VIETNAMESE_LANGUAGES`]).
    pub fn detect(languages: &str) -> Result<Self, TesseractError> {
        Self::detect_program(Path::new("tesseract"), languages)
    }

    /// [`Self::detect`] with the program at `program` (a path, or a name looked up in `PATH`).
    pub fn detect_program(program: &Path, languages: &str) -> Result<Self, TesseractError> {
        let requested = parse_languages(languages)?;
        let version_output = run_quietly(program, &["--version"])?;
        // `tesseract 5.3.0` on the first line (stdout since 4.x, stderr before).
        let version = version_output
            .lines()
            .find_map(|l| l.trim().strip_prefix("tesseract "))
            .unwrap_or("unknown")
            .trim()
            .to_string();
        let listing = run_quietly(program, &["--list-langs"])?;
        let installed = installed_languages(&listing);
        if let Some(missing) = requested.iter().find(|l| !installed.contains(l)) {
            return Err(TesseractError::MissingLanguage {
                language: missing.to_string(),
                package: debian_package(missing),
            });
        }
        Ok(Self {
            program: program.to_path_buf(),
            languages: languages.to_string(),
            version,
        })
    }

    /// The version `tesseract --version` reported, e.g. `5.3.0`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The languages it reads with, as passed to `-l`.
    pub fn languages(&self) -> &str {
        &self.languages
    }

    /// Every line of text in the image, in reading order (rows top to bottom, each row left to
    /// right, as [`super::TextReader::read`] gives them). Each character carries the confidence
    /// Tesseract gave its word (a space the lower of its two words), and `confidence` is their mean.
    /// Lines under [`MIN_LINE_CONFIDENCE`] are left out, as the PP-OCR reader leaves them out.
    pub fn read(&self, image: &RgbImage) -> Result<Vec<TextLine>, TesseractError> {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|e| TesseractError::Encode(e.to_string()))?;
        let tsv = timed("ocr_tesseract", || self.run(&png))?;
        let mut lines = parse_tsv(&tsv, image.width(), image.height())?;
        lines.retain(|l| l.confidence >= MIN_LINE_CONFIDENCE);
        reading_order(&mut lines);
        Ok(lines)
    }

    /// `tesseract stdin stdout -l <languages> --psm 3 tsv` on `png`; its stdout.
    fn run(&self, png: &[u8]) -> Result<String, TesseractError> {
        let mut child = Command::new(&self.program)
            .args(["stdin", "stdout", "-l", &self.languages])
            .args(["--psm", PAGE_SEGMENTATION_MODE, "tsv"])
            // One thread per child: the gateway already reads several documents at once, and
            // OpenMP threads fighting over 2 cores are slower than none (Tesseract's own advice).
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdin = child.stdin.take().ok_or_else(|| {
            TesseractError::Io(std::io::Error::other("the child has no stdin pipe"))
        })?;
        // Fed from a thread while this one collects the output, so neither side can block on a
        // full pipe. A child that quits early closes its stdin: its exit status says why.
        let (written, output) = std::thread::scope(|scope| {
            let writer = scope.spawn(move || stdin.write_all(png));
            let output = child.wait_with_output();
            (writer.join(), output)
        });
        let output = output?;
        if !output.status.success() {
            return Err(TesseractError::Failed {
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(TesseractError::Io(e)),
            Err(_) => {
                return Err(TesseractError::Io(std::io::Error::other(
                    "the thread writing the image to Tesseract panicked",
                )))
            }
        }
        String::from_utf8(output.stdout)
            .map_err(|_| TesseractError::Output("the TSV is not UTF-8".into()))
    }
}

/// Runs `program args` to completion with no input; its stdout and stderr together (versions of
/// Tesseract differ in which one they print to).
fn run_quietly(program: &Path, args: &[&str]) -> Result<String, TesseractError> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| TesseractError::NotInstalled {
            program: program.display().to_string(),
            reason: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(TesseractError::Failed {
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Ok(text)
}

/// `vie+eng` -> `["vie", "eng"]`; codes are letters, digits and `_` (`chi_sim`), or a script's
/// `script/Name`. Anything else could be taken by the program for an option.
fn parse_languages(languages: &str) -> Result<Vec<&str>, TesseractError> {
    let codes: Vec<&str> = languages.split('+').collect();
    let valid = |code: &&str| {
        let name = code.strip_prefix("script/").unwrap_or(code);
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if codes.iter().all(valid) {
        Ok(codes)
    } else {
        Err(TesseractError::InvalidLanguages(languages.to_string()))
    }
}

/// The language codes `tesseract --list-langs` printed: one a line, under a
/// `List of available languages in "<dir>" (N):` heading.
fn installed_languages(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains(' ') && !l.ends_with(':'))
        .collect()
}

/// Debian names the package of language `chi_sim` `tesseract-ocr-chi-sim`. Scripts' packages carry
/// ISO 15924 codes (`script/Latin` is in `tesseract-ocr-script-latn`), which the name does not give.
fn debian_package(language: &str) -> String {
    match language.strip_prefix("script/") {
        Some(script) => format!("tesseract-ocr-script-<ISO 15924 code of {script}>"),
        None => format!(
            "tesseract-ocr-{}",
            language.to_lowercase().replace('_', "-")
        ),
    }
}

/// A word of the TSV: where it is and what it says.
struct Word {
    line: (u32, u32, u32, u32),
    left: f32,
    top: f32,
    right: f32,
    bottom: f32,
    /// 0..=1.
    confidence: f32,
    text: String,
}

/// The lines of Tesseract's TSV (`level page_num block_num par_num line_num word_num left top
/// width height conf text`), in its order: the words (level 5) of one (page, block, paragraph,
/// line) joined by single spaces. Boxes are clamped into the `width` x `height` image.
fn parse_tsv(tsv: &str, width: u32, height: u32) -> Result<Vec<TextLine>, TesseractError> {
    let mut rows = tsv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = rows
        .next()
        .ok_or_else(|| TesseractError::Output("empty output, not even the header".into()))?
        .split('\t')
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| TesseractError::Output(format!("no `{name}` column in {header:?}")))
    };
    let [level, page, block, par, line, left, top, w, h, conf, text] = [
        "level",
        "page_num",
        "block_num",
        "par_num",
        "line_num",
        "left",
        "top",
        "width",
        "height",
        "conf",
        "text",
    ]
    .map(column);
    let (level, page, block, par, line) = (level?, page?, block?, par?, line?);
    let (left, top, w, h, conf, text) = (left?, top?, w?, h?, conf?, text?);

    let mut words = Vec::new();
    for row in rows {
        let fields: Vec<&str> = row.split('\t').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let number = |i: usize| {
            field(i)
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| TesseractError::Output(format!("bad row {row:?}")))
        };
        if number(level)? != 5.0 {
            continue;
        }
        let id = |i: usize| number(i).map(|v| v as u32);
        let (x, y) = (number(left)?, number(top)?);
        let word = Word {
            line: (id(page)?, id(block)?, id(par)?, id(line)?),
            left: x,
            top: y,
            right: x + number(w)?,
            bottom: y + number(h)?,
            // -1 where Tesseract has no confidence (not on words it read, but never trusted).
            confidence: (number(conf)? / 100.0).clamp(0.0, 1.0),
            text: field(text).trim().to_string(),
        };
        if !word.text.is_empty() {
            words.push(word);
        }
    }

    let (max_x, max_y) = (width.max(1) as f32 - 1.0, height.max(1) as f32 - 1.0);
    let mut lines = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let end = words[start..]
            .iter()
            .position(|w| w.line != words[start].line)
            .map_or(words.len(), |n| start + n);
        let group = &words[start..end];
        let mut text = String::new();
        let mut char_confidences = Vec::new();
        for (i, word) in group.iter().enumerate() {
            if i > 0 {
                text.push(' ');
                char_confidences.push(word.confidence.min(group[i - 1].confidence));
            }
            text.push_str(&word.text);
            char_confidences.extend(word.text.chars().map(|_| word.confidence));
        }
        let confidence = char_confidences.iter().sum::<f32>() / char_confidences.len() as f32;
        let fold = |f: fn(f32, f32) -> f32, init: f32, side: fn(&Word) -> f32| {
            group.iter().map(side).fold(init, f)
        };
        let x0 = fold(f32::min, f32::INFINITY, |w| w.left).clamp(0.0, max_x);
        let y0 = fold(f32::min, f32::INFINITY, |w| w.top).clamp(0.0, max_y);
        let x1 = fold(f32::max, f32::NEG_INFINITY, |w| w.right).clamp(0.0, max_x);
        let y1 = fold(f32::max, f32::NEG_INFINITY, |w| w.bottom).clamp(0.0, max_y);
        lines.push(TextLine {
            text,
            quad: [
                Point::new(x0, y0),
                Point::new(x1, y0),
                Point::new(x1, y1),
                Point::new(x0, y1),
            ],
            confidence,
            char_confidences,
        });
        start = end;
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Abridged from `tesseract card.png stdout -l vie+eng --psm 3 tsv` (5.3.0): a block row, a
    /// line row, words, an empty word and a second line in another paragraph.
    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t856\t540\t-1\t
2\t1\t1\t0\t0\t0\t40\t30\t600\t80\t-1\t
4\t1\t1\t1\t1\t0\t40\t30\t400\t30\t-1\t
5\t1\t1\t1\t1\t1\t40\t30\t120\t30\t96.5\tCĂN
5\t1\t1\t1\t1\t2\t170\t31\t150\t29\t90.0\tCƯỚC
5\t1\t1\t1\t1\t3\t330\t30\t10\t30\t95\t 
5\t1\t1\t2\t1\t1\t40\t80\t200\t30\t50\tNGUYỄN
5\t1\t1\t2\t1\t2\t250\t80\t900\t30\t70\tVĂN
";

    #[test]
    fn words_group_into_lines_with_boxes_and_confidences() {
        let lines = parse_tsv(TSV, 856, 540).expect("parses");
        assert_eq!(lines.len(), 2);
        let first = &lines[0];
        assert_eq!(first.text, "CĂN CƯỚC");
        assert_eq!(first.char_confidences.len(), first.text.chars().count());
        assert_eq!(
            first.char_confidences,
            [0.965, 0.965, 0.965, 0.9, 0.9, 0.9, 0.9, 0.9]
        );
        let mean = first.char_confidences.iter().sum::<f32>() / 8.0;
        assert!((first.confidence - mean).abs() < 1e-6);
        assert_eq!(
            first.quad,
            [
                Point::new(40.0, 30.0),
                Point::new(320.0, 30.0),
                Point::new(320.0, 60.0),
                Point::new(40.0, 60.0),
            ]
        );
        // The second line runs past the right edge: its box is clamped into the image.
        assert_eq!(lines[1].text, "NGUYỄN VĂN");
        assert_eq!(lines[1].quad[1], Point::new(855.0, 80.0));
    }

    #[test]
    fn odd_output_is_an_error_or_nothing_never_a_panic() {
        assert!(matches!(
            parse_tsv("", 10, 10),
            Err(TesseractError::Output(_))
        ));
        assert!(matches!(
            parse_tsv("Error opening data file\n", 10, 10),
            Err(TesseractError::Output(_))
        ));
        let header = TSV.lines().next().unwrap();
        assert!(parse_tsv(header, 10, 10).unwrap().is_empty());
        for row in [
            "5\t1\tx\t1\t1\t1\t0\t0\t5\t5\t90\tword",
            "5\t1",
            "5\t1\t1\t1\t1\t1\t0\t0\tx\t5\t90\tw",
        ] {
            assert!(
                matches!(
                    parse_tsv(&format!("{header}\n{row}\n"), 10, 10),
                    Err(TesseractError::Output(_))
                ),
                "{row:?}"
            );
        }
        // A zero-sized image does not underflow the clamp.
        let row = "5\t1\t1\t1\t1\t1\t0\t0\t5\t5\t90\tword";
        let lines = parse_tsv(&format!("{header}\n{row}\n"), 0, 0).unwrap();
        assert_eq!(lines[0].quad[2], Point::new(0.0, 0.0));
    }

    #[test]
    fn languages_are_checked_and_named_by_their_debian_package() {
        assert_eq!(parse_languages("vie+eng").unwrap(), ["vie", "eng"]);
        assert_eq!(parse_languages("script/Latin").unwrap(), ["script/Latin"]);
        for bad in ["", "vie+", "--psm", "vie eng", "../x"] {
            assert!(parse_languages(bad).is_err(), "{bad:?}");
        }
        assert_eq!(debian_package("vie"), "tesseract-ocr-vie");
        assert_eq!(debian_package("chi_sim"), "tesseract-ocr-chi-sim");
        assert_eq!(
            debian_package("script/Latin"),
            "tesseract-ocr-script-<ISO 15924 code of Latin>"
        );
        let listing = "List of available languages in \"/usr/share/tesseract-ocr/5/tessdata/\" (3):\neng\nosd\nvie\n\n";
        assert_eq!(installed_languages(listing), ["eng", "osd", "vie"]);
    }

    #[test]
    fn a_missing_program_is_not_installed() {
        let err = TesseractReader::detect_program(Path::new("/nonexistent/tesseract"), "vie")
            .unwrap_err();
        assert!(matches!(err, TesseractError::NotInstalled { .. }), "{err}");
        assert!(err.to_string().contains("tesseract-ocr"), "{err}");
    }
}
