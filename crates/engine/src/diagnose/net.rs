//! The diagnosis's one network step: the MTA-STS policy fetch, an HTTPS GET over a
//! connection from [`crate::probe::net::open`] (so `--proxy`, `--bind` and
//! `--interface` apply, as to the probe), TLS by the run's [`TlsClient`] (its anchors,
//! `--ca-file` included), the response head parsed by `httparse`, the body bounded.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};

use crate::model::escape_bytes;
use crate::probe::net::{self, Target};
use crate::settings::Settings;
use crate::tls::TlsClient;

/// Largest MTA-STS policy body accepted (RFC 8461 3.3: 64 KiB).
pub const POLICY_LIMIT: usize = 64 * 1024;

/// Room for the HTTP header in front of the policy body.
const HEADER_ROOM: usize = 16 * 1024;

/// Response header lines read at most (more is an error, not a truncation).
const MAX_HEADERS: usize = 64;

/// Why a fetch failed, in words (escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

/// GETs `https://HOST/.well-known/mta-sts.txt` from `target` (an address, or with a
/// socks5h proxy the name itself) with SNI and Host: `host`, requiring a verified
/// certificate for `host`, status 200 and `text/plain`. Each step is bounded by
/// `limit`. Returns the body (lossy UTF-8, unescaped: the caller parses it).
pub async fn fetch_sts_policy(
    tls: &TlsClient,
    settings: &Settings,
    host: &str,
    target: &Target,
    limit: Duration,
) -> Result<String, FetchError> {
    let shown = match target {
        Target::Addr(a) => a.to_string(),
        Target::Name(n, p) => format!("{n}:{p}"),
    };
    // The proxy's steps are not part of the DNS report; a failure says what went wrong.
    let mut notes = Vec::new();
    let tcp = match tokio::time::timeout(limit, net::open(target, settings, &mut notes)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(FetchError(format!("connect {shown}: {e}"))),
        Err(_) => return Err(FetchError(format!("connect {shown}: timed out"))),
    };
    let (mut stream, info) = tls
        .handshake_within(tcp, host, limit)
        .await
        .map_err(|f| FetchError(format!("TLS with {host}: {}", f.error)))?;
    if !info.verified {
        return Err(FetchError(format!(
            "the certificate of {host} did not verify: {}",
            info.error.unwrap_or_default()
        )));
    }
    let request = format!(
        "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\nUser-Agent: smtptui\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
    );
    let raw = tokio::time::timeout(limit, async {
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await?;
        read_to_limit(&mut stream, POLICY_LIMIT + HEADER_ROOM).await
    })
    .await
    .map_err(|_| FetchError(format!("HTTPS GET from {host} timed out")))?
    .map_err(|e| FetchError(format!("HTTPS GET from {host}: {e}")))?;
    parse_http_response(&raw)
}

/// Reads until EOF or until more than `limit` bytes arrived (the caller sees the
/// excess: it never mistakes a cut body for a whole one).
async fn read_to_limit<S: AsyncRead + Unpin>(s: &mut S, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > limit {
                    break;
                }
            }
            // A peer that closes without close_notify: keep what arrived.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// What the response head says about the body.
struct Head {
    /// Bytes before the body.
    len: usize,
    chunked: bool,
    content_type: String,
    content_length: Option<u64>,
}

/// Parses the status line and headers (httparse); only status 200 passes.
fn parse_head(raw: &[u8]) -> Result<Head, FetchError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(raw) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            return Err(FetchError("no complete HTTP header".into()));
        }
        Err(e) => return Err(FetchError(format!("malformed HTTP header: {e}"))),
    };
    if resp.code != Some(200) {
        let status = format!(
            "HTTP/1.{} {} {}",
            resp.version.unwrap_or_default(),
            resp.code.unwrap_or_default(),
            resp.reason.unwrap_or_default()
        );
        return Err(FetchError(format!(
            "HTTP status `{}` (200 required, redirects are not followed)",
            escape_bytes(status.trim_end().as_bytes())
        )));
    }
    let mut head = Head {
        len,
        chunked: false,
        content_type: String::new(),
        content_length: None,
    };
    for h in resp.headers.iter() {
        let v = String::from_utf8_lossy(h.value).trim().to_ascii_lowercase();
        if h.name.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
            head.chunked = true;
        } else if h.name.eq_ignore_ascii_case("content-type") {
            head.content_type = v;
        } else if h.name.eq_ignore_ascii_case("content-length") {
            head.content_length = Some(v.parse().map_err(|_| {
                FetchError(format!(
                    "Content-Length `{}` is not a number",
                    escape_bytes(v.as_bytes())
                ))
            })?);
        }
    }
    Ok(head)
}

