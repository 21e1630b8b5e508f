//! A network that loses things on purpose: a TLS-terminating proxy that presents the server's own
//! certificate (so pinned kiosks accept it), forwards HTTP/1.1 to the real server, and, when told,
//! drops a request before the server sees it, drops the response after the server answered, or
//! answers for it as an overloaded server would (503 or 429, with or without `Retry-After`).

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Relay everything.
    None,
    /// Read the request, then close: the server never sees it.
    DropRequest,
    /// Relay the request, then close as soon as the server starts answering: the server has
    /// done the work, the client never hears.
    DropResponse,
    /// Answer every request itself with this status (503, 429) and `server_busy`, with
    /// `Retry-After: <seconds>` when given, and close: an overloaded server shedding load.
    Busy {
        status: u16,
        retry_after: Option<u64>,
    },
}

pub struct Proxy {
    pub url: Url,
    fault: Arc<Mutex<Fault>>,
    /// Requests read from clients (the first of each connection: see `start`).
    requests: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().expect("proxy lock") = fault;
    }

    /// How many requests clients have sent so far. A connection is relayed whole after its
    /// first request, so only first requests are counted (and meet faults); a fault answer
    /// closes its connection, so under `Busy` every request is counted.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Starts a proxy in front of `server`.
    pub async fn start(server: &crate::TestServer) -> Proxy {
        let keys_dir = server.state.config.keys_dir().expect("keys dir");
        let identity =
            sync_server::tls::Identity::load_or_create(&server.state.config.tls, &keys_dir)
                .expect("server identity");
        let mut config = (*identity.server_config().expect("tls config")).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let mut upstream_config = kiosk::net::pinned_tls_config(server.fingerprint);
        upstream_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(upstream_config));
        let upstream = format!("127.0.0.1:{}", server.url.port().expect("port"));

        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = Url::parse(&format!(
            "https://127.0.0.1:{}/",
            listener.local_addr().expect("addr").port()
        ))
        .expect("url");
        let fault = Arc::new(Mutex::new(Fault::None));
        let shared = fault.clone();
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, connector, upstream, counted) = (
                    acceptor.clone(),
                    connector.clone(),
                    upstream.clone(),
                    counted.clone(),
                );
                let fault = *shared.lock().expect("proxy lock");
                tokio::spawn(async move {
                    let Ok(mut client) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut request = vec![0u8; 64 * 1024];
                    let Ok(n) = client.read(&mut request).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if let Fault::Busy {
                        status,
                        retry_after,
                    } = fault
                    {
                        let body = r#"{"error":"server_busy","message":"busy"}"#;
                        let after = retry_after
                            .map(|s| format!("Retry-After: {s}\r\n"))
                            .unwrap_or_default();
                        let answer = format!(
                            "HTTP/1.1 {status} Busy\r\n{after}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = client.write_all(answer.as_bytes()).await;
                        let _ = client.shutdown().await;
                        return;
                    }
                    if fault == Fault::DropRequest {
                        return;
                    }
                    let Ok(tcp) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
                    let Ok(mut server) = connector.connect(name, tcp).await else {
                        return;
                    };
                    if server.write_all(&request[..n]).await.is_err() {
                        return;
                    }
                    if fault == Fault::DropResponse {
                        // Wait until the server answers (it has committed), then vanish.
                        let mut first = [0u8; 1];
                        let _ = server.read(&mut first).await;
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        });
        Proxy {
            url,
            fault,
            requests,
            task,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
