//! The MTA-STS policy host for the diagnosis tests: HTTPS with the test CA.

use std::collections::HashMap;
use std::sync::Arc;

use smtptui_lab::CertKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::TestPki;

/// An HTTPS server answering GET /.well-known/mta-sts.txt by Host header (a value that
/// starts with `HTTP/1.1 ` is sent as the whole response).
pub(crate) async fn sts_server(
    pki: &TestPki,
    policies: HashMap<String, String>,
) -> (u16, tokio::task::JoinHandle<()>) {
    smtptui::tls::install_default_provider();
    let names: Vec<&str> = policies.keys().map(String::as_str).collect();
    let id = pki.pki.issue(&names, CertKind::Valid).unwrap();
    let chain = id
        .chain_der
        .iter()
        .map(|c| rustls_pki_types::CertificateDer::from(c.clone()))
        .collect();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(id.key_der.clone().into());
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let policies = Arc::new(policies);
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let policies = policies.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&req).to_string();
                let host = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Host: "))
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let ok = text.starts_with("GET /.well-known/mta-sts.txt HTTP/1.1\r\n");
                let resp = match policies.get(&host) {
                    // A whole response given as is (hostile servers).
                    Some(raw) if ok && raw.starts_with("HTTP/1.1 ") => raw.clone(),
                    Some(body) if ok => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
                };
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, task)
}
