//! Core types of the audit (severity, findings, input problems) and typed, read-only views over the
//! parsed Kubernetes objects (workloads, containers, probes, Services, PDBs, HPAs, label selectors,
//! resource quantities).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How serious a finding is. Ordered `Info < Warning < Error`; serialized in lowercase.
///
/// - `Error`: a deterministic outage, a blocked operation, or a manifest the API server rejects.
/// - `Warning`: downtime is likely under routine events (rollout, drain, load spike), or the rule
///   relies on a heuristic the check cannot fully confirm from YAML.
/// - `Info`: advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Advisory; never fails a run unless `--fail-on info`.
    Info,
    /// Likely downtime under routine events, or a heuristic rule.
    Warning,
    /// Deterministic outage, blocked operation or rejected manifest.
    Error,
}

impl Severity {
    /// Lowercase name (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The SARIF 2.1.0 `level` for this severity (`error`, `warning`, `note`).
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    /// Accepts `error`, `warning` (or `warn`) and `info` (or `note`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(Severity::Error),
            "warning" | "warn" => Ok(Severity::Warning),
            "info" | "note" => Ok(Severity::Info),
            other => Err(format!(
                "unknown severity '{other}' (expected error, warning or info)"
            )),
        }
    }
}

/// Why a finding was silenced: the text of its `ignore-check.zerodown.dev/<rule-id>` annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The non-empty reason given in the annotation value.
    pub reason: String,
}

/// One problem found in the audited manifests.
///
/// Serialized (JSON output) with camelCase keys: `rule`, `severity`, `message`, `fix`, `file`,
/// `line`, `objectLine`, `kind`, `namespace`, `name`, and, when present, `container` and
/// `suppressed: {reason}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable kebab-case rule id (see [`super::rules()`]).
    pub rule: &'static str,
    /// Severity of this occurrence (some rules raise or lower their default severity).
    pub severity: Severity,
    /// Human-readable message naming the object, container, field and value.
    pub message: String,
    /// One-line remedy.
    pub fix: String,
    /// Source name: the path as given, or `<stdin>`.
    pub file: String,
    /// 1-based line of the offending field (best effort; falls back to the object's first line).
    pub line: usize,
    /// 1-based line where the object's document starts.
    pub object_line: usize,
    /// Kind of the object the finding is attributed to.
    pub kind: String,
    /// Namespace of the object (`default` when absent).
    pub namespace: String,
    /// `metadata.name` of the object.
    pub name: String,
    /// Container name, for container-level findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Present when an annotation silenced this finding; it then counts toward nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
    /// True when `--baseline` records this finding: shown, but it counts toward nothing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
    /// Index of the object in the audited set (internal; used for suppression and grouping).
    #[serde(skip)]
    pub(crate) object: usize,
}

impl Finding {
    /// Sets the container name.
    pub(crate) fn container(mut self, name: &str) -> Self {
        self.container = Some(name.to_string());
        self
    }

    /// Sets the line (ignored when 0).
    pub(crate) fn at(mut self, line: usize) -> Self {
        if line > 0 {
            self.line = line;
        }
        self
    }

    /// Overrides the rule's default severity.
    pub(crate) fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Sets the message.
    pub(crate) fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }
}

/// What went wrong with an input (file or document) rather than with a manifest's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputErrorKind {
    /// The path does not exist or could not be read.
    Unreadable,
    /// The file is not UTF-8 text.
    NotUtf8,
    /// A document is not valid YAML.
    InvalidYaml,
    /// The file contains Helm/Go template syntax (`{{ ... }}`); render it first.
    HelmTemplate,
    /// A document is a list or a scalar, not a mapping.
    NotAMapping,
    /// A mapping without `kind` or `apiVersion` (e.g. a Helm values file).
    MissingKind,
    /// A document with no content between two `---` separators, or an empty file.
    EmptyDocument,
    /// A kind zerodown does not audit (custom resources); skipped.
    UnknownKind,
    /// A CustomResourceDefinition; skipped.
    CustomResourceDefinition,
    /// A directory holds no `*.yaml` / `*.yml` files.
    NoManifests,
    /// The same object (kind, namespace, name) again: applied together, the later one replaces
    /// the earlier, so only the later one is checked.
    DuplicateObject,
    /// An object annotated `helm.sh/hook` (a test Pod, a pre-/post-install Job): Helm runs it
    /// around install, upgrade or `helm test`, outside the release's serving objects, so it is
    /// skipped (Helm docs, "Chart Hooks").
    HelmHook,
    /// Objects read from a cluster without a record of what was applied: judged with API-server
    /// defaults read as unset (see the message for which judgements that limits).
    LiveObject,
    /// Objects made by a controller (ownerReferences with `controller: true`) skipped; their
    /// owner is audited (`--include-owned` audits them).
    OwnedObject,
}

