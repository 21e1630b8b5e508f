//! Behind a balancer that passes TLS through and sends a PROXY header (issue 20;
//! `sync_server::proxy_protocol`): the server counts sign-in attempts by the client address the
//! header names, not by the balancer's, so one client's failures do not lock every clerk out; a
//! listed balancer's connection without a header is refused. The balancers here are TCP relays
//! that connect from 127.0.0.2 (listed) and begin each connection with a version 1 header naming
//! a client of their own.

use reqwest::StatusCode;
use std::net::{IpAddr, SocketAddr};
use tests::TestServer;
use tokio::net::{TcpListener, TcpSocket};

const BALANCER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

/// A relay on loopback that sends `client` in a PROXY header, then the bytes both ways.
async fn balancer(server: SocketAddr, client: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut downstream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let socket = TcpSocket::new_v4().expect("socket");
                socket
                    .bind(SocketAddr::new(BALANCER, 0))
                    .expect("the balancer's address");
                let Ok(mut upstream) = socket.connect(server).await else {
                    return;
                };
                let header = format!("PROXY TCP4 {client} 127.0.0.1 40000 443\r\n");
                use tokio::io::AsyncWriteExt;
                if upstream.write_all(header.as_bytes()).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut downstream, &mut upstream).await;
                }
            });
        }
    });
    address
}

fn client(server: &TestServer, local: Option<IpAddr>) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .local_address(local)
        .build()
        .expect("client")
}

async fn sign_in(http: &reqwest::Client, at: SocketAddr, user: &str) -> StatusCode {
    http.post(format!("https://{at}/v1/staff/login"))
        .json(&serde_json::json!({ "username": user, "password": "wrong-password" }))
        .send()
        .await
        .expect("the request reaches the server")
        .status()
}

#[tokio::test]
async fn sign_in_attempts_count_by_the_address_the_balancer_names() {
    let server = TestServer::start_with(|c| {
        c.proxy_protocol_from = vec![BALANCER];
        c.staff.login_attempts_per_address = 2;
        c.staff.login_attempts_per_user = 100;
    })
    .await;
    server.init().await;
    let direct: SocketAddr = format!("127.0.0.1:{}", server.url.port().expect("port"))
        .parse()
        .expect("address");
    let first = balancer(direct, "198.51.100.9").await;
    let second = balancer(direct, "198.51.100.10").await;
    let http = client(&server, None);

    assert_eq!(sign_in(&http, first, "甲").await, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&http, first, "乙").await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&http, first, "丙").await,
        StatusCode::TOO_MANY_REQUESTS,
        "198.51.100.9 has used its attempts"
    );
    assert_eq!(
        sign_in(&http, second, "丁").await,
        StatusCode::UNAUTHORIZED,
        "another client behind the same balancer is counted apart"
    );
    // A listed balancer must send the header: straight from its address, nothing is served.
    let bare = client(&server, Some(BALANCER))
        .get(format!("https://{direct}/healthz"))
        .send()
        .await;
    assert!(bare.is_err(), "{bare:?}");
    // Any other address connects as it is.
    let status = http
        .get(format!("https://{direct}/healthz"))
        .send()
        .await
        .expect("unlisted addresses are served")
        .status();
    assert_eq!(status, StatusCode::OK);
    server.stop().await.expect("stops");
}
