//! The durable, append-only log of commits.
//!
//! # Layout of a database folder
//!
//! ```text
//! <db>/log/        the sled database (see `store`): meta keys and commits by tx
//! <db>/ACKED       the last acknowledged tx, as ASCII decimal and a newline
//! <db>/view.snap   the view checkpoint (see `kb.rs`), not part of the log
//! ```
//!
//! # Appending
//!
//! 1. [`Log::append`] numbers the new commits `last + 1, last + 2, …`: gap-free by
//!    construction. (`sled::Db::generate_id` was rejected: it skips numbers after a
//!    restart.) Only one process can hold the log (sled's file lock), so no one else
//!    can take a number in between.
//! 2. The commits of one call go to sled in one atomic batch: all of them or none. They
//!    are stored in runs (commit format 3, `event.rs`): consecutive commits of the call
//!    in one record, keyed by the last one's tx, until a run's payloads pass
//!    [`RUN_BYTES`]. A run never spans two calls, so a record is never part acknowledged
//!    and part not.
//! 3. [`Store::sync`] flushes sled and fsyncs its files and folders.
//! 4. `ACKED` is rewritten with the new last tx: written to `ACKED.new`, fsynced, renamed
//!    over `ACKED`, folder fsynced. Only then does `append` return success.
//!
//! # What opening checks
//!
//! - The format version (meta key): a newer one is refused (exit 3).
//! - The last commit against `ACKED`. A log *shorter* than `ACKED` lost acknowledged
//!   commits (sled 0.34 treats a damaged tail as the end of its log): that is corruption
//!   (exit 4), never repaired silently. A log *longer* than `ACKED` holds commits of a
//!   command that failed or was killed before step 4 finished: that command reported
//!   failure (or nothing), so those commits are dropped, with a notice, and the log is
//!   exactly what was acknowledged.
//!
//! # Appending in pieces (a large import)
//!
//! [`Log::write_unacked`] does steps 1 and 2 only, once per piece: the commits are in
//! sled (each piece atomically) but not acknowledged, and [`Log::acked`] does not move.
//! [`Log::acknowledge`] then does steps 3 and 4 once for all the pieces. If anything
//! fails in between, [`Log::discard_unacked`] removes every commit after `ACKED` again;
//! if the process dies instead, the next [`Log::open`] drops them (above). Either way
//! the pieces count only once `ACKED` covers them all: all or nothing, as one batch.
//!
//! The durability guarantee: once a command reports success, its commits survive a
//! process kill and, as far as the drive honours fsync, a power cut.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::event::{Commit, Event, SupportForm, Tx};
use crate::store::{self, MetaKey, Store, StoredBytes};

/// The database format written by this build (meta key `FormatVersion`).
///
/// - 1: commits in commit format 1 (`event.rs`).
/// - 2: commits in commit format 1 or 2 (zstd-compressed payloads).
/// - 3: records in commit format 1, 2 or 3 (runs of commits in one record).
///
/// An older database becomes the current format at its first write, so that a build
/// that cannot read the new records refuses it as "written by a newer version" instead
/// of calling it corrupt; opening it only to read leaves it as it is.
pub const DB_FORMAT: u32 = 3;

/// A run of commits (module doc, "Appending") closes once its payloads pass this many
/// bytes. sled's cost is per key (a descent and a rewrite of the leaf's in-memory copy
/// for every insert) and zstd's per frame (entropy tables), so runs of about seven
/// commits already made the 400k-fact import take a sixth less CPU.
///
/// Why not larger: runs of 256 KiB (about 100 KB stored) compressed better (the log at
/// 10M facts 0.71 GB against 1.02 GB) at the same speed, but most of sled's leaves then
/// passed its blob threshold (a quarter of a segment, 128 KiB): every rewrite of such a
/// leaf creates a file and deletes the one before (886 files after a 10M-fact import),
/// a path of sled's that raced the fsync pass (`store::sync_if_present`), and its cache
/// counts a blob page by the pointer alone. Runs of 16 KiB store in about 7 KB, so a
/// full leaf of 17 keys stays under the threshold (no blob file at 400k or 10M facts).
///
/// Why not smaller: the import's CPU at 400k facts rose to 1.75 CPU-s with runs of 8 KiB
/// and 1.78 with 4 KiB, against 1.68. What larger leaves cost: sled's cache settles a
/// shard's accesses (256 shards) only in batches of 64, so a full scan leaves up to
/// 16,384 pages resident whatever its capacity. A 10M-fact log in runs (of 16 or 256 KiB
/// alike) has fewer leaves than that, so a rebuild keeps all of them: about 0.4 GB more
/// at its peak (README, "Peak memory").
pub const RUN_BYTES: usize = 16 << 10;

