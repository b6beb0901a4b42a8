//! The bundle's files in memory, and writing them: all or nothing, never clobbering a file the
//! user wrote or edited. New folders are built in a temporary sibling and renamed into place; files
//! in an existing folder are staged as temporary files first and then renamed one by one, so each
//! file is either the old one or the complete new one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::render::is_unedited;

/// The folder `path` is in: its parent, or `.` for a bare name (`zerodown.yaml`, `checkout`).
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// Path relative to the bundle folder (`deployment.yaml`).
    pub path: String,
    /// Full contents.
    pub contents: String,
    /// Whether zerodown owns the file (re-rendered by `render`); `zerodown.yaml` is the user's.
    pub generated: bool,
}

/// The files of a bundle, in the order they are listed to the user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bundle {
    pub files: Vec<BundleFile>,
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Updated,
    Unchanged,
}

impl Status {
    /// The verb shown in the status line (cargo style, right-aligned to 12 columns).
    pub fn verb(self) -> &'static str {
        match self {
            Status::Created => "Created",
            Status::Updated => "Updated",
            Status::Unchanged => "Unchanged",
        }
    }
}

/// Fault injection for the interrupted-write tests (debug builds only; release builds compile it
/// out): `ZERODOWN_FAIL_AFTER_FILES=N` makes the writer fail as a full disk would when it is about
/// to stage file N+1 (N files staged); `ZERODOWN_FAIL_AFTER_FILES=N:abort` aborts the process
/// there instead, with no cleanup, as a kill or a power cut would.
#[cfg(debug_assertions)]
fn injected_fault(staged: usize, path: &Path) -> Result<(), Error> {
    let Some(v) = std::env::var_os("ZERODOWN_FAIL_AFTER_FILES") else {
        return Ok(());
    };
    let v = v.to_string_lossy();
    let (n, abort) = match v.split_once(':') {
        Some((n, "abort")) => (n, true),
        _ => (&*v, false),
    };
    if n.parse::<usize>().ok() != Some(staged) {
        return Ok(());
    }
    if abort {
        std::process::abort();
    }
    Err(Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device (injected by ZERODOWN_FAIL_AFTER_FILES)",
        ),
    })
}

#[cfg(not(debug_assertions))]
fn injected_fault(_staged: usize, _path: &Path) -> Result<(), Error> {
    Ok(())
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Staging more files than this (a `render` of many bundles) makes them durable with one
/// `syncfs(2)` per filesystem on Linux; up to this many (a bundle: 8 files, 19 with its chart)
/// are `fsync`ed each, all at once.
const SYNCFS_FROM_FILES: usize = 64;

/// How staged files are made durable before they are renamed into place, so that a power cut
/// can never leave a complete-looking but empty or partial file.
///
/// - [`Durability::EachFile`]: every file is kept open and `fsync(2)`ed on its own thread, all
///   at the same time, so that the filesystem commits them together (19 files: about 6 ms one
///   after the other, about 1 ms at once here), waiting for nothing but these files.
/// - [`Durability::Filesystem`] (Linux, more than [`SYNCFS_FROM_FILES`] files): each file is
///   closed as soon as it is written (thousands of open new files slow down creating more), and
///   one `syncfs(2)` per filesystem makes them all durable with one journal commit. That also
///   waits for whatever else is dirty on the filesystem (0.3 s behind 400 MB another process had
///   just written, measured here), a price only worth paying for thousands of files. It reports
///   writeback errors since Linux 5.8.
/// - Elsewhere than Linux every write is [`Durability::EachFile`], however many files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    EachFile,
    Filesystem,
}

impl Durability {
    /// The way to make `files` staged files durable.
    fn for_files(files: usize) -> Durability {
        if cfg!(target_os = "linux") && files > SYNCFS_FROM_FILES {
            Durability::Filesystem
        } else {
            Durability::EachFile
        }
    }

    /// Whether a staged file must stay open after it is written, for [`Self::finish`].
    fn keeps_files_open(self) -> bool {
        self == Durability::EachFile
    }

