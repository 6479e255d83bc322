//! Scrolling and searching arithmetic for long lists. Rendering cost depends only on
//! the visible window: [`visible_window`] is O(1) and the view slices by it.

use std::ops::Range;

/// The lines to draw: `height` lines ending at the tail when following (`scroll` is
/// `None`), else starting at `scroll` (clamped so the last page stays full).
pub fn visible_window(len: usize, height: usize, scroll: Option<usize>) -> Range<usize> {
    let max_top = len.saturating_sub(height);
    let top = scroll.map_or(max_top, |s| s.min(max_top));
    top..(top + height).min(len)
}

/// Scrolls by `delta` lines from the current window; returns the new scroll state
/// (`None` when the window reaches the tail again, so it follows from then on).
pub fn scroll_by(len: usize, height: usize, scroll: Option<usize>, delta: isize) -> Option<usize> {
    let top = visible_window(len, height, scroll).start;
    let max_top = len.saturating_sub(height);
    let new = top.saturating_add_signed(delta).min(max_top);
    if new >= max_top { None } else { Some(new) }
}

/// The scroll state that shows line `line` (centred when it jumps).
pub fn reveal(len: usize, height: usize, scroll: Option<usize>, line: usize) -> Option<usize> {
    let w = visible_window(len, height, scroll);
    if w.contains(&line) {
        return scroll;
    }
    let top = line.saturating_sub(height / 2);
    if top >= len.saturating_sub(height) {
        None
    } else {
        Some(top)
    }
}

/// Finds the next line (after `from`, wrapping) for which `matches` holds, going
/// forward or backward. Scans at most `len` lines, only when the user asks (n/N).
pub fn find_next(
    len: usize,
    from: Option<usize>,
    forward: bool,
    mut matches: impl FnMut(usize) -> bool,
) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let start = from.unwrap_or(if forward { len - 1 } else { 0 });
    (1..=len)
        .map(|k| {
            if forward {
                (start + k) % len
            } else {
                (start + len - k % len) % len
            }
        })
        .find(|&i| matches(i))
}

/// Byte ranges of case-insensitive (ASCII) occurrences of `needle` in `hay`.
pub fn match_ranges(hay: &str, needle: &str) -> Vec<Range<usize>> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + n.len() <= h.len() {
        if h[i..i + n.len()].eq_ignore_ascii_case(n)
            && hay.is_char_boundary(i)
            && hay.is_char_boundary(i + n.len())
        {
            out.push(i..i + n.len());
            i += n.len();
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_tail_and_clamps() {
        let million = 1_000_000;
        assert_eq!(visible_window(million, 20, None), 999_980..1_000_000);
        assert_eq!(visible_window(million, 20, Some(500_000)), 500_000..500_020);
        assert_eq!(
            visible_window(million, 20, Some(999_999)),
            999_980..1_000_000
        );
        assert_eq!(visible_window(5, 20, None), 0..5);
        assert_eq!(visible_window(5, 20, Some(3)), 0..5);
        assert_eq!(visible_window(0, 20, None), 0..0);
        assert_eq!(visible_window(10, 0, None), 10..10);
    }

    #[test]
    fn scrolling_up_detaches_and_down_reattaches() {
        assert_eq!(scroll_by(100, 10, None, -1), Some(89));
        assert_eq!(scroll_by(100, 10, Some(89), 1), None);
        assert_eq!(scroll_by(100, 10, Some(5), -10), Some(0));
        assert_eq!(scroll_by(5, 10, None, -3), None);
    }

    #[test]
    fn reveal_jumps_only_when_needed() {
        assert_eq!(reveal(100, 10, Some(20), 25), Some(20));
        assert_eq!(reveal(100, 10, None, 10), Some(5));
        assert_eq!(reveal(100, 10, Some(0), 98), None);
    }

    #[test]
    fn find_wraps_both_ways() {
        let hits = [2usize, 7];
        let m = |i: usize| hits.contains(&i);
        assert_eq!(find_next(10, None, true, m), Some(2));
        assert_eq!(find_next(10, Some(2), true, m), Some(7));
        assert_eq!(find_next(10, Some(7), true, m), Some(2));
        assert_eq!(find_next(10, Some(7), false, m), Some(2));
        assert_eq!(find_next(10, Some(2), false, m), Some(7));
        assert_eq!(find_next(10, None, false, m), Some(7));
        assert_eq!(find_next(10, None, true, |_| false), None);
        assert_eq!(find_next(0, None, true, m), None);
    }

    #[test]
    fn ranges() {
        assert_eq!(
            match_ranges("250-AUTH PLAIN auth", "auth"),
            vec![4..8, 15..19]
        );
        assert_eq!(match_ranges("ü auth", "AUTH"), vec![3..7]);
        assert!(match_ranges("abc", "").is_empty());
        assert!(match_ranges("ab", "abc").is_empty());
    }
}
