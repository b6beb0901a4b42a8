//! Splits multi-document YAML sources into documents, parses each one on its own (so a bad document
//! never hides the others), classifies it (audited kind, skipped kind, input problem) and locates
//! field lines for findings.
//!
//! Document boundaries are found by scanning for `---` / `...` marker lines (YAML 1.2 §9.1: a line
//! starting with a document marker always ends the previous document, even inside a quoted
//! scalar), so every document keeps its exact start line; field lines are then approximated by a
//! sequential key search in the document text ([`locate`]).

use super::live::{self, Provenance};
use super::model::Pointer;
use super::model::{InputError, InputErrorKind, Object, Severity};
use super::{InputOptions, Source};
use serde_json::{Map, Number, Value};

/// Kinds the rules read.
const AUDITED: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("extensions", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("extensions", "DaemonSet"),
    ("", "Pod"),
    ("", "Service"),
    ("policy", "PodDisruptionBudget"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    // KEDA's ScaledObject owns its target's scale (through the HPA it makes).
    ("keda.sh", "ScaledObject"),
    // Routes are read for the traffic path (route -> Service -> port), never audited as
    // workloads (see `app.rs`).
    ("networking.k8s.io", "Ingress"),
    ("extensions", "Ingress"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
    // The VerticalPodAutoscaler rewrites the requests an HPA's utilization is measured against.
    ("autoscaling.k8s.io", "VerticalPodAutoscaler"),
    // Read, not audited: a server's own drain settings (CoreDNS's Corefile `lameduck`).
    ("", "ConfigMap"),
    // Argo Rollouts: a Deployment with canary / blueGreen steps.
    ("argoproj.io", "Rollout"),
];

/// API groups served by Kubernetes itself (and the Gateway API of SIG Network): other kinds in
/// them are skipped without a note.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "extensions",
    "policy",
    "autoscaling",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "admissionregistration.k8s.io",
    "apiregistration.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "certificates.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "resource.k8s.io",
    "apiextensions.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "internal.apiserver.k8s.io",
    "storagemigration.k8s.io",
    // The Gateway API (HTTPRoute, Gateway) is Kubernetes SIG Network's own routing API, installed
    // as CRDs: routes are not workloads, so they are skipped like Ingresses are.
    "gateway.networking.k8s.io",
];

/// Result of parsing all sources.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    /// Audited objects (see [`AUDITED`]).
    pub objects: Vec<Object>,
    /// Number of Kubernetes objects seen, audited or skipped.
    pub seen: usize,
    pub input_errors: Vec<InputError>,
    /// Every other Kubernetes object (Ingress, HTTPRoute, Job, PVC, ConfigMap, ...): the rules
    /// ignore them; `adopt` and `check --against` read them.
    pub others: Vec<Object>,
    /// What the current source held of objects read from a cluster (for its notes).
    tally: LiveTally,
    /// Namespaces that objects relate across (an object's namespace and one its fields name).
    pub links: Vec<(String, String)>,
}

/// Objects read from a cluster in one source, for the notes that say how they were judged.
#[derive(Debug, Default)]
struct LiveTally {
    /// Objects without a record of what was applied: (count, first `Kind ns/name` and line).
    defaulted: usize,
    first_defaulted: Option<(String, usize)>,
    /// Audited-kind objects made by a controller and skipped, by kind.
    owned: std::collections::BTreeMap<String, usize>,
}

/// One document's byte range in its source.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
    /// 1-based line of `start`.
    line: usize,
}

/// Splits a YAML stream at `---` and `...` marker lines.
fn split_documents(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (line_no, line) in (1..).zip(text.split_inclusive('\n')) {
        let marker = |m: &str| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        };
        if marker("---") {
            chunks.push(Chunk {
                start,
                end: offset,
                line: start_line,
            });
            start = offset;
            start_line = line_no;
        } else if marker("...") {
            chunks.push(Chunk {
                start,
                end: offset + line.len(),
                line: start_line,
            });
            start = offset + line.len();
            start_line = line_no + 1;
        }
        offset += line.len();
    }
    chunks.push(Chunk {
        start,
        end: text.len(),
        line: start_line,
    });
    chunks
}

