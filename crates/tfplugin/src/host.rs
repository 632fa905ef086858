//! Running as a Terraform plugin: the go-plugin handshake, AutoMTLS, and the
//! side services Terraform's plugin host expects beside the provider.
//!
//! Terraform starts the binary with a magic cookie and its own client
//! certificate in the environment, reads one handshake line from stdout
//! (`1|6|tcp|ADDR|grpc|CERT`) and then speaks gRPC over TLS, where each side
//! trusts exactly the other's self-signed certificate.

use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{Stream, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime,
};
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::{goplugin, health, tfplugin6};
use crate::resource::Provider;
use crate::server::ProviderService;

const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const CORE_PROTOCOL_VERSION: u32 = 1;
const APP_PROTOCOL_VERSION: u32 = 6;
/// go-plugin allows messages far above gRPC's 4 MiB default; large plans
/// and schemas need it.
const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// How the plugin was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Started by Terraform: handshake on stdout, mTLS when offered.
    Managed,
    /// Started by hand with `--debug`: plaintext, prints the
    /// `TF_REATTACH_PROVIDERS` value and runs until Ctrl-C.
    Debug,
}

/// Serves `provider` until Terraform shuts it down. `address` is the
/// provider's source address, e.g. `registry.terraform.io/aiven-rs/aiven`;
/// `binary` is how the user would refer to the program in messages.
pub fn serve<P: Provider>(provider: P, address: &str, binary: &str) -> ExitCode {
    let debug = std::env::args()
        .skip(1)
        .any(|arg| arg == "--debug" || arg == "-debug");
    let mode = if debug { Mode::Debug } else { Mode::Managed };
    if mode == Mode::Managed && std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE)
    {
        eprintln!(
            "{binary} is a Terraform plugin and is started by Terraform, not by hand.\n\
             Install it under ~/.terraform.d/plugins/{address}/VERSION/OS_ARCH/ (see the README), \
             or run `{binary} --debug` to serve it for TF_REATTACH_PROVIDERS."
        );
        return ExitCode::from(1);
    }
    crate::logging::init("provider");
    install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{binary}: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(provider, address, mode)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!(error = %message, "plugin failed");
            eprintln!("{binary}: {message}");
            ExitCode::from(1)
        }
    }
}

/// Replaces Rust's default panic output (which would carry a backtrace
/// with `RUST_BACKTRACE=1`) with one log line; the panic itself becomes a
/// diagnostic in [`crate::server`].
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(location = %location, "panic in provider: {info}");
    }));
}

/// Everything [`run`] needs to know from the environment.
struct Handshake {
    client_cert: Option<CertificateDer<'static>>,
    port_range: Option<(u16, u16)>,
}

impl Handshake {
    fn from_env(mode: &Mode) -> Result<Handshake, String> {
        if let Ok(versions) = std::env::var("PLUGIN_PROTOCOL_VERSIONS") {
            let offered = versions
                .split(',')
                .any(|v| v.trim() == APP_PROTOCOL_VERSION.to_string());
            if !offered {
                return Err(format!(
                    "Terraform offers plugin protocol versions {versions}, but this provider speaks only {APP_PROTOCOL_VERSION}; use Terraform 1.0 or later"
                ));
            }
        }
        let client_cert = match (mode, std::env::var("PLUGIN_CLIENT_CERT")) {
            (Mode::Managed, Ok(pem)) if !pem.trim().is_empty() => Some(
                CertificateDer::from_pem_slice(pem.as_bytes())
                    .map_err(|err| format!("PLUGIN_CLIENT_CERT is not a PEM certificate: {err}"))?,
            ),
            _ => None,
        };
        let port = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u16>().ok());
        let port_range = match (port("PLUGIN_MIN_PORT"), port("PLUGIN_MAX_PORT")) {
            (Some(min), Some(max)) if min <= max && max > 0 => Some((min, max)),
            _ => None,
        };
        Ok(Handshake {
            client_cert,
            port_range,
        })
    }
}

