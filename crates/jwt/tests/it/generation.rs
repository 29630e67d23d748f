use std::time::Instant;

use sfiu_jwt::{Certificate, CertificateOptions, Error, KeySize, PrivateKey};

use crate::{key_a, now};

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs_err::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn generated_key_and_certificate_are_written_safely() {
    let started = Instant::now();
    let key = PrivateKey::generate(KeySize::default()).unwrap();
    eprintln!("RSA-2048 generation took {:?}", started.elapsed());
    assert_eq!(key.bits(), 2048);
    let options = CertificateOptions::new("sfiu test");
    let certificate = Certificate::self_signed(&key, &options, now()).unwrap();

    let directory = tempfile::tempdir().unwrap();
    let key_path = directory.path().join("integration.key");
    let certificate_path = directory.path().join("integration.crt");
    key.write_pem_file(&key_path, false).unwrap();
    certificate
        .write_pem_file(&certificate_path, false)
        .unwrap();

    #[cfg(unix)]
    {
        assert_eq!(mode_of(&key_path), 0o600);
        assert_eq!(mode_of(&certificate_path), 0o644);
    }
    let reloaded_key = PrivateKey::from_file(&key_path).unwrap();
    let reloaded_certificate = Certificate::from_file(&certificate_path).unwrap();
    reloaded_key.check_matches(&reloaded_certificate).unwrap();
    assert_eq!(reloaded_certificate, certificate);
    assert_eq!(
        reloaded_key.public_key_fingerprint(),
        key.public_key_fingerprint()
    );
}

#[test]
fn existing_key_file_is_not_overwritten_unless_asked() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("integration.key");
    let first = key_a();
    first.write_pem_file(&path, false).unwrap();
    let second = PrivateKey::from_file(crate::data("test-key-b.pkcs8.pem")).unwrap();

    let error = second.write_pem_file(&path, false).unwrap_err();
    assert!(matches!(&error, Error::FileExists { path: p } if p == &path));
    assert_eq!(
        error.to_string(),
        format!(
            "refusing to overwrite the existing file `{}`; move it away or ask to overwrite",
            path.display()
        )
    );
    let kept = PrivateKey::from_file(&path).unwrap();
    assert_eq!(
        kept.public_key_fingerprint(),
        first.public_key_fingerprint()
    );

    second.write_pem_file(&path, true).unwrap();
    let replaced = PrivateKey::from_file(&path).unwrap();
    assert_eq!(
        replaced.public_key_fingerprint(),
        second.public_key_fingerprint()
    );
    #[cfg(unix)]
    assert_eq!(mode_of(&path), 0o600);
}

#[cfg(unix)]
#[test]
fn overwriting_a_loose_file_tightens_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("integration.key");
    fs_err::write(&path, "old").unwrap();
    fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    key_a().write_pem_file(&path, true).unwrap();
    assert_eq!(mode_of(&path), 0o600);
}

#[test]
fn certificate_file_is_not_overwritten_unless_asked() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("integration.crt");
    let certificate = crate::certificate_a();
    certificate.write_pem_file(&path, false).unwrap();
    assert!(matches!(
        certificate.write_pem_file(&path, false),
        Err(Error::FileExists { .. })
    ));
    certificate.write_pem_file(&path, true).unwrap();
}

#[test]
fn larger_key_sizes_are_generated() {
    let started = Instant::now();
    let key = PrivateKey::generate(KeySize::Rsa4096).unwrap();
    eprintln!("RSA-4096 generation took {:?}", started.elapsed());
    assert_eq!(key.bits(), 4096);
    let certificate =
        Certificate::self_signed(&key, &CertificateOptions::new("big"), now()).unwrap();
    key.check_matches(&certificate).unwrap();
}