/// Byte ranges and 0-based first lines, relative to `doc`, of the `n` items of the `items` list
/// of a `List` document, as `kubectl get -o yaml` (block style: `items:` then `- ` entries) or
/// `-o json` (`"items": [ {...}, ... ]`) writes it; `None` when the text does not have exactly
/// `n` items found that way (the items then share the List's lines).
fn list_item_spans(doc: &str, n: usize) -> Option<Vec<(usize, usize, usize)>> {
    let spans = if doc.trim_start().starts_with('{') {
        json_item_spans(doc)
    } else {
        yaml_item_spans(doc)
    }?;
    (spans.len() == n).then_some(spans)
}

fn yaml_item_spans(doc: &str) -> Option<Vec<(usize, usize, usize)>> {
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let mut in_items = false;
    let mut indent: Option<usize> = None;
    let mut offset = 0;
    for (i, line) in doc.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end();
        if !in_items {
            if body == "items:" || body.starts_with("items: #") {
                in_items = true;
            }
            continue;
        }
        let t = body.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = body.len() - t.len();
        let item = t == "-" || t.starts_with("- ");
        let want = *indent.get_or_insert(ind);
        if item && ind == want {
            if let Some(last) = spans.last_mut() {
                last.1 = start;
            }
            spans.push((start, doc.len(), i));
        } else if ind < want || (ind == want && !item) {
            if let Some(last) = spans.last_mut() {
                last.1 = start;
            }
            break;
        }
    }
    in_items.then_some(spans)
}

fn json_item_spans(doc: &str) -> Option<Vec<(usize, usize, usize)>> {
    let bytes = doc.as_bytes();
    let (mut depth, mut line) = (0usize, 0usize);
    let (mut in_str, mut escaped) = (false, false);
    let mut key_start = 0;
    let mut last_key: &str = "";
    let mut items_depth = None;
    let mut spans = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
                if depth == 1 {
                    last_key = &doc[key_start..i];
                }
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                key_start = i + 1;
            }
            b'{' | b'[' => {
                depth += 1;
                if b == b'[' && depth == 2 && last_key == "items" && items_depth.is_none() {
                    items_depth = Some(2);
                } else if items_depth == Some(2) && depth == 3 && b == b'{' {
                    open = Some((i, line));
                }
            }
            b'}' | b']' => {
                if items_depth == Some(2) && depth == 3 && b == b'}' {
                    let (s, l) = open.take()?;
                    spans.push((s, i + 1, l));
                }
                if items_depth == Some(2) && depth == 2 && b == b']' {
                    return Some(spans);
                }
                depth = depth.checked_sub(1)?;
            }
            _ => {}
        }
    }
    None
}

/// The first line with content (not blank, not a comment, not a bare marker or directive).
fn first_content_line(doc: &str, first_line: usize) -> Option<usize> {
    for (i, line) in doc.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---" || t == "..." {
            continue;
        }
        if let Some(rest) = t.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
        }
        return Some(first_line + i);
    }
    None
}

/// Helm/Go template directive such as `{{ .Values.x }}`, `{{- if ... }}`, `{{ include ... }}`.
/// An action is closed by `}}` on its line (only a `{{/* comment` may span lines), so a literal
/// `{{.` in a value, such as a probe path zerodown quoted, is not taken for a template.
pub(crate) fn helm_directive_line(doc: &str, first_line: usize) -> Option<usize> {
    const WORDS: &[&str] = &[
        "include", "template", "if", "else", "end", "range", "with", "define", "toYaml", "tpl",
        "default", "required", "quote", "printf", "block", "/*", "fail", "lookup", "toJson",
        "nindent", "indent",
    ];
    for (i, line) in doc.lines().enumerate() {
        let mut rest = line;
        while let Some(pos) = rest.find("{{") {
            let after = rest[pos + 2..].trim_start_matches('-').trim_start();
            let closed = after.contains("}}") || after.starts_with("/*");
            if closed
                && (after.starts_with(['.', '$']) || WORDS.iter().any(|w| after.starts_with(w)))
            {
                return Some(first_line + i);
            }
            rest = &rest[pos + 2..];
        }
    }
    None
}

/// Converts a YAML value to JSON, stringifying non-string keys and dropping tags.
fn to_json(v: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    other => serde_yaml_ng::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => to_json(t.value),
    }
}