/// A commit about to be appended: its tx is assigned by [`Log::append`].
#[derive(Clone, Debug)]
pub struct NewCommit {
    /// The commit's time; `None` for now (never earlier than the previous commit's).
    pub time: Option<DateTime<Utc>>,
    pub events: Vec<Event>,
}

/// Tx numbers and times for new commits: see [`Log::numbering`].
#[derive(Clone, Debug)]
pub struct Numbering {
    last: Tx,
    last_time: Option<DateTime<Utc>>,
}

impl Numbering {
    /// Numbers `commits` `last + 1, …` and gives those without a time the current time,
    /// never earlier than the previous commit's.
    pub fn number(&mut self, commits: Vec<NewCommit>) -> Vec<Commit> {
        commits
            .into_iter()
            .map(|c| {
                self.last += 1;
                let time = match c.time {
                    Some(t) => t,
                    None => {
                        let now = Utc::now();
                        self.last_time.map_or(now, |l| now.max(l))
                    }
                };
                self.last_time = Some(time);
                Commit {
                    tx: self.last,
                    time,
                    events: c.events,
                }
            })
            .collect()
    }
}

pub struct Log {
    store: Store,
    dir: PathBuf,
    last: Tx,
    last_time: Option<DateTime<Utc>>,
    acked: Tx,
    /// The time of commit `acked`, to restore `last_time` when unacknowledged commits
    /// are discarded.
    acked_time: Option<DateTime<Utc>>,
    /// The database format recorded in the meta key (raised to [`DB_FORMAT`] by the first
    /// write).
    format: u32,
    db_id: Vec<u8>,
}

/// The sled folder inside a database folder.
pub fn sled_dir(db: &Path) -> PathBuf {
    db.join("log")
}

fn acked_path(db: &Path) -> PathBuf {
    db.join("ACKED")
}

/// Reads `ACKED`: `Ok(None)` when the file does not exist.
pub fn read_acked(db: &Path) -> Result<Option<Tx>> {
    let path = acked_path(db);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let text = std::str::from_utf8(&bytes).unwrap_or("");
            match text.trim().parse::<Tx>() {
                Ok(tx) => Ok(Some(tx)),
                Err(_) => Err(Error::Corrupt {
                    tx: None,
                    what: format!("{} does not hold a tx number", path.display()),
                }),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Replaces `path` atomically with `bytes`: write aside, fsync, rename, fsync the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    write_atomically_with(path, |mut f, io| {
        f.write_all(bytes).map_err(|e| io("writing", e))
    })
}

/// [`write_atomically`], with `write` filling the file (which it may also write at
/// offsets): created aside, synced, renamed over `path`, and the folder synced. `io`
/// makes an error that names the file aside.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&std::fs::File, &dyn Fn(&str, std::io::Error) -> Error) -> Result<()>,
) -> Result<()> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".new");
    let aside = PathBuf::from(aside);
    let io = |what: &str, e| Error::io(format!("{what} {}", aside.display()), e);
    let f = std::fs::File::create(&aside).map_err(|e| io("creating", e))?;
    write(&f, &io)?;
    f.sync_all().map_err(|e| io("syncing", e))?;
    drop(f);
    std::fs::rename(&aside, path).map_err(|e| {
        Error::io(
            format!("renaming {} over {}", aside.display(), path.display()),
            e,
        )
    })?;
    if let Some(parent) = path.parent() {
        store::sync_path(parent)?;
    }
    Ok(())
}

fn new_db_id(dir: &Path) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(format!("{:?}", std::time::SystemTime::now()));
    h.update(std::process::id().to_le_bytes());
    h.update(dir.as_os_str().as_encoded_bytes());
    h.finalize()
        .get(..16)
        .map(|s| s.to_vec())
        .unwrap_or_default()
}

/// Stored records read from sled (by key), and the error that stopped reading after
/// them.
type RawChunk = (Vec<(Tx, StoredBytes)>, Option<Error>);
/// Decoded commits, and the error that stopped reading or decoding after them.
type DecodedChunk<S> = (Vec<Commit<S>>, Option<Error>);