/// A problem with an input (unreadable path, invalid YAML, template, non-object document, skipped
/// kind). Errors (`level: error`) make the run exit with code 2; warnings and info are notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{}{}: {message}", file, line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InputError {
    /// Path as given, or `<stdin>`.
    pub file: String,
    /// 1-based line, when the problem is inside a file.
    pub line: Option<usize>,
    /// `error` (input could not be checked; exit 2), `warning` or `info` (skipped, noted).
    pub level: Severity,
    /// Category of the problem.
    pub kind: InputErrorKind,
    /// Explanation, with the remedy where there is one.
    pub message: String,
}

impl InputError {
    /// Builds an input problem.
    pub fn new(
        file: &str,
        line: Option<usize>,
        level: Severity,
        kind: InputErrorKind,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.to_string(),
            line,
            level,
            kind,
            message: message.into(),
        }
    }
}

/// One Kubernetes object read from a source (one YAML document, or one item of a `List`).
#[derive(Debug, Clone)]
pub(crate) struct Object {
    /// Index of the source the object came from.
    pub source: usize,
    /// 1-based first content line of the document.
    pub line: usize,
    /// Byte range of the document in the source text.
    pub text: (usize, usize),
    /// 1-based line number of the byte at `text.0`.
    pub text_line: usize,
    pub kind: String,
    pub api_version: String,
    pub name: String,
    pub namespace: String,
    pub value: Value,
    /// Where `value` came from when the object was read from a cluster (see `live`).
    pub provenance: super::live::Provenance,
    /// Whether the object has a `metadata.name` (not only a `generateName`).
    pub named: bool,
    /// `value` as compact JSON while the object waits for its namespace's turn (`value` is then
    /// `Null`; see `batch`).
    pub frozen: Option<Box<[u8]>>,
}

impl Object {
    /// `metadata.annotations`, if any.
    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.value.at("/metadata/annotations")?.as_object()
    }

    /// `Kind 'name'`, as used in messages.
    pub fn display(&self) -> String {
        format!("{} '{}'", self.kind, self.name)
    }
}

/// JSON-pointer lookup for the literal paths of the rules (no `~` escapes): `Value::pointer`
/// allocates for every token it unescapes, and was the largest single cost of `check` on large
/// inputs. Same results otherwise.
pub(crate) trait Pointer {
    /// The value at `path` (`/a/b/0`), as [`Value::pointer`] finds it.
    fn at(&self, path: &str) -> Option<&Value>;
}

impl Pointer for Value {
    fn at(&self, path: &str) -> Option<&Value> {
        if path.is_empty() {
            return Some(self);
        }
        path.strip_prefix('/')?
            .split('/')
            .try_fold(self, |v, token| match v {
                Value::Object(m) => m.get(token),
                Value::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            })
    }
}

/// `v.at(ptr)` as a string.
pub(crate) fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.at(ptr)?.as_str()
}

/// An integer field; accepts numbers and numeric strings.
pub(crate) fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `v.at(ptr)` as an integer.
pub(crate) fn int_at(v: &Value, ptr: &str) -> Option<i64> {
    int_of(v.at(ptr)?)
}

/// A list of strings (non-string items are rendered as JSON).
pub(crate) fn strings_of(v: Option<&Value>) -> Vec<String> {
    match v.and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        None => Vec::new(),
    }
}

/// A string→string map such as labels (non-string values are rendered as JSON).
pub(crate) fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(m) = v.and_then(Value::as_object) {
        for (k, v) in m {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            out.insert(k.clone(), s);
        }
    }
    out
}

/// `n replica` / `n replicas`.
pub(crate) fn replicas_word(n: i64) -> String {
    if n == 1 {
        "1 replica".to_string()
    } else {
        format!("{n} replicas")
    }
}

/// An int-or-percent field (`maxSurge`, `maxUnavailable`, `minAvailable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntOrPct {
    /// An absolute count.
    Int(i64),
    /// A percentage of the replica count.
    Pct(i64),
}

