//! Which files of a folder an import reads.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{kind_of, Error, Kind};

/// A file to read, by its name relative to the folder (`/` between parts).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub name: String,
    /// Where it was found (a link inside the folder is read through).
    pub path: PathBuf,
    pub kind: Kind,
}

/// What a walk of a folder found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Pictures and videos, those nearest the folder first, then by name: of two copies of a
    /// picture, the one nearer the top becomes the item.
    pub files: Vec<Found>,
    /// Links leading outside the folder, not followed (names, sorted).
    pub outside: Vec<String>,
    /// Folders and files that could not be listed or looked at, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Hidden files and folders (a name starting with `.`), skipped.
    pub hidden: usize,
    /// Files that are neither pictures nor videos.
    pub other: usize,
}

/// The folder to import as an absolute path without links; a sentence when it is none.
pub fn folder(root: &Path) -> Result<PathBuf, Error> {
    let shown = || format!("{:?}", root.display().to_string());
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(Error::Invalid(format!("{} is not a folder; choose the folder of pictures to import", shown()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::NotFound(shown())),
        Err(e) => return Err(Error::Invalid(format!("folder {} cannot be read: {e}", shown()))),
    }
    std::fs::canonicalize(root).map_err(|e| Error::Invalid(format!("folder {} cannot be read: {e}", shown())))
}

/// `path` relative to `root`, with `/` between its parts.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every picture and video under `root` (canonical, see [`folder`]), without recursion on the
/// folder's depth. A link is followed only to a file inside the root; a link to a folder is not
/// followed (the files inside are found under their own names), one leading outside is listed in
/// [`Walk::outside`]. A file whose name says nothing is a picture when its first bytes say so.
pub fn walk(root: &Path) -> Walk {
    let mut found = Walk::default();
    let mut folders = vec![root.to_path_buf()];
    while let Some(dir) = folders.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                found.unreadable.push((format!("{}/", relative(root, &dir)), e.to_string()));
                continue;
            }
        };
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                found.hidden += 1;
                continue;
            }
            let name = relative(root, &path);
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    found.unreadable.push((name, e.to_string()));
                    continue;
                }
            };
            let is_file = if file_type.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Err(e) => {
                        found.unreadable.push((name, format!("a link that leads nowhere ({e})")));
                        continue;
                    }
                    Ok(target) if !target.starts_with(root) => {
                        found.outside.push(name);
                        continue;
                    }
                    Ok(target) => target.is_file(),
                }
            } else if file_type.is_dir() {
                folders.push(path);
                continue;
            } else {
                file_type.is_file()
            };
            if !is_file {
                continue;
            }
            match kind_of(&name).or_else(|| sniff(&path)) {
                Some(kind) => found.files.push(Found { name, path, kind }),
                None => found.other += 1,
            }
        }
    }
    found.files.sort_by(|a, b| (a.name.matches('/').count(), &a.name).cmp(&(b.name.matches('/').count(), &b.name)));
    found.outside.sort();
    found.unreadable.sort();
    found
}

/// A picture by its first bytes (a file named without a picture's extension).
fn sniff(path: &Path) -> Option<Kind> {
    let mut head = [0u8; 32];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).ok()?;
    let format = image::guess_format(&head[..n]).ok()?;
    crate::read::readable(format).then_some(Kind::Picture)
}
