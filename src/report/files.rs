//! Writing report files safely.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::interrupt::{self, Leftover};

/// A scenario or label name made safe as one folder or file name: letters,
/// digits, `-` and `_` are kept, anything else (`/`, `.`, spaces) becomes `_`,
/// so a name in a scenario file (or a shard part) can never point outside the
/// folder it is written into; an empty name becomes `scenario`.
pub fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "scenario".into() } else { s }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Serialises rows with the csv crate into memory, then writes atomically.
pub fn write_csv<I, R>(path: &Path, rows: I) -> std::io::Result<()>
where
    I: IntoIterator<Item = R>,
    R: serde::Serialize,
{
    write_atomic(path, &csv_bytes(rows)?)
}

/// Rows serialised with the csv crate, header first.
pub fn csv_bytes<I, R>(rows: I) -> std::io::Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: serde::Serialize,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(std::io::Error::other)?;
    }
    w.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A file written piece by piece that appears under its name only when
/// [`AtomicFile::commit`] renames it into place; dropped uncommitted (an error,
/// Ctrl-C), the temporary file is removed.
pub struct AtomicFile {
    path: std::path::PathBuf,
    tmp: std::path::PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
    /// Written in place (a device or a pipe): no temporary file, no rename.
    direct: bool,
}

impl AtomicFile {
    /// Writes to `path` when committed. A symbolic link is followed, so the
    /// file it points to is replaced and the link stays; a target that exists
    /// and is not a regular file (`/dev/stdout`, a named pipe, a device) is
    /// written into directly, since renaming over it would replace the device
    /// or pipe itself.
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let path = follow_links(path)?;
        if let Ok(meta) = fs::metadata(&path)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let file = fs::OpenOptions::new().write(true).open(&path)?;
            return Ok(AtomicFile {
                tmp: path.clone(),
                path,
                file: Some(io::BufWriter::new(file)),
                direct: true,
            });
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        interrupt::register(Leftover::File(tmp.clone()));
        let file = match std::fs::File::create(&tmp) {
            Ok(f) => std::io::BufWriter::new(f),
            Err(e) => {
                interrupt::unregister(&tmp);
                return Err(e);
            }
        };
        Ok(AtomicFile {
            path,
            tmp,
            file: Some(file),
            direct: false,
        })
    }

    pub fn commit(mut self) -> std::io::Result<()> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        if self.direct {
            return file.into_inner().map(drop).map_err(|e| e.into_error());
        }
        let done = file
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.path));
        if done.is_err() {
            // A full disk or a failed rename: the temporary file goes too.
            let _ = std::fs::remove_file(&self.tmp);
        }
        interrupt::unregister(&self.tmp);
        done
    }
}

/// Where writing to `path` should land: the end of its chain of symbolic
/// links (relative links are read from the link's folder), even when that
/// file does not exist yet; `path` itself when it is not a link.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    // As the kernel does, give up on a chain of more than 40 links.
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() && !self.direct {
            let _ = std::fs::remove_file(&self.tmp);
            interrupt::unregister(&self.tmp);
        }
    }
}

/// The files a report may consist of. When a new report is put in place, the
/// ones it did not write (and every chart it did not draw) are removed, so the
/// folder never mixes two runs; anything else in the folder is left alone.
const REPORT_FILES: &[&str] = &[
    "summary.json",
    "replications.csv",
    "commits.csv",
    "comparison.csv",
    "comparison.json",
    "sweep.csv",
    "sweep.json",
    "index.html",
    "report.md",
];
const CHARTS: &str = "charts";
/// Where a folder cannot be locked itself (not Unix), the file a writer
/// holds an exclusive lock on while it writes the folder.
#[cfg(not(unix))]
const LOCK: &str = ".promosim.lock";

/// What a writer locks while it writes `target`. On Unix the folder itself
/// (`flock` on its handle), so an interrupted or killed writer leaves nothing
/// behind in it; elsewhere a lock file in it.
#[cfg(unix)]
fn lock_folder(target: &Path, _made: &CreatedDirs) -> io::Result<File> {
    File::open(target)
}

#[cfg(not(unix))]
fn lock_folder(target: &Path, made: &CreatedDirs) -> io::Result<File> {
    let lock_path = target.join(LOCK);
    if made.created(target) {
        interrupt::register(Leftover::File(lock_path.clone()));
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
}

/// Forgets the lock file of `target` (none on Unix), removing it when `remove`.
fn release_lock_file(target: &Path, remove: bool) {
    #[cfg(not(unix))]
    {
        let lock = target.join(LOCK);
        if remove {
            let _ = fs::remove_file(&lock);
        }
        interrupt::unregister(&lock);
    }
    #[cfg(unix)]
    let _ = (target, remove);
}

/// The prefix of a writer's staging folder in the target; the process id follows.
const STAGING: &str = ".promosim-staging-";

/// Folders created for an output (the missing ones of a path, outermost
/// last), removed again, if still empty, unless [`CreatedDirs::keep`] is
/// called: an interrupted or failed command leaves no empty `--out` folder.
#[derive(Debug)]
pub struct CreatedDirs {
    /// Innermost first.
    dirs: Vec<PathBuf>,
}

impl CreatedDirs {
    /// Creates `dir` and whichever of its parents are missing.
    pub fn create(dir: &Path) -> io::Result<CreatedDirs> {
        let mut dirs = Vec::new();
        let mut d = Some(dir);
        while let Some(p) = d.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            dirs.push(p.to_path_buf());
            d = p.parent();
        }
        // Outermost registered first, so a forced exit removes innermost first.
        for p in dirs.iter().rev() {
            interrupt::register(Leftover::EmptyDir(p.clone()));
        }
        let made = CreatedDirs { dirs };
        fs::create_dir_all(dir)?;
        Ok(made)
    }

    /// The folders missing for a file at `path`.
    pub fn for_file(path: &Path) -> io::Result<CreatedDirs> {
        match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(dir) => CreatedDirs::create(dir),
            None => Ok(CreatedDirs { dirs: Vec::new() }),
        }
    }

    /// Whether `dir` itself was created.
    fn created(&self, dir: &Path) -> bool {
        self.dirs.first().is_some_and(|d| d == dir)
    }

    /// The output was written: the folders stay.
    pub fn keep(mut self) {
        for d in self.dirs.drain(..) {
            interrupt::unregister(&d);
        }
    }
}

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        for d in self.dirs.drain(..) {
            let _ = fs::remove_dir(&d);
            interrupt::unregister(&d);
        }
    }
}