    /// Makes every staged file durable: `open` are the files kept open, `dirs` the folders
    /// the files were staged in.
    ///
    /// Errors: the first failed `fsync` or `syncfs`, or a folder that cannot be opened.
    fn finish(self, open: &[&fs::File], dirs: &[&Path]) -> std::io::Result<()> {
        match self {
            Durability::EachFile => std::thread::scope(|s| {
                let syncs: Vec<_> = open.iter().map(|f| s.spawn(|| f.sync_all())).collect();
                syncs.into_iter().try_for_each(|t| {
                    t.join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("fsync thread panicked")))
                })
            }),
            Durability::Filesystem => sync_filesystems(dirs),
        }
    }
}

/// One `syncfs(2)` for each filesystem `dirs` are on (Linux; nothing elsewhere).
fn sync_filesystems(dirs: &[&Path]) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        use std::os::unix::io::AsRawFd;
        let mut synced_devices = Vec::new();
        for dir in dirs {
            let folder = fs::File::open(dir)?;
            let dev = folder.metadata()?.dev();
            if synced_devices.contains(&dev) {
                continue;
            }
            // SAFETY: syncfs only reads the descriptor, which `folder` keeps open for the call.
            if unsafe { libc::syncfs(folder.as_raw_fd()) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            synced_devices.push(dev);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dirs;
    Ok(())
}

/// A staged file: still open (to be synced) or already closed; either way removed on drop
/// unless persisted.
enum Staged {
    Open(tempfile::NamedTempFile),
    Closed(tempfile::TempPath),
}

impl Staged {
    /// Renames the staged file over `path`.
    fn persist(self, path: &Path) -> std::io::Result<()> {
        match self {
            Staged::Open(f) => f.persist(path).map(|_| ()).map_err(|e| e.error),
            Staged::Closed(p) => p.persist(path).map_err(|e| e.error),
        }
    }
}

/// The mode a file is created with: scripts (`*.sh`) executable (0755), everything else 0644
/// (less what the umask removes, as for any file a tool creates).
#[cfg(unix)]
fn mode_of(path: &str) -> u32 {
    if path.ends_with(".sh") {
        0o755
    } else {
        0o644
    }
}

/// Creates the new file `path` (it must not exist) with the mode [`mode_of`] gives `name`.
fn create_new(path: &Path, name: &str) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode_of(name));
    }
    #[cfg(not(unix))]
    let _ = name;
    options.open(path)
}

/// A temporary sibling of a destination file in `dir`, created with the mode [`mode_of`] gives
/// `name`; renamed over the destination once complete.
fn staged_temp(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zerodown-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode_of(name)));
    }
    #[cfg(not(unix))]
    let _ = name;
    builder.tempfile_in(dir)
}

