//! A TCP load balancer for the scale-out tests, as nginx's `stream` module runs in front of
//! several instances (docs/scale-out.md): it passes the bytes through, so TLS goes end to end
//! from the kiosk to an instance, and sends each new connection to the first backend, in order,
//! that accepts it. A stopped instance refuses connections, so the next one gets them; open
//! connections stay with the instance they reached until it closes them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

pub struct Balancer {
    addr: SocketAddr,
    backends: Arc<Mutex<Vec<SocketAddr>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Balancer {
    /// Listens on 127.0.0.1 with no backend yet: bound first, so that the servers behind it can
    /// be told its address as their public URL.
    pub async fn start() -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the balancer binds");
        let addr = listener.local_addr().expect("a bound address");
        let backends = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(accept(listener, backends.clone()));
        Balancer {
            addr,
            backends,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The backends new connections go to, the first that accepts.
    pub fn set_backends(&self, backends: Vec<SocketAddr>) {
        *self.backends.lock().expect("the backends lock") = backends;
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept(listener: TcpListener, backends: Arc<Mutex<Vec<SocketAddr>>>) {
    while let Ok((mut client, _)) = listener.accept().await {
        let order = backends.lock().expect("the backends lock").clone();
        tokio::spawn(async move {
            for backend in order {
                let connected =
                    tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(backend)).await;
                if let Ok(Ok(mut server)) = connected {
                    let _ = server.set_nodelay(true);
                    let _ = client.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    return;
                }
            }
        });
    }
}