impl IntOrPct {
    /// Reads `3`, `"3"` or `"25%"`.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Number(_) => int_of(v).map(IntOrPct::Int),
            Value::String(s) => {
                let s = s.trim();
                if let Some(p) = s.strip_suffix('%') {
                    p.trim().parse().ok().map(IntOrPct::Pct)
                } else {
                    s.parse().ok().map(IntOrPct::Int)
                }
            }
            _ => None,
        }
    }

    /// Resolves against `total` the way the controllers do: percentages are scaled and rounded up
    /// (`round_up`, e.g. maxSurge, PDB values) or down (maxUnavailable of a Deployment).
    pub fn resolve(self, total: i64, round_up: bool) -> i64 {
        match self {
            IntOrPct::Int(n) => n,
            IntOrPct::Pct(p) => {
                let scaled = p.saturating_mul(total);
                if round_up {
                    (scaled + 99).div_euclid(100)
                } else {
                    scaled.div_euclid(100)
                }
            }
        }
    }

    /// A Deployment's `(maxSurge, maxUnavailable)`, each 25% when unset or unreadable, as the
    /// API defaults them (Kubernetes docs, Deployments, "Rolling Update Deployment").
    pub fn deployment_rolling_update(deployment: &Value) -> (Self, Self) {
        let read = |k: &str| {
            deployment
                .at(&format!("/spec/strategy/rollingUpdate/{k}"))
                .and_then(IntOrPct::from_value)
                .unwrap_or(IntOrPct::Pct(25))
        };
        (read("maxSurge"), read("maxUnavailable"))
    }

    /// `maxSurge` and `maxUnavailable` of a Rollout's canary strategy, with Argo Rollouts'
    /// defaults (25% and 25%: `utils/defaults/defaults.go`, DefaultMaxSurge / DefaultMaxUnavailable);
    /// `None` for a blueGreen Rollout, which brings up a whole new ReplicaSet before switching
    /// (no surge arithmetic).
    pub fn rollout_canary(rollout: &Value) -> Option<(Self, Self)> {
        let canary = rollout.at("/spec/strategy/canary")?;
        let read = |k: &str| {
            canary
                .get(k)
                .and_then(IntOrPct::from_value)
                .unwrap_or(IntOrPct::Pct(25))
        };
        Some((read("maxSurge"), read("maxUnavailable")))
    }

    /// The raw value is 0 (`0` or `"0%"`), which is how the API server validates it.
    pub fn is_zero(self) -> bool {
        matches!(self, IntOrPct::Int(0) | IntOrPct::Pct(0))
    }
}

impl fmt::Display for IntOrPct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPct::Int(n) => write!(f, "{n}"),
            IntOrPct::Pct(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses a Kubernetes resource quantity (`250m`, `1`, `0.5`, `512Mi`, `1G`, `1e3`) into base units.
pub(crate) fn parse_quantity(v: &Value) -> Option<f64> {
    let s = match v {
        Value::Number(n) => return n.as_f64(),
        Value::String(s) => s.trim(),
        _ => return None,
    };
    if s.is_empty() {
        return None;
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse::<i32>().ok()?),
        _ => return None,
    };
    Some(num * mult)
}

/// A CPU quantity in millicores (`"1"` → 1000, `"250m"` → 250, `0.5` → 500), rounded up.
pub(crate) fn cpu_millicores(v: &Value) -> Option<i64> {
    parse_quantity(v).map(|cores| (cores * 1000.0 - 1e-6).ceil().max(0.0) as i64)
}

/// A memory quantity in MiB (`"512Mi"` → 512, `"1Gi"` → 1024), rounded up.
pub(crate) fn memory_mib(v: &Value) -> Option<i64> {
    parse_quantity(v).map(|bytes| (bytes / (1024.0 * 1024.0) - 1e-9).ceil().max(0.0) as i64)
}

/// Operator of a label-selector requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// Any other operator (never matches pod labels).
    Unknown,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// A label selector: `matchLabels` AND all `matchExpressions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub exprs: Vec<Requirement>,
}

impl LabelSelector {
    /// Reads a `metav1.LabelSelector`; `None` when the field is absent or null.
    pub fn from_value(v: Option<&Value>) -> Option<Self> {
        let v = v?;
        if v.is_null() {
            return None;
        }
        let match_labels = string_map(v.get("matchLabels"));
        let mut exprs = Vec::new();
        if let Some(items) = v.get("matchExpressions").and_then(Value::as_array) {
            for e in items {
                let op = match e.get("operator").and_then(Value::as_str).unwrap_or("") {
                    "In" => Op::In,
                    "NotIn" => Op::NotIn,
                    "Exists" => Op::Exists,
                    "DoesNotExist" => Op::DoesNotExist,
                    _ => Op::Unknown,
                };
                exprs.push(Requirement {
                    key: e
                        .get("key")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    op,
                    values: strings_of(e.get("values")),
                });
            }
        }
        Some(LabelSelector {
            match_labels,
            exprs,
        })
    }