/// Replaces (or creates) the user's file `path` with `contents` atomically: a temporary sibling,
/// made durable, renamed over it. An existing file keeps its permissions.
///
/// Errors: [`Error::Write`] naming `path`; the old file is then intact.
pub(crate) fn replace_file(path: &Path, contents: &str) -> Result<(), Error> {
    let dir = folder_of(path);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut tmp = staged_temp(dir, name).map_err(write_err(path))?;
    #[cfg(unix)]
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.write_all(contents.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(write_err(path))?;
    tmp.persist(path).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Creates the folder `dir` and its parents, once per distinct folder of a write.
fn ensure_dir(dir: &Path, made: &mut Vec<PathBuf>) -> Result<(), Error> {
    if !made.iter().any(|d| d == dir) {
        fs::create_dir_all(dir).map_err(write_err(dir))?;
        made.push(dir.to_path_buf());
    }
    Ok(())
}

impl Bundle {
    /// Only the files `render` owns (everything but `zerodown.yaml`).
    pub fn generated(&self) -> Bundle {
        Bundle {
            files: self.files.iter().filter(|f| f.generated).cloned().collect(),
        }
    }

    /// Writes a new bundle folder `dir`. When `dir` exists: with `force`, files are replaced as
    /// by [`Bundle::write_into`] with force; without it, a conflict error and nothing written.
    pub fn write_new(&self, dir: &Path, force: bool) -> Result<Vec<(PathBuf, Status)>, Error> {
        if dir.exists() {
            if !force {
                return Err(Error::Conflict {
                    message: format!("destination `{}` already exists", dir.display()),
                    help: "choose another NAME or --output folder; or, to re-render an existing bundle, run `zerodown render` in it; --force replaces the files zerodown writes".into(),
                });
            }
            return self.write_into(dir, true);
        }
        let parent = folder_of(dir).to_path_buf();
        if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
            return Err(refuse(
                &[Conflict::InTheWay(format!(
                    "{} is a file, not a folder",
                    file.display()
                ))],
                "move or rename what is in the way, or choose another NAME or --output folder",
            ));
        }
        fs::create_dir_all(&parent).map_err(write_err(&parent))?;
        let tmp = tempfile::Builder::new()
            .prefix(".zerodown-new-")
            .tempdir_in(&parent)
            .map_err(write_err(&parent))?;
        let mut made = vec![tmp.path().to_path_buf()];
        let durability = Durability::for_files(self.files.len());
        let mut open = Vec::new();
        for (staged, f) in self.files.iter().enumerate() {
            let path = tmp.path().join(&f.path);
            if let Some(parent) = path.parent() {
                ensure_dir(parent, &mut made)?;
            }
            injected_fault(staged, &dir.join(&f.path))?;
            let mut file = create_new(&path, &f.path).map_err(write_err(&path))?;
            file.write_all(f.contents.as_bytes())
                .map_err(write_err(&path))?;
            if durability.keeps_files_open() {
                open.push(file);
            }
        }
        let open: Vec<&fs::File> = open.iter().collect();
        durability
            .finish(&open, &[tmp.path()])
            .map_err(write_err(dir))?;
        injected_fault(self.files.len(), dir)?;
        // The rename is the commit point: before it `dir` does not exist, after it is complete.
        // (If `dir` appeared meanwhile, rename of a folder onto a non-empty one fails: no clobber.)
        let tmp_path = tmp.keep();
        if let Err(e) = fs::rename(&tmp_path, dir) {
            let _ = fs::remove_dir_all(&tmp_path);
            return Err(Error::Write {
                path: dir.to_path_buf(),
                source: e,
            });
        }
        Ok(self
            .files
            .iter()
            .map(|f| (dir.join(&f.path), Status::Created))
            .collect())
    }

    /// Writes the files into the existing folder `dir`. A file that exists is replaced only when
    /// zerodown wrote it and it was not edited since (its checksum matches), or with `force`.
    /// All conflicts are listed before anything is written.
    pub fn write_into(&self, dir: &Path, force: bool) -> Result<Vec<(PathBuf, Status)>, Error> {
        write_all_into(&[(dir, self)], force)
    }

    /// What writing this bundle into `dir` would do to each file; a file zerodown may not
    /// replace is added to `conflicts`.
    fn plan_into<'a>(
        &'a self,
        dir: &Path,
        force: bool,
        conflicts: &mut Vec<Conflict>,
    ) -> Result<Vec<(&'a BundleFile, PathBuf, Status)>, Error> {
        let mut plan = Vec::with_capacity(self.files.len());
        for f in &self.files {
            let path = dir.join(&f.path);
            let status = match compare(&path, &f.contents) {
                Ok(None) => Status::Unchanged,
                Ok(Some(Drift::Missing)) => {
                    if let Some(link) = dangling_link_on_the_way(&path) {
                        let note = Conflict::InTheWay(format!(
                            "{} is a symbolic link to nothing",
                            link.display()
                        ));
                        if !conflicts.contains(&note) {
                            conflicts.push(note);
                        }
                    }
                    Status::Created
                }
                Ok(Some(how)) => {
                    match (how, f.generated) {
                        (Drift::Stale, true) => {}
                        _ if force => {}
                        (Drift::Edited, _) => conflicts.push(Conflict::Replace(format!(
                            "{} was edited since zerodown wrote it",
                            path.display()
                        ))),
                        _ => conflicts.push(Conflict::Replace(format!(
                            "{} exists and was not written by zerodown",
                            path.display()
                        ))),
                    }
                    Status::Updated
                }
                // Something of the user's is in the way: a conflict (exit 2), not an I/O failure.
                Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                    conflicts.push(Conflict::InTheWay(format!(
                        "{} is a folder, not a file",
                        path.display()
                    )));
                    Status::Created
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                    let file = path
                        .ancestors()
                        .skip(1)
                        .find(|a| a.is_file())
                        .unwrap_or(dir);
                    let note =
                        Conflict::InTheWay(format!("{} is a file, not a folder", file.display()));
                    if !conflicts.contains(&note) {
                        conflicts.push(note);
                    }
                    Status::Created
                }
                Err(e) => return Err(Error::Write { path, source: e }),
            };
            plan.push((f, path, status));
        }
        Ok(plan)
    }

    /// Rewrites the bundle in its own folder `dir` after `new --from dir/zerodown.yaml` (an edit
    /// of that service): the generated files as [`Bundle::write_into`] replaces them (a hand-edited
    /// one is a conflict without `force`, and then nothing is written), then the spec file is
    /// replaced by the edited answers, atomically (a temporary sibling renamed over it): that
    /// replacement is what the user asked for.
    ///
    /// Errors: as [`write_all_into`]; a failure to replace the spec file after the generated files
    /// were written is an [`Error::Write`] naming it (the old spec is then intact).
    pub fn write_edit(&self, dir: &Path, force: bool) -> Result<Vec<(PathBuf, Status)>, Error> {
        let mut written = self.generated().write_into(dir, force)?;
        for f in self.files.iter().filter(|f| !f.generated) {
            let path = dir.join(&f.path);
            let status = match compare(&path, &f.contents) {
                Ok(None) => Status::Unchanged,
                Ok(Some(Drift::Missing)) => Status::Created,
                _ => Status::Updated,
            };
            if status != Status::Unchanged {
                replace_file(&path, &f.contents)?;
            }
            written.push((path, status));
        }
        Ok(written)
    }

    /// Files in `dir` that differ from this bundle (missing or other contents), for
    /// `render --check`, each with how it differs. Nothing is written.
    pub fn drift(&self, dir: &Path) -> Vec<(PathBuf, Drift)> {
        self.files
            .iter()
            .filter_map(|f| {
                let path = dir.join(&f.path);
                let drift = compare(&path, &f.contents).unwrap_or(Some(Drift::Missing))?;
                Some((path, drift))
            })
            .collect()
    }
}