/// Strips serde_yaml_ng's " at line N column M" suffix (we report the file line ourselves).
fn clean_yaml_error(e: &serde_yaml_ng::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(pos) => s[..pos].to_string(),
        None => s,
    }
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((g, _)) => g,
        None => "",
    }
}

/// Parses every source into objects and input problems, every object's `value` in place (not
/// frozen): for readers that hold the whole set at once (`check --fix`, `adopt`), whose inputs
/// are a service's manifests rather than a cluster dump.
pub(crate) fn parse_sources(sources: &[Source]) -> Parsed {
    parse_sources_with(sources, PARALLEL_DOCUMENTS, &InputOptions::default(), false)
}

/// Parses every source into objects and input problems, with the input options; the objects
/// frozen (compact JSON) for the batched run of `check` (see `batch`).
pub(crate) fn parse_sources_opts(sources: &[Source], opts: &InputOptions) -> Parsed {
    parse_sources_with(sources, PARALLEL_DOCUMENTS, opts, true)
}

/// [`parse_sources`], parsing the documents of streams with at least `parallel_from` documents
/// on all cores, the objects frozen when `freeze`.
fn parse_sources_with(
    sources: &[Source],
    parallel_from: usize,
    opts: &InputOptions,
    freeze: bool,
) -> Parsed {
    let mut parsed = Parsed::default();
    for (si, src) in sources.iter().enumerate() {
        parse_source(si, src, &mut parsed, parallel_from, opts, freeze);
    }
    drop_replaced_objects(sources, &mut parsed);
    parsed
}

/// Kinds read for context only (a ConfigMap's `{{ }}` is data, such as an Alertmanager template).
fn is_read_only(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("ConfigMap")
}

/// The `helm.sh/hook` annotation of an object (test Pods, pre-/post-install and upgrade Jobs,
/// ...), trimmed. Helm creates hooks only around `helm install/upgrade/rollback/test` (Helm docs,
/// "Chart Hooks": hook resources "are not managed as part of the release"), so they serve no
/// traffic and must neither be audited as workloads nor be matched by the release's Services, PDBs
/// and HPAs. `helm create`'s `helm.sh/hook: test` Pod carries the release's pod labels, which made
/// its Service look backed by an unready bare Pod.
fn helm_hook(v: &Value) -> Option<String> {
    v.at("/metadata/annotations")?
        .get("helm.sh/hook")
        .map(|h| match h {
            Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        })
}

/// Keeps only the last of objects with the same kind, namespace and name in one file or stream
/// (`kubectl apply -f` of it leaves the last one), noting each replaced one: checking both would
/// report the copy as an object of its own (a Deployment without its HPA, ...). The same object
/// in two files is kept twice (`deploy/prod/` and `deploy/staging/` go to other clusters), and
/// objects named only by `generateName` are all kept.
fn drop_replaced_objects(sources: &[Source], parsed: &mut Parsed) {
    fn key(o: &Object) -> (usize, &str, &str, &str) {
        (o.source, &o.kind, &o.namespace, &o.name)
    }
    let mut last: std::collections::HashMap<_, usize> = Default::default();
    for (i, o) in parsed.objects.iter().enumerate() {
        if o.named {
            last.insert(key(o), i);
        }
    }
    let mut replaced = vec![false; parsed.objects.len()];
    for (i, o) in parsed.objects.iter().enumerate() {
        match last.get(&key(o)) {
            Some(&j) if j != i => {
                let later = &parsed.objects[j];
                replaced[i] = true;
                parsed.input_errors.push(InputError::new(
                    &sources[o.source].name,
                    Some(o.line),
                    Severity::Warning,
                    InputErrorKind::DuplicateObject,
                    format!(
                        "{} {}/{} is defined again at {}:{}; applied together, that one replaces this one, so only it is checked",
                        o.kind, o.namespace, o.name, sources[later.source].name, later.line
                    ),
                ));
            }
            _ => {}
        }
    }
    let mut replaced = replaced.into_iter();
    parsed.objects.retain(|_| !replaced.next().unwrap_or(false));
}

/// The first look at one document of a stream, independent of every other document (so a
/// stream's documents are looked at on all cores): its first content line, the line of a flow
/// nesting too deep to parse, and the document parsed straight to JSON when that can be done.
struct FirstLook {
    content_line: Option<usize>,
    too_deep: Option<usize>,
    fast: Option<Value>,
}