    /// A Service-style selector (a plain map); `None` when absent or empty (selects no pods).
    pub fn from_map(v: Option<&Value>) -> Option<Self> {
        let match_labels = string_map(v);
        if match_labels.is_empty() {
            return None;
        }
        Some(LabelSelector {
            match_labels,
            exprs: Vec::new(),
        })
    }

    /// True when the selector has no terms (selects every pod).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.exprs.is_empty()
    }

    /// Label-selector semantics of `metav1.LabelSelectorAsSelector`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.exprs.iter().all(|r| match r.op {
                Op::In => labels.get(&r.key).is_some_and(|v| r.values.contains(v)),
                Op::NotIn => labels.get(&r.key).is_none_or(|v| !r.values.contains(v)),
                Op::Exists => labels.contains_key(&r.key),
                Op::DoesNotExist => !labels.contains_key(&r.key),
                Op::Unknown => false,
            })
    }
}

impl fmt::Display for LabelSelector {
    /// `{k=v, k2 in (a, b), k3 notin (c), k4, !k5}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.exprs {
            parts.push(match r.op {
                Op::In => format!("{} in ({})", r.key, r.values.join(", ")),
                Op::NotIn => format!("{} notin ({})", r.key, r.values.join(", ")),
                Op::Exists => r.key.clone(),
                Op::DoesNotExist => format!("!{}", r.key),
                Op::Unknown => format!("{} ?", r.key),
            });
        }
        write!(f, "{{{}}}", parts.join(", "))
    }
}

/// A port reference in a probe or a Service `targetPort`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PortRef {
    Num(i64),
    Name(String),
}

impl PortRef {
    /// Reads `8080`, `"8080"` or `"http"`.
    pub fn from_value(v: Option<&Value>) -> Option<Self> {
        match v? {
            Value::Number(n) => n.as_i64().map(PortRef::Num),
            Value::String(s) => match s.trim().parse::<i64>() {
                Ok(n) => Some(PortRef::Num(n)),
                Err(_) if !s.trim().is_empty() => Some(PortRef::Name(s.trim().to_string())),
                Err(_) => None,
            },
            _ => None,
        }
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRef::Num(n) => write!(f, "{n}"),
            PortRef::Name(s) => f.write_str(s),
        }
    }
}

/// What a probe runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Handler {
    Http {
        path: String,
        port: Option<PortRef>,
        host: Option<String>,
        scheme: String,
    },
    Tcp {
        port: Option<PortRef>,
    },
    Grpc {
        port: Option<i64>,
        service: Option<String>,
    },
    Exec {
        command: Vec<String>,
    },
    /// No handler set (the API server rejects such a probe).
    None,
}

impl Handler {
    /// The port the handler connects to, if any.
    pub fn port(&self) -> Option<PortRef> {
        match self {
            Handler::Http { port, .. } | Handler::Tcp { port } => port.clone(),
            Handler::Grpc { port, .. } => port.map(PortRef::Num),
            _ => None,
        }
    }
}

impl fmt::Display for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = |p: &Option<PortRef>| p.as_ref().map(ToString::to_string).unwrap_or_default();
        match self {
            Handler::Http { path, port: p, .. } => write!(f, "GET {path} on port {}", port(p)),
            Handler::Tcp { port: p } => write!(f, "TCP connect to port {}", port(p)),
            Handler::Grpc { port: p, service } => match service {
                Some(s) => write!(f, "gRPC health of '{s}' on port {}", p.unwrap_or(0)),
                None => write!(f, "gRPC health on port {}", p.unwrap_or(0)),
            },
            Handler::Exec { command } => write!(f, "exec '{}'", shorten(&command.join(" "), 60)),
            Handler::None => f.write_str("no handler"),
        }
    }
}

/// A probe with Kubernetes defaults applied (seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    pub handler: Handler,
    /// `initialDelaySeconds` (default 0).
    pub initial_delay: i64,
    /// `periodSeconds` (default 10).
    pub period: i64,
    /// `timeoutSeconds` (default 1).
    pub timeout: i64,
    /// Whether `timeoutSeconds` was written in the manifest.
    pub timeout_explicit: bool,
    /// `failureThreshold` (default 3).
    pub failure_threshold: i64,
}

