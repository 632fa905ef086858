//! Free space on the data directory's volume. PostgreSQL stops (PANIC)
//! when it cannot write WAL or a checkpoint, so aiven-local starts nothing
//! that could fill the volume its clusters live on: a backup or a fork
//! first checks that what it may write fits, with a reserve left over.

use std::path::Path;

/// What every cluster on the volume keeps for itself.
pub const RESERVE: u64 = 64 << 20;

/// Why there is no room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRoom {
    pub needed: u64,
    pub free: u64,
}

impl std::fmt::Display for NoRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not enough disk space: {} MiB needed (with {} MiB kept free for the running clusters), {} MiB free",
            self.needed >> 20,
            RESERVE >> 20,
            self.free >> 20
        )
    }
}

/// Bytes free to this process on the volume holding `path`.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(path).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// The bytes under `path`, not following links.
pub fn size_of(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| size_of(&entry.path()))
        .sum()
}

/// Whether `bytes` more fit on `path`'s volume with the reserve left.
pub fn ensure_room(path: &Path, bytes: u64) -> Result<(), NoRoom> {
    let needed = bytes.saturating_add(RESERVE);
    match free_bytes(path) {
        Some(free) if free < needed => Err(NoRoom { needed, free }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_refused_when_the_volume_cannot_hold_it_and_the_reserve() {
        let here = Path::new("/");
        let free = free_bytes(here).expect("statvfs answers");
        assert!(ensure_room(here, 0).is_ok() || free < RESERVE);
        let err = ensure_room(here, free).unwrap_err();
        assert_eq!(err.free / (1 << 20), free / (1 << 20));
        assert!(err.to_string().contains("MiB free"), "{err}");
    }
}