/// Documents parsed, classified and frozen together (bounds the parsed values held at once).
const WINDOW_DOCUMENTS: usize = 2048;

/// Streams with at least this many documents are parsed in parallel (below it, starting the
/// threads costs more than it saves).
const PARALLEL_DOCUMENTS: usize = 64;

/// A JSON value read from YAML that refuses a mapping with a key twice, as the API machinery
/// does (`kubectl apply`: "mapping key ... already defined"); serde_json's own map keeps the last.
/// The fast path then gives way to the YAML value model, whose error names the key and the line.
struct NoDuplicates(Value);

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(NoDuplicates)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(NoDuplicates(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let NoDuplicates(v) = map.next_value()?;
            if out.insert(k.clone(), v).is_some() {
                return Err(serde::de::Error::custom(format!("duplicate key {k:?}")));
            }
        }
        Ok(Value::Object(out))
    }
}

fn first_look(doc: &str, first_line: usize) -> FirstLook {
    let content_line = first_content_line(doc, first_line);
    let too_deep = content_line.and_then(|_| crate::specfile::flow_nesting_too_deep(doc));
    // Fast path: straight to JSON. Merge keys (`<<`), non-string keys and tags need the
    // YAML value model, which also produces the error message when the document is invalid.
    let fast = if content_line.is_none() || too_deep.is_some() || doc.contains("<<") {
        None
    } else {
        serde_yaml_ng::from_str::<NoDuplicates>(doc)
            .ok()
            .map(|v| v.0)
    };
    FirstLook {
        content_line,
        too_deep,
        fast,
    }
}

/// Whether `src` is rendered output rather than a chart's template source: a file zerodown
/// generated (its header), a `helm template` stream (its `# Source:` lines) or what `kubectl
/// kustomize` built. In those, a literal `{{ ... }}` is a value (an env var holding a Go
/// template, a Prometheus query), never a directive still to be rendered.
fn is_rendered(src: &Source) -> bool {
    src.text
        .lines()
        .next()
        .is_some_and(|l| l.contains(crate::render::MARKER))
        || src.text.lines().any(|l| l.starts_with("# Source: "))
        || src.name.ends_with(KUSTOMIZE_SUFFIX)
}

/// The suffix of a source name that `kubectl kustomize` built (`DIR (kubectl kustomize)`).
pub const KUSTOMIZE_SUFFIX: &str = " (kubectl kustomize)";