/// A report written whole into a staging folder beside its files and moved
/// into place only by [`Staged::commit`], under an exclusive lock on the
/// target folder: a full disk, an error or Ctrl-C leave the old report as it
/// was (and no folder the writer created), and a second writer is refused
/// rather than mixed in.
pub struct Staged {
    target: PathBuf,
    staging: PathBuf,
    /// Dropped last: the lock is released after the staging folder is gone.
    _lock: File,
    /// The target and its parents, when this writer created them.
    made: Option<CreatedDirs>,
    committed: bool,
}

impl Staged {
    /// Locks `target` (creating it) and makes an empty staging folder in it,
    /// after removing the staging folders that interrupted writers left
    /// behind (holding the lock proves their writers are gone).
    pub fn begin(target: &Path) -> io::Result<Staged> {
        let made = CreatedDirs::create(target)?;
        let lock = lock_folder(target, &made)?;
        if let Err(e) = lock.try_lock() {
            return Err(match e {
                fs::TryLockError::WouldBlock => io::Error::other(
                    "another promosim is writing a report to this folder; \
                     wait for it or choose another --out",
                ),
                fs::TryLockError::Error(e) => e,
            });
        }
        remove_stale_staging(target);
        let staging = target.join(format!("{STAGING}{}", std::process::id()));
        interrupt::register(Leftover::Tree(staging.clone()));
        fs::create_dir(&staging)?;
        Ok(Staged {
            target: target.to_path_buf(),
            staging,
            _lock: lock,
            made: Some(made),
            committed: false,
        })
    }

    /// Where the report's files are written.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves every staged file into the target (renames within one folder
    /// cannot fail for lack of space), `summary.json` last because its presence
    /// marks a report complete, and removes the report files and charts the
    /// new report did not write.
    pub fn commit(mut self) -> io::Result<()> {
        let mut files = staged_files(&self.staging)?;
        // summary.json last; the order of the others does not matter.
        files.sort_by_key(|f| f.as_path() == Path::new("summary.json"));
        // Stale files are only removed where a report was: an `--out` folder
        // that never held one (say `.`) may have an index.html of its own.
        if self.target.join("summary.json").exists() {
            self.remove_stale(&files)?;
        }
        for f in &files {
            let to = self.target.join(f);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::rename(self.staging.join(f), &to)?;
        }
        self.committed = true;
        if let Some(made) = self.made.take() {
            made.keep();
        }
        release_lock_file(&self.target, false);
        let removed = fs::remove_dir_all(&self.staging);
        interrupt::unregister(&self.staging);
        removed
    }

    /// Removes the report files and charts of the previous report that the
    /// new one (`files`) does not write.
    fn remove_stale(&self, files: &[PathBuf]) -> io::Result<()> {
        for name in REPORT_FILES {
            let p = Path::new(name);
            if !files.iter().any(|f| f == p) {
                remove_if_present(&self.target.join(p))?;
            }
        }
        if let Ok(rd) = fs::read_dir(self.target.join(CHARTS)) {
            for e in rd.flatten() {
                let rel = Path::new(CHARTS).join(e.file_name());
                if !files.contains(&rel) {
                    remove_if_present(&e.path())?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            interrupt::unregister(&self.staging);
            // A folder this writer created goes again, lock file and all.
            let created = self.made.as_ref().is_some_and(|m| m.created(&self.target));
            release_lock_file(&self.target, created);
            self.made.take();
        }
    }
}

/// Removes `.promosim-staging-*` folders in `target`: only a writer holding
/// the folder's lock has one, so once we hold it they are leftovers of a
/// writer that was killed or interrupted twice.
fn remove_stale_staging(target: &Path) {
    let Ok(rd) = fs::read_dir(target) else {
        return;
    };
    for e in rd.flatten() {
        if e.file_name().to_string_lossy().starts_with(STAGING) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Files under `root`, relative to it (one level of sub-folders: `charts/`).
fn staged_files(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in fs::read_dir(root)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            for c in fs::read_dir(e.path())? {
                out.push(PathBuf::from(e.file_name()).join(c?.file_name()));
            }
        } else {
            out.push(PathBuf::from(e.file_name()));
        }
    }
    Ok(out)
}

fn remove_if_present(p: &Path) -> io::Result<()> {
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