impl Probe {
    /// Reads a `v1.Probe`.
    pub fn from_value(v: &Value) -> Option<Self> {
        let obj = v.as_object()?;
        let handler = if let Some(h) = obj.get("httpGet") {
            Handler::Http {
                path: h
                    .get("path")
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .unwrap_or("/")
                    .to_string(),
                port: PortRef::from_value(h.get("port")),
                host: h.get("host").and_then(Value::as_str).map(str::to_string),
                scheme: h
                    .get("scheme")
                    .and_then(Value::as_str)
                    .unwrap_or("HTTP")
                    .to_ascii_uppercase(),
            }
        } else if let Some(t) = obj.get("tcpSocket") {
            Handler::Tcp {
                port: PortRef::from_value(t.get("port")),
            }
        } else if let Some(g) = obj.get("grpc") {
            Handler::Grpc {
                port: g.get("port").and_then(int_of),
                service: g
                    .get("service")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            }
        } else if let Some(e) = obj.get("exec") {
            Handler::Exec {
                command: strings_of(e.get("command")),
            }
        } else {
            Handler::None
        };
        let get = |k: &str, d: i64| obj.get(k).and_then(int_of).unwrap_or(d);
        Some(Probe {
            handler,
            initial_delay: get("initialDelaySeconds", 0),
            period: get("periodSeconds", 10).max(1),
            timeout: get("timeoutSeconds", 1).max(1),
            timeout_explicit: obj.get("timeoutSeconds").is_some(),
            failure_threshold: get("failureThreshold", 3).max(1),
        })
    }

    /// Seconds from container start until this probe can first declare failure:
    /// `initialDelaySeconds + periodSeconds × failureThreshold`.
    pub fn kill_time(&self) -> i64 {
        self.initial_delay + self.period * self.failure_threshold
    }
}

/// Where a container is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContainerRole {
    /// `spec.containers[]`.
    Main,
    /// `spec.initContainers[]` with `restartPolicy: Always` (a native sidecar, KEP-753).
    Sidecar,
    /// A plain init container (runs to completion before the app starts).
    Init,
}

/// A declared container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Port {
    pub name: Option<String>,
    pub number: i64,
}

/// A container of a pod template.
#[derive(Debug, Clone)]
pub(crate) struct Container<'a> {
    pub name: &'a str,
    pub v: &'a Value,
    pub role: ContainerRole,
    pub image: Option<&'a str>,
    pub ports: Vec<Port>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub command: Vec<String>,
    pub args: Vec<String>,
}

impl<'a> Container<'a> {
    fn from_value(v: &'a Value, role: ContainerRole) -> Option<Self> {
        let name = v.get("name").and_then(Value::as_str).unwrap_or("<unnamed>");
        let ports = v
            .get("ports")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        Some(Port {
                            name: p.get("name").and_then(Value::as_str).map(str::to_string),
                            number: p.get("containerPort").and_then(int_of)?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let probe = |k: &str| v.get(k).and_then(Probe::from_value);
        Some(Container {
            name,
            v,
            role,
            image: v.get("image").and_then(Value::as_str),
            ports,
            liveness: probe("livenessProbe"),
            readiness: probe("readinessProbe"),
            startup: probe("startupProbe"),
            command: strings_of(v.get("command")),
            args: strings_of(v.get("args")),
        })
    }

    /// `containers` or `initContainers`, for locating lines.
    pub fn list_key(&self) -> &'static str {
        match self.role {
            ContainerRole::Main => "containers",
            _ => "initContainers",
        }
    }

    /// True for containers that run for the pod's lifetime (main containers and native sidecars).
    pub fn long_running(&self) -> bool {
        self.role != ContainerRole::Init
    }

    /// Resolves a probe/Service port reference to a number using this container's ports.
    pub fn resolve_port(&self, p: &PortRef) -> Option<i64> {
        match p {
            PortRef::Num(n) => Some(*n),
            PortRef::Name(name) => self
                .ports
                .iter()
                .find(|q| q.name.as_deref() == Some(name))
                .map(|q| q.number),
        }
    }

    /// True if the container declares this port (by name or number).
    pub fn declares(&self, p: &PortRef) -> bool {
        match p {
            PortRef::Num(n) => self.ports.iter().any(|q| q.number == *n),
            PortRef::Name(name) => self.ports.iter().any(|q| q.name.as_deref() == Some(name)),
        }
    }

    /// `resources.requests.<res>`, falling back to `resources.limits.<res>` (the API server
    /// defaults a missing request to the limit).
    pub fn request(&self, res: &str) -> Option<&'a Value> {
        self.v
            .at(&format!("/resources/requests/{res}"))
            .or_else(|| self.limit(res))
            .filter(|v| !v.is_null())
    }