async fn bind(port_range: Option<(u16, u16)>) -> Result<TcpListener, String> {
    let Some((min, max)) = port_range else {
        return TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|err| format!("cannot listen on loopback: {err}"));
    };
    for port in min..=max {
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
            return Ok(listener);
        }
    }
    Err(format!(
        "no free port between PLUGIN_MIN_PORT={min} and PLUGIN_MAX_PORT={max}"
    ))
}

/// A freshly generated server identity, valid for `localhost`, which is
/// the name go-plugin's client checks.
struct ServerIdentity {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn generate_identity() -> Result<ServerIdentity, String> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|err| err.to_string())?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .map_err(|err| err.to_string())?;
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params.self_signed(&key).map_err(|err| err.to_string())?;
    Ok(ServerIdentity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Accepts exactly the certificate Terraform announced in
/// `PLUGIN_CLIENT_CERT`. go-plugin's client certificates are self-signed CA
/// certificates with P-521 keys, which a WebPKI chain check rejects as
/// "CA used as end entity"; pinning the exact bytes is both stricter and
/// what go-plugin itself does on the other side.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "client certificate is not the one Terraform announced".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The TLS setup. ring handles the session; aws-lc-rs supplies only the
/// signature checks for Terraform's P-521 client key. Verifying needs no
/// randomness, so aws-lc's random generator, whose first use costs ~50 ms
/// of entropy gathering, is never started.
fn tls_config(
    identity: ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<rustls::ServerConfig, String> {
    let crypto = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms =
        rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
    let verifier = Arc::new(PinnedClientCert {
        expected: client_cert,
        algorithms,
    });
    let mut config = rustls::ServerConfig::builder_with_provider(crypto)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![identity.cert], identity.key)
        .map_err(|err| format!("cannot use the generated server certificate: {err}"))?;
    // grpc-go refuses TLS servers that do not negotiate HTTP/2 by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

async fn run<P: Provider>(provider: P, address: &str, mode: Mode) -> Result<(), String> {
    let handshake = Handshake::from_env(&mode)?;
    let listener = bind(handshake.port_range).await?;
    let local: SocketAddr = listener.local_addr().map_err(|err| err.to_string())?;
    let shutdown = CancellationToken::new();
    let service = Arc::new(ProviderService::new(provider));
    let stop = service.stop_token();

    let router = Server::builder()
        .add_service(
            tfplugin6::provider_server::ProviderServer::from_arc(service)
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(goplugin::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(goplugin::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(goplugin::grpc_broker_server::GrpcBrokerServer::new(
            Broker {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(health::health_server::HealthServer::new(Health));

    spawn_signal_handling(&mode, shutdown.clone());

    let server_shutdown = shutdown.clone();
    let served = match handshake.client_cert {
        Some(client_cert) => {
            let identity = generate_identity()?;
            let cert_b64 =
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(identity.cert.as_ref());
            let acceptor =
                tokio_rustls::TlsAcceptor::from(Arc::new(tls_config(identity, client_cert)?));
            announce(&mode, address, local, &cert_b64);
            let incoming = accept_tls(listener, acceptor, shutdown.clone());
            tokio::spawn(
                router.serve_with_incoming_shutdown(incoming, server_shutdown.cancelled_owned()),
            )
        }
        None => {
            announce(&mode, address, local, "");
            let incoming = accept_plain(listener);
            tokio::spawn(
                router.serve_with_incoming_shutdown(incoming, server_shutdown.cancelled_owned()),
            )
        }
    };

    shutdown.cancelled().await;
    stop.cancel();
    // In-flight calls get a moment to answer; Terraform kills us soon after
    // anyway, so never hang here.
    match tokio::time::timeout(Duration::from_secs(2), served).await {
        Ok(Ok(Err(err))) => Err(format!("gRPC server failed: {err}")),
        _ => Ok(()),
    }
}

fn announce(mode: &Mode, address: &str, local: SocketAddr, cert_b64: &str) {
    use std::io::Write as _;
    let text = match mode {
        Mode::Managed => {
            format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|tcp|{local}|grpc|{cert_b64}\n")
        }
        Mode::Debug => {
            let reattach = serde_json::json!({
                address: {
                    "Protocol": "grpc",
                    "ProtocolVersion": APP_PROTOCOL_VERSION,
                    "Pid": std::process::id(),
                    "Test": true,
                    "Addr": { "Network": "tcp", "String": local.to_string() }
                }
            });
            format!(
                "Provider started. To attach Terraform, set in your shell:\n\n    export TF_REATTACH_PROVIDERS='{reattach}'\n\nPress Ctrl-C to stop.\n"
            )
        }
    };
    // Whoever started us may stop reading stdout after this; a closed pipe
    // must not take the server down.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Terraform's Ctrl-C reaches the whole process group. A managed plugin
/// must survive it: Terraform follows up with `StopProvider`, and we may
/// still need to save state. In debug mode Ctrl-C ends the server.
fn spawn_signal_handling(mode: &Mode, shutdown: CancellationToken) {
    let debug = *mode == Mode::Debug;
    tokio::spawn(async move {
        let Ok(mut terminate) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return;
        };
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {
                    if debug {
                        shutdown.cancel();
                        return;
                    }
                    tracing::debug!("ignoring interrupt; waiting for Terraform's StopProvider");
                }
                _ = terminate.recv() => {
                    shutdown.cancel();
                    return;
                }
            }
        }
    });
}

type Incoming<T> = Pin<Box<dyn Stream<Item = Result<T, std::io::Error>> + Send>>;

fn accept_plain(listener: TcpListener) -> Incoming<TcpStream> {
    Box::pin(futures_util::stream::unfold(
        listener,
        |listener| async move {
            let accepted = listener.accept().await.map(|(stream, _)| {
                // Without this, every small gRPC frame waits on Nagle's
                // algorithm and plans run about twice as slow.
                let _ = stream.set_nodelay(true);
                stream
            });
            Some((accepted, listener))
        },
    ))
}

/// Accepts TCP connections and completes TLS handshakes concurrently, so a
/// slow or hostile client cannot block the next one.
fn accept_tls(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    shutdown: CancellationToken,
) -> Incoming<tokio_rustls::server::TlsStream<TcpStream>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = shutdown.cancelled() => return,
            };
            let Ok((stream, peer)) = accepted else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = sender.send(Ok(tls)).await;
                    }
                    Ok(Err(err)) => {
                        tracing::warn!(peer = %peer, error = %err, "TLS handshake refused")
                    }
                    Err(_) => tracing::warn!(peer = %peer, "TLS handshake timed out"),
                }
            });
        }
    });
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(receiver))
}

