//! Writing key and certificate files with the right permissions from the first byte.
//!
//! A private key must never exist on disk with loose permissions, even for a moment, so the
//! file is created with its final mode instead of being changed afterwards. Replacing a file
//! goes through a fresh temporary file in the same directory and a rename, which also gives the
//! new file its own mode instead of inheriting the old one's.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Unix permissions of a written private key: owner read and write only.
pub(crate) const PRIVATE_MODE: u32 = 0o600;

/// Unix permissions of a written certificate: readable by everyone.
pub(crate) const PUBLIC_MODE: u32 = 0o644;

/// Writes `contents` to `path` created with `mode`, refusing to replace an existing file unless
/// `overwrite` is set.
pub(crate) fn write_file(path: &Path, contents: &[u8], mode: u32, overwrite: bool) -> Result<()> {
    if overwrite {
        replace_file(path, contents, mode)
    } else {
        create_new_file(path, contents, mode)
    }
}

fn create_new_file(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let mut file = match open_new(path, mode) {
        Ok(file) => file,
        Err(source) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::FileExists {
                path: path.to_owned(),
            });
        }
        Err(source) => return Err(write_error(path, source)),
    };
    if let Err(source) = file.write_all(contents).and_then(|()| file.sync_all()) {
        // A half-written key is worse than none: remove it so a retry starts clean.
        drop(file);
        let _ignored = fs_err::remove_file(path);
        return Err(write_error(path, source));
    }
    Ok(())
}

fn replace_file(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let temporary = temporary_sibling(path)?;
    let written = open_new(&temporary, mode)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .and_then(|()| fs_err::rename(&temporary, path));
    if let Err(source) = written {
        let _ignored = fs_err::remove_file(&temporary);
        return Err(write_error(path, source));
    }
    Ok(())
}

fn open_new(path: &Path, mode: u32) -> std::io::Result<fs_err::File> {
    let mut options = fs_err::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use fs_err::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _unused = mode;
    options.open(path)
}

/// A name next to `path` that no other writer will pick.
fn temporary_sibling(path: &Path) -> Result<PathBuf> {
    let file_name = path.file_name().ok_or_else(|| {
        write_error(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"),
        )
    })?;
    let suffix = getrandom::u64().map_err(|source| {
        write_error(
            path,
            std::io::Error::other(format!("no random name available: {source}")),
        )
    })?;
    let mut name = std::ffi::OsString::from(".");
    name.push(file_name);
    name.push(format!(".{suffix:016x}.tmp"));
    Ok(path.with_file_name(name))
}

fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::WriteFile {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs_err::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn refuses_to_overwrite_and_names_the_path() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("key.pem");
        write_file(&path, b"first", PRIVATE_MODE, false).unwrap();

        let error = write_file(&path, b"second", PRIVATE_MODE, false).unwrap_err();

        assert!(matches!(&error, Error::FileExists { path: p } if p == &path));
        assert!(error.to_string().contains(&path.display().to_string()));
        assert_eq!(fs_err::read(&path).unwrap(), b"first");
    }

    #[cfg(unix)]
    #[test]
    fn overwrite_replaces_contents_and_resets_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("key.pem");
        fs_err::write(&path, b"old").unwrap();
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();

        write_file(&path, b"new", PRIVATE_MODE, true).unwrap();

        assert_eq!(fs_err::read(&path).unwrap(), b"new");
        assert_eq!(mode_of(&path), 0o600);
        let leftovers = fs_err::read_dir(directory.path()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file is gone");
    }

    #[test]
    fn missing_directory_is_a_write_error() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("absent").join("key.pem");
        let error = write_file(&path, b"x", PRIVATE_MODE, false).unwrap_err();
        assert!(matches!(error, Error::WriteFile { .. }));
    }
}
