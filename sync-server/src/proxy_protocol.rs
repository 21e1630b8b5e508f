//! The client's address behind a load balancer that passes TLS through (issue 20;
//! docs/scale-out.md, "Two instances behind nginx"). Such a balancer connects to the instance
//! itself, so without help every client would have the balancer's address, and the sign-in limit
//! per address would count every clerk together. With `proxy_protocol_from` set to the
//! balancers' addresses, a connection from one of them must begin with a PROXY protocol header
//! (HAProxy's, version 1 or 2: nginx's `proxy_protocol on`, HAProxy's `send-proxy[-v2]`), parsed
//! by the `ppp` crate, and the address it names is the client's for everything above
//! (`ConnectInfo`, so the sign-in limits and the audit). Connections from any other address are
//! taken as they are: only a listed balancer can name an address.
//!
//! The header is read exactly, byte by byte for version 1 and by its length for version 2, so
//! nothing of the TLS handshake that follows is consumed. A listed balancer's connection without
//! a valid header within [`HEADER_TIMEOUT`] is closed.

use axum::extract::{ConnectInfo, Request};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// How long a listed balancer has to send its header.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest header taken: a version 1 line is at most 107 bytes; a version 2 header with
/// addresses and a few TLVs fits easily.
const MAX_HEADER: usize = 536;

/// The client's address a PROXY header named, carried on each request of its connection.
#[derive(Debug, Clone, Copy)]
pub struct ProxiedClient(pub Option<SocketAddr>);

/// `axum_server`'s acceptor for the TCP stream: sets `TCP_NODELAY` (a feed page otherwise waits
/// on delayed ACKs), reads the PROXY header from a listed balancer, and tags the connection's
/// service with the client's address.
#[derive(Clone)]
pub struct Acceptor {
    from: Arc<[IpAddr]>,
}

impl Acceptor {
    pub fn new(from: &[IpAddr]) -> Acceptor {
        Acceptor { from: from.into() }
    }
}

type Tagged<S> = <axum::Extension<ProxiedClient> as tower::Layer<S>>::Service;

impl<S: Send + 'static> axum_server::accept::Accept<TcpStream, S> for Acceptor {
    type Stream = TcpStream;
    type Service = Tagged<S>;
    type Future = Pin<Box<dyn Future<Output = io::Result<(TcpStream, Tagged<S>)>> + Send>>;

    fn accept(&self, mut stream: TcpStream, service: S) -> Self::Future {
        let from = self.from.clone();
        Box::pin(async move {
            stream.set_nodelay(true)?;
            let peer = stream.peer_addr()?;
            let client = if from.contains(&peer.ip()) {
                tokio::time::timeout(HEADER_TIMEOUT, read_header(&mut stream))
                    .await
                    .map_err(|_| {
                        io::Error::new(io::ErrorKind::TimedOut, "no PROXY header in time")
                    })??
            } else {
                None
            };
            let layer = axum::Extension(ProxiedClient(client));
            Ok((stream, tower::Layer::layer(&layer, service)))
        })
    }
}

/// The router's layer that makes a proxied connection's client the request's `ConnectInfo`.
pub async fn client_as_connect_info(mut request: Request) -> Request {
    if let Some(ProxiedClient(Some(client))) = request.extensions().get::<ProxiedClient>().copied()
    {
        request.extensions_mut().insert(ConnectInfo(client));
    }
    request
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("PROXY header: {what}"))
}

