//! SMTP replies (RFC 5321 §4.2) and a pure, incremental, bounded parser for them, with
//! RFC 3463 enhanced status codes. The parser sees complete lines only; the session
//! splits the byte stream and enforces the line-length bound while scanning.

use std::fmt;

use crate::model::escape_bytes;

/// An RFC 3463 enhanced status code such as `5.7.8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// Subject, 0–999.
    pub subject: u16,
    /// Detail, 0–999.
    pub detail: u16,
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl EnhancedCode {
    /// Parses `c.s.d` at the start of `text` (followed by a space or the end), where the
    /// class must be 2, 4 or 5 and subject and detail have 1–3 digits.
    pub fn parse_prefix(text: &str) -> Option<(EnhancedCode, &str)> {
        let end = text.find(' ').unwrap_or(text.len());
        let (token, rest) = text.split_at(end);
        let mut parts = token.split('.');
        let (c, s, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let class = match c {
            "2" => 2,
            "4" => 4,
            "5" => 5,
            _ => return None,
        };
        let num = |p: &str| -> Option<u16> {
            if (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        };
        Some((
            EnhancedCode {
                class,
                subject: num(s)?,
                detail: num(d)?,
            },
            rest.trim_start_matches(' '),
        ))
    }
}

/// One complete reply: a code and one or more lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit reply code.
    pub code: u16,
    /// The enhanced status code from the first line, when present and consistent.
    pub enhanced: Option<EnhancedCode>,
    /// Full lines as received (code and separator included, e.g. `250-PIPELINING`),
    /// escaped and redacted.
    pub lines: Vec<String>,
    /// Whether any line ended with a bare LF instead of CRLF.
    pub lf_only: bool,
}

impl Reply {
    /// The first digit of the code (2 = positive, 3 = intermediate, 4 = transient,
    /// 5 = permanent).
    pub fn severity(&self) -> u8 {
        (self.code / 100) as u8
    }

    /// A 2xx reply.
    pub fn is_positive(&self) -> bool {
        self.severity() == 2
    }

    /// A 3xx reply (354 after DATA, 334 during AUTH).
    pub fn is_intermediate(&self) -> bool {
        self.severity() == 3
    }

    /// A 4xx reply.
    pub fn is_transient(&self) -> bool {
        self.severity() == 4
    }

    /// A 5xx reply.
    pub fn is_permanent(&self) -> bool {
        self.severity() == 5
    }

    /// The text of each line after `250-` / `250 ` (empty for a bare `250`).
    pub fn text_lines(&self) -> Vec<&str> {
        // Every stored line starts with three ASCII digits and, when longer, an ASCII
        // separator, which escaping leaves alone: byte 4 is a char boundary.
        self.lines
            .iter()
            .map(|l| l.get(4..).unwrap_or(""))
            .collect()
    }

    /// The text of each line with a leading enhanced status code removed.
    pub fn message_lines(&self) -> Vec<&str> {
        self.text_lines()
            .into_iter()
            .map(|t| EnhancedCode::parse_prefix(t).map_or(t, |(_, rest)| rest))
            .collect()
    }

    /// The first full line.
    pub fn first_line(&self) -> &str {
        self.lines.first().map_or("", String::as_str)
    }

    /// One line for evidence: the first line, plus ` (+N lines)` when there are more.
    pub fn summary(&self) -> String {
        match self.lines.len() {
            0 | 1 => self.first_line().to_string(),
            n => format!("{} (+{} lines)", self.first_line(), n - 1),
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// Bounds on what one reply may take.
///
/// With the defaults a reply holds at most 256 lines of 4096 bytes, so at most 1 MiB of
/// raw text (up to four times that once escaped, for bytes that each become `\xNN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, in bytes, without its CRLF. RFC 5321 allows 512; servers send more.
    pub max_line_len: usize,
    /// Most lines in one reply.
    pub max_reply_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_len: 4096,
            max_reply_lines: 256,
        }
    }
}

/// Why a reply could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A line exceeded [`Limits::max_line_len`].
    #[error("reply line longer than {limit} bytes")]
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// A reply exceeded [`Limits::max_reply_lines`].
    #[error("reply longer than {limit} lines")]
    TooManyLines {
        /// The limit.
        limit: usize,
    },
    /// A line that is not `DDD`, `DDD text` or `DDD-text`.
    #[error("malformed reply line: {line}")]
    Malformed {
        /// The line, escaped and redacted (shortened when long).
        line: String,
    },
    /// A line of a multi-line reply carries another code than the first line.
    #[error("reply code changed from {first} within a multi-line reply: {line}")]
    CodeMismatch {
        /// The first line's code.
        first: u16,
        /// The offending line, escaped and redacted (shortened when long).
        line: String,
    },
}

