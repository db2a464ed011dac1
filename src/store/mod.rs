//! The sled store: the only module that imports sled.
//!
//! Everything annals keeps in sled lives in sled's default tree, under keys built from
//! [`Key`]. A key is a one-byte tag followed by a fixed-width body, so that all keys of
//! one kind are a contiguous range and commits scan in tx order:
//!
//! ```text
//! tag   body                      value
//! 0x00  MetaKey tag (1 byte)      depends on the meta key (below)
//! 0x01  tx, u64 big-endian        a record of commits (see `event.rs`): version, CRC,
//!                                 and bincode (zstd-compressed from commit format 2);
//!                                 one commit, this tx (formats 1 and 2), or a run of
//!                                 consecutive commits ending at this tx (format 3)
//! 0x02..=0x7f                     reserved for later kinds of keys (indexes, …)
//! ```
//!
//! Meta keys:
//!
//! ```text
//! 0x00 0x01  FormatVersion   u32 big-endian: the database format (DB_FORMAT, `log.rs`)
//! 0x00 0x02  DbId            16 bytes, random at creation: ties view checkpoints to this log
//! ```
//!
//! Big-endian tx numbers make sled's byte order the tx order, and since a record is keyed
//! by its last commit, the record holding tx `t` is the first at or after key `t` (one
//! forward seek). What is deliberately missing: there is no "last tx" meta key. The last
//! commit key is the last tx, read with one reverse seek, so there is no second copy inside sled that could disagree with the
//! commits. (The acknowledged tx is kept *outside* sled, in `ACKED`; see `log.rs`.)
//!
//! Durability: [`Store::sync`] calls sled's `flush` and then fsyncs every file under the
//! sled folder and the folder itself. sled 0.34's `flush` ends in `sync_file_range` on
//! Linux, which does not flush file metadata nor the drive's cache; a full `fsync` does.
//! Rejected alternative: sled's `Mode`/`flush_every_ms` settings, which change when sled
//! writes but not how it syncs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::event::Tx;

/// Tags of the key kinds, the first byte of every key.
const TAG_META: u8 = 0x00;
const TAG_COMMIT: u8 = 0x01;

/// Keys of the meta range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaKey {
    /// u32 big-endian: the database format version.
    FormatVersion,
    /// 16 bytes, chosen at creation.
    DbId,
}

impl MetaKey {
    fn tag(self) -> u8 {
        match self {
            MetaKey::FormatVersion => 0x01,
            MetaKey::DbId => 0x02,
        }
    }
}

/// A key in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Meta(MetaKey),
    Commit(Tx),
}

impl Key {
    /// The byte layout documented at the top of this module.
    pub fn encode(self) -> Vec<u8> {
        match self {
            Key::Meta(m) => vec![TAG_META, m.tag()],
            Key::Commit(tx) => {
                let mut k = Vec::with_capacity(9);
                k.push(TAG_COMMIT);
                k.extend_from_slice(&tx.to_be_bytes());
                k
            }
        }
    }

    /// Decodes a commit key; `None` for any other key or a malformed one.
    pub fn decode_commit(bytes: &[u8]) -> Option<Tx> {
        match bytes {
            [TAG_COMMIT, rest @ ..] => Some(Tx::from_be_bytes(rest.try_into().ok()?)),
            _ => None,
        }
    }
}

/// The prefix shared by every commit key.
fn commit_prefix() -> [u8; 1] {
    [TAG_COMMIT]
}

/// How long to keep retrying a lock held by this very process: sled releases its file
/// lock from a background thread slightly after the last handle is dropped.
const SELF_RELEASE_GRACE: Duration = Duration::from_millis(300);

/// sled 0.34 writes when it opens (recovery, a new segment). When that write fails for
/// lack of space it can leave its log unreadable ("Read corrupted data") for every later
/// open, even once space is freed. So a database is not opened with less free space than
/// this on its device: the user frees space first and loses nothing.
pub const MIN_FREE_BYTES: u64 = 1 << 20;

