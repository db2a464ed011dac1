//! The knowledge base: the facade the binary (and any other user of the library) uses.
//!
//! A [`Kb`] is an open database folder: the durable log (`log.rs`) and the view kept in
//! step with it (`view/`). Its life:
//!
//! 1. [`Kb::open`] takes sled's lock, checks the format and `ACKED` (see `log.rs`), loads
//!    the view checkpoint `view.snap` and replays the log after the checkpoint's
//!    watermark. A missing or damaged checkpoint is rebuilt from the log, with a notice.
//! 2. Every write ([`Kb::commit`], [`Kb::commit_many`], [`Kb::import`]) appends to the
//!    log, durably, and only then folds the new commits into the in-memory view.
//! 3. [`Kb::close`] writes a new checkpoint when at least [`CHECKPOINT_EVERY`] events were
//!    applied since the last one (or there was none), so that the next open replays a
//!    short tail. Dropping a `Kb` without `close` loses nothing but that shortcut.
//! 4. [`Kb::rematerialize`] replays the whole log into a new view, writes it as the new
//!    checkpoint generation (aside, then renamed over `view.snap`) and puts it in
//!    service. Killed at any moment, the old checkpoint or the new one is in place, and
//!    each is a correct view of a prefix of the log.
//!
//! Notices (a rebuilt checkpoint, dropped unacknowledged commits) are collected, never
//! printed: the caller takes them with [`Kb::take_notices`].
//!
//! # Checkpoint layout (`view.snap`, checkpoint format 8; 5-7 still load)
//!
//! ```text
//! offset  size  field
//! 0       8     magic "ANNALSVW"
//! 8       2     checkpoint format, u16 big-endian (8)
//! 10      8     watermark (last applied tx), u64 big-endian
//! 18      16    database id (meta key DbId): a checkpoint of another log is refused
//! 34      8     payload length, u64 big-endian
//! 42      4     CRC-32 (IEEE) of the payload
//! 46      2     zero, so that the payload starts 8-aligned
//! 48      ..    payload: sections of fixed-width little-endian arrays, read in place
//!               from the mapped file, and bincode parts decoded on first use
//!               (`view/snap.rs` has the layout)
//! ```
//!
//! The watermark is stored with the view it describes, in one file replaced by one
//! rename, so they can never disagree. A checkpoint of another format is not an error:
//! the view is rebuilt from the log, which is the only thing that must stay readable.
//! The file is mapped, not read (`view/mapped.rs`): an open touches only the parts its
//! first query needs, and copies nothing into the heap until the view is written to.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::event::{Commit, Event, SourceOnly, Support, Tx};
use crate::log::{self, Log, NewCommit};
use crate::query::Database;
use crate::store;
use crate::table::Table;
use crate::value::Value;
use crate::view::{Mapped, SizeHint, View};

/// A checkpoint is written at close once this many events were applied since the last.
pub const CHECKPOINT_EVERY: u64 = 50_000;

const SNAP_MAGIC: &[u8; 8] = b"ANNALSVW";
const SNAP_FORMAT: u16 = crate::view::CHECKPOINT_FORMAT;
/// Format 5 lacks what format 6 added (the fact counts), which is derived, 5-6 store
/// the supports as varints that are decoded whole on first use, where 7 reads them in
/// place, and 5-7 keep adjacency lists in triple id order, where 8 groups them by
/// predicate: all load, as they did, and the close after a load writes the current
/// format (once), so that an older database gains what it adds without a rebuild.
const OLDEST_SNAP_FORMAT: u16 = crate::view::OLDEST_CHECKPOINT_FORMAT;
const SNAP_HEADER_LEN: usize = 48;

/// How to open a database.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Create the database folder when it does not exist (commands that write).
    pub create: bool,
    /// How long to wait for a database locked by another process (`None`: fail at
    /// once, after a short grace period).
    pub wait: Option<Duration>,
    /// Leave the checkpoint unread and the view empty: for `rematerialize` without
    /// `--verify` or `--reextract`, which rebuilds the view from the log anyway and would
    /// only pay for loading the old one. Such a `Kb` answers no query until rebuilt.
    pub skip_view: bool,
}

/// What `rematerialize` did.
#[derive(Clone, Debug)]
pub struct RematerializeReport {
    pub commits: u64,
    pub events: u64,
    pub facts_live: u64,
    pub seconds: f64,
    /// With `verify`: how the view that was in service differed from the rebuilt one
    /// (`None` when they agree or were not compared).
    pub difference: Option<String>,
}

impl RematerializeReport {
    pub fn events_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.events as f64 / self.seconds
        } else {
            self.events as f64
        }
    }
}

/// What `verify` checked.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub commits: u64,
    pub events: u64,
    pub last_tx: Tx,
    pub acked: Tx,
}

/// An open knowledge base.
pub struct Kb {
    dir: PathBuf,
    display: String,
    log: Log,
    view: View,
    notices: Vec<String>,
    since_checkpoint: u64,
    checkpoint_needed: bool,
}

