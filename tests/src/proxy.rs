//! A network that loses things on purpose: a TLS-terminating proxy that presents the server's own
//! certificate (so pinned kiosks accept it), forwards HTTP/1.1 to the real server, and, when told,
//! drops a request before the server sees it or drops the response after the server answered.

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
}

pub struct Proxy {
    pub url: Url,
    fault: Arc<Mutex<Fault>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub fn set(&self, fault: Fault) {
        *self.fault.lock().expect("proxy lock") = fault;
    }

    /// Starts a proxy in front of `server`.
    pub async fn start(server: &crate::TestServer) -> Proxy {
        let data_dir = server.state.config.data_dir().expect("data dir");
        let identity =
            sync_server::tls::Identity::load_or_create(&server.state.config.tls, &data_dir)
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
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, connector, upstream) =
                    (acceptor.clone(), connector.clone(), upstream.clone());
                let fault = *shared.lock().expect("proxy lock");
                tokio::spawn(async move {
                    let Ok(mut client) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut request = vec![0u8; 64 * 1024];
                    let Ok(n) = client.read(&mut request).await else {
                        return;
                    };
                    if n == 0 || fault == Fault::DropRequest {
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
        Proxy { url, fault, task }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