/// Bytes available to this process on the file system holding `path` (`None` when
/// unknown: the check is then skipped).
#[cfg(unix)]
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a NUL-terminated path and `st` a buffer of the right type, which
    // statvfs(3) fills when it returns 0.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so `st` is initialized.
    let st = unsafe { st.assume_init() };
    // The field types differ between platforms (u32 on some 32-bit ones).
    #[allow(clippy::unnecessary_cast)]
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(unix))]
pub fn free_bytes(_path: &Path) -> Option<u64> {
    None
}

/// The stored bytes of one commit as sled holds them (shared, not copied), sendable to
/// another thread.
pub struct StoredBytes(sled::IVec);

impl std::ops::Deref for StoredBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// The sled database of one annals database.
pub struct Store {
    db: sled::Db,
    dir: PathBuf,
    /// Set when a write or a flush failed (a full disk, an I/O error). sled 0.34 then
    /// never completes a flush: dropping the last handle (which flushes) would wait
    /// forever, so a poisoned store leaks its handle instead (see `Drop`). Nothing
    /// unacknowledged is lost by that: `ACKED` does not cover it.
    poisoned: std::sync::atomic::AtomicBool,
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.poisoned.load(std::sync::atomic::Ordering::Relaxed) {
            // One reference that is never released: sled's final flush never runs. The
            // file lock goes with the process.
            std::mem::forget(self.db.clone());
        }
    }
}

fn sled_err(context: &str, e: sled::Error) -> Error {
    match e {
        sled::Error::Io(io) => Error::io(context.to_string(), io),
        sled::Error::Corruption { at, .. } => Error::Corrupt {
            tx: None,
            what: format!("{context}: sled reports corruption at {at:?}"),
        },
        other => Error::Internal(format!("{context}: {other}")),
    }
}

/// sled 0.34 reports a held lock as an `io::Error` of kind `Other` whose text starts
/// with "could not acquire lock" (`Config::try_lock`); there is no variant to match, so
/// the text is the only signal. Pinned by `sled = "0.34.7"` and tested by the CLI lock
/// test, which would see exit 3 turn into a "sled refused it" message if this broke.
fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