fn snap_path(dir: &Path) -> PathBuf {
    dir.join("view.snap")
}

/// Writes a view checkpoint (layout in the module doc) to `path`, aside then renamed
/// over it, synced: streamed, so no copy of the whole checkpoint is made in memory (at
/// 1M facts that copy, grown by doubling, was a sixth of a rematerialize). Rejected
/// alternative: `log::write_atomically` of one `Vec`.
///
/// The encoding hands its bytes to a thread of their own, in buffers of
/// [`CHECKPOINT_BUFFER`] bytes, which checksums and writes them: the kernel's copy into
/// the page cache took 2.3 s of the 6.2 s a 10M-fact checkpoint took to write, all of it
/// on the encoding thread. A few buffers go round, so memory stays at a few megabytes.
fn write_checkpoint(path: &Path, view: &View, db_id: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::FileExt;
    let mut id = [0u8; 16];
    for (d, s) in id.iter_mut().zip(db_id) {
        *d = *s;
    }
    let mut header = Vec::with_capacity(SNAP_HEADER_LEN);
    header.extend_from_slice(SNAP_MAGIC);
    header.extend_from_slice(&SNAP_FORMAT.to_be_bytes());
    header.extend_from_slice(&view.watermark().to_be_bytes());
    header.extend_from_slice(&id);
    // Length and checksum (34..46) are written once the payload is.
    header.resize(SNAP_HEADER_LEN, 0);
    log::write_atomically_with(path, |file, io| {
        let mut out: &std::fs::File = file;
        out.write_all(&header).map_err(|e| io("writing", e))?;
        let (written, encoded) = std::thread::scope(|scope| {
            let (full, to_write) = std::sync::mpsc::sync_channel::<Vec<u8>>(CHECKPOINT_BUFFERS);
            let (empty, to_fill) = std::sync::mpsc::channel::<Vec<u8>>();
            for _ in 0..CHECKPOINT_BUFFERS {
                let _ = empty.send(Vec::with_capacity(CHECKPOINT_BUFFER));
            }
            let writer = scope.spawn(move || {
                let (mut crc, mut len) = (crc32fast::Hasher::new(), 0u64);
                for mut buf in to_write {
                    crc.update(&buf);
                    out.write_all(&buf)?;
                    start_writeback(out, SNAP_HEADER_LEN as u64 + len, buf.len());
                    len += buf.len() as u64;
                    buf.clear();
                    // The encoder may be gone (it failed): the buffer is then dropped.
                    let _ = empty.send(buf);
                }
                Ok::<_, std::io::Error>((crc, len))
            });
            let mut buf = Vec::with_capacity(CHECKPOINT_BUFFER);
            let stopped = || "the checkpoint writer stopped".to_string();
            let encoded = view
                .encode_payload(&mut |mut bytes: &[u8]| {
                    while !bytes.is_empty() {
                        let room = CHECKPOINT_BUFFER.saturating_sub(buf.len()).max(1);
                        let (now, later) = bytes.split_at(room.min(bytes.len()));
                        buf.extend_from_slice(now);
                        bytes = later;
                        if buf.len() >= CHECKPOINT_BUFFER {
                            let next = to_fill.recv().map_err(|_| stopped())?;
                            full.send(std::mem::replace(&mut buf, next))
                                .map_err(|_| stopped())?;
                        }
                    }
                    Ok(())
                })
                .and_then(|()| full.send(buf).map_err(|_| stopped()));
            drop(full);
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the checkpoint writer panicked")));
            (written, encoded)
        });
        // A failed write stops the encoding with a vaguer error: report the write's.
        let (crc, len) = written.map_err(|e| io("writing", e))?;
        encoded.map_err(|e| Error::Internal(format!("cannot encode the view: {e}")))?;
        let mut fields = [0u8; 12];
        fields[..8].copy_from_slice(&len.to_be_bytes());
        fields[8..].copy_from_slice(&crc.finalize().to_be_bytes());
        file.write_all_at(&fields, 34).map_err(|e| io("writing", e))
    })
}

/// Asks the kernel to start writing `len` bytes of `file` at `offset` to the drive now,
/// without waiting (Linux; elsewhere nothing): the checkpoint's final `fsync` then waits
/// for the last buffers only, instead of the whole file. It took 19 ms of a 0.6 s rebuild
/// at 400k facts. Only a hint: a failure is ignored, and the `fsync` still decides.
fn start_writeback(file: &std::fs::File, offset: u64, len: usize) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
            return;
        };
        // SAFETY: plain integers and a descriptor that `file` keeps open; no memory of
        // ours is touched.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

/// Bytes of checkpoint handed to the writing thread at a time, and how many such
/// buffers go round ([`write_checkpoint`]).
const CHECKPOINT_BUFFER: usize = 1 << 20;
const CHECKPOINT_BUFFERS: usize = 4;