/// How many threads decode commits in [`Log::scan_pipelined`]: one per core, at least
/// two (decoding is the longest stage of a rebuild), at most four.
fn decoder_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4)
}

/// A decoding thread of [`Log::scan_pipelined`]: decodes the chunks it is dealt, in
/// order, until the first error (passed on after the commits before it). Commits before
/// `from` (in the first run read) are dropped.
fn decode_chunks<S: SupportForm>(
    from: Tx,
    raw: std::sync::mpsc::Receiver<RawChunk>,
    out: std::sync::mpsc::SyncSender<DecodedChunk<S>>,
    applied: std::sync::mpsc::Receiver<Vec<Commit<S>>>,
) {
    for (chunk, mut failed) in raw.iter() {
        while let Ok(done) = applied.try_recv() {
            drop(done);
        }
        let mut commits = Vec::with_capacity(chunk.len());
        for (key, bytes) in &chunk {
            if let Err(e) = S::decode_record(*key, bytes, &mut commits) {
                failed = Some(e);
                break;
            }
        }
        if commits.first().is_some_and(|c| c.tx < from) {
            commits.retain(|c| c.tx >= from);
        }
        drop(chunk);
        let stop = failed.is_some();
        if out.send((commits, failed)).is_err() || stop {
            return;
        }
    }
}

/// Checks that commit `tx` is the one expected next (`expect`), and moves on.
fn check_next(expect: &mut Tx, tx: Tx) -> Result<()> {
    if tx < *expect {
        return Err(Error::Corrupt {
            tx: Some(tx),
            what: format!(
                "commit {tx} is in the log twice (tx {expect} was expected next)",
                expect = *expect
            ),
        });
    }
    if tx > *expect {
        return Err(Error::Corrupt {
            tx: Some(*expect),
            what: format!("commit missing from the log (the next one is tx {tx})"),
        });
    }
    *expect += 1;
    Ok(())
}