/// Parses an HTTP/1.x response: status 200, `text/plain`, body (chunked or not). A body
/// over [`POLICY_LIMIT`], a `Content-Length` over it, or a body shorter than its
/// `Content-Length` (cut short) is an error: a truncated policy is never trusted.
pub fn parse_http_response(raw: &[u8]) -> Result<String, FetchError> {
    let head = parse_head(raw)?;
    if let Some(n) = head.content_length
        && n > POLICY_LIMIT as u64
    {
        return Err(FetchError(format!(
            "Content-Length {n} is over the RFC 8461 limit of {POLICY_LIMIT} bytes: the policy was not read"
        )));
    }
    if !head.content_type.starts_with("text/plain") {
        return Err(FetchError(format!(
            "Content-Type `{}` (text/plain required)",
            escape_bytes(head.content_type.as_bytes())
        )));
    }
    let mut body = raw[head.len..].to_vec();
    if head.chunked {
        body = dechunk(&body)?;
    } else if let Some(n) = head.content_length {
        if (body.len() as u64) < n {
            return Err(FetchError(format!(
                "body cut short: Content-Length {n} but only {} bytes arrived",
                body.len()
            )));
        }
        body.truncate(n as usize);
    }
    if body.len() > POLICY_LIMIT {
        return Err(FetchError(format!(
            "policy body over the RFC 8461 limit of {POLICY_LIMIT} bytes: the policy was not trusted"
        )));
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Joins a chunked body (chunk sizes by httparse); a chunk cut short, a chunk without
/// its CRLF or a missing last chunk is malformed.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, FetchError> {
    let bad = || FetchError("malformed chunked body".into());
    let mut out = Vec::new();
    loop {
        let Ok(httparse::Status::Complete((start, size))) = httparse::parse_chunk_size(data) else {
            return Err(bad());
        };
        data = &data[start..];
        if size == 0 {
            return Ok(out);
        }
        let size = usize::try_from(size).map_err(|_| bad())?;
        if data.len() < size.saturating_add(2) || &data[size..size + 2] != b"\r\n" {
            return Err(bad());
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_responses() {
        let ok =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nversion: STSv1\r\n";
        assert_eq!(parse_http_response(ok).unwrap(), "version: STSv1\r\n");
        let chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        assert_eq!(parse_http_response(chunked).unwrap(), "hello world");
        let cut = parse_http_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nversion: STSv1\r\n",
        )
        .unwrap_err();
        assert!(cut.0.contains("cut short"), "{cut}");
        let huge = parse_http_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 52428800\r\n\r\nversion: STSv1\r\n",
        )
        .unwrap_err();
        assert!(huge.0.contains("over the RFC 8461 limit"), "{huge}");
        let mut big = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', POLICY_LIMIT + 1));
        let err = parse_http_response(&big).unwrap_err();
        assert!(err.0.contains("over the RFC 8461 limit"), "{err}");
        let moved = parse_http_response(b"HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n").unwrap_err();
        assert!(moved.0.contains("`HTTP/1.1 301 Moved`"), "{moved}");
        for bad in [
            &b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nx"[..],
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            // A chunk cut short, a chunk without its CRLF, no last chunk.
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nhello",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: many\r\n\r\nx",
            b"SMTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nx",
        ] {
            assert!(
                parse_http_response(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // More header lines than MAX_HEADERS: an error, never a silent truncation.
        let mut many = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n".to_vec();
        for i in 0..MAX_HEADERS {
            many.extend(format!("X-{i}: y\r\n").as_bytes());
        }
        many.extend(b"\r\nversion: STSv1\r\n");
        let err = parse_http_response(&many).unwrap_err();
        assert!(err.0.contains("malformed HTTP header"), "{err}");
    }
}