impl Store {
    /// Opens the sled database in `dir` (created when missing). A database held by
    /// another process gives [`Error::Locked`] naming `display` once `wait` has passed
    /// (a short grace period when `wait` is `None`).
    pub fn open(dir: &Path, display: &str, wait: Option<Duration>) -> Result<Store> {
        let deadline = Instant::now() + wait.unwrap_or(SELF_RELEASE_GRACE);
        let device = if dir.exists() {
            dir
        } else {
            dir.parent().unwrap_or(dir)
        };
        if let Some(free) = free_bytes(device).filter(|&f| f < MIN_FREE_BYTES) {
            return Err(Error::CannotOpen {
                path: display.to_string(),
                reason: format!(
                    "its device is full ({} KiB free; opening needs at least {} KiB, since \
                     sled writes when it opens and a failed write can damage its files): \
                     free some space and retry",
                    free >> 10,
                    MIN_FREE_BYTES >> 10
                ),
            });
        }
        loop {
            // Writes are flushed explicitly by `sync` before anything is acknowledged; a
            // background flusher would only hold the lock longer after drop.
            let result = sled::Config::new()
                .path(dir)
                .flush_every_ms(None)
                .cache_capacity(64 << 20)
                .open();
            match result {
                Ok(db) => {
                    return Ok(Store {
                        db,
                        dir: dir.to_path_buf(),
                        poisoned: Default::default(),
                    })
                }
                Err(e) if is_lock_error(&e) => {
                    if Instant::now() >= deadline {
                        return Err(Error::Locked {
                            path: display.to_string(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(sled::Error::Io(io)) if io.kind() == std::io::ErrorKind::StorageFull => {
                    return Err(Error::CannotOpen {
                        path: display.to_string(),
                        reason: format!("{io}: sled needs some free space to open it"),
                    })
                }
                Err(e) => {
                    // A permission or read-only file system is the system's refusal, not
                    // damage: restoring from a backup would not help.
                    let refused_by_system = matches!(&e, sled::Error::Io(io)
                        if matches!(io.kind(), std::io::ErrorKind::PermissionDenied
                            | std::io::ErrorKind::ReadOnlyFilesystem));
                    let advice = if refused_by_system {
                        "annals needs to write to the database folder, even to read it; \
                         open it where it is writable"
                    } else {
                        "if the files are damaged, restore from a backup made with \
                         `annals export events`"
                    };
                    return Err(Error::CannotOpen {
                        path: display.to_string(),
                        reason: format!("sled refused it ({e}); {advice}"),
                    });
                }
            }
        }
    }

    /// Marks the store poisoned when a write or flush failed (see [`Store`]).
    fn poison_on<T>(&self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.poisoned
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        r
    }

    pub fn get_meta(&self, key: MetaKey) -> Result<Option<Vec<u8>>> {
        self.db
            .get(Key::Meta(key).encode())
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| sled_err("reading meta data", e))
    }

    /// Sets a meta key. Not durable until [`Store::sync`].
    pub fn set_meta(&self, key: MetaKey, value: &[u8]) -> Result<()> {
        self.poison_on(
            self.db
                .insert(Key::Meta(key).encode(), value)
                .map(|_| ())
                .map_err(|e| sled_err("writing meta data", e)),
        )
    }

    /// The highest commit key (the last tx), whatever its value holds.
    pub fn last_tx(&self) -> Result<Option<Tx>> {
        match self.db.scan_prefix(commit_prefix()).next_back() {
            None => Ok(None),
            Some(Ok((k, _))) => Ok(Key::decode_commit(&k)),
            Some(Err(e)) => Err(sled_err("reading the last commit", e)),
        }
    }

    /// The key and stored bytes of the record that holds commit `tx` if any does: the
    /// first record at or after key `tx` (its span is for the caller to check).
    pub fn get_record(&self, tx: Tx) -> Result<Option<(Tx, Vec<u8>)>> {
        let mut found = None;
        self.scan_records(tx, &mut |key, bytes| {
            found = Some((key, bytes.to_vec()));
            Ok(false)
        })?;
        Ok(found)
    }

    /// Calls `f(key, bytes)` for every stored record from the one holding `from` (the
    /// first at or after key `from`) on, in tx order, until it returns `false`. A key of
    /// the commit range that is not 9 bytes long is reported as corruption.
    pub fn scan_records(
        &self,
        from: Tx,
        f: &mut dyn FnMut(Tx, &[u8]) -> Result<bool>,
    ) -> Result<()> {
        self.scan_records_owned(from, &mut |tx, bytes| f(tx, &bytes))
    }

    /// [`Store::scan_records`] handing over the stored bytes themselves (shared with
    /// sled's cache, no copy), so that another thread can decode them.
    pub fn scan_records_owned(
        &self,
        from: Tx,
        f: &mut dyn FnMut(Tx, StoredBytes) -> Result<bool>,
    ) -> Result<()> {
        let start = Key::Commit(from).encode();
        let end = [TAG_COMMIT + 1];
        for item in self.db.range(start.as_slice()..&end[..]) {
            let (k, v) = item.map_err(|e| sled_err("scanning commits", e))?;
            let Some(tx) = Key::decode_commit(&k) else {
                return Err(Error::Corrupt {
                    tx: None,
                    what: format!("malformed commit key {:?}", k.as_ref()),
                });
            };
            if !f(tx, StoredBytes(v))? {
                break;
            }
        }
        Ok(())
    }

    /// Stores encoded records, each under its key, in one atomic sled batch: all of them
    /// or none. Not durable until [`Store::sync`]. Takes the buffers by value: sled keeps
    /// them without a copy.
    pub fn put_records(&self, records: Vec<(Tx, Vec<u8>)>) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (tx, bytes) in records {
            batch.insert(Key::Commit(tx).encode(), bytes);
        }
        self.poison_on(
            self.db
                .apply_batch(batch)
                .map_err(|e| sled_err("writing commits", e)),
        )
    }

    /// Overwrites the raw bytes of one record's key. For repair tools and for tests that
    /// damage a commit on purpose; never used by normal writes.
    pub fn put_raw_record(&self, tx: Tx, bytes: &[u8]) -> Result<()> {
        self.db
            .insert(Key::Commit(tx).encode(), bytes)
            .map(|_| ())
            .map_err(|e| sled_err("writing a commit", e))
    }

    /// Removes every record keyed after `tx` in one batch (commits that were never
    /// acknowledged; see `log.rs`, which checks first that none of them holds `tx` or an
    /// earlier commit).
    pub fn remove_records_after(&self, tx: Tx) -> Result<()> {
        let mut batch = sled::Batch::default();
        self.scan_records(tx.saturating_add(1), &mut |k, _| {
            batch.remove(Key::Commit(k).encode());
            Ok(true)
        })?;
        self.poison_on(
            self.db
                .apply_batch(batch)
                .map_err(|e| sled_err("removing commits", e)),
        )
    }

    /// Makes everything written so far durable: sled's flush, then a full fsync of every
    /// file under the sled folder and of the folders themselves.
    pub fn sync(&self) -> Result<()> {
        self.poison_on(
            self.db
                .flush()
                .map(|_| ())
                .map_err(|e| sled_err("flushing the database", e))
                .and_then(|()| sync_tree(&self.dir)),
        )
    }

    /// Bytes used by sled's files.
    pub fn disk_bytes(&self) -> u64 {
        dir_size(&self.dir)
    }
}

/// fsyncs every file under `dir` (recursively) and every folder, `dir` included.
pub fn sync_tree(dir: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let path = entry.path();
        let ty = entry
            .file_type()
            .map_err(|e| Error::io(format!("inspecting {}", path.display()), e))?;
        if ty.is_dir() {
            sync_tree(&path)?;
        } else if ty.is_file() {
            sync_if_present(&path)?;
        }
    }
    sync_path(dir)
}

/// fsyncs a file listed a moment ago, unless it is gone: sled removes a superseded blob
/// file (a write of more than a quarter of a segment, 128 KiB: a node that holds a few
/// runs of commits) from its own threads, so a file can vanish between the listing and the
/// sync. Its removal is made durable by the sync of the folder, which comes after.
fn sync_if_present(path: &Path) -> Result<()> {
    match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        opened => opened
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(format!("syncing {}", path.display()), e)),
    }
}

