//! `trinh_tu_thuc_hien`: free text. Most procedures number their steps
//! ("Bước 1: …", "- Bước 2.", "a) Bước 3:"), at the start of a line or
//! after the previous sentence; a step runs until the next such marker and
//! keeps its paragraphs. Without markers, each paragraph is a step.

use super::tidy;

pub(super) fn parse(text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .map(tidy::line)
        .filter(|l| !l.is_empty())
        .collect();
    let cuts: Vec<Vec<usize>> = lines.iter().map(|l| step_cuts(l)).collect();
    if cuts.iter().all(Vec::is_empty) {
        // A line opening in lower case carries on the sentence before it.
        let mut steps: Vec<String> = Vec::with_capacity(lines.len());
        for l in lines {
            match steps.last_mut() {
                Some(last) if l.chars().next().is_some_and(char::is_lowercase) => {
                    last.push('\n');
                    last.push_str(&l);
                }
                _ => steps.push(l),
            }
        }
        return steps;
    }
    let mut steps = Vec::new();
    let mut cur = String::new();
    for (line, cuts) in lines.iter().zip(&cuts) {
        let mut bounds = vec![0];
        bounds.extend(cuts.iter().copied().filter(|&c| c > 0));
        bounds.push(line.len());
        for w in bounds.windows(2) {
            let piece = line[w[0]..w[1]].trim();
            if piece.is_empty() {
                continue;
            }
            if cuts.contains(&w[0]) {
                flush(&mut steps, &mut cur);
                cur.push_str(piece);
            } else {
                if !cur.is_empty() {
                    cur.push('\n');
                }
                cur.push_str(piece);
            }
        }
    }
    flush(&mut steps, &mut cur);
    steps
}

fn flush(steps: &mut Vec<String>, cur: &mut String) {
    if !cur.is_empty() {
        steps.push(std::mem::take(cur));
    }
}

const MARKER: &str = "Bước";

/// Byte offsets in a tidied line where a new step starts: 0 when the line
/// opens with a marker (after a bullet such as "-", "+" or "a)"), or the
/// bullet/marker position when a marker follows the end of a sentence.
fn step_cuts(line: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    for (q, _) in line.match_indices(MARKER) {
        if !numbered(&line[q + MARKER.len()..]) {
            continue;
        }
        let before = line[..q].trim_end();
        let bullet_start = strip_bullet(before);
        let pre = line[..bullet_start].trim_end();
        if pre.is_empty() {
            cuts.push(0);
        } else if pre.ends_with(['.', ';', ':', '!', '?']) {
            cuts.push(bullet_start);
        }
    }
    cuts.dedup();
    cuts
}

/// " 2:", "2.", " 10 " after the marker.
fn numbered(after: &str) -> bool {
    let s = after.trim_start();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return false;
    }
    match s[digits..].chars().next() {
        None => true,
        Some(c) => c.is_whitespace() || matches!(c, ':' | '.' | ')' | '-' | '–'),
    }
}

/// Where the bullet ending `before` starts, or `before.len()` if none:
/// "-", "+", "*", "•", "a)", "đ)", "1.", "1)".
fn strip_bullet(before: &str) -> usize {
    let tail_start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let tail = &before[tail_start..];
    let is_bullet = matches!(tail, "-" | "+" | "*" | "•" | "–") || {
        let label = tail.strip_suffix(')').or_else(|| tail.strip_suffix('.'));
        label.is_some_and(|l| {
            let letter = l.chars().count() == 1 && l.chars().all(char::is_lowercase);
            let number = (1..=2).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_digit());
            (letter && tail.ends_with(')')) || number
        })
    };
    if is_bullet { tail_start } else { before.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_steps_are_numbered_at_line_starts_should_keep_their_paragraphs() {
        let s = parse(
            "Bước 1: Nộp hồ sơ\n\nNgười khiếu nại gửi đơn.\n- Bước 2: Thụ lý\n+ Kiểm tra lại\nb) Bước 3. Trả kết quả",
        );
        assert_eq!(
            s,
            [
                "Bước 1: Nộp hồ sơ\nNgười khiếu nại gửi đơn.",
                "- Bước 2: Thụ lý\n+ Kiểm tra lại",
                "b) Bước 3. Trả kết quả"
            ]
        );
    }

    #[test]
    fn when_steps_follow_each_other_inline_should_split_after_the_sentence() {
        let s = parse(
            "Bước 1: Nộp hồ sơ. Bước 2: Giải quyết theo quy định tại Bước 1 nêu trên; - Bước 3: Trả kết quả.",
        );
        assert_eq!(
            s,
            [
                "Bước 1: Nộp hồ sơ.",
                "Bước 2: Giải quyết theo quy định tại Bước 1 nêu trên;",
                "- Bước 3: Trả kết quả."
            ]
        );
    }

    #[test]
    fn when_no_step_is_numbered_should_take_each_paragraph() {
        assert_eq!(
            parse("- Nộp hồ sơ tại Sở.\n\t- Trong 07 ngày, Sở thẩm định\nhồ sơ."),
            [
                "- Nộp hồ sơ tại Sở.",
                "- Trong 07 ngày, Sở thẩm định\nhồ sơ."
            ]
        );
    }
}