impl Log {
    /// Opens the log of the database folder `db` (which must exist), creating the sled
    /// database inside when `create` is set. Notices (dropped unacknowledged commits)
    /// are pushed to `notices`.
    pub fn open(
        db: &Path,
        display: &str,
        create: bool,
        wait: Option<Duration>,
        notices: &mut Vec<String>,
    ) -> Result<Log> {
        let dir = sled_dir(db);
        let cannot = |reason: String| Error::CannotOpen {
            path: display.to_string(),
            reason,
        };
        let fresh = !dir.exists();
        if fresh {
            // Creating a database inside a folder that holds something else (`--db .` by
            // mistake) would scatter files among the user's own: only an empty folder is
            // taken.
            let empty = std::fs::read_dir(db)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !create || !empty {
                return Err(cannot(
                    "it is not an annals database (no log folder inside)".to_string(),
                ));
            }
        }
        let store = Store::open(&dir, display, wait)?;
        let version = match store.get_meta(MetaKey::FormatVersion)? {
            Some(bytes) => match <[u8; 4]>::try_from(bytes.as_slice()) {
                Ok(b) => u32::from_be_bytes(b),
                Err(_) => return Err(cannot("its format version is unreadable".to_string())),
            },
            None => {
                if store.last_tx()?.is_some() {
                    return Err(cannot("it has commits but no format version".to_string()));
                }
                // No meta data. A new database, unless ACKED says commits were
                // acknowledged: then sled lost its contents (a damaged data file reads as
                // an empty database), and starting afresh would hide the loss.
                if let Some(acked) = read_acked(db)?.filter(|&t| t > 0) {
                    return Err(Error::Corrupt {
                        tx: Some(1),
                        what: format!(
                            "the log is empty but tx {acked} was acknowledged (ACKED): sled lost \
                             its contents; restore from `annals export events`"
                        ),
                    });
                }
                store.set_meta(MetaKey::FormatVersion, &DB_FORMAT.to_be_bytes())?;
                store.set_meta(MetaKey::DbId, &new_db_id(db))?;
                store.sync()?;
                // ACKED exists from the start, so that a missing one later means it was
                // lost, not that nothing was ever acknowledged.
                write_atomically(&acked_path(db), b"0\n")?;
                if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
                    store::sync_path(parent)?;
                }
                DB_FORMAT
            }
        };
        if version > DB_FORMAT {
            return Err(cannot(format!(
                "it was written by a newer version of annals (database format {version}; this \
                 build reads formats up to {DB_FORMAT}): upgrade annals, or restore into a new \
                 database from `annals export events` made with the newer version"
            )));
        }
        let db_id = store.get_meta(MetaKey::DbId)?.unwrap_or_default();
        let last = store.last_tx()?.unwrap_or(0);
        let acked = match read_acked(db)? {
            Some(tx) => tx,
            None if last == 0 => 0,
            None => {
                // Lost (a copy without it, a manual deletion): trust the log as it is.
                write_atomically(&acked_path(db), format!("{last}\n").as_bytes())?;
                notices.push(format!(
                    "{} was missing; the log's last commit (tx {last}) is taken as acknowledged",
                    acked_path(db).display()
                ));
                last
            }
        };
        let mut log = Log {
            store,
            dir: db.to_path_buf(),
            last,
            last_time: None,
            acked,
            acked_time: None,
            format: version,
            db_id,
        };
        if last < acked {
            return Err(Error::Corrupt {
                tx: Some(last + 1),
                what: format!(
                    "the log ends at tx {last} but tx {acked} was acknowledged (ACKED): \
                     acknowledged commits are missing; restore from `annals export events`"
                ),
            });
        }
        if last > acked {
            log.remove_after(acked)?;
            log.store.sync()?;
            log.last = acked;
            notices.push(format!(
                "dropped {} commit(s) after tx {acked} that were never acknowledged \
                 (a write was interrupted before it reported success)",
                last - acked
            ));
        }
        if log.last > 0 {
            log.last_time = Some(log.read(log.last)?.time);
        }
        log.acked_time = log.last_time;
        Ok(log)
    }

    /// The last tx in the log (0 when empty).
    pub fn last_tx(&self) -> Tx {
        self.last
    }

    /// The last acknowledged tx, as recorded in `ACKED` when the log was opened or last
    /// appended to.
    pub fn acked(&self) -> Tx {
        self.acked
    }

    /// The random id chosen when the database was created.
    pub fn db_id(&self) -> &[u8] {
        &self.db_id
    }

    /// Appends commits, numbered `last + 1, …`, all or nothing, and returns once they are
    /// durable (module doc, steps 1–4). Same as [`Log::number`] then [`Log::write`].
    pub fn append(&mut self, commits: Vec<NewCommit>) -> Result<Vec<Commit>> {
        let commits = self.number(commits);
        self.write(&commits)?;
        Ok(commits)
    }

    /// Gives new commits their tx numbers (`last + 1, …`) and times, without writing
    /// anything: the result must go to [`Log::write`] before any other commit.
    pub fn number(&self, commits: Vec<NewCommit>) -> Vec<Commit> {
        self.numbering().number(commits)
    }

    /// The numbering that continues this log, for a caller that numbers several chunks
    /// while another thread writes them (each chunk must reach [`Log::write_unacked`]
    /// in order, before any other commit).
    pub fn numbering(&self) -> Numbering {
        Numbering {
            last: self.last,
            last_time: self.last_time,
        }
    }

    /// Writes numbered commits (from [`Log::number`]) all or nothing, and returns once
    /// they are durable: [`Log::write_unacked`] then [`Log::acknowledge`].
    ///
    /// If sled took the batch but syncing or `ACKED` failed, this tries to remove the
    /// commits again and reports the error; if the process dies instead, the next
    /// [`Log::open`] drops them, since `ACKED` does not cover them.
    pub fn write(&mut self, commits: &[Commit]) -> Result<()> {
        self.write_unacked(commits)?;
        self.acknowledge()
    }

    /// Writes numbered commits (from [`Log::number`]) to sled in one atomic batch
    /// (module doc, steps 1 and 2) without making them durable or acknowledging them:
    /// they count only after [`Log::acknowledge`], and [`Log::discard_unacked`] (or the
    /// next open) removes them. Reads see them at once.
    pub fn write_unacked(&mut self, commits: &[Commit]) -> Result<()> {
        let Some(last) = commits.last() else {
            return Ok(());
        };
        if let Some(first) = commits.first().filter(|c| c.tx != self.last + 1) {
            return Err(Error::Internal(format!(
                "commit numbered {} written where tx {} comes next",
                first.tx,
                self.last + 1
            )));
        }
        // Checks that the numbers go on without a gap.
        let encoded = crate::event::encode_runs(commits, RUN_BYTES)?;
        if self.format < DB_FORMAT {
            // Before the first commit of the new format, in sled's log order: whatever
            // sled recovers that holds such a commit holds this too.
            self.store
                .set_meta(MetaKey::FormatVersion, &DB_FORMAT.to_be_bytes())?;
            self.format = DB_FORMAT;
        }
        self.store.put_records(encoded)?;
        self.last = last.tx;
        self.last_time = Some(last.time);
        Ok(())
    }

    /// Makes every commit written so far durable and acknowledges it (module doc, steps
    /// 3 and 4). On failure the unacknowledged commits are removed again (best effort)
    /// and the error is returned.
    pub fn acknowledge(&mut self) -> Result<()> {
        if self.last == self.acked {
            return Ok(());
        }
        let durable = self.store.sync().and_then(|()| {
            write_atomically(
                &acked_path(&self.dir),
                format!("{}\n", self.last).as_bytes(),
            )
        });
        if let Err(e) = durable {
            // Best effort: the next open drops them anyway.
            let _ = self.discard_unacked();
            return Err(e);
        }
        self.acked = self.last;
        self.acked_time = self.last_time;
        Ok(())
    }

    /// Removes the commits written after the last acknowledged one (a failed import),
    /// so that this process no longer sees them either. Not synced: `ACKED` does not
    /// cover them, so a crash before sled writes the removal drops them at the next open.
    pub fn discard_unacked(&mut self) -> Result<()> {
        if self.last == self.acked {
            return Ok(());
        }
        self.last = self.acked;
        self.last_time = self.acked_time;
        self.remove_after(self.acked)
    }

    /// Removes the records of every commit after `tx`. A record that holds `tx` or an
    /// earlier commit as well as later ones is never written (a run never spans two
    /// writes, and `ACKED` moves only to the end of a write): finding one is corruption,
    /// and nothing is removed.
    fn remove_after(&self, tx: Tx) -> Result<()> {
        if let Some((key, bytes)) = self.store.get_record(tx.saturating_add(1))? {
            let (first, _) = crate::event::record_span(key, &bytes)?;
            if first <= tx {
                return Err(Error::Corrupt {
                    tx: Some(tx),
                    what: format!(
                        "the record of tx {key} holds both tx {tx}, acknowledged, and later \
                         commits that were not: no annals build writes that; restore from \
                         `annals export events`"
                    ),
                });
            }
        }
        self.store.remove_records_after(tx)
    }

    /// One commit, decoded and checked.
    pub fn read(&self, tx: Tx) -> Result<Commit> {
        match self.store.get_record(tx)? {
            Some((key, bytes)) => Commit::decode_in(key, &bytes, tx),
            None => Err(Error::Corrupt {
                tx: Some(tx),
                what: "commit missing from the log".to_string(),
            }),
        }
    }

    /// Calls `f` with every commit from `from` to the last, decoded and checked, in
    /// order, until it returns `false`. A gap in the tx sequence is corruption.
    pub fn scan(&self, from: Tx, f: &mut dyn FnMut(&Commit) -> Result<bool>) -> Result<()> {
        self.scan_owned(from, &mut |c| f(&c))
    }

    fn scan_owned(&self, from: Tx, f: &mut dyn FnMut(Commit) -> Result<bool>) -> Result<()> {
        let from = from.max(1);
        let mut expect = from;
        self.store.scan_records(from, &mut |key, bytes| {
            for c in crate::event::decode_record::<crate::event::Support>(key, bytes)? {
                if c.tx < from {
                    continue;
                }
                check_next(&mut expect, c.tx)?;
                if !f(c)? {
                    return Ok(false);
                }
            }
            Ok(true)
        })
    }

    /// [`Log::scan`] with reading and decoding on other threads, so that decoding
    /// overlaps with `f` (applying to a view). Commits come in the support form `S`:
    /// [`crate::event::SourceOnly`] for a caller that only applies them to a view
    /// (cheaper to decode: `event.rs`, "Reading for a replay"), [`crate::event::Support`]
    /// for one that needs every field or wants each decoded fully (`verify`).
    ///
    /// One thread reads the stored bytes from sled (cheap: a twentieth of a rebuild's
    /// reading and decoding) and deals them out in chunks, round robin, to
    /// `decoder_count` decoding threads; `f` takes the decoded chunks back in the same
    /// round robin, so commits arrive in tx order. Decoding (zstd and bincode) was twice
    /// what applying costs, so one decoding thread set the pace of a rebuild (in the
    /// replay form it is still nearly three times: 1.6G against 0.56G instructions at
    /// 400k facts). Channels are bounded, so memory stays bounded whatever the log
    /// size. Rejected alternative: decoding the whole log into memory first, which
    /// doubles the peak memory of a rebuild.
    pub fn scan_pipelined<S: SupportForm>(
        &self,
        from: Tx,
        f: &mut dyn FnMut(&Commit<S>) -> Result<bool>,
    ) -> Result<()> {
        use std::sync::mpsc::{channel, sync_channel};
        // A chunk closes at this many records or stored bytes, whichever comes first:
        // 64 records of one commit each (formats 1 and 2), or about ten runs of about
        // seven commits (format 3), so that a chunk stays some sixty commits either way.
        const CHUNK: usize = 64;
        const CHUNK_BYTES: usize = 64 << 10;
        let from = from.max(1);
        let decoders = decoder_count();
        let mut to_decoders = Vec::with_capacity(decoders);
        let mut from_decoders = Vec::with_capacity(decoders);
        let mut give_backs = Vec::with_capacity(decoders);
        std::thread::scope(|scope| {
            let mut workers = Vec::with_capacity(decoders);
            for _ in 0..decoders {
                let (raw_send, raw_receive) = sync_channel::<RawChunk>(2);
                let (out_send, out_receive) = sync_channel::<DecodedChunk<S>>(4);
                // Applied chunks go back to the thread that decoded them, to be dropped
                // there: their strings were allocated on that thread, and freeing them
                // was a tenth of the applying thread's time.
                let (back_send, back_receive) = channel::<Vec<Commit<S>>>();
                to_decoders.push(raw_send);
                from_decoders.push(out_receive);
                give_backs.push(back_send);
                workers.push(
                    scope.spawn(move || decode_chunks(from, raw_receive, out_send, back_receive)),
                );
            }
            let reader = scope.spawn(move || {
                let mut n = 0usize;
                // A closed channel means the consumer stopped: stop reading.
                let mut send = |chunk: RawChunk| {
                    let sent = to_decoders
                        .get(n % decoders)
                        .is_some_and(|s| s.send(chunk).is_ok());
                    n += 1;
                    sent
                };
                let mut chunk = Vec::with_capacity(CHUNK);
                let mut chunk_bytes = 0;
                let scanned = self.store.scan_records_owned(from, &mut |key, bytes| {
                    chunk_bytes += bytes.len();
                    chunk.push((key, bytes));
                    if chunk.len() == CHUNK || chunk_bytes >= CHUNK_BYTES {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        chunk_bytes = 0;
                        return Ok(send((full, None)));
                    }
                    Ok(true)
                });
                if !chunk.is_empty() || scanned.is_err() {
                    send((chunk, scanned.err()));
                }
            });
            let mut outcome = Ok(());
            let mut n = 0usize;
            let mut expect = from;
            'chunks: while let Some(receive) = from_decoders.get(n % decoders) {
                // A closed channel: that decoder is done, and the next chunk would have
                // been its.
                let Ok((chunk, failed)) = receive.recv() else {
                    break;
                };
                for c in &chunk {
                    if let Err(e) = check_next(&mut expect, c.tx) {
                        outcome = Err(e);
                        break 'chunks;
                    }
                    match f(c) {
                        Ok(true) => {}
                        Ok(false) => break 'chunks,
                        Err(e) => {
                            outcome = Err(e);
                            break 'chunks;
                        }
                    }
                }
                if let Some(e) = failed {
                    outcome = Err(e);
                    break;
                }
                // The decoder may be done: then the chunk is dropped here.
                if let Some(back) = give_backs.get(n % decoders) {
                    if let Err(back) = back.send(chunk) {
                        drop(back.0);
                    }
                }
                n += 1;
            }
            drop(from_decoders);
            drop(give_backs);
            let panicked = |_| Error::Internal("a log reading thread panicked".into());
            reader.join().map_err(panicked)?;
            for w in workers {
                w.join().map_err(panicked)?;
            }
            outcome
        })
    }

    /// Bytes on disk of the sled database.
    pub fn disk_bytes(&self) -> u64 {
        self.store.disk_bytes()
    }

    /// The store underneath, for tools and tests that need raw access.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