    /// `resources.limits.<res>`.
    pub fn limit(&self, res: &str) -> Option<&'a Value> {
        self.v
            .at(&format!("/resources/limits/{res}"))
            .filter(|v| !v.is_null())
    }

    /// `command` followed by `args`, as one argv.
    pub fn argv(&self) -> Vec<String> {
        let mut a = self.command.clone();
        a.extend(self.args.iter().cloned());
        a
    }
}

/// Kinds that own a pod template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Pod,
    /// An Argo Rollouts `Rollout` (argoproj.io/v1alpha1): a Deployment with canary or blueGreen
    /// steps; pod template at `spec.template` (or the Deployment of `spec.workloadRef`, see
    /// `argo`).
    Rollout,
}

/// A workload (an object with a pod template) with its template parsed.
#[derive(Debug, Clone)]
pub(crate) struct Workload<'a> {
    /// Index of the object in the audited set.
    pub idx: usize,
    pub obj: &'a Object,
    pub kind: WorkloadKind,
    /// `spec.replicas` as written (None when absent; always None for DaemonSets and Pods).
    pub spec_replicas: Option<i64>,
    /// Labels of the pods (`spec.template.metadata.labels`, or a Pod's own labels).
    pub pod_labels: BTreeMap<String, String>,
    /// The pod spec (`spec.template.spec`, or a Pod's `spec`); `Null` when missing.
    pub pod_spec: &'a Value,
    /// Main containers and native sidecars, then plain init containers.
    pub containers: Vec<Container<'a>>,
    /// `terminationGracePeriodSeconds` as written.
    pub grace: Option<i64>,
}

static NULL: Value = Value::Null;

impl<'a> Workload<'a> {
    /// Builds the view for Deployment, StatefulSet, DaemonSet and Pod objects.
    pub fn from_object(idx: usize, obj: &'a Object) -> Option<Self> {
        let kind = match obj.kind.as_str() {
            "Deployment" => WorkloadKind::Deployment,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "Pod" => WorkloadKind::Pod,
            "Rollout" if obj.api_version.starts_with("argoproj.io/") => WorkloadKind::Rollout,
            _ => return None,
        };
        let v = &obj.value;
        let (pod_labels, pod_spec) = if kind == WorkloadKind::Pod {
            (
                string_map(v.at("/metadata/labels")),
                v.get("spec").unwrap_or(&NULL),
            )
        } else {
            (
                string_map(v.at("/spec/template/metadata/labels")),
                v.at("/spec/template/spec").unwrap_or(&NULL),
            )
        };
        let spec_replicas = match kind {
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::Rollout => {
                v.at("/spec/replicas").and_then(int_of)
            }
            _ => None,
        };
        let mut containers = Vec::new();
        if let Some(items) = pod_spec.get("containers").and_then(Value::as_array) {
            containers.extend(
                items
                    .iter()
                    .filter_map(|c| Container::from_value(c, ContainerRole::Main)),
            );
        }
        if let Some(items) = pod_spec.get("initContainers").and_then(Value::as_array) {
            for c in items {
                let role = if c.get("restartPolicy").and_then(Value::as_str) == Some("Always") {
                    ContainerRole::Sidecar
                } else {
                    ContainerRole::Init
                };
                containers.extend(Container::from_value(c, role));
            }
        }
        Some(Workload {
            idx,
            obj,
            kind,
            spec_replicas,
            pod_labels,
            pod_spec,
            containers,
            grace: pod_spec
                .get("terminationGracePeriodSeconds")
                .and_then(int_of),
        })
    }

    /// Main containers and native sidecars.
    pub fn long_running(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers.iter().filter(|c| c.long_running())
    }

    /// Effective grace period in seconds (default 30).
    pub fn grace_seconds(&self) -> i64 {
        self.grace.unwrap_or(30)
    }

    /// Keys leading from the document root to the pod spec, for line lookup.
    pub fn pod_spec_path(&self) -> &'static [&'static str] {
        if self.kind == WorkloadKind::Pod {
            &["spec"]
        } else {
            &["template", "spec"]
        }
    }
}

/// A Service port.
#[derive(Debug, Clone)]
pub(crate) struct ServicePort {
    pub target: PortRef,
}

/// A Service with a selector.
#[derive(Debug, Clone)]
pub(crate) struct Service<'a> {
    pub idx: usize,
    pub obj: &'a Object,
    /// `None` for Services without a selector (manually managed endpoints, ExternalName).
    pub selector: Option<LabelSelector>,
    pub ports: Vec<ServicePort>,
}