/// Below this, a checkpoint's checksum is computed on one thread.
const SPLIT_CHECKSUM_FROM: usize = 4 << 20;

/// The CRC-32 of `bytes`, the second half computed on a thread of its own when large:
/// every process that opens a database checksums the whole mapped checkpoint before it
/// trusts it (about 70 MB at 1M facts and 724 MB at 10M), and the pass, with the page
/// faults that map the file in, was most of the time to a first answer.
fn checksum_of(bytes: &[u8]) -> u32 {
    if bytes.len() < SPLIT_CHECKSUM_FROM {
        return crc32fast::hash(bytes);
    }
    let (first, second) = bytes.split_at(bytes.len() / 2);
    let hash = |part: &[u8]| {
        let mut h = crc32fast::Hasher::new();
        h.update(part);
        h
    };
    let (mut crc, tail) = std::thread::scope(|scope| {
        // A thread that cannot be started (the system's limit) is no reason to fail.
        let tail = std::thread::Builder::new().spawn_scoped(scope, || hash(second));
        let crc = hash(first);
        let tail = match tail {
            Ok(thread) => thread.join().ok(),
            Err(_) => None,
        };
        (crc, tail.unwrap_or_else(|| hash(second)))
    });
    crc.combine(&tail);
    crc.finalize()
}

/// Whether [`decode_checkpoint`] checks the payload's checksum.
#[derive(Clone, Copy, PartialEq)]
enum Checksum {
    Verify,
    /// Only to size a rebuild ([`Kb::rebuild_size_hint`]): everything else is checked,
    /// and every read of the mapped arrays is bounds-checked, so a damaged payload can
    /// only give wrong counts, never a panic.
    Skip,
}

/// The checkpoint's view, and the format it was written in.
fn decode_checkpoint(
    map: Mapped,
    db_id: &[u8],
    checksum: Checksum,
) -> std::result::Result<(View, u16), String> {
    let map = std::sync::Arc::new(map);
    let bytes = map.bytes();
    let (header, payload) = bytes
        .split_at_checked(SNAP_HEADER_LEN)
        .ok_or("it is truncated")?;
    let field = |from: usize, to: usize| header.get(from..to).unwrap_or(&[]);
    if field(0, 8) != SNAP_MAGIC {
        return Err("it is not a view checkpoint".into());
    }
    let format = u16::from_be_bytes(field(8, 10).try_into().map_err(|_| "bad header")?);
    if !(OLDEST_SNAP_FORMAT..=SNAP_FORMAT).contains(&format) {
        return Err(format!("its format {format} is not this build's"));
    }
    let watermark = u64::from_be_bytes(field(10, 18).try_into().map_err(|_| "bad header")?);
    let id = field(18, 34);
    if db_id.len() == 16 && id != db_id {
        return Err("it belongs to another database".into());
    }
    let len = u64::from_be_bytes(field(34, 42).try_into().map_err(|_| "bad header")?);
    let crc = u32::from_be_bytes(field(42, 46).try_into().map_err(|_| "bad header")?);
    if len != payload.len() as u64 {
        return Err("its length does not match".into());
    }
    if checksum == Checksum::Verify && checksum_of(payload) != crc {
        return Err("its checksum does not match".into());
    }
    let view = View::decode_payload(&map, SNAP_HEADER_LEN..bytes.len(), format)
        .map_err(|e| format!("it cannot be decoded ({e})"))?;
    if view.watermark() != watermark {
        return Err("its contents disagree with its header".into());
    }
    Ok((view, format))
}

impl Kb {
    /// Opens (or with `create`, creates) the database folder at `path`.
    pub fn open(path: &Path, options: OpenOptions) -> Result<Kb> {
        let display = path.display().to_string();
        let cannot = |reason: &str| Error::CannotOpen {
            path: display.clone(),
            reason: reason.to_string(),
        };
        match std::fs::metadata(path) {
            Ok(m) if !m.is_dir() => {
                return Err(cannot("it is a file, not a database folder"));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !options.create {
                    return Err(cannot(
                        "there is no database there (`annals import` or `annals ingest` \
                         creates one; or give --db PATH)",
                    ));
                }
                // A folder that cannot be created is a database that cannot be opened
                // (exit 3), with the system's reason.
                std::fs::create_dir_all(path)
                    .map_err(|e| cannot(&format!("cannot create its folder ({e})")))?;
            }
            Err(e) => return Err(cannot(&e.to_string())),
        }
        let mut notices = Vec::new();
        let log = Log::open(path, &display, options.create, options.wait, &mut notices)?;
        let mut kb = Kb {
            dir: path.to_path_buf(),
            display,
            log,
            view: View::new(),
            notices,
            since_checkpoint: 0,
            checkpoint_needed: false,
        };
        if !options.skip_view {
            kb.load_view()?;
        }
        Ok(kb)
    }

