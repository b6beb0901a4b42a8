//! Baselines: today's findings recorded in a file, so that a later `check --baseline FILE` fails
//! only on findings that are new.
//!
//! File format (versioned JSON, written sorted so that it diffs well):
//! ```text
//! { "version": 1,
//!   "tool": "zerodown",
//!   "findings": [{ "fingerprint", "rule", "kind", "namespace", "name", "container"?, "message" }] }
//! ```
//! Only `version` and each entry's `fingerprint` are read; the other fields are for people.
//! A fingerprint is `rule|kind|namespace|name|container|message key`, where the message key is
//! the message lowercased with its whitespace collapsed and every run of digits replaced by `#`:
//! it names no file and no line, so it survives moving objects between files, reordering and
//! reformatting, and a changed number (a grace period, a replica count) in the same fault of the
//! same object is still the same fault.

use super::model::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The baseline file's format version.
pub const BASELINE_VERSION: u32 = 1;

/// The stable fingerprint of a finding (see the module docs).
pub fn fingerprint(f: &Finding) -> String {
    let mut key = String::with_capacity(f.message.len());
    let mut in_digits = false;
    let mut in_space = false;
    for ch in f.message.trim().chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                key.push('#');
            }
            in_digits = true;
            in_space = false;
            continue;
        }
        in_digits = false;
        if ch.is_whitespace() {
            if !in_space {
                key.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        key.extend(ch.to_lowercase());
    }
    format!(
        "{}|{}|{}|{}|{}|{}",
        f.rule,
        f.kind,
        f.namespace,
        f.name,
        f.container.as_deref().unwrap_or(""),
        key
    )
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    #[serde(default, skip_deserializing)]
    rule: String,
    #[serde(default, skip_deserializing)]
    kind: String,
    #[serde(default, skip_deserializing)]
    namespace: String,
    #[serde(default, skip_deserializing)]
    name: String,
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    container: Option<String>,
    #[serde(default, skip_deserializing)]
    message: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    tool: String,
    findings: Vec<Entry>,
}

/// A loaded baseline: the set of fingerprints it records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Parses a baseline file's text; the error says what is wrong (not JSON, wrong version).
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(text).map_err(|e| {
            format!("not a zerodown baseline ({e}); expected {{\"version\": {BASELINE_VERSION}, \"findings\": [{{\"fingerprint\": ...}}]}} as written by --write-baseline")
        })?;
        if file.version != BASELINE_VERSION {
            return Err(format!(
                "baseline version {} is not supported (expected {BASELINE_VERSION}); write a new one with --write-baseline",
                file.version
            ));
        }
        Ok(Baseline {
            fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// Whether the baseline records this finding.
    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&fingerprint(f))
    }

    /// Number of recorded findings.
    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    /// True when it records nothing.
    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}

/// The baseline file for `findings` (suppressed ones excluded: they are already silenced),
/// sorted by fingerprint, one entry per fingerprint.
pub fn render_baseline(findings: &[Finding]) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| Entry {
            fingerprint: fingerprint(f),
            rule: f.rule.to_string(),
            kind: f.kind.clone(),
            namespace: f.namespace.clone(),
            name: f.name.clone(),
            container: f.container.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let file = File {
        version: BASELINE_VERSION,
        tool: "zerodown".into(),
        findings: entries,
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
