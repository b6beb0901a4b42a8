//! Helpers shared by the integration tests that look at whole bundles: the zero-downtime
//! invariants on the typed Kubernetes objects (`invariants`) and a few file-tree helpers.
#![allow(dead_code)]

pub mod invariants;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Every file below `dir` (relative path -> bytes), hidden ones included, so a test can prove a
/// folder was left exactly as it was.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &p, out);
            } else {
                out.insert(rel, fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