impl<'a> Service<'a> {
    pub fn from_object(idx: usize, obj: &'a Object) -> Self {
        let v = &obj.value;
        // ExternalName Services have no endpoints; with publishNotReadyAddresses readiness does
        // not gate traffic (peer discovery of StatefulSets), so neither counts as serving.
        let external = str_at(v, "/spec/type") == Some("ExternalName")
            || v.at("/spec/publishNotReadyAddresses")
                .and_then(Value::as_bool)
                .unwrap_or(false);
        let ports = v
            .at("/spec/ports")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| {
                        let target = PortRef::from_value(p.get("targetPort"))
                            .or_else(|| PortRef::from_value(p.get("port")))?;
                        Some(ServicePort { target })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Service {
            idx,
            obj,
            selector: if external {
                None
            } else {
                LabelSelector::from_map(v.at("/spec/selector"))
            },
            ports,
        }
    }
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone)]
pub(crate) struct Pdb<'a> {
    pub idx: usize,
    pub obj: &'a Object,
    /// `None`: the selector is absent/null (v1) or empty in policy/v1beta1: selects no pods.
    pub selector: Option<LabelSelector>,
    pub min_available: Option<IntOrPct>,
    pub max_unavailable: Option<IntOrPct>,
    pub unhealthy_policy: Option<&'a str>,
}

impl<'a> Pdb<'a> {
    pub fn from_object(idx: usize, obj: &'a Object) -> Self {
        let v = &obj.value;
        let mut selector = LabelSelector::from_value(v.at("/spec/selector"));
        if obj.api_version.ends_with("v1beta1") && selector.as_ref().is_some_and(|s| s.is_empty()) {
            selector = None;
        }
        Pdb {
            idx,
            obj,
            selector,
            min_available: v.at("/spec/minAvailable").and_then(IntOrPct::from_value),
            max_unavailable: v.at("/spec/maxUnavailable").and_then(IntOrPct::from_value),
            unhealthy_policy: str_at(v, "/spec/unhealthyPodEvictionPolicy"),
        }
    }
}

/// A resource metric of an HPA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceMetric {
    /// `cpu` or `memory`.
    pub resource: String,
    /// For `ContainerResource` metrics, the container it reads.
    pub container: Option<String>,
    /// Target utilization in percent of the request, when the target type is Utilization.
    pub utilization: Option<i64>,
}

/// A HorizontalPodAutoscaler (autoscaling/v1, v2, v2beta1, v2beta2).
#[derive(Debug, Clone)]
pub(crate) struct Hpa<'a> {
    pub idx: usize,
    pub obj: &'a Object,
    pub target_kind: &'a str,
    pub target_name: &'a str,
    /// `minReplicas` (default 1).
    pub min: i64,
    /// `maxReplicas`.
    pub max: Option<i64>,
    pub metrics: Vec<ResourceMetric>,
    /// A KEDA ScaledObject (keda.sh): it owns its target's scale through an HPA it creates at
    /// run time (`keda-hpa-<name>`), so it stands for that HPA here.
    pub keda: bool,
}

impl<'a> Hpa<'a> {
    pub fn from_object(idx: usize, obj: &'a Object) -> Self {
        let v = &obj.value;
        let mut metrics = Vec::new();
        if obj.api_version == "autoscaling/v1" {
            metrics.push(ResourceMetric {
                resource: "cpu".into(),
                container: None,
                utilization: Some(int_at(v, "/spec/targetCPUUtilizationPercentage").unwrap_or(80)),
            });
        } else {
            let items = v.at("/spec/metrics").and_then(Value::as_array);
            for m in items.into_iter().flatten() {
                let (src, container) = match m.get("type").and_then(Value::as_str) {
                    Some("Resource") => (m.get("resource"), None),
                    Some("ContainerResource") => {
                        let c = m.get("containerResource");
                        (
                            c,
                            c.and_then(|c| c.get("container"))
                                .and_then(Value::as_str)
                                .map(str::to_string),
                        )
                    }
                    _ => continue,
                };
                let Some(src) = src else { continue };
                let resource = src
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                // v2/v2beta2: target.{type, averageUtilization}; v2beta1: targetAverageUtilization.
                let utilization = match src.get("target") {
                    Some(t) => {
                        if t.get("type").and_then(Value::as_str) == Some("Utilization")
                            || t.get("averageUtilization").is_some()
                        {
                            Some(t.get("averageUtilization").and_then(int_of).unwrap_or(0))
                        } else {
                            None
                        }
                    }
                    None => src.get("targetAverageUtilization").and_then(int_of),
                };
                metrics.push(ResourceMetric {
                    resource,
                    container,
                    utilization,
                });
            }
            if items.is_none_or(|i| i.is_empty()) {
                // No metrics: the controller defaults to 80% average CPU utilization.
                metrics.push(ResourceMetric {
                    resource: "cpu".into(),
                    container: None,
                    utilization: Some(80),
                });
            }
        }
        Hpa {
            idx,
            obj,
            target_kind: str_at(v, "/spec/scaleTargetRef/kind").unwrap_or(""),
            target_name: str_at(v, "/spec/scaleTargetRef/name").unwrap_or(""),
            min: int_at(v, "/spec/minReplicas").unwrap_or(1),
            max: int_at(v, "/spec/maxReplicas"),
            metrics,
            keda: false,
        }
    }

