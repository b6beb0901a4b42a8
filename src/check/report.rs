//! The result of a check and its three renderings: human (grouped by object), JSON (stable,
//! versioned shape) and SARIF 2.1.0.
//!
//! JSON shape (`version: 1`):
//! ```text
//! { "version": 1,
//!   "findings": [{ "rule", "severity", "message", "fix", "file", "line", "objectLine",
//!                  "kind", "namespace", "name", "container"?, "suppressed"?: {"reason"},
//!                  "baselined"?: true }],
//!   "inputErrors": [{ "file", "line" (null = whole file), "level", "kind", "message" }],
//!   "summary": { "errors", "warnings", "info", "suppressed", "baselined", "inputErrors",
//!                "objects", "files" } }
//! ```
//! Counts in `summary` exclude suppressed and baselined findings.

use super::model::{Finding, InputError, Severity};
use super::rules::RULES;
use super::{CheckOptions, Format};
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Everything a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Findings in source order (file, object, line), suppressed ones included.
    pub findings: Vec<Finding>,
    /// Input problems (unreadable paths, invalid YAML, templates, skipped documents).
    pub input_errors: Vec<InputError>,
    /// Kubernetes objects read (audited or skipped kinds).
    pub objects: usize,
    /// Sources read.
    pub files: usize,
    /// With `--baseline`: how many findings the baseline file records.
    pub baseline: Option<usize>,
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Unsuppressed findings of severity error.
    pub errors: usize,
    /// Unsuppressed findings of severity warning.
    pub warnings: usize,
    /// Unsuppressed findings of severity info.
    pub info: usize,
    /// Suppressed findings.
    pub suppressed: usize,
    /// Findings recorded in the `--baseline` file (not suppressed); omitted from JSON when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub baselined: usize,
    /// Input problems of level error (these make the exit code 2).
    pub input_errors: usize,
    /// Kubernetes objects read.
    pub objects: usize,
    /// Sources read.
    pub files: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` as a sentence: ends with a full stop unless it already ends with punctuation.
fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// SARIF artifact URI for a source name.
fn uri(file: &str) -> String {
    if file == "<stdin>" {
        return "stdin".to_string();
    }
    file.replace('\\', "/")
        .replace('%', "%25")
        .replace(' ', "%20")
}

impl Report {
    /// Findings that are neither suppressed nor in the baseline.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && !f.baselined)
    }

    /// Marks the findings `baseline` records as baselined: they stay in the report (human
    /// `baselined[rule]`, JSON `baselined: true`, SARIF `baselineState: unchanged`) and count
    /// toward nothing; the others are new.
    pub fn apply_baseline(&mut self, baseline: &super::Baseline) {
        for f in &mut self.findings {
            f.baselined = f.suppressed.is_none() && baseline.contains(f);
        }
        self.baseline = Some(baseline.len());
    }

    /// Adds input problems found while loading paths (see [`super::load_paths`]).
    pub fn add_input_errors(&mut self, errors: impl IntoIterator<Item = InputError>) {
        self.input_errors.extend(errors);
    }

    /// True when some input could not be checked at all (level error).
    pub fn has_input_errors(&self) -> bool {
        self.input_errors.iter().any(|e| e.level == Severity::Error)
    }

    /// Counts (suppressed findings excluded from the severity counts).
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            objects: self.objects,
            files: self.files,
            input_errors: self
                .input_errors
                .iter()
                .filter(|e| e.level == Severity::Error)
                .count(),
            ..Summary::default()
        };
        for f in &self.findings {
            if f.suppressed.is_some() {
                s.suppressed += 1;
                continue;
            }
            if f.baselined {
                s.baselined += 1;
                continue;
            }
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }

    /// 2 when an input could not be read or parsed, 1 when an unsuppressed finding is at or above
    /// `fail_on`, else 0.
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        if self.has_input_errors() {
            2
        } else if self.active().any(|f| f.severity >= fail_on) {
            1
        } else {
            0
        }
    }

    /// Renders the report in the requested format.
    pub fn render(&self, opts: &CheckOptions) -> String {
        match opts.format {
            Format::Human => self.render_human(opts.color),
            Format::Json => self.render_json(),
            Format::Sarif => self.render_sarif(),
        }
    }

    /// The summary line: `N errors, N warnings, N info in M objects from K files`.
    pub fn summary_line(&self) -> String {
        let s = self.summary();
        let mut line = format!(
            "{}, {}, {} info in {} from {}",
            plural(s.errors, "error", "errors"),
            plural(s.warnings, "warning", "warnings"),
            s.info,
            plural(s.objects, "object", "objects"),
            plural(s.files, "file", "files"),
        );
        let mut extra = Vec::new();
        if s.suppressed > 0 {
            extra.push(format!("{} suppressed", s.suppressed));
        }
        if s.baselined > 0 {
            extra.push(format!("{} baselined", s.baselined));
        }
        if s.input_errors > 0 {
            extra.push(plural(s.input_errors, "input error", "input errors"));
        }
        if !extra.is_empty() {
            let _ = write!(line, " ({})", extra.join(", "));
        }
        line
    }

    fn render_human(&self, color: bool) -> String {
        // Names, messages and reasons quote the audited files: no raw escape sequences.
        let safe = |s: &str| crate::error::terminal_safe(s, false).into_owned();
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let sev_code = |s: Severity| match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        let mut out = String::new();
        for e in &self.input_errors {
            let (label, code) = match e.level {
                Severity::Error => ("input error", "1;31"),
                Severity::Warning => ("input warning", "1;33"),
                Severity::Info => ("note", "1;36"),
            };
            let loc = match e.line {
                Some(l) => format!("{}:{l}", e.file),
                None => e.file.clone(),
            };
            let _ = writeln!(
                out,
                "{}: {}: {}",
                paint(code, label),
                safe(&loc),
                safe(&e.message)
            );
        }
        if !self.input_errors.is_empty() && !self.findings.is_empty() {
            out.push('\n');
        }
        // One group per object, in source order; a report over several namespaces (a cluster
        // dump) lists them namespace by namespace, each under its heading.
        let mut groups = Vec::new();
        let mut i = 0;
        while i < self.findings.len() {
            let mut j = i;
            while j < self.findings.len() && self.findings[j].object == self.findings[i].object {
                j += 1;
            }
            groups.push(&self.findings[i..j]);
            i = j;
        }
        let by_namespace = groups
            .iter()
            .any(|g| g[0].namespace != groups[0][0].namespace);
        if by_namespace {
            groups.sort_by(|a, b| a[0].namespace.cmp(&b[0].namespace));
        }
        let mut heading: Option<&str> = None;
        for group in groups {
            let first = &group[0];
            if by_namespace && heading != Some(first.namespace.as_str()) {
                heading = Some(first.namespace.as_str());
                let _ = writeln!(
                    out,
                    "{}",
                    paint("1;4", &safe(&format!("namespace {}", first.namespace)))
                );
            }
            let _ = writeln!(
                out,
                "{}  ({}:{})",
                paint(
                    "1",
                    &safe(&format!(
                        "{} {}/{}",
                        first.kind, first.namespace, first.name
                    ))
                ),
                safe(&first.file),
                first.object_line
            );
            for f in group
                .iter()
                .filter(|f| f.suppressed.is_none() && !f.baselined)
            {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    paint(sev_code(f.severity), &format!("{}[{}]", f.severity, f.rule)),
                    safe(&f.message)
                );
                let _ = writeln!(out, "    {}", paint("2", &format!("fix: {}", f.fix)));
            }
            for f in group.iter().filter(|f| f.baselined) {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    paint("2", &format!("baselined[{}]", f.rule)),
                    safe(&f.message)
                );
            }
            for f in group {
                if let Some(s) = &f.suppressed {
                    let _ = writeln!(
                        out,
                        "  {} {}",
                        paint("2", &format!("suppressed[{}]", f.rule)),
                        safe(&s.reason)
                    );
                }
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{}", self.summary_line());
        out
    }

    fn render_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Doc<'a> {
            version: u32,
            findings: &'a [Finding],
            input_errors: &'a [InputError],
            summary: Summary,
        }
        let doc = Doc {
            version: 1,
            findings: &self.findings,
            input_errors: &self.input_errors,
            summary: self.summary(),
        };
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
        s.push('\n');
        s
    }

    fn render_sarif(&self) -> String {
        let rules: Vec<Value> = RULES
            .iter()
            .map(|r| {
                let help_uri = r
                    .reference
                    .split_whitespace()
                    .find(|w| w.starts_with("http"))
                    .unwrap_or("");
                let mut rule = json!({
                    "id": r.id,
                    "shortDescription": { "text": r.title },
                    "fullDescription": { "text": r.doc },
                    "help": { "text": format!("{}\nFix: {}\nSee: {}", r.doc, r.fix, r.reference) },
                    "defaultConfiguration": { "level": r.severity.sarif_level() },
                    "properties": { "family": r.family },
                });
                if !help_uri.is_empty() {
                    rule["helpUri"] = json!(help_uri);
                }
                rule
            })
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let mut res = json!({
                    "ruleId": f.rule,
                    "level": f.severity.sarif_level(),
                    // The message and the fix are two things (SARIF 2.1.0 §3.11: a message is
                    // plain text, `markdown` its rich form); `fixes` would need artifact changes.
                    "message": {
                        "text": sentence(&f.message),
                        "markdown": format!("{}\n\n**Fix:** {}", sentence(&f.message), sentence(&f.fix)),
                    },
                    "properties": { "fix": f.fix },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&f.file) },
                            "region": { "startLine": f.line.max(1) }
                        },
                        "logicalLocations": [{
                            "kind": "object",
                            "name": f.name,
                            "fullyQualifiedName": format!("{}/{}/{}", f.kind, f.namespace, f.name)
                        }]
                    }],
                });
                if let Some(i) = RULES.iter().position(|r| r.id == f.rule) {
                    res["ruleIndex"] = json!(i);
                }
                if self.baseline.is_some() {
                    res["baselineState"] = json!(if f.baselined { "unchanged" } else { "new" });
                }
                if let Some(s) = &f.suppressed {
                    res["suppressions"] =
                        json!([{ "kind": "inSource", "justification": s.reason }]);
                }
                res
            })
            .collect();
        let notifications: Vec<Value> = self
            .input_errors
            .iter()
            .map(|e| {
                let mut loc = json!({ "artifactLocation": { "uri": uri(&e.file) } });
                if let Some(l) = e.line {
                    loc["region"] = json!({ "startLine": l });
                }
                json!({
                    "level": e.level.sarif_level(),
                    "message": { "text": e.message },
                    "locations": [{ "physicalLocation": loc }],
                    "descriptor": { "id": serde_json::to_value(e.kind).unwrap_or(Value::Null) },
                })
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "zerodown",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "invocations": [{
                    "executionSuccessful": !self.has_input_errors(),
                    "toolExecutionNotifications": notifications,
                }],
                "results": results,
            }]
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
        s.push('\n');
        s
    }
}