fn parse_source(
    si: usize,
    src: &Source,
    out: &mut Parsed,
    parallel_from: usize,
    opts: &InputOptions,
    freeze: bool,
) {
    out.tally = LiveTally::default();
    let text = src.text.as_str();
    let rendered = is_rendered(src);
    let chunks = split_documents(text);
    let n = chunks.len();
    let look = |ch: &Chunk| first_look(&text[ch.start..ch.end], ch.line);
    let parallel = n >= parallel_from;
    let mut helm_reported = false;
    let mut helm_skipped = 0usize;
    let mut any_content = false;
    // A window of documents at a time: parsed (on all cores), classified, then frozen (see
    // `batch`), so that the parsed values of only one window are held at once.
    for window in (0..n).step_by(WINDOW_DOCUMENTS) {
        let end = (window + WINDOW_DOCUMENTS).min(n);
        let looks: Vec<FirstLook> = if parallel {
            use rayon::prelude::*;
            chunks[window..end].par_iter().map(look).collect()
        } else {
            chunks[window..end].iter().map(look).collect()
        };
        let first_object = out.objects.len();
        for (ci, (ch, look)) in (window..end).zip(chunks[window..end].iter().zip(looks)) {
            let doc = &text[ch.start..ch.end];
            let FirstLook {
                content_line,
                too_deep,
                fast,
            } = look;
            let Some(content_line) = content_line else {
                // Empty or comment-only: noted only between two separators.
                if ci != 0 && ci + 1 != n {
                    out.input_errors.push(InputError::new(
                        &src.name,
                        Some(ch.line),
                        Severity::Info,
                        InputErrorKind::EmptyDocument,
                        "empty document skipped",
                    ));
                }
                continue;
            };
            any_content = true;
            // The YAML parser is quadratic in flow nesting depth: refuse a hostile depth unparsed.
            if let Some(line) = too_deep {
                out.input_errors.push(InputError::new(
                    &src.name,
                    Some(ch.line + line - 1),
                    Severity::Error,
                    InputErrorKind::InvalidYaml,
                    format!(
                        "invalid YAML: '[' or '{{' nested deeper than {} levels; not parsed",
                        crate::specfile::MAX_FLOW_NESTING
                    ),
                ));
                continue;
            }
            let yaml: Result<serde_yaml_ng::Value, _> = match fast {
                Some(_) => Ok(serde_yaml_ng::Value::Null),
                None => serde_yaml_ng::from_str(doc),
            };
            let helm = if rendered {
                None
            } else {
                helm_directive_line(doc, ch.line)
                    .or_else(|| doc.contains("{{").then_some(content_line))
            };
            let mut value = match yaml {
                Ok(v) => v,
                Err(e) => {
                    if let Some(line) = helm {
                        if !helm_reported {
                            helm_reported = true;
                            out.input_errors.push(InputError::new(
                                &src.name,
                                Some(line),
                                Severity::Error,
                                InputErrorKind::HelmTemplate,
                                "Helm template syntax ('{{ ... }}'); render the chart first \
                             (helm template ... | zerodown check -)",
                            ));
                        } else {
                            helm_skipped += 1;
                        }
                        continue;
                    }
                    let line = e
                        .location()
                        .map(|l| ch.line + l.line().saturating_sub(1))
                        .unwrap_or(content_line);
                    out.input_errors.push(InputError::new(
                        &src.name,
                        Some(line),
                        Severity::Error,
                        InputErrorKind::InvalidYaml,
                        format!("invalid YAML: {}", clean_yaml_error(&e)),
                    ));
                    continue;
                }
            };
            let value = match fast {
                Some(v) => v,
                None => {
                    if let Err(e) = value.apply_merge() {
                        out.input_errors.push(InputError::new(
                            &src.name,
                            Some(content_line),
                            Severity::Error,
                            InputErrorKind::InvalidYaml,
                            format!("invalid YAML merge key: {}", clean_yaml_error(&e)),
                        ));
                        continue;
                    }
                    to_json(value)
                }
            };
            let ctx = DocCtx {
                si,
                src,
                ch: *ch,
                line: content_line,
                opts,
            };
            match &value {
                Value::Null => out.input_errors.push(InputError::new(
                    &src.name,
                    Some(content_line),
                    Severity::Info,
                    InputErrorKind::EmptyDocument,
                    "empty (null) document skipped",
                )),
                Value::Object(_) => {
                    let directive = if rendered {
                        None
                    } else {
                        helm_directive_line(doc, ch.line)
                    };
                    if let (Some(line), true) =
                        (directive, is_audited(&value) && !is_read_only(&value))
                    {
                        if !helm_reported {
                            helm_reported = true;
                            out.input_errors.push(InputError::new(
                            &src.name,
                            Some(line),
                            Severity::Error,
                            InputErrorKind::HelmTemplate,
                            "Helm template syntax ('{{ ... }}') in a manifest; render the chart \
                             first (helm template ... | zerodown check -)",
                        ));
                        } else {
                            helm_skipped += 1;
                        }
                        continue;
                    }
                    classify(&ctx, value, out);
                }
                other => {
                    let what = match other {
                        Value::Array(_) => "a list",
                        Value::String(_) => "a string",
                        Value::Number(_) => "a number",
                        _ => "a scalar",
                    };
                    out.input_errors.push(InputError::new(
                        &src.name,
                        Some(content_line),
                        Severity::Warning,
                        InputErrorKind::NotAMapping,
                        format!("document is {what}, not a Kubernetes object; skipped"),
                    ));
                }
            }
        }
        super::batch::link_and_freeze(
            &mut out.objects[first_object..],
            &mut out.links,
            parallel,
            freeze,
        );
    }
    if helm_skipped > 0 {
        if let Some(e) = out
            .input_errors
            .iter_mut()
            .rev()
            .find(|e| e.kind == InputErrorKind::HelmTemplate && e.file == src.name)
        {
            e.message.push_str(&format!(
                " ({} more templated documents skipped)",
                helm_skipped
            ));
        }
    }
    live_notes(src, out);
    if !any_content {
        out.input_errors.push(InputError::new(
            &src.name,
            None,
            Severity::Info,
            InputErrorKind::EmptyDocument,
            "file contains no YAML documents",
        ));
    }
}