/// Longest excerpt of a line kept in an error, in characters of escaped text.
const ERROR_EXCERPT: usize = 200;

fn excerpt(line: &[u8]) -> String {
    let s = escape_bytes(line);
    match s.char_indices().nth(ERROR_EXCERPT) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Parses the code and whether this is the last line: `Some((code, last))`.
fn parse_code(line: &[u8]) -> Option<(u16, bool)> {
    let (d, rest) = line.split_at_checked(3)?;
    let ok = matches!(d[0], b'1'..=b'5') && matches!(d[1], b'0'..=b'5') && d[2].is_ascii_digit();
    if !ok {
        return None;
    }
    let code = u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0');
    match rest.first() {
        None | Some(b' ') => Some((code, true)),
        Some(b'-') => Some((code, false)),
        Some(_) => None,
    }
}

/// Incremental, pure reply builder: feed complete lines (bytes without CR/LF), get
/// `Some(Reply)` when the final line arrives. After an error the parser starts afresh.
#[derive(Debug, Clone)]
pub struct ReplyParser {
    limits: Limits,
    code: Option<u16>,
    lines: Vec<String>,
    lf_only: bool,
}

impl ReplyParser {
    /// A parser with these bounds.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            code: None,
            lines: Vec::new(),
            lf_only: false,
        }
    }

    /// Whether part of a reply (a continuation line) has been seen.
    pub fn in_progress(&self) -> bool {
        !self.lines.is_empty()
    }

    /// The bounds in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn reset(&mut self) {
        self.code = None;
        self.lines.clear();
        self.lf_only = false;
    }

    /// Feeds one line (already redacted, without CR/LF); `lf_only` says it ended with a
    /// bare LF. Returns the reply when this line was its last.
    pub fn push_line(&mut self, line: &[u8], lf_only: bool) -> Result<Option<Reply>, ReplyError> {
        let res = self.push_inner(line, lf_only);
        if res.is_err() {
            self.reset();
        }
        res
    }

    fn push_inner(&mut self, line: &[u8], lf_only: bool) -> Result<Option<Reply>, ReplyError> {
        if line.len() > self.limits.max_line_len {
            return Err(ReplyError::LineTooLong {
                limit: self.limits.max_line_len,
            });
        }
        let Some((code, last)) = parse_code(line) else {
            return Err(ReplyError::Malformed {
                line: excerpt(line),
            });
        };
        if let Some(first) = self.code
            && first != code
        {
            return Err(ReplyError::CodeMismatch {
                first,
                line: excerpt(line),
            });
        }
        if self.lines.len() >= self.limits.max_reply_lines {
            return Err(ReplyError::TooManyLines {
                limit: self.limits.max_reply_lines,
            });
        }
        self.code = Some(code);
        self.lines.push(escape_bytes(line));
        self.lf_only |= lf_only;
        if !last {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        let enhanced = lines
            .first()
            .and_then(|l| l.get(4..))
            .and_then(EnhancedCode::parse_prefix)
            .map(|(e, _)| e)
            .filter(|e| u16::from(e.class) == code / 100);
        let reply = Reply {
            code,
            enhanced,
            lines,
            lf_only: self.lf_only,
        };
        self.reset();
        Ok(Some(reply))
    }
}

/// Parses the first reply of `\n`-separated text (a CR before each LF is stripped); for
/// tests and fuzzing. Returns `Ok(None)` when the text ends before the final line.
pub fn parse_reply_text(text: &[u8], limits: Limits) -> Result<Option<Reply>, ReplyError> {
    let mut p = ReplyParser::new(limits);
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    for raw in body.split(|&b| b == b'\n') {
        let (line, lf_only) = match raw.strip_suffix(b"\r") {
            Some(l) => (l, false),
            None => (raw, true),
        };
        if let Some(r) = p.push_line(line, lf_only)? {
            return Ok(Some(r));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
