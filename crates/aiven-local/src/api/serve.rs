//! Serving the API over HTTP/1.1 with limits no client can get around:
//! at most so many connections at once, headers that must arrive within a
//! deadline, and a body that must arrive, whole and not too large, within
//! another. A client that opens connections and never finishes a request
//! (or promises a longer body than it sends) costs a bounded number of
//! file descriptors for a bounded time, and when every slot is taken the
//! oldest connection that never sent a request makes room for a new one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::api::refusal;

/// The limits, with defaults suited to a laptop or a CI runner.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; further ones wait in the kernel's
    /// backlog until one closes.
    pub max_connections: usize,
    /// From a connection's start, or the end of its last answer, to the
    /// end of the next request's headers.
    pub header_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub body_timeout: Duration,
    /// The largest request body taken.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_body: 4 << 20,
        }
    }
}

/// The connections being served, oldest first, and whether each has
/// sent a whole request yet. When every slot is taken, the oldest that
/// never has is closed for the newcomer: a real client sends its request
/// at once, so a flood of idle connections cannot keep one waiting for
/// the header deadline.
#[derive(Default)]
struct Connections {
    open: std::sync::Mutex<Vec<Tracked>>,
    next_id: std::sync::atomic::AtomicU64,
}

struct Tracked {
    id: u64,
    sent_a_request: Arc<AtomicBool>,
    close: CancellationToken,
}

impl Connections {
    fn track(&self) -> (u64, Arc<AtomicBool>, CancellationToken) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sent_a_request, close) = (Arc::new(AtomicBool::new(false)), CancellationToken::new());
        let tracked = Tracked {
            id,
            sent_a_request: Arc::clone(&sent_a_request),
            close: close.clone(),
        };
        self.open.lock().expect("connections").push(tracked);
        (id, sent_a_request, close)
    }

    fn forget(&self, id: u64) {
        self.open
            .lock()
            .expect("connections")
            .retain(|c| c.id != id);
    }

    /// Closes the oldest connection that never sent a request; whether
    /// there was one.
    fn close_oldest_idle(&self) -> bool {
        let open = self.open.lock().expect("connections");
        let idle = open
            .iter()
            .find(|c| !c.sent_a_request.load(Ordering::Relaxed) && !c.close.is_cancelled());
        idle.inspect(|c| c.close.cancel()).is_some()
    }
}

/// Headers every reply carries, API, Console and refusals alike: a
/// browser takes no reply for another type than it says (`nosniff`),
/// frames none of them, and runs nothing from a reply that sets no policy
/// of its own (JSON, errors). The Console's pages set theirs.
async fn with_security_headers(mut response: Response) -> Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    response
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (for up to ten seconds).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let app = app
        .layer(axum::middleware::from_fn_with_state(limits, body_in_time))
        .layer(axum::middleware::map_response(with_security_headers));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let connections = Arc::new(Connections::default());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of descriptors, say: wait a little, do not spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if connections.close_oldest_idle() {
                    tracing::debug!("every connection slot taken: closed the oldest idle one");
                }
                tokio::select! {
                    permit = Arc::clone(&permits).acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let (id, sent_a_request, close) = connections.track();
        let inner = TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            sent_a_request.store(true, Ordering::Relaxed);
            hyper::service::Service::call(&inner, request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let connections = Arc::clone(&connections);
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                () = close.cancelled() => {}
            }
            connections.forget(id);
            drop(permit);
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("requests still in flight after 10 s; stopping anyway");
        }
    }
}

/// Reads the whole request body within the body deadline and size limit,
/// so that no handler ever waits on a client.
async fn body_in_time(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, limits.max_body);
    let bytes = match tokio::time::timeout(limits.body_timeout, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "Request body too large or malformed; at most {} bytes",
                    limits.max_body
                ),
            )
            .into_response();
        }
        Err(_) => {
            return refusal(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "Request body not received within {} s",
                    limits.body_timeout.as_secs()
                ),
            )
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