fn is_audited(v: &Value) -> bool {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    let group = group_of(v.get("apiVersion").and_then(Value::as_str).unwrap_or(""));
    AUDITED.contains(&(group, kind))
}

struct DocCtx<'a> {
    si: usize,
    src: &'a Source,
    ch: Chunk,
    line: usize,
    opts: &'a InputOptions,
}

/// The notes of one source on the objects read from a cluster (see [`live`]).
fn live_notes(src: &Source, out: &mut Parsed) {
    let tally = std::mem::take(&mut out.tally);
    if let Some((first, line)) = tally.first_defaulted {
        out.input_errors.push(InputError::new(
            &src.name,
            Some(line),
            Severity::Info,
            InputErrorKind::LiveObject,
            format!(
                "{} read from a cluster without {} or server-side-apply managedFields (first: \
                 {first}): values equal to API-server defaults (strategy 25%/25%, \
                 progressDeadlineSeconds 600, terminationGracePeriodSeconds 30, probe timings, \
                 imagePullPolicy, ...) are read as unset, and spec.replicas beside an HPA or \
                 ScaledObject is not judged; `kubectl get -o yaml --show-managed-fields` or the \
                 applied manifests allow the full judgement",
                if tally.defaulted == 1 {
                    "1 workload".to_string()
                } else {
                    format!("{} workloads", tally.defaulted)
                },
                live::LAST_APPLIED
            ),
        ));
    }
    if !tally.owned.is_empty() {
        let total: usize = tally.owned.values().sum();
        let kinds: Vec<String> = tally
            .owned
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        out.input_errors.push(InputError::new(
            &src.name,
            None,
            Severity::Info,
            InputErrorKind::OwnedObject,
            format!(
                "{} made by a controller skipped ({}): their owner is what was applied and is \
                 audited; --include-owned audits them too",
                plural_objects(total),
                kinds.join(", ")
            ),
        ));
    }
}

fn plural_objects(n: usize) -> String {
    if n == 1 {
        "1 object".to_string()
    } else {
        format!("{n} objects")
    }
}

