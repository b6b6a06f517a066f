//! Repairs of OCR confusions in a zone: look-alike characters by field type, kept only where a check
//! digit confirms them; `K` read for `<`; lines of a wrong length fitted to their format's.

use super::*;

/// A digit-only field and its check digit: look-alike letters become digits when the check then
/// holds.
pub(super) fn settle_digits(zone: &mut Zone, field: &[Pos], check: Pos) -> FieldVerdict {
    if zone.holds(field, check) {
        return FieldVerdict::Verified;
    }
    let mapped: String = zone.get(field).chars().map(digit_for_letter).collect();
    let mapped_check = digit_for_letter(zone.at(check));
    if !check_digit_holds(&mapped, mapped_check) {
        return FieldVerdict::Failed;
    }
    for (&p, c) in field.iter().zip(mapped.chars()) {
        zone.set(p, c);
    }
    zone.set(check, mapped_check);
    FieldVerdict::Verified
}

/// A letter-and-digit field: one or two look-alike swaps at characters that disagree with their
/// neighbours, kept when exactly one candidate (or, among several, exactly one that also passes
/// `tie_break`) makes `holds` true. `checks` are check-digit places, read as digits first.
pub(super) fn settle_alphanumeric(
    zone: &mut Zone,
    field: &[Pos],
    checks: &[Pos],
    holds: &dyn Fn(&Zone) -> bool,
    tie_break: &dyn Fn(&Zone) -> bool,
) -> FieldVerdict {
    if holds(zone) {
        return FieldVerdict::Verified;
    }
    let mut trial = Zone {
        lines: zone.lines.clone(),
        corrections: Vec::new(),
    };
    for &check in checks {
        trial.set(check, digit_for_letter(trial.at(check)));
    }
    let read = zone.get(field);
    let suspects: Vec<(Pos, char)> = outliers(&read)
        .into_iter()
        .flat_map(|i| look_alikes(read.as_bytes()[i] as char).map(move |alt| (field[i], alt)))
        .collect();
    // No swap first: the check digits alone may have been letters.
    let mut levels: Vec<Vec<Vec<(Pos, char)>>> = vec![vec![Vec::new()]];
    levels.push(suspects.iter().map(|s| vec![*s]).collect());
    levels.push(
        suspects
            .iter()
            .enumerate()
            .flat_map(|(i, a)| suspects[i + 1..].iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.0 != b.0)
            .map(|(a, b)| vec![a, b])
            .collect(),
    );
    for level in levels {
        let passing: Vec<Vec<(Pos, char)>> = level
            .into_iter()
            .filter(|swaps| holds(&with_swaps(&trial, swaps)))
            .collect();
        let chosen = match passing.len() {
            0 => continue,
            1 => passing.into_iter().next(),
            _ => {
                let mut tied = passing
                    .into_iter()
                    .filter(|swaps| tie_break(&with_swaps(&trial, swaps)));
                match (tied.next(), tied.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            }
        };
        let Some(swaps) = chosen else {
            return FieldVerdict::Failed;
        };
        for &check in checks {
            zone.set(check, trial.at(check));
        }
        for (p, c) in swaps {
            zone.set(p, c);
        }
        return FieldVerdict::Verified;
    }
    FieldVerdict::Failed
}

pub(super) fn with_swaps(zone: &Zone, swaps: &[(Pos, char)]) -> Zone {
    let mut lines = zone.lines.clone();
    for (p, c) in swaps {
        lines[p.line][p.col] = *c;
    }
    Zone {
        lines,
        corrections: Vec::new(),
    }
}

/// Indices of characters whose kind (letter or digit) differs from every letter-or-digit
/// neighbour: the `O` in `L8989O2C3`.
pub(super) fn outliers(field: &str) -> Vec<usize> {
    let chars: Vec<char> = field.chars().collect();
    let kind = |c: char| (c != '<').then(|| c.is_ascii_digit());
    (0..chars.len())
        .filter(|&i| {
            let Some(own) = kind(chars[i]) else {
                return false;
            };
            let neighbours: Vec<bool> = [i.checked_sub(1), Some(i + 1)]
                .into_iter()
                .flatten()
                .filter_map(|j| chars.get(j).copied().and_then(kind))
                .collect();
            !neighbours.is_empty() && neighbours.iter().all(|&n| n != own)
        })
        .collect()
}

/// Look-alikes a check digit can tell apart: pairs whose values differ by a multiple of 10
/// (`L`/`1`, `G`/`6`, `K`/`<`) change no check digit and are left out.
pub(super) fn look_alikes(c: char) -> impl Iterator<Item = char> {
    let alternatives: &[char] = match c {
        '0' => &['O', 'D', 'Q'],
        'O' | 'D' | 'Q' => &['0'],
        '1' => &['I'],
        'I' => &['1'],
        '2' => &['Z'],
        'Z' => &['2'],
        '4' => &['A'],
        'A' => &['4'],
        '5' => &['S'],
        'S' => &['5'],
        '7' => &['T'],
        'T' => &['7'],
        '8' => &['B'],
        'B' => &['8'],
        _ => &[],
    };
    alternatives.iter().copied()
}

pub(super) fn digit_for_letter(c: char) -> char {
    match c {
        'O' | 'D' | 'Q' | 'U' => '0',
        'I' | 'L' | 'J' => '1',
        'Z' => '2',
        'A' => '4',
        'S' => '5',
        'G' => '6',
        'T' => '7',
        'B' => '8',
        'K' => '<',
        c => c,
    }
}

pub(super) fn letter_for_digit(c: char) -> char {
    match c {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '4' => 'A',
        '5' => 'S',
        '6' => 'G',
        '7' => 'T',
        '8' => 'B',
        c => c,
    }
}

/// `K` read for a filler: between two fillers, or in the filler run that ends a line.
pub(super) fn repair_k_fillers(zone: &mut Zone) {
    for line in 0..zone.lines.len() {
        let chars = zone.lines[line].clone();
        let tail = chars.len()
            - chars
                .iter()
                .rev()
                .take_while(|c| matches!(c, '<' | 'K'))
                .count();
        let tail_has_filler = chars[tail..].contains(&'<');
        for col in 0..chars.len() {
            if chars[col] != 'K' {
                continue;
            }
            let left = chars[..col].iter().rev().find(|c| **c != 'K');
            let right = chars[col + 1..].iter().find(|c| **c != 'K');
            let between = left == Some(&'<') && right == Some(&'<');
            if between || (col >= tail && tail_has_filler) {
                zone.set(Pos { line, col }, '<');
            }
        }
    }
}

/// The line at `target` length: fillers added to or taken from its longest filler run (the end
/// when it has none).
pub(super) fn fit_length(line: &[char], target: usize) -> Vec<char> {
    let mut out = line.to_vec();
    while out.len() != target {
        let run = longest_filler_run(&out);
        if out.len() > target {
            match run {
                Some((start, _)) => out.remove(start),
                None => out.pop().unwrap_or('<'),
            };
        } else {
            match run {
                Some((start, _)) => out.insert(start, '<'),
                None => out.push('<'),
            }
        }
    }
    out
}

/// Start and length of the longest run of `<` (the last one on ties).
pub(super) fn longest_filler_run(line: &[char]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < line.len() {
        if line[i] != '<' {
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && line[i] == '<' {
            i += 1;
        }
        if best.is_none_or(|(_, len)| i - start >= len) {
            best = Some((start, i - start));
        }
    }
    best
}
