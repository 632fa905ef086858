//! Plugin-layer figures for the real provider binary: handshake time with
//! and without mTLS (a P-521 client certificate, like Terraform's),
//! GetProviderSchema latency, and peak memory. Prints figures; asserts no
//! timings. Run with `cargo bench --bench plugin`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tfplugin::proto::tfplugin6 as pb;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-aiven");
const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);
const RUNS: usize = 30;

struct Started {
    child: Child,
    address: String,
    server_cert: Vec<u8>,
    elapsed: Duration,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(client_cert_pem: Option<&str>) -> Started {
    let began = Instant::now();
    let mut command = Command::new(BINARY);
    command
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match client_cert_pem {
        Some(pem) => command.env("PLUGIN_CLIENT_CERT", pem),
        None => command.env_remove("PLUGIN_CLIENT_CERT"),
    };
    let mut child = command.spawn().expect("start provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let elapsed = began.elapsed();
    let parts: Vec<&str> = line.trim().split('|').collect();
    use base64::Engine as _;
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .unwrap_or_default();
    Started {
        child,
        address: parts[3].to_owned(),
        server_cert,
        elapsed,
    }
}

/// Accepts exactly the certificate from the handshake line, as go-plugin does.
#[derive(Debug)]
struct Pinned(Vec<u8>, rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        cert: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if cert.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.1)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.1)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.1.supported_schemes()
    }
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<44} median {:>7.2} ms   p90 {:>7.2} ms   min {:>7.2} ms   ({} runs)",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        ms(samples[0]),
        samples.len()
    );
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Terraform's client identity: a self-signed P-521 CA certificate,
    // made by openssl so that no crate feature of this bench changes how
    // the provider binary under test is built.
    let dir = testkit::temp_dir("bench-cert");
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args([
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(status.success());
    let pem = std::fs::read_to_string(dir.join("cert.pem")).unwrap();
    let cert = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("key.pem")).unwrap();
    let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());

    let plain: Vec<Duration> = (0..RUNS).map(|_| start(None).elapsed).collect();
    summary("handshake line, plaintext", plain);

    let mut line_only = Vec::new();
    let mut with_tls = Vec::new();
    // The first run warms this process's own crypto library; not counted.
    for run in 0..=RUNS {
        let started = start(Some(&pem));
        let began = Instant::now();
        let config = rustls::ClientConfig::builder_with_provider(crypto.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned(
                started.server_cert.clone(),
                crypto.signature_verification_algorithms,
            )))
            .with_client_auth_cert(vec![cert.clone()], key.clone_key())
            .unwrap();
        let mut config = config;
        config.alpn_protocols = vec![b"h2".to_vec()];
        let tcp = tokio::net::TcpStream::connect(&started.address)
            .await
            .unwrap();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .expect("mTLS handshake with the pinned client certificate");
        drop(tls);
        if run > 0 {
            line_only.push(started.elapsed);
            with_tls.push(started.elapsed + began.elapsed());
        }
    }
    summary("handshake line, mTLS (cert generation)", line_only);
    summary("handshake line + TLS handshake, mTLS", with_tls);

    let started = start(None);
    let mut client =
        pb::provider_client::ProviderClient::connect(format!("http://{}", started.address))
            .await
            .unwrap();
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for _ in 0..300 {
        let began = Instant::now();
        let response = client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .unwrap();
        latencies.push(began.elapsed());
        bytes = prost::Message::encoded_len(response.get_ref());
    }
    summary(
        &format!("GetProviderSchema ({} KiB)", bytes / 1024),
        latencies,
    );
    println!(
        "{:<44} {:>7.1} MiB",
        "peak RSS (VmHWM) after 300 schema calls",
        peak_rss_kib(started.child.id()) as f64 / 1024.0
    );
}