/// Turns one mapping into an object, a skipped kind, or an input problem.
fn classify(ctx: &DocCtx<'_>, value: Value, out: &mut Parsed) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .map(str::to_string);
    let api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let (Some(kind), Some(api)) = (kind, api) else {
        // A zerodown spec (zerodown.yaml) sits beside the manifests of every bundle: not an error.
        if value.get("kind").is_none()
            && value.get("preset").is_some()
            && value.get("appType").is_some()
        {
            return;
        }
        let missing = match (
            value.get("kind").is_some(),
            value.get("apiVersion").is_some(),
        ) {
            (false, false) => "kind and apiVersion",
            (false, true) => "kind",
            _ => "apiVersion",
        };
        out.input_errors.push(InputError::new(
            &ctx.src.name,
            Some(ctx.line),
            Severity::Warning,
            InputErrorKind::MissingKind,
            format!(
                "document has no {missing}; not a Kubernetes manifest (a values file?), skipped"
            ),
        ));
        return;
    };
    if kind.ends_with("List") && value.get("items").is_some_and(Value::is_array) {
        if let Value::Object(mut m) = value {
            if let Some(Value::Array(items)) = m.remove("items") {
                let doc = &ctx.src.text[ctx.ch.start..ctx.ch.end];
                let spans = list_item_spans(doc, items.len());
                for (i, item) in items.into_iter().enumerate() {
                    if item.is_object() {
                        match spans.as_ref().map(|s| s[i]) {
                            // Each item at its own lines, so that findings point into the dump.
                            Some((start, end, line)) => {
                                let item_ctx = DocCtx {
                                    ch: Chunk {
                                        start: ctx.ch.start + start,
                                        end: ctx.ch.start + end,
                                        line: ctx.ch.line + line,
                                    },
                                    line: ctx.ch.line + line,
                                    ..*ctx
                                };
                                classify(&item_ctx, item, out)
                            }
                            None => classify(ctx, item, out),
                        }
                    } else {
                        out.input_errors.push(InputError::new(
                            &ctx.src.name,
                            Some(ctx.line),
                            Severity::Warning,
                            InputErrorKind::NotAMapping,
                            format!("an item of {kind} is not a Kubernetes object; skipped"),
                        ));
                    }
                }
            }
        }
        return;
    }
    out.seen += 1;
    let group = group_of(&api);
    let audited = AUDITED.contains(&(group, kind.as_str()));
    if audited && !ctx.opts.include_owned && live::controller_owned(&value) {
        *out.tally.owned.entry(kind).or_default() += 1;
        return;
    }
    if audited {
        if let Some(hook) = helm_hook(&value) {
            let name = value
                .at("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("<unnamed>");
            let namespace = value
                .at("/metadata/namespace")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default");
            out.input_errors.push(InputError::new(
                &ctx.src.name,
                Some(ctx.line),
                Severity::Info,
                InputErrorKind::HelmHook,
                format!(
                    "{kind} {namespace}/{name} is a Helm hook (helm.sh/hook: {hook}): it runs only around `helm install/upgrade/test` and serves no traffic, so it is not audited or matched against Services, PDBs and HPAs"
                ),
            ));
            return;
        }
    } else {
        note_skipped(ctx, &kind, &api, &value, out);
    }
    let (value, provenance) = live::applied_form(value);
    let name = value
        .at("/metadata/name")
        .and_then(Value::as_str)
        .or_else(|| value.at("/metadata/generateName").and_then(Value::as_str))
        .unwrap_or("<unnamed>")
        .to_string();
    let namespace = value
        .at("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string();
    // Only workloads have defaults that a rule could take for choices.
    let workload = matches!(
        kind.as_str(),
        "Deployment" | "StatefulSet" | "DaemonSet" | "Pod"
    );
    if audited && provenance == Provenance::Defaulted && workload {
        out.tally.defaulted += 1;
        if out.tally.first_defaulted.is_none() {
            out.tally.first_defaulted = Some((format!("{kind} {namespace}/{name}"), ctx.line));
        }
    }
    let named = value.at("/metadata/name").is_some();
    let object = Object {
        named,
        frozen: None,
        provenance,
        source: ctx.si,
        line: ctx.line,
        text: (ctx.ch.start, ctx.ch.end),
        text_line: ctx.ch.line,
        kind,
        api_version: api,
        name,
        namespace,
        value,
    };
    if audited {
        out.objects.push(object);
    } else {
        out.others.push(object);
    }
}

/// The note for a kind the rules skip (a CRD, or a kind outside Kubernetes' own groups).
fn note_skipped(ctx: &DocCtx<'_>, kind: &str, api: &str, value: &Value, out: &mut Parsed) {
    let group = group_of(api);
    if kind == "CustomResourceDefinition" {
        let name = value
            .at("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        out.input_errors.push(InputError::new(
            &ctx.src.name,
            Some(ctx.line),
            Severity::Info,
            InputErrorKind::CustomResourceDefinition,
            format!("CustomResourceDefinition '{name}' skipped (not a workload)"),
        ));
    } else if !BUILTIN_GROUPS.contains(&group) {
        out.input_errors.push(InputError::new(
            &ctx.src.name,
            Some(ctx.line),
            Severity::Info,
            InputErrorKind::UnknownKind,
            format!(
                "{kind} ({api}) is not a kind zerodown audits; skipped (audited: Deployment, \
                 StatefulSet, DaemonSet, Pod, Service, PodDisruptionBudget, HorizontalPodAutoscaler, \
                 ScaledObject, VerticalPodAutoscaler, Rollout; Ingress, HTTPRoute and ConfigMap are read for context)"
            ),
        ));
    }
}

/// One step of a line lookup: a mapping key, or a list item whose `name:` equals the value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Item(&'a str),
}