/// How the file at `path` differs from `contents`, or `None` when it holds exactly them. Shared
/// by `render --check` ([`Bundle::drift`]) and the conflict check before writing.
///
/// Errors: reading the file failed for another reason than its absence (which is
/// [`Drift::Missing`]).
fn compare(path: &Path, contents: &str) -> std::io::Result<Option<Drift>> {
    match fs::read(path) {
        Ok(old) if old == contents.as_bytes() => Ok(None),
        Ok(old) => Ok(Some(match is_unedited(&String::from_utf8_lossy(&old)) {
            Some(true) => Drift::Stale,
            Some(false) => Drift::Edited,
            None => Drift::NotZerodowns,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(Drift::Missing)),
        Err(e) => Err(e),
    }
}

/// How a file on disk differs from what `render` would write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// Not there (or unreadable): `render` creates it.
    Missing,
    /// Written by zerodown from other answers or an older version: `render` updates it.
    Stale,
    /// Written by zerodown and edited by hand since (its checksum no longer matches): `render`
    /// refuses to replace it without `--force`.
    Edited,
    /// A file zerodown did not write: `render` refuses to replace it without `--force`.
    NotZerodowns,
}

/// The first symbolic link to nothing at `path` or above it (up to the first folder that
/// exists): the user's, and writing there would replace it or fail.
fn dangling_link_on_the_way(path: &Path) -> Option<PathBuf> {
    for at in path.ancestors() {
        if at.as_os_str().is_empty() || at.is_dir() {
            return None;
        }
        if at.symlink_metadata().is_ok_and(|m| m.is_symlink()) && at.metadata().is_err() {
            return Some(at.to_path_buf());
        }
    }
    None
}

/// A file that writing a bundle may not replace.
#[derive(Debug, PartialEq, Eq)]
enum Conflict {
    /// The user's (or a hand-edited) file; `--force` replaces it.
    Replace(String),
    /// A file where a folder belongs, or a folder where a file belongs; `--force` cannot help.
    InTheWay(String),
}

/// The error that refuses a write because of `conflicts`, all listed; its help is
/// `in_the_way_help` when something is in the way (`--force` cannot help), else how to keep the
/// changes or replace them.
fn refuse(conflicts: &[Conflict], in_the_way_help: &str) -> Error {
    let in_the_way = conflicts.iter().any(|c| matches!(c, Conflict::InTheWay(_)));
    let help = if in_the_way {
        in_the_way_help
    } else {
        "move your changes into zerodown.yaml (see `zerodown explain`), or pass --force to replace these files"
    };
    let listed: Vec<&str> = conflicts
        .iter()
        .map(|(Conflict::Replace(c) | Conflict::InTheWay(c))| c.as_str())
        .collect();
    Error::Conflict {
        message: format!(
            "refusing to overwrite (nothing was written):\n  {}",
            listed.join("\n  ")
        ),
        help: help.into(),
    }
}

/// Writes several bundles, each into its folder (created when missing), as one step: the
/// conflicts of every bundle are listed before anything is written (see [`Bundle::write_into`]),
/// every changed file is staged as a temporary file beside its destination, all are made durable
/// together (see [`Durability`]), and then each is renamed into place, so each file is either
/// the old one or the complete new one. Returns every file of every bundle with what happened to it,
/// in order.
///
/// Errors: [`Error::Conflict`] listing every file that may not be replaced (nothing written);
/// [`Error::Write`] when a folder or file cannot be written (files renamed before the failure
/// are complete).
pub fn write_all_into(
    targets: &[(&Path, &Bundle)],
    force: bool,
) -> Result<Vec<(PathBuf, Status)>, Error> {
    let mut conflicts = Vec::new();
    let mut plans = Vec::with_capacity(targets.len());
    for (dir, bundle) in targets {
        plans.push((*dir, bundle.plan_into(dir, force, &mut conflicts)?));
    }
    if !conflicts.is_empty() {
        return Err(refuse(
            &conflicts,
            "move or rename what is in the way, or write the bundle elsewhere with -o DIR",
        ));
    }
    // Stage every changed file first, so a failure before the renames changes nothing (but
    // the folders of new files, such as `chart/templates/`, which are created empty first).
    let to_stage = plans
        .iter()
        .flat_map(|(_, plan)| plan)
        .filter(|(_, _, status)| *status != Status::Unchanged)
        .count();
    let durability = Durability::for_files(to_stage);
    let mut staged = Vec::with_capacity(to_stage);
    for (dir, plan) in &plans {
        let mut made = Vec::new();
        ensure_dir(dir, &mut made)?;
        for (f, path, status) in plan {
            if *status == Status::Unchanged {
                continue;
            }
            let parent = path.parent().unwrap_or(dir);
            ensure_dir(parent, &mut made)?;
            injected_fault(staged.len(), path)?;
            let mut tmp = staged_temp(parent, &f.path).map_err(write_err(parent))?;
            tmp.write_all(f.contents.as_bytes())
                .map_err(write_err(path))?;
            staged.push((
                if durability.keeps_files_open() {
                    Staged::Open(tmp)
                } else {
                    // Closed now; the path still removes the file if a later step fails.
                    Staged::Closed(tmp.into_temp_path())
                },
                path.clone(),
            ));
        }
    }
    if let Some((_, first)) = staged.first() {
        let open: Vec<&fs::File> = staged
            .iter()
            .filter_map(|(s, _)| match s {
                Staged::Open(f) => Some(f.as_file()),
                Staged::Closed(_) => None,
            })
            .collect();
        // Every folder a file was staged in (a `chart/` could be a mount of its own).
        let mut dirs: Vec<&Path> = staged.iter().filter_map(|(_, p)| p.parent()).collect();
        dirs.sort_unstable();
        dirs.dedup();
        durability.finish(&open, &dirs).map_err(write_err(first))?;
    }
    injected_fault(staged.len(), plans.first().map_or(Path::new("."), |p| p.0))?;
    for (tmp, path) in staged {
        tmp.persist(&path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(plans
        .into_iter()
        .flat_map(|(_, plan)| plan.into_iter().map(|(_, p, s)| (p, s)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(body: &str) -> Bundle {
        Bundle {
            files: vec![BundleFile {
                path: "a.yaml".into(),
                contents: crate::render::with_header(body.to_string(), false),
                generated: true,
            }],
        }
    }

    #[test]
    fn a_bundle_is_fsynced_file_by_file_and_many_bundles_with_syncfs() {
        assert_eq!(Durability::for_files(19), Durability::EachFile);
        assert_eq!(
            Durability::for_files(SYNCFS_FROM_FILES),
            Durability::EachFile
        );
        let many = Durability::for_files(SYNCFS_FROM_FILES + 1);
        if cfg!(target_os = "linux") {
            assert_eq!(many, Durability::Filesystem);
        } else {
            assert_eq!(many, Durability::EachFile);
        }
    }

    #[test]
    fn both_ways_of_syncing_write_every_file_whole_with_its_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let make = |n: usize| Bundle {
            files: (0..n)
                .map(|i| BundleFile {
                    path: format!("d{}/f{i}.{}", i % 3, if i % 5 == 0 { "sh" } else { "yaml" }),
                    contents: crate::render::with_header(format!("i: {i}\n"), false),
                    generated: true,
                })
                .collect(),
        };
        for (n, name) in [(10, "few"), (SYNCFS_FROM_FILES * 2, "many")] {
            let b = make(n);
            let new_dir = tmp.path().join(format!("{name}-new"));
            let into_dir = tmp.path().join(format!("{name}-into"));
            b.write_new(&new_dir, false).unwrap();
            let statuses = write_all_into(&[(&into_dir, &b)], false).unwrap();
            assert_eq!(statuses.len(), n);
            assert!(statuses.iter().all(|(_, s)| *s == Status::Created));
            for dir in [&new_dir, &into_dir] {
                for f in &b.files {
                    let path = dir.join(&f.path);
                    assert_eq!(fs::read_to_string(&path).unwrap(), f.contents, "{name}");
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o111;
                        assert_eq!(mode != 0, f.path.ends_with(".sh"), "{}", f.path);
                    }
                }
                let stray: Vec<_> = fs::read_dir(dir.join("d0"))
                    .unwrap()
                    .filter(|e| {
                        e.as_ref()
                            .unwrap()
                            .file_name()
                            .to_string_lossy()
                            .starts_with(".zerodown")
                    })
                    .collect();
                assert!(stray.is_empty(), "temporary files left in {name}");
            }
        }
    }

    #[test]
    fn new_folder_is_created_whole_and_never_clobbered() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("app");
        let b = bundle("x: 1\n");
        b.write_new(&dir, false).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("a.yaml")).unwrap(),
            b.files[0].contents
        );
        let e = bundle("x: 2\n").write_new(&dir, false).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            fs::read_to_string(dir.join("a.yaml")).unwrap(),
            b.files[0].contents
        );
        // no temporary folders left behind
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn render_replaces_its_own_files_but_not_edited_ones() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        bundle("x: 1\n").write_into(dir, false).unwrap();
        let st = bundle("x: 2\n").write_into(dir, false).unwrap();
        assert_eq!(st[0].1, Status::Updated);
        let edited = fs::read_to_string(dir.join("a.yaml"))
            .unwrap()
            .replace("x: 2", "x: 3");
        fs::write(dir.join("a.yaml"), &edited).unwrap();
        let e = bundle("x: 4\n")
            .write_into(dir, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("was edited since zerodown wrote it"), "{e}");
        assert_eq!(fs::read_to_string(dir.join("a.yaml")).unwrap(), edited);
        bundle("x: 4\n").write_into(dir, true).unwrap();
        assert!(fs::read_to_string(dir.join("a.yaml"))
            .unwrap()
            .contains("x: 4"));
    }

    #[test]
    fn a_users_own_file_is_a_conflict() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("a.yaml"), "mine: true\n").unwrap();
        let e = bundle("x: 1\n")
            .write_into(root.path(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("was not written by zerodown"), "{e}");
        assert_eq!(
            fs::read_to_string(root.path().join("a.yaml")).unwrap(),
            "mine: true\n"
        );
    }

    #[test]
    fn files_in_subfolders_are_written_new_and_into_existing_folders() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("app");
        let mut b = bundle("x: 1\n");
        b.files.push(BundleFile {
            path: "chart/templates/a.yaml".into(),
            contents: crate::render::with_header("y: 1\n".into(), false),
            generated: true,
        });
        b.write_new(&dir, false).unwrap();
        assert!(dir.join("chart/templates/a.yaml").is_file());
        fs::remove_dir_all(dir.join("chart")).unwrap();
        let st = b.write_into(&dir, false).unwrap();
        assert_eq!(st[0].1, Status::Unchanged);
        assert_eq!(st[1].1, Status::Created);
        assert_eq!(
            fs::read_to_string(dir.join("chart/templates/a.yaml")).unwrap(),
            b.files[1].contents
        );
        assert!(b.drift(&dir).is_empty());
    }

    #[test]
    fn a_file_where_a_folder_belongs_and_a_folder_where_a_file_belongs_are_conflicts() {
        let root = tempfile::tempdir().unwrap();
        let as_file = root.path().join("bundle");
        fs::write(&as_file, "mine\n").unwrap();
        let e = bundle("x: 1\n").write_into(&as_file, false).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(
            e.to_string().contains("bundle is a file, not a folder"),
            "{e}"
        );
        assert_eq!(fs::read_to_string(&as_file).unwrap(), "mine\n");
        let dir = root.path().join("b");
        fs::create_dir_all(dir.join("a.yaml")).unwrap();
        let e = bundle("x: 1\n").write_into(&dir, true).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{e}");
        assert!(
            e.to_string().contains("a.yaml is a folder, not a file"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_to_nothing_in_the_way_is_a_conflict() {
        let root = tempfile::tempdir().unwrap();
        let b = Bundle {
            files: vec![BundleFile {
                path: "chart/a.yaml".into(),
                contents: crate::render::with_header("x: 1\n".into(), false),
                generated: true,
            }],
        };
        for link in ["chart", "chart/a.yaml"] {
            let dir = root.path().join(link.replace('/', "-"));
            fs::create_dir_all(dir.join("chart")).unwrap();
            if link == "chart" {
                fs::remove_dir(dir.join("chart")).unwrap();
            }
            std::os::unix::fs::symlink("nowhere", dir.join(link)).unwrap();
            let e = b.write_into(&dir, true).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(
                e.to_string()
                    .contains(&format!("{link} is a symbolic link to nothing")),
                "{e}"
            );
            assert!(dir.join(link).symlink_metadata().unwrap().is_symlink());
        }
    }

    #[test]
    fn drift_lists_missing_and_changed_files() {
        let root = tempfile::tempdir().unwrap();
        let b = bundle("x: 1\n");
        let a = root.path().join("a.yaml");
        assert_eq!(b.drift(root.path()), vec![(a.clone(), Drift::Missing)]);
        b.write_into(root.path(), false).unwrap();
        assert!(b.drift(root.path()).is_empty());
        // From other answers: stale; edited by hand: edited; someone else's file: not ours.
        bundle("x: 2\n").write_into(root.path(), false).unwrap();
        assert_eq!(b.drift(root.path()), vec![(a.clone(), Drift::Stale)]);
        let text = fs::read_to_string(&a).unwrap();
        fs::write(&a, text.replace("x: 2", "x: 3")).unwrap();
        assert_eq!(b.drift(root.path()), vec![(a.clone(), Drift::Edited)]);
        fs::write(&a, "x: 1\n").unwrap();
        assert_eq!(b.drift(root.path()), vec![(a, Drift::NotZerodowns)]);
    }
}