    /// A KEDA ScaledObject as the scaler of its target (KEDA docs, "Scaling Deployments,
    /// StatefulSets & Custom Resources": `scaleTargetRef.kind` defaults to Deployment,
    /// `minReplicaCount` to 0, `maxReplicaCount` to 100). Its triggers are external metrics, so
    /// no resource metric is recorded.
    pub fn from_scaled_object(idx: usize, obj: &'a Object) -> Self {
        let v = &obj.value;
        Hpa {
            idx,
            obj,
            target_kind: str_at(v, "/spec/scaleTargetRef/kind").unwrap_or("Deployment"),
            target_name: str_at(v, "/spec/scaleTargetRef/name").unwrap_or(""),
            min: int_at(v, "/spec/minReplicaCount").unwrap_or(0),
            max: Some(int_at(v, "/spec/maxReplicaCount").unwrap_or(100)),
            metrics: Vec::new(),
            keda: true,
        }
    }

    /// `HPA 'name' minReplicas N` or `ScaledObject 'name' minReplicaCount N`, for messages.
    pub fn min_text(&self) -> String {
        format!("{} {}", self.label(), self.min_field())
    }

    /// `minReplicas N` or `minReplicaCount N`.
    pub fn min_field(&self) -> String {
        let field = if self.keda {
            "minReplicaCount"
        } else {
            "minReplicas"
        };
        format!("{field} {}", self.min)
    }

    /// `HPA 'name'` or `ScaledObject 'name'`, for messages.
    pub fn label(&self) -> String {
        let kind = if self.keda { "ScaledObject" } else { "HPA" };
        format!("{kind} '{}'", self.obj.name)
    }
}

/// Shortens a string for display to at most `max` characters (adds `…`).
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(cpu_millicores(&json!("1")), Some(1000));
        assert_eq!(cpu_millicores(&json!("250m")), Some(250));
        assert_eq!(cpu_millicores(&json!(0.5)), Some(500));
        assert_eq!(cpu_millicores(&json!("1.5")), Some(1500));
        assert_eq!(cpu_millicores(&json!(2)), Some(2000));
        assert_eq!(memory_mib(&json!("512Mi")), Some(512));
        assert_eq!(memory_mib(&json!("1Gi")), Some(1024));
        assert_eq!(memory_mib(&json!("1e9")), Some(954));
        assert_eq!(memory_mib(&json!("128M")), Some(123));
        assert_eq!(cpu_millicores(&json!("abc")), None);
    }

    #[test]
    fn int_or_percent_rounding() {
        let p = IntOrPct::from_value(&json!("25%")).unwrap();
        assert_eq!(p.resolve(3, true), 1); // maxSurge rounds up
        assert_eq!(p.resolve(3, false), 0); // maxUnavailable rounds down
        assert_eq!(p.resolve(4, false), 1);
        assert!(IntOrPct::from_value(&json!("0%")).unwrap().is_zero());
        assert_eq!(IntOrPct::from_value(&json!(2)), Some(IntOrPct::Int(2)));
    }

    #[test]
    fn selectors() {
        let sel = LabelSelector::from_value(Some(&json!({
            "matchLabels": {"app": "a"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "api"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "team", "operator": "Exists"}
            ]
        })))
        .unwrap();
        let mut labels: BTreeMap<String, String> = [("app", "a"), ("tier", "web"), ("team", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(sel.matches(&labels));
        labels.insert("env".into(), "dev".into());
        assert!(!sel.matches(&labels));
        labels.remove("env");
        labels.insert("canary".into(), "1".into());
        assert!(!sel.matches(&labels));
        assert_eq!(
            sel.to_string(),
            "{app=a, tier in (web, api), !canary, env notin (dev), team}"
        );
    }
}