/// Best-effort line of a field: finds each step in order in the document text, each after the
/// previous match. Returns the line of the deepest step found, or `None` when not even the first
/// step matched (flow-style YAML, or the field is absent).
pub(crate) fn locate(doc: &str, first_line: usize, steps: &[Step<'_>]) -> Option<usize> {
    let mut found = None;
    let mut si = 0;
    for (i, raw) in doc.lines().enumerate() {
        if si == steps.len() {
            break;
        }
        let mut t = raw.trim_start();
        if t.starts_with('#') {
            continue;
        }
        while let Some(rest) = t.strip_prefix("- ") {
            t = rest.trim_start();
        }
        let key_of = |t: &str| -> Option<(String, String)> {
            let pos = t.find(':')?;
            let k = t[..pos].trim().trim_matches(['"', '\'']).to_string();
            let mut v = t[pos + 1..].trim();
            if let Some(h) = v.find(" #") {
                v = v[..h].trim();
            }
            // JSON (`kubectl get -o json`): `"name": "web",`.
            v = v.strip_suffix(',').unwrap_or(v).trim_end();
            Some((k, v.trim_matches(['"', '\'']).to_string()))
        };
        let Some((k, v)) = key_of(t) else { continue };
        let hit = match steps[si] {
            Step::Key(want) => k == want,
            Step::Item(want) => k == "name" && v == want,
        };
        if hit {
            found = Some(first_line + i);
            si += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Vec<Source> {
        vec![Source {
            name: "t.yaml".into(),
            text: text.into(),
        }]
    }

    #[test]
    fn a_stream_parsed_on_all_cores_gives_exactly_what_one_core_gives() {
        let good = |i: usize| {
            format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\nspec:\n  ports: [{{port: {i}}}]\n")
        };
        let mut docs = Vec::new();
        for i in 0..300 {
            docs.push(match i % 50 {
                7 => "apiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n".to_string(),
                13 => "# only a comment\n".to_string(),
                21 => {
                    "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n".into()
                }
                29 => format!(
                    "base: &b {{name: m{i}}}\napiVersion: v1\nkind: Service\nmetadata:\n  <<: *b\n"
                ),
                37 => format!(
                    "apiVersion: v1\nkind: Service\nmetadata: {}\n",
                    "[".repeat(200)
                ),
                _ => good(i),
            });
        }
        let text = docs.join("---\n");
        let opts = InputOptions::default();
        let one = parse_sources_with(&src(&text), usize::MAX, &opts, true);
        let all = parse_sources_with(&src(&text), 1, &opts, true);
        assert_eq!(format!("{all:?}"), format!("{one:?}"));
        assert_eq!(one.seen, 300 - 4 * 6);
        assert_eq!(one.objects[0].line, 1);
        let errors: Vec<(InputErrorKind, Option<usize>)> =
            one.input_errors.iter().map(|e| (e.kind, e.line)).collect();
        assert!(
            errors.contains(&(InputErrorKind::InvalidYaml, Some(7 * 7 + 5))),
            "{errors:?}"
        );
        assert_eq!(
            errors
                .iter()
                .filter(|e| e.0 == InputErrorKind::HelmTemplate)
                .count(),
            1
        );
    }

    #[test]
    fn splits_documents_with_lines() {
        let text = "# c\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n";
        let p = parse_sources(&src(text));
        assert_eq!(p.objects.len(), 2);
        assert_eq!(p.objects[0].line, 2);
        assert_eq!(p.objects[1].line, 7);
        assert_eq!(p.objects[1].name, "b");
        assert_eq!(p.input_errors.len(), 1, "{:?}", p.input_errors);
        assert_eq!(p.input_errors[0].kind, InputErrorKind::EmptyDocument);
    }

    #[test]
    fn yaml_error_line_is_file_line() {
        let text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [b\n";
        let p = parse_sources(&src(text));
        assert_eq!(p.objects.len(), 1);
        let e = &p.input_errors[0];
        assert_eq!(e.kind, InputErrorKind::InvalidYaml);
        assert!(e.line.unwrap() >= 8, "{e:?}");
    }

    #[test]
    fn locate_finds_nested_keys() {
        let doc = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: side\n          image: x\n        - name: app\n          # livenessProbe: no\n          livenessProbe:\n            httpGet: {}\n";
        let l = locate(
            doc,
            1,
            &[
                Step::Key("containers"),
                Step::Item("app"),
                Step::Key("livenessProbe"),
            ],
        );
        assert_eq!(l, Some(10));
    }
}