/// fsyncs one file or folder.
pub fn sync_path(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("syncing {}", path.display()), e))
}

/// Total size of the files under `dir`, recursively; unreadable entries count as 0.
pub fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gone_before_its_sync_is_no_error_but_a_missing_folder_is() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let gone = dir.path().join("blobs-1234");
        assert!(sync_if_present(&gone).is_ok());
        std::fs::write(&gone, b"x").unwrap_or_else(|e| panic!("{e}"));
        assert!(sync_if_present(&gone).is_ok());
        assert!(sync_tree(dir.path()).is_ok());
        assert!(sync_tree(&dir.path().join("missing")).is_err());
        assert!(sync_path(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn commit_keys_order_by_tx_and_share_a_prefix() {
        let a = Key::Commit(2).encode();
        let b = Key::Commit(256).encode();
        assert!(a < b);
        assert!(a.starts_with(&commit_prefix()));
        assert!(!Key::Meta(MetaKey::FormatVersion)
            .encode()
            .starts_with(&commit_prefix()));
        assert_eq!(Key::decode_commit(&b), Some(256));
        assert_eq!(Key::decode_commit(&[TAG_COMMIT, 1]), None);
        assert_eq!(Key::decode_commit(&Key::Meta(MetaKey::DbId).encode()), None);
    }
}
