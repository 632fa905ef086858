//! Each project's certificate authority, and the certificates it signs for
//! the project's services, as on the platform: clients connect with TLS
//! and verify the server against the project's CA
//! (`GET /v1/project/{project}/kms/ca`). A CA is made the first time a
//! project needs one and kept under `DATA_DIR/ca/PROJECT/` (its key with
//! mode 0600); a service gets a fresh certificate for `127.0.0.1` and
//! `localhost` before every start, so a fork into another project serves
//! its own project's.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::engines::process::write_secret;
use crate::engines::{ClusterPaths, EngineError};

/// A project's CA: its certificate, and what signs with it.
pub struct ProjectCa {
    pub certificate_pem: String,
    key: KeyPair,
    project: String,
}

/// Why a certificate could not be made or read.
#[derive(Debug)]
pub enum TlsError {
    Io(PathBuf, std::io::Error),
    Certificate(rcgen::Error),
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsError::Io(path, err) => write!(f, "{}: {err}", path.display()),
            TlsError::Certificate(err) => write!(f, "cannot make a certificate: {err}"),
        }
    }
}

impl std::error::Error for TlsError {}

impl From<rcgen::Error> for TlsError {
    fn from(err: rcgen::Error) -> TlsError {
        TlsError::Certificate(err)
    }
}

impl From<TlsError> for EngineError {
    fn from(err: TlsError) -> EngineError {
        EngineError::Invalid(format!("TLS: {err}"))
    }
}

/// The CA's own fields; the same every time, so a stored key and these
/// rebuild the issuer exactly.
fn ca_params(project: &str) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "aiven-local");
    name.push(DnType::CommonName, format!("{project} project CA"));
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    Ok(params)
}

fn read(path: &Path) -> Result<Option<String>, TlsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(TlsError::Io(path.to_owned(), err)),
    }
}

fn write(path: &Path, text: &str, secret: bool) -> Result<(), TlsError> {
    if secret {
        return write_secret(path, text)
            .map_err(|err| TlsError::Io(path.to_owned(), std::io::Error::other(err.to_string())));
    }
    std::fs::write(path, text).map_err(|err| TlsError::Io(path.to_owned(), err))
}

impl ProjectCa {
    /// The project's CA, made on first use. A new CA is written into a
    /// staging directory of its own and renamed into place whole, so
    /// services of a new project provisioned at the same moment agree on
    /// one CA (the first rename wins, the others read it) and a crash
    /// mid-write never leaves a key without its certificate.
    pub fn of(data_dir: &Path, project: &str) -> Result<ProjectCa, TlsError> {
        let parent = data_dir.join("ca");
        let dir = parent.join(project);
        if let Some(ca) = ProjectCa::stored(&dir, project)? {
            return Ok(ca);
        }
        std::fs::create_dir_all(&parent).map_err(|err| TlsError::Io(parent.clone(), err))?;
        let staging = parent.join(format!(".{project}.{}", crate::random::random_token()));
        std::fs::create_dir(&staging).map_err(|err| TlsError::Io(staging.clone(), err))?;
        let made = ProjectCa::make(&staging, project);
        let moved = made.and_then(|ca| {
            std::fs::rename(&staging, &dir)
                .map(|()| ca)
                .map_err(|err| TlsError::Io(dir.clone(), err))
        });
        match moved {
            Ok(ca) => Ok(ca),
            Err(err) => {
                let _ = std::fs::remove_dir_all(&staging);
                ProjectCa::stored(&dir, project)?.ok_or(err)
            }
        }
    }

    /// The CA kept in `dir`, if both its files are there.
    fn stored(dir: &Path, project: &str) -> Result<Option<ProjectCa>, TlsError> {
        let (cert, key) = (read(&dir.join("ca.crt"))?, read(&dir.join("ca.key"))?);
        let (Some(certificate_pem), Some(key_pem)) = (cert, key) else {
            return Ok(None);
        };
        Ok(Some(ProjectCa {
            certificate_pem,
            key: KeyPair::from_pem(&key_pem)?,
            project: project.to_owned(),
        }))
    }

    /// A new CA, its files written into `dir`.
    fn make(dir: &Path, project: &str) -> Result<ProjectCa, TlsError> {
        let key = KeyPair::generate()?;
        let certificate_pem = ca_params(project)?.self_signed(&key)?.pem();
        write(&dir.join("ca.key"), &key.serialize_pem(), true)?;
        write(&dir.join("ca.crt"), &certificate_pem, false)?;
        Ok(ProjectCa {
            certificate_pem,
            key,
            project: project.to_owned(),
        })
    }

    /// A server certificate for this machine's loopback names, signed by
    /// the CA: its PEM and its key's PEM.
    fn issue(&self) -> Result<(String, String), TlsError> {
        let issuer = Issuer::new(ca_params(&self.project)?, &self.key);
        let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2035, 1, 1);
        let key = KeyPair::generate()?;
        let certificate = params.signed_by(&key, &issuer)?;
        Ok((certificate.pem(), key.serialize_pem()))
    }

    /// Writes a service's certificate, key and the CA into its `tls/`
    /// directory (see [`ClusterPaths::tls_cert`]).
    pub fn issue_for(&self, paths: &ClusterPaths) -> Result<(), TlsError> {
        let dir = paths.tls_dir();
        std::fs::create_dir_all(&dir).map_err(|err| TlsError::Io(dir.clone(), err))?;
        let (certificate, key) = self.issue()?;
        write(&paths.tls_cert(), &certificate, false)?;
        write(&paths.tls_key(), &key, true)?;
        write(&paths.tls_ca(), &self.certificate_pem, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_keeps_its_ca_and_signs_each_services_certificate_with_it() {
        let dir = std::env::temp_dir().join(format!("tls-{}", std::process::id()));
        let first = ProjectCa::of(&dir, "acme").unwrap();
        let again = ProjectCa::of(&dir, "acme").unwrap();
        assert_eq!(first.certificate_pem, again.certificate_pem, "made once");
        let other = ProjectCa::of(&dir, "other").unwrap();
        assert_ne!(first.certificate_pem, other.certificate_pem);
        let paths = ClusterPaths {
            root: dir.join("svc"),
        };
        again.issue_for(&paths).unwrap();
        let text = std::fs::read_to_string(paths.tls_cert()).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(paths.tls_key())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn services_of_a_new_project_made_at_once_share_one_ca() {
        let dir = std::env::temp_dir().join(format!("tls-race-{}", std::process::id()));
        for round in 0..20 {
            let project = format!("p{round}");
            let barrier = std::sync::Barrier::new(8);
            let certificates: Vec<String> = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..8)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            ProjectCa::of(&dir, &project).map(|ca| ca.certificate_pem)
                        })
                    })
                    .collect();
                racers
                    .into_iter()
                    .map(|racer| racer.join().unwrap().expect("every racer gets the CA"))
                    .collect()
            });
            let stored = std::fs::read_to_string(dir.join("ca").join(&project).join("ca.crt"));
            for certificate in &certificates {
                assert_eq!(Some(certificate), stored.as_ref().ok(), "round {round}");
            }
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("ca"))
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