    /// Loads the checkpoint and replays the log after it.
    fn load_view(&mut self) -> Result<()> {
        let path = snap_path(&self.dir);
        let last = self.log.last_tx();
        match std::fs::File::open(&path).and_then(|f| Mapped::open(&f)) {
            Ok(map) => match decode_checkpoint(map, self.log.db_id(), Checksum::Verify) {
                Ok((view, format)) if view.watermark() <= last => {
                    self.view = view;
                    // An older format still answers, but without what the newer ones
                    // add (format 7: the first statement no longer decodes the whole
                    // view; 8: predicate runs in adjacency lists); closing writes it
                    // anew, once.
                    self.checkpoint_needed = format < SNAP_FORMAT;
                }
                Ok((view, _)) => {
                    self.notices.push(format!(
                        "the view checkpoint is at tx {} but the log ends at tx {last}; \
                         rebuilding the view from the log",
                        view.watermark()
                    ));
                    self.checkpoint_needed = true;
                }
                Err(why) => {
                    self.notices.push(format!(
                        "the view checkpoint {} cannot be used ({why}); rebuilding the view \
                         from the log",
                        path.display()
                    ));
                    self.checkpoint_needed = true;
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if last > 0 {
                    self.notices
                        .push("no view checkpoint; rebuilding the view from the log".to_string());
                }
                self.checkpoint_needed = true;
            }
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        }
        let view = &mut self.view;
        let mut applied = 0u64;
        // Only applied: the replay form is enough.
        self.log
            .scan_pipelined::<SourceOnly>(view.watermark() + 1, &mut |c| {
                view.apply(c)?;
                applied += c.events.len() as u64;
                Ok(true)
            })?;
        self.since_checkpoint = applied;
        Ok(())
    }

    /// The database folder as given.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Notices collected since the last call (for standard error).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// The view in service, caught up with the log.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// The last tx in the log.
    pub fn last_tx(&self) -> Tx {
        self.log.last_tx()
    }

    /// The log, for readers that need the stored commits.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Appends one commit, durably, applies it to the view and returns its tx.
    pub fn commit(&mut self, events: Vec<Event>) -> Result<Tx> {
        let txs = self.commit_many(vec![NewCommit { time: None, events }])?;
        txs.last()
            .copied()
            .ok_or_else(|| Error::Internal("a commit got no tx".to_string()))
    }

    /// Appends several commits, all or nothing and durably, applies them to the view,
    /// and returns their tx numbers.
    ///
    /// Writing (encode, sled batch, fsync, `ACKED`) runs on a second thread while the
    /// view applies the same commits, which hides most of the fsync wait and a third of a
    /// large import. Nothing is returned before both are done, so success still means
    /// durable; if the write fails, the view is reloaded from the checkpoint and the log,
    /// so it never shows a commit that is not in the log. Rejected alternative: applying
    /// after the write, which is simpler but adds the two times up.
    pub fn commit_many(&mut self, commits: Vec<NewCommit>) -> Result<Vec<Tx>> {
        let commits = self.log.number(commits);
        let (log, view) = (&mut self.log, &mut self.view);
        let (written, applied) = std::thread::scope(|scope| {
            let writer = scope.spawn(|| log.write(&commits));
            let mut applied = Ok(());
            for c in &commits {
                if let Err(e) = view.apply(c) {
                    applied = Err(e);
                    break;
                }
            }
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("the log writer panicked".into())));
            (written, applied)
        });
        if let Err(e) = written.and(applied) {
            self.view = View::new();
            self.load_view()?;
            return Err(e);
        }
        self.since_checkpoint += commits.iter().map(|c| c.events.len() as u64).sum::<u64>();
        Ok(commits.iter().map(|c| c.tx).collect())
    }

    /// Imports JSON-lines files (SPEC §4): all files or nothing. See `import.rs`.
    ///
    /// The files are streamed. Each chunk of commits is numbered here, written to the
    /// log unacknowledged by a writer thread (encoding and compressing included) while
    /// this thread applies it to the view and builds the next chunk (into an empty log,
    /// a third thread applies, so that building and applying overlap too; the checks
    /// then need no view, as there was nothing before the import); once every file is
    /// through, the log is synced and `ACKED` moves once (`log.rs`, "Appending in
    /// pieces"). On any error the unacknowledged commits are removed and the view is
    /// reloaded, so neither this process nor a later one sees any of them. Rejected
    /// alternative: building every commit first and writing them in one batch, which
    /// held the whole file, its commits and their encoding in memory at once (800 MB
    /// for a 115 MB file).
    pub fn import(
        &mut self,
        files: Vec<crate::import::ImportFile>,
    ) -> Result<crate::import::ImportReport> {
        let outcome = self
            .import_unacked(files)
            .and_then(|report| self.log.acknowledge().map(|()| report));
        let report = match outcome {
            Ok(report) => report,
            Err(e) => {
                if self.log.last_tx() != self.log.acked() {
                    // Best effort: if sled cannot remove them, the next open drops them.
                    let _ = self.log.discard_unacked();
                }
                self.view = View::new();
                self.load_view()?;
                return Err(e);
            }
        };
        self.since_checkpoint += report.events;
        if let (Some(input), Some(first)) = (report.first_input_tx, report.first_tx) {
            if input != first {
                self.notices.push(format!(
                    "the input's commits from tx {input} on were appended as tx {first} on: \
                     as-of answers by tx number are shifted (by time they are not)"
                ));
            }
        }
        Ok(report)
    }

    /// [`Kb::import`] up to, not including, the acknowledgement.
    fn import_unacked(
        &mut self,
        files: Vec<crate::import::ImportFile>,
    ) -> Result<crate::import::ImportReport> {
        /// Where the chunks are applied.
        enum Applying<'a> {
            /// Here, between chunks: the view in service answers the checks of later
            /// chunks.
            Here(&'a mut View),
            /// On a thread of its own, while the next chunk is built: for an empty log,
            /// whose view has nothing to answer; the import then remembers its own
            /// articles and types for the whole run, and the builder checks against
            /// `empty`.
            Elsewhere {
                empty: Box<View>,
                applier: std::sync::mpsc::SyncSender<Arc<Vec<Commit>>>,
            },
        }
        /// Numbers chunks, hands them to the writer thread and applies them to the view.
        struct Sink<'a> {
            numbering: log::Numbering,
            applying: Applying<'a>,
            writer: std::sync::mpsc::SyncSender<Arc<Vec<Commit>>>,
        }
        impl crate::import::ImportSink for Sink<'_> {
            fn view(&self) -> &View {
                match &self.applying {
                    Applying::Here(view) => view,
                    Applying::Elsewhere { empty, .. } => empty,
                }
            }
            fn view_advances(&self) -> bool {
                matches!(self.applying, Applying::Here(_))
            }
            fn append(&mut self, commits: Vec<NewCommit>) -> Result<Vec<Tx>> {
                let commits = Arc::new(self.numbering.number(commits));
                let stopped = |who: &str| Error::Internal(format!("the {who} stopped"));
                self.writer
                    .send(Arc::clone(&commits))
                    .map_err(|_| stopped("log writer"))?;
                match &mut self.applying {
                    Applying::Here(view) => {
                        for c in commits.iter() {
                            view.apply(c)?;
                        }
                    }
                    Applying::Elsewhere { applier, .. } => {
                        applier
                            .send(Arc::clone(&commits))
                            .map_err(|_| stopped("view applier"))?;
                    }
                }
                Ok(commits.iter().map(|c| c.tx).collect())
            }
        }
        let numbering = self.log.numbering();
        let empty_log = self.log.last_tx() == 0;
        let (log, view) = (&mut self.log, &mut self.view);
        std::thread::scope(|scope| {
            // One chunk waiting while one is written: memory stays a few chunks.
            let (send, receive) = std::sync::mpsc::sync_channel::<Arc<Vec<Commit>>>(1);
            let writer = scope.spawn(move || {
                for chunk in receive {
                    log.write_unacked(&chunk)?;
                }
                Ok::<(), Error>(())
            });
            let (applying, applier) = if empty_log {
                let (send, receive) = std::sync::mpsc::sync_channel::<Arc<Vec<Commit>>>(1);
                let applier = scope.spawn(move || {
                    for chunk in receive {
                        for c in chunk.iter() {
                            view.apply(c)?;
                        }
                    }
                    Ok::<(), Error>(())
                });
                let applying = Applying::Elsewhere {
                    empty: Box::new(View::new()),
                    applier: send,
                };
                (applying, Some(applier))
            } else {
                (Applying::Here(view), None)
            };
            let mut sink = Sink {
                numbering,
                applying,
                writer: send,
            };
            let imported = crate::import::import(files, &mut sink);
            drop(sink);
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("the log writer panicked".into())));
            let applied = applier.map_or(Ok(()), |a| {
                a.join()
                    .unwrap_or_else(|_| Err(Error::Internal("the view applier panicked".into())))
            });
            // A failed write or apply stops the sink with a vaguer error: report theirs.
            written.and(applied).and(imported)
        })
    }

    /// Replays the whole log into a new view, makes it the new checkpoint generation and
    /// puts it in service. `progress(done, total)` is called now and then with tx numbers.
    /// With `verify`, the view that was in service is compared with the rebuilt one.
    ///
    /// A pre-step (re-extraction) appends its commits with [`Kb::commit_many`] before
    /// calling this; the rebuild then covers them.
    pub fn rematerialize(
        &mut self,
        verify: bool,
        progress: &mut dyn FnMut(Tx, Tx),
    ) -> Result<RematerializeReport> {
        let start = Instant::now();
        let (fresh, commits, events) = self.replay::<SourceOnly>(progress)?;
        let difference = if verify {
            fresh.same_as(&self.view).err()
        } else {
            None
        };
        self.write_checkpoint_of(&fresh)?;
        self.view = fresh;
        self.since_checkpoint = 0;
        self.checkpoint_needed = false;
        Ok(RematerializeReport {
            commits,
            events,
            facts_live: self.view.snapshot(None).fact_counts().0,
            seconds: start.elapsed().as_secs_f64(),
            difference,
        })
    }

    /// A new view from the whole log, its commits decoded as `S`: the replay form
    /// ([`SourceOnly`], `event.rs`) skips what the view does not keep, while `verify`
    /// decodes everything ([`Support`]) so that every string is checked to be UTF-8, as
    /// `log`, `why` and `export` will read it. `scan_pipelined` checks each record's checksum,
    /// that each payload is the tx its key and count place it at, and that the commits
    /// run from 1 without a gap.
    fn replay<S: crate::event::SupportForm>(
        &self,
        progress: &mut dyn FnMut(Tx, Tx),
    ) -> Result<(View, u64, u64)> {
        let total = self.log.last_tx();
        let mut view = View::with_size_hint(self.rebuild_size_hint());
        let (mut commits, mut events) = (0u64, 0u64);
        progress(0, total);
        self.log.scan_pipelined::<S>(1, &mut |c| {
            view.apply(c)?;
            commits += 1;
            events += c.events.len() as u64;
            if c.tx % 256 == 0 {
                progress(c.tx, total);
            }
            Ok(true)
        })?;
        progress(total, total);
        if view.watermark() != total {
            return Err(Error::Corrupt {
                tx: Some(view.watermark() + 1),
                what: "commit missing from the log".to_string(),
            });
        }
        Ok((view, commits, events))
    }

    /// The sizes to give a view rebuilt from the log: those of the view it replaces, since
    /// growing one doubling at a time costs a third more. Without a view in memory
    /// (opened with [`OpenOptions::skip_view`], as a plain `rematerialize` is), those of
    /// the checkpoint, mapped but not loaded: the hint was otherwise zero for the
    /// commonest rebuild. Its checksum is not checked: that pass read the whole file, 4-5
    /// ms at 400k facts and about 0.25 s at 10M, where only a few counts are wanted.
    /// Instead the counts are capped by the file's size (below). No usable checkpoint: no
    /// hint (a missing one costs only growth).
    fn rebuild_size_hint(&self) -> SizeHint {
        if self.view.watermark() > 0 || self.log.last_tx() == 0 {
            return self.view.size_hint();
        }
        let Some(map) = std::fs::File::open(snap_path(&self.dir))
            .and_then(|f| Mapped::open(&f))
            .ok()
        else {
            return SizeHint::default();
        };
        // Every term of a checkpoint takes at least 12 of its bytes (a u32 offset and a
        // u64 first tx) and every triple 17 (three u32, a live byte, a u32 support
        // offset): whatever a damaged file says, the rebuild reserves no more than a view
        // of that file's size would.
        let len = map.bytes().len();
        match decode_checkpoint(map, self.log.db_id(), Checksum::Skip) {
            Ok((view, _)) => {
                let hint = view.size_hint();
                SizeHint {
                    terms: hint.terms.min(len / 12),
                    triples: hint.triples.min(len / 17),
                }
            }
            Err(_) => SizeHint::default(),
        }
    }

    fn write_checkpoint_of(&self, view: &View) -> Result<()> {
        write_checkpoint(&snap_path(&self.dir), view, self.log.db_id())
    }

    /// Writes a checkpoint of the view in service now.
    pub fn checkpoint(&mut self) -> Result<()> {
        self.write_checkpoint_of(&self.view)?;
        self.since_checkpoint = 0;
        self.checkpoint_needed = false;
        Ok(())
    }

    /// Checks every stored commit (checksum, each payload's tx where its record's key
    /// and count place it, no gap from tx 1),
    /// `ACKED`, and the view in service against a fresh replay. Corruption is an
    /// [`Error::Corrupt`] naming the tx.
    pub fn verify(&self, progress: &mut dyn FnMut(Tx, Tx)) -> Result<VerifyReport> {
        let (fresh, commits, events) = self.replay::<Support>(progress)?;
        let last = fresh.watermark();
        let acked = log::read_acked(&self.dir)?.unwrap_or(0);
        if last < acked {
            return Err(Error::Corrupt {
                tx: Some(last + 1),
                what: format!("the log ends at tx {last} but tx {acked} was acknowledged (ACKED)"),
            });
        }
        if last > acked {
            return Err(Error::Corrupt {
                tx: Some(acked + 1),
                what: format!("the log holds commits past the acknowledged tx {acked}"),
            });
        }
        if let Err(diff) = fresh.same_as(&self.view) {
            return Err(Error::Corrupt {
                tx: None,
                what: format!(
                    "the view in service differs from a fresh replay of the log ({diff}); \
                     `annals rematerialize` rebuilds it"
                ),
            });
        }
        Ok(VerifyReport {
            commits,
            events,
            last_tx: last,
            acked,
        })
    }

    /// `stats`: columns `metric, value`.
    pub fn stats(&self) -> Table {
        let v = &self.view;
        let c = v.counters();
        let (live, retracted) = v.snapshot(None).fact_counts();
        let mut t = Table::new(["metric", "value"]);
        let rows: [(&str, u64); 9] = [
            ("events", c.events),
            ("commits", c.commits),
            ("articles", v.article_count() as u64),
            ("entities", v.entity_count() as u64),
            ("facts_live", live),
            ("facts_retracted", retracted),
            ("disk_bytes", store::dir_size(&self.dir)),
            ("view_tx", v.watermark()),
            ("log_tx", self.log.last_tx()),
        ];
        for (name, n) in rows {
            t.push(vec![
                Some(Value::Str(name.to_string())),
                Some(Value::Int(i64::try_from(n).unwrap_or(i64::MAX))),
            ]);
        }
        t
    }

    /// `log`: one row per event from tx `since` on (oldest first), at most `limit` rows.
    /// Columns `tx, time, kind, summary`.
    pub fn log_table(&self, since: Option<Tx>, limit: Option<usize>) -> Result<Table> {
        let mut t = Table::new(["tx", "time", "kind", "summary"]);
        let limit = limit.unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(t);
        }
        self.log.scan(since.unwrap_or(1), &mut |c| {
            for e in &c.events {
                t.push(vec![
                    Some(Value::Int(i64::try_from(c.tx).unwrap_or(i64::MAX))),
                    Some(Value::DateTime(c.time)),
                    Some(Value::Str(e.kind().to_string())),
                    Some(Value::Str(crate::export::summary(e))),
                ]);
                if t.rows.len() >= limit {
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        Ok(t)
    }

    /// Closes the database, writing a checkpoint when one is due (module doc, step 3).
    /// Returns the notices not yet taken.
    ///
    /// A checkpoint that cannot be written (a full disk) is a notice, not an error: the
    /// command's work is already durable in the log, and the next open replays it.
    pub fn close(mut self) -> Result<Vec<String>> {
        Ok(self.close_in_place())
    }

    /// [`Kb::close`], handing back the view instead of dropping it, so that a process
    /// about to exit can skip freeing it.
    pub fn close_into_view(mut self) -> Result<(Vec<String>, View)> {
        let notices = self.close_in_place();
        let view = std::mem::take(&mut self.view);
        Ok((notices, view))
    }

    fn close_in_place(&mut self) -> Vec<String> {
        if self.checkpoint_needed || self.since_checkpoint >= CHECKPOINT_EVERY {
            // Every commit is durable and acknowledged by now: a checkpoint that cannot be
            // written (a full disk) only costs the next open a longer replay, and must not
            // make a successful write report failure (the user would repeat it).
            if let Err(e) = self.checkpoint() {
                let _ = std::fs::remove_file(snap_path(&self.dir).with_extension("snap.new"));
                self.notices.push(format!(
                    "the view checkpoint was not written ({e}); the next open replays the log"
                ));
            }
        }
        self.take_notices()
    }

    /// The database path as shown in messages.
    pub fn display_path(&self) -> &str {
        &self.display
    }
}

impl Database for Kb {
    fn view(&self) -> &View {
        &self.view
    }

    fn read_commit(&self, tx: Tx) -> Result<Commit> {
        self.log.read(tx)
    }

    fn scan_commits(&self, from: Tx, f: &mut dyn FnMut(&Commit) -> Result<bool>) -> Result<()> {
        self.log.scan(from, f)
    }

    fn commit(&mut self, events: Vec<Event>) -> Result<Tx> {
        Kb::commit(self, events)
    }
}

/// Turns transparent huge pages off for the rest of this process (Linux; elsewhere a
/// no-op). The binary calls it first thing; a library user whose process builds whole
/// views (`import`, `rematerialize`, `verify`) should too.
///
/// mimalloc asks for huge pages, and each fault of one zeroes 2 MiB however little of it
/// is used:
/// - Opening sled builds its metrics' histograms (about forty vectors of 512 KiB,
///   written in full): a one-line query on the 400k-fact database spent 38 % of its
///   `perf` samples in `clear_page_erms` and peaked at 89 MB (44 MB with small pages).
/// - An import allocates and frees in a way that makes mimalloc give memory back and
///   fault it in again: on the 400k-fact import the zeroing was a fifth of the
///   process's time, and with small pages it spent about 0.6 s less in the kernel and
///   peaked 50 MB lower.
/// - A rebuild of the same database spent 28 % of its samples there; with small pages
///   its kernel time went from 0.07–0.73 s to 0.21–0.29 s over three runs each, and its
///   peak from about 235 to 207 MB. At 10M facts the wall time is the same either way.
///
/// No command was measured faster with huge pages: the view's data is a mapped file,
/// which they do not cover. (Until this switch, a guard turned them off around the three
/// commands that build a view only; sled's histograms are built before, at open.)
pub fn small_pages_only() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with this option takes plain integers and touches no memory of ours;
    // a kernel without it returns -1 (ignored), which leaves its default.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{FactAsserted, Source, Support};

    fn creating() -> OpenOptions {
        OpenOptions {
            create: true,
            wait: Some(Duration::from_secs(5)),
            skip_view: false,
        }
    }

    fn partners(subject: &str, object: &str, article: &str) -> Event {
        Event::FactAsserted(FactAsserted {
            subject: subject.into(),
            predicate: "partner_of".into(),
            object: Value::Entity(object.into()),
            support: Support::from_source(Source::Article(article.into())),
        })
    }

    #[test]
    fn a_checkpoint_in_an_older_format_is_written_anew_at_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kb");
        let options = creating();
        let mut kb = Kb::open(&path, options.clone()).unwrap();
        kb.commit(vec![partners("G42", "OpenAI", "a1")]).unwrap();
        kb.checkpoint().unwrap();
        let view = kb.view().clone();
        kb.close().unwrap();
        // The same view, in format 6, behind a header that says so.
        let snap = snap_path(&path);
        let payload = crate::view::checkpoint_format_6_payload(&view);
        let mut bytes = std::fs::read(&snap).unwrap();
        bytes.truncate(SNAP_HEADER_LEN);
        bytes[8..10].copy_from_slice(&6u16.to_be_bytes());
        bytes[34..42].copy_from_slice(&(payload.len() as u64).to_be_bytes());
        bytes[42..46].copy_from_slice(&crc32fast::hash(&payload).to_be_bytes());
        bytes.extend_from_slice(&payload);
        std::fs::write(&snap, &bytes).unwrap();
        let format = |path: &Path| {
            u16::from_be_bytes(std::fs::read(path).unwrap()[8..10].try_into().unwrap())
        };
        assert_eq!(format(&snap), 6);

        let mut kb = Kb::open(&path, options.clone()).unwrap();
        assert!(kb.take_notices().is_empty(), "format 6 loads as it is");
        kb.view().same_as(&view).unwrap();
        kb.close().unwrap();
        assert_eq!(format(&snap), SNAP_FORMAT);
        let kb = Kb::open(&path, options).unwrap();
        kb.view().same_as(&view).unwrap();
        assert!(!kb.checkpoint_needed, "written once, not at every close");
    }

    #[test]
    fn a_checksum_in_two_halves_is_the_checksum() {
        let bytes: Vec<u8> = (0..SPLIT_CHECKSUM_FROM as u32 * 2 + 13)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [
            0,
            1,
            SPLIT_CHECKSUM_FROM - 1,
            SPLIT_CHECKSUM_FROM,
            bytes.len(),
        ] {
            assert_eq!(
                checksum_of(&bytes[..len]),
                crc32fast::hash(&bytes[..len]),
                "{len}"
            );
        }
    }

    /// The rebuild sizes itself from the checkpoint without checking its checksum:
    /// damaged bytes anywhere in the file may change the hint, never the rebuilt view.
    #[test]
    fn a_rebuild_sized_from_a_damaged_checkpoint_gives_the_same_view() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kb");
        let options = creating();
        let mut kb = Kb::open(&path, options.clone()).unwrap();
        for (i, (s, o)) in [
            ("G42", "OpenAI"),
            ("OpenAI", "Microsoft"),
            ("Mistral", "G42"),
        ]
        .into_iter()
        .enumerate()
        {
            kb.commit(vec![partners(s, o, &format!("a{i}"))]).unwrap();
        }
        kb.checkpoint().unwrap();
        let view = kb.view().clone();
        let hint = view.size_hint();
        kb.close().unwrap();
        let snap = snap_path(&path);
        let good = std::fs::read(&snap).unwrap();
        let rebuild_only = OpenOptions {
            skip_view: true,
            ..options
        };
        let kb = Kb::open(&path, rebuild_only.clone()).unwrap();
        let sized = kb.rebuild_size_hint();
        assert_eq!((sized.terms, sized.triples), (hint.terms, hint.triples));
        drop(kb);
        // Bytes all over the file, one at a time, flipped (not all of them: each costs an open).
        for at in (0..good.len()).step_by(11) {
            let mut bad = good.clone();
            bad[at] ^= 0xA5;
            std::fs::write(&snap, &bad).unwrap();
            let mut kb = Kb::open(&path, rebuild_only.clone()).unwrap();
            let sized = kb.rebuild_size_hint();
            assert!(
                sized.terms <= bad.len() / 12 && sized.triples <= bad.len() / 17,
                "byte {at}: hint {} terms, {} triples",
                sized.terms,
                sized.triples
            );
            kb.rematerialize(false, &mut |_, _| {}).unwrap();
            kb.view().same_as(&view).unwrap();
            kb.close().unwrap();
        }
    }
}