/// Reads one PROXY header and nothing after it; the source address it names (none for a
/// version 2 `LOCAL` header, the balancer's own health check, or `UNKNOWN`).
async fn read_header<R: AsyncReadExt + Unpin>(stream: &mut R) -> io::Result<Option<SocketAddr>> {
    let mut header = Vec::with_capacity(108);
    let first = stream.read_u8().await?;
    header.push(first);
    match first {
        b'P' => loop {
            if header.len() >= 108 {
                return Err(invalid("a version 1 line longer than 107 bytes"));
            }
            header.push(stream.read_u8().await?);
            if header.ends_with(b"\r\n") {
                break;
            }
        },
        0x0D => {
            header.resize(16, 0);
            stream.read_exact(&mut header[1..]).await?;
            let length = usize::from(u16::from_be_bytes([header[14], header[15]]));
            if 16 + length > MAX_HEADER {
                return Err(invalid("a version 2 header too long"));
            }
            header.resize(16 + length, 0);
            stream.read_exact(&mut header[16..]).await?;
        }
        _ => return Err(invalid("the connection does not begin with one")),
    }
    source(&header)
}

fn source(header: &[u8]) -> io::Result<Option<SocketAddr>> {
    use ppp::{HeaderResult, v1, v2};
    match HeaderResult::parse(header) {
        HeaderResult::V1(Ok(h)) => Ok(match h.addresses {
            v1::Addresses::Tcp4(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
            v1::Addresses::Tcp6(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
            v1::Addresses::Unknown => None,
        }),
        HeaderResult::V2(Ok(h)) => Ok(match (h.command, h.addresses) {
            (v2::Command::Local, _) => None,
            (v2::Command::Proxy, v2::Addresses::IPv4(a)) => {
                Some(SocketAddr::from((a.source_address, a.source_port)))
            }
            (v2::Command::Proxy, v2::Addresses::IPv6(a)) => {
                Some(SocketAddr::from((a.source_address, a.source_port)))
            }
            (v2::Command::Proxy, _) => None,
        }),
        HeaderResult::V1(Err(_)) | HeaderResult::V2(Err(_)) => Err(invalid("malformed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &[u8]) -> (io::Result<Option<SocketAddr>>, Vec<u8>) {
        let mut input = bytes;
        let got = read_header(&mut input).await;
        (got, input.to_vec())
    }

    #[tokio::test]
    async fn a_header_is_read_exactly_and_names_the_client() {
        let (got, rest) =
            read(b"PROXY TCP4 203.0.113.7 10.0.0.11 51234 8443\r\n\x16\x03\x01").await;
        assert_eq!(
            got.expect("valid"),
            Some("203.0.113.7:51234".parse().expect("address"))
        );
        assert_eq!(rest, b"\x16\x03\x01", "the TLS bytes after it are left");

        let v2 = ppp::v2::Builder::with_addresses(
            ppp::v2::Version::Two | ppp::v2::Command::Proxy,
            ppp::v2::Protocol::Stream,
            (
                "[2001:db8::5]:40000"
                    .parse::<SocketAddr>()
                    .expect("address"),
                "[2001:db8::1]:8443".parse::<SocketAddr>().expect("address"),
            ),
        )
        .build()
        .expect("a v2 header");
        let mut bytes = v2.clone();
        bytes.extend_from_slice(b"\x16\x03");
        let (got, rest) = read(&bytes).await;
        assert_eq!(
            got.expect("valid"),
            Some("[2001:db8::5]:40000".parse().expect("address"))
        );
        assert_eq!(rest, b"\x16\x03");

        let local = ppp::v2::Builder::new(
            ppp::v2::Version::Two | ppp::v2::Command::Local,
            ppp::v2::AddressFamily::Unspecified | ppp::v2::Protocol::Unspecified,
        )
        .build()
        .expect("a LOCAL header");
        assert_eq!(read(&local).await.0.expect("valid"), None);
    }

    #[tokio::test]
    async fn anything_else_is_refused() {
        for bad in [
            &b"\x16\x03\x01\x02\x00"[..],
            b"PROXY TCP4 not-an-address 10.0.0.11 1 2\r\n",
            b"PROXY TCP4 203.0.113.7 10.0.0.11 51234",
            &[b'P'; 200][..],
            b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff",
        ] {
            assert!(read(bad).await.0.is_err(), "{bad:?}");
        }
    }
}
