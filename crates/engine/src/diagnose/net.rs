//! The diagnosis's own network steps: the MTA-STS policy fetch (a minimal HTTP/1.1 GET
//! over rustls, trusting the run's anchors incl. `--ca-file`) and a bare STARTTLS
//! session that collects an MX's certificate chain (DER) for DANE matching.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::model::escape_bytes;
use crate::probe::quickack::QuickAck;
use crate::tls::TlsClient;

/// Largest policy file or reply read.
const LIMIT: usize = 64 * 1024;

/// Largest MTA-STS policy body accepted (RFC 8461 3.3: 64 KiB).
pub const POLICY_LIMIT: usize = 64 * 1024;

/// Room for the HTTP header in front of the policy body.
const HEADER_ROOM: usize = 16 * 1024;

/// Why a fetch failed, in words (escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

async fn connect(addr: SocketAddr, limit: Duration) -> Result<QuickAck, FetchError> {
    match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => Ok(QuickAck::new(s)),
        Ok(Err(e)) => Err(FetchError(format!("connect {addr}: {e}"))),
        Err(_) => Err(FetchError(format!("connect {addr}: timed out"))),
    }
}

/// GETs `https://HOST/.well-known/mta-sts.txt` from `addr` (SNI and Host: `host`),
/// requiring a verified certificate for `host`, status 200 and `text/plain`. Returns
/// the body (lossy UTF-8, unescaped: the caller parses it).
pub async fn fetch_sts_policy(
    tls: &TlsClient,
    host: &str,
    addr: SocketAddr,
    limit: Duration,
) -> Result<String, FetchError> {
    let tcp = connect(addr, limit).await?;
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

/// Parses an HTTP/1.x response: status 200, `text/plain`, body (chunked or not). A body
/// over [`POLICY_LIMIT`], a `Content-Length` over it, or a body shorter than its
/// `Content-Length` (cut short) is an error: a truncated policy is never trusted.
pub fn parse_http_response(raw: &[u8]) -> Result<String, FetchError> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| FetchError("no complete HTTP header".into()))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    let code = status.split(' ').nth(1).unwrap_or_default();
    if !status.starts_with("HTTP/1.") || code != "200" {
        return Err(FetchError(format!(
            "HTTP status `{}` (200 required, redirects are not followed)",
            escape_bytes(status.as_bytes())
        )));
    }
    let mut chunked = false;
    let mut ctype = String::new();
    let mut length: Option<u64> = None;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let v = v.trim().to_ascii_lowercase();
            if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            } else if k.eq_ignore_ascii_case("content-type") {
                ctype = v;
            } else if k.eq_ignore_ascii_case("content-length") {
                length = Some(v.parse().map_err(|_| {
                    FetchError(format!(
                        "Content-Length `{}` is not a number",
                        escape_bytes(v.as_bytes())
                    ))
                })?);
            }
        }
    }
    if let Some(n) = length
        && n > POLICY_LIMIT as u64
    {
        return Err(FetchError(format!(
            "Content-Length {n} is over the RFC 8461 limit of {POLICY_LIMIT} bytes: the policy was not read"
        )));
    }
    if !ctype.starts_with("text/plain") {
        return Err(FetchError(format!(
            "Content-Type `{}` (text/plain required)",
            escape_bytes(ctype.as_bytes())
        )));
    }
    if chunked {
        body = dechunk(&body)?;
    } else if let Some(n) = length {
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

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, FetchError> {
    let bad = || FetchError("malformed chunked body".into());
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad())?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            return Err(bad());
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Reads one SMTP reply (all lines); returns its code and text.
async fn reply<S: AsyncRead + Unpin>(s: &mut S) -> Result<(u16, String), FetchError> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let n = s
            .read(&mut byte)
            .await
            .map_err(|e| FetchError(format!("read: {e}")))?;
        if n == 0 {
            return Err(FetchError("the server closed the connection".into()));
        }
        buf.push(byte[0]);
        if buf.len() > LIMIT {
            return Err(FetchError("reply too long".into()));
        }
        if byte[0] == b'\n' {
            let text = String::from_utf8_lossy(&buf);
            let last = text.lines().last().unwrap_or_default();
            if last.len() >= 4 && last.as_bytes()[3] == b' ' || last.len() == 3 {
                let code = last.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
                return Ok((code, text.into_owned()));
            }
        }
    }
}

async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    line: &str,
) -> Result<(u16, String), FetchError> {
    s.write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| FetchError(format!("write: {e}")))?;
    reply(s).await
}

/// Connects to `addr:port`, does EHLO and STARTTLS, and returns the certificate chain
/// the MX presents for SNI `host` (leaf first), whether it verified or not.
pub async fn starttls_chain(
    tls: &TlsClient,
    host: &str,
    addr: IpAddr,
    port: u16,
    ehlo: &str,
    limit: Duration,
) -> Result<Vec<CertificateDer<'static>>, FetchError> {
    let mut tcp = connect(SocketAddr::new(addr, port), limit).await?;
    let ehlo = crate::settings::ehlo_name_for(ehlo, tcp.local_addr().ok());
    let steps = async {
        let (code, text) = reply(&mut tcp).await?;
        if code != 220 {
            return Err(FetchError(format!(
                "greeting: {}",
                escape_bytes(text.trim_end().as_bytes())
            )));
        }
        let (code, text) = command(&mut tcp, &format!("EHLO {ehlo}")).await?;
        if code != 250 || !text.to_ascii_uppercase().contains("STARTTLS") {
            return Err(FetchError("STARTTLS is not offered".into()));
        }
        let (code, text) = command(&mut tcp, "STARTTLS").await?;
        if code != 220 {
            return Err(FetchError(format!(
                "STARTTLS: {}",
                escape_bytes(text.trim_end().as_bytes())
            )));
        }
        Ok(())
    };
    tokio::time::timeout(limit * 2, steps)
        .await
        .map_err(|_| FetchError("SMTP dialogue timed out".into()))??;
    let (mut stream, _) = tls
        .handshake_within(tcp, host, limit)
        .await
        .map_err(|f| FetchError(format!("TLS handshake: {}", f.error)))?;
    let chain: Vec<CertificateDer<'static>> = stream
        .get_ref()
        .1
        .peer_certificates()
        .map(<[_]>::to_vec)
        .unwrap_or_default();
    let _ = tokio::time::timeout(limit, stream.write_all(b"QUIT\r\n")).await;
    if chain.is_empty() {
        return Err(FetchError("no certificate presented".into()));
    }
    Ok(chain)
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
        for bad in [
            &b"HTTP/1.1 301 Moved\r\nLocation: x\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nx",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ] {
            assert!(parse_http_response(bad).is_err());
        }
    }
}