/// A stream that yields nothing and ends at shutdown, so long-lived streams
/// do not hold up a graceful stop.
fn until_shutdown<T: Send + 'static>(
    shutdown: CancellationToken,
) -> Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>> {
    Box::pin(
        futures_util::stream::once(async move { shutdown.cancelled_owned().await })
            .filter_map(|()| async { None }),
    )
}

struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        tracing::debug!("shutdown requested by Terraform");
        self.shutdown.cancel();
        Ok(Response::new(goplugin::Empty {}))
    }
}

struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream =
        Pin<Box<dyn Stream<Item = Result<goplugin::StdioData, Status>> + Send>>;

    async fn stream_stdio(
        &self,
        _request: Request<goplugin::Empty>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}

struct Broker {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl goplugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = Pin<Box<dyn Stream<Item = Result<goplugin::ConnInfo, Status>> + Send>>;

    async fn start_stream(
        &self,
        request: Request<Streaming<goplugin::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        tokio::spawn(async move { while let Some(Ok(_)) = inbound.next().await {} });
        Ok(Response::new(until_shutdown(self.shutdown.clone())))
    }
}

struct Health;

#[tonic::async_trait]
impl health::health_server::Health for Health {
    async fn check(
        &self,
        _request: Request<health::HealthCheckRequest>,
    ) -> Result<Response<health::HealthCheckResponse>, Status> {
        Ok(Response::new(health::HealthCheckResponse {
            status: health::health_check_response::ServingStatus::Serving as i32,
        }))
    }
}
