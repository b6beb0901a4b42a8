//! The Helm chart: Plan -> chart files. The chart's templates are static Go templates (embedded
//! from `templates/chart/`) that take every tuned value from the generated `values.yaml`; only
//! `Chart.yaml`, `values.yaml` and the chart README are generated from the Plan.
//!
//! `values.yaml` is a tree of serde values with the Plan's reasons as comments: keys are fixed
//! identifiers from this file, every value is written by serde (`serde_yaml_ng`, or JSON string
//! syntax for one-line strings), and the text is parsed back and compared with the tree before
//! anything is written, so a user string can neither break the YAML nor become template code
//! (the templates only `quote`/`toYaml` values and never `tpl` them).

use super::Context;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::bundle::BundleFile;
use crate::error::Error;
use crate::plan::{Handler, IntOrPercent, Object, Plan, PreStop, Probe, ScalingRules};
use crate::spec::Spec;

use super::{quote, with_header_style, Header, VERSION};

/// The chart folder inside a bundle.
pub const CHART_DIR: &str = "chart";

/// Seconds `--timeout` is rounded up to.
const TIMEOUT_ROUNDING_SECONDS: u32 = 30;

/// The static chart files, `(path in the chart, text, header style)`, embedded at build time.
const STATIC_FILES: [(&str, &str, Header); 13] = [
    (
        "templates/namespace.yaml",
        include_str!("../../templates/chart/templates/namespace.yaml"),
        Header::GoTemplate,
    ),
    (
        ".helmignore",
        include_str!("../../templates/chart/.helmignore"),
        Header::Hash,
    ),
    (
        "values.schema.json",
        include_str!("../../templates/chart/values.schema.json"),
        Header::JsonComment,
    ),
    (
        "templates/_helpers.tpl",
        include_str!("../../templates/chart/templates/_helpers.tpl"),
        Header::GoTemplate,
    ),
    (
        "templates/serviceaccount.yaml",
        include_str!("../../templates/chart/templates/serviceaccount.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/deployment.yaml",
        include_str!("../../templates/chart/templates/deployment.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/service.yaml",
        include_str!("../../templates/chart/templates/service.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/ingress.yaml",
        include_str!("../../templates/chart/templates/ingress.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/httproute.yaml",
        include_str!("../../templates/chart/templates/httproute.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/networkpolicy.yaml",
        include_str!("../../templates/chart/templates/networkpolicy.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/pdb.yaml",
        include_str!("../../templates/chart/templates/pdb.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/hpa.yaml",
        include_str!("../../templates/chart/templates/hpa.yaml"),
        Header::GoTemplate,
    ),
    (
        "templates/scaledobject.yaml",
        include_str!("../../templates/chart/templates/scaledobject.yaml"),
        Header::GoTemplate,
    ),
];

/// NOTES.txt is a template too, shown after install and upgrade.
const NOTES: &str = include_str!("../../templates/chart/templates/NOTES.txt");

/// Seconds to give `helm upgrade --wait` (the chart's NOTES.txt computes the same from the
/// values): `progressDeadlineSeconds`, after which Kubernetes marks a stuck rollout failed, plus
/// a healthy rollout of the HPA's maximum in steps of `maxSurge` pods, each taking the typical
/// startup (the startup probe's initial delay) + `minReadySeconds`; rounded up to 30 s.
pub fn helm_timeout_seconds(plan: &Plan) -> u32 {
    let pods = plan
        .keda
        .as_ref()
        .map_or(plan.hpa.max_replicas.value, |k| k.max_replica_count.value);
    let step = match &plan.rollout.max_surge.value {
        IntOrPercent::Int(n) => *n,
        IntOrPercent::Percent(p) => {
            let pct: u32 = p.trim_end_matches('%').parse().unwrap_or(0);
            (pods * pct).div_ceil(100)
        }
    }
    .max(1);
    let steps = pods.div_ceil(step);
    let per_step =
        plan.probes.startup.value.initial_delay_seconds + plan.rollout.min_ready_seconds.value;
    let total = plan.rollout.progress_deadline_seconds.value + steps * per_step;
    total.div_ceil(TIMEOUT_ROUNDING_SECONDS) * TIMEOUT_ROUNDING_SECONDS
}

/// The `helm upgrade --install` command (Helm 4) for this bundle, with the chart at `chart`.
pub fn install_command(plan: &Plan, chart: &str) -> String {
    format!(
        "helm upgrade --install {} {chart} -n {} --create-namespace --rollback-on-failure --timeout {}s",
        plan.name,
        plan.namespace,
        helm_timeout_seconds(plan)
    )
}

/// The same command for Helm 3 (`--atomic` instead of `--rollback-on-failure`).
pub fn install_command_helm3(plan: &Plan, chart: &str) -> String {
    format!(
        "helm upgrade --install {} {chart} -n {} --create-namespace --atomic --wait --timeout {}s",
        plan.name,
        plan.namespace,
        helm_timeout_seconds(plan)
    )
}

/// Every file of the chart, with paths relative to the chart folder.
pub fn chart_files(spec: &Spec, plan: &Plan) -> Result<Vec<BundleFile>, Error> {
    let generated = |path: &str, contents: String| BundleFile {
        path: path.to_string(),
        contents,
        generated: true,
    };
    let values = values(plan)?;
    let values_text = values_yaml(plan, &values)?;
    let mut files = vec![
        generated(
            "Chart.yaml",
            with_header_style(chart_yaml(spec, plan)?, Header::Hash),
        ),
        generated("values.yaml", with_header_style(values_text, Header::Hash)),
    ];
    for (path, text, header) in STATIC_FILES {
        files.push(generated(path, with_header_style(text.to_string(), header)));
    }
    files.push(generated(
        "templates/NOTES.txt",
        with_header_style(NOTES.to_string(), Header::GoTemplate),
    ));
    files.push(generated(
        "README.md",
        with_header_style(readme(spec, plan, &values)?, Header::Markdown),
    ));
    Ok(files)
}

// ---- a values tree with comments ---------------------------------------------------------------

/// One key of values.yaml: comment lines above it, and a value or a nested mapping. Keys are
/// fixed identifiers of this file, never user input.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: &'static str,
    pub comment: Vec<String>,
    pub node: Node,
}

/// A value written by serde, or a mapping of further entries (kept in this order).
#[derive(Debug, Clone)]
pub enum Node {
    Leaf(Value),
    Map(Vec<Entry>),
}

fn leaf(key: &'static str, comment: &[&str], value: impl Serialize) -> Entry {
    Entry {
        key,
        comment: comment.iter().map(|c| c.to_string()).collect(),
        node: Node::Leaf(serde_json::to_value(value).unwrap_or(Value::Null)),
    }
}

fn map(key: &'static str, comment: &[&str], children: Vec<Entry>) -> Entry {
    Entry {
        key,
        comment: comment.iter().map(|c| c.to_string()).collect(),
        node: Node::Map(children),
    }
}

impl Node {
    /// The value this node stands for (what Helm reads).
    pub fn to_value(&self) -> Value {
        match self {
            Node::Leaf(v) => v.clone(),
            Node::Map(entries) => Value::Object(to_object(entries)),
        }
    }
}

fn to_object(entries: &[Entry]) -> Map<String, Value> {
    entries
        .iter()
        .map(|e| (e.key.to_string(), e.node.to_value()))
        .collect()
}

/// The YAML text of `entries` at `indent`, comments included.
fn emit(entries: &[Entry], indent: usize, out: &mut String) -> Result<(), Error> {
    let pad = " ".repeat(indent);
    for (i, e) in entries.iter().enumerate() {
        if indent == 0 && i > 0 && matches!(&e.node, Node::Map(c) if !c.is_empty()) {
            out.push('\n');
        }
        for c in &e.comment {
            let c = c.replace(['\n', '\r'], " ");
            out.push_str(&format!("{pad}# {c}\n"));
        }
        match &e.node {
            Node::Map(children) if children.is_empty() => {
                out.push_str(&format!("{pad}{}: {{}}\n", e.key));
            }
            Node::Map(children) => {
                out.push_str(&format!("{pad}{}:\n", e.key));
                emit(children, indent + 2, out)?;
            }
            Node::Leaf(v) => {
                let block = match v {
                    Value::Object(m) => !m.is_empty(),
                    Value::Array(a) => !a.is_empty(),
                    _ => false,
                };
                if block && holds_yaml11_ambiguity(v) {
                    // Helm reads values.yaml as YAML 1.1, where `on`, `yes`, `y` or `1_000` are
                    // not strings: such a value goes out as JSON (valid YAML, every string
                    // quoted), so the chart renders what the plain bundle has.
                    let json = serde_json::to_string(v)
                        .map_err(|err| Error::Internal(format!("values.yaml: {err}")))?;
                    out.push_str(&format!("{pad}{}: {json}\n", e.key));
                } else if block {
                    let text = serde_yaml_ng::to_string(v)
                        .map_err(|err| Error::Internal(format!("values.yaml: {err}")))?;
                    // Sequences start at their key's column, as serde writes nested ones, so
                    // the file has one style (yamllint's indent-sequences: consistent).
                    let inner = if v.is_array() {
                        pad.clone()
                    } else {
                        format!("{pad}  ")
                    };
                    out.push_str(&format!("{pad}{}:\n", e.key));
                    for line in text.lines() {
                        if line.is_empty() {
                            out.push('\n');
                        } else {
                            out.push_str(&format!("{inner}{line}\n"));
                        }
                    }
                } else {
                    out.push_str(&format!("{pad}{}: {}\n", e.key, inline(v)?));
                }
            }
        }
    }
    Ok(())
}

/// A scalar or empty collection on one line: serde's YAML when it is one line, else the JSON
/// string form (a YAML double-quoted scalar).
fn inline(v: &Value) -> Result<String, Error> {
    let text = serde_yaml_ng::to_string(v)
        .map_err(|err| Error::Internal(format!("values.yaml: {err}")))?;
    let text = text.trim_end_matches('\n');
    Ok(match v {
        Value::String(s) if text.contains('\n') || misread_by_yaml11(s) => quote(s),
        _ => text.to_string(),
    })
}

/// Whether a plain YAML scalar `s` means something else than the string in YAML 1.1, which Helm
/// (sigs.k8s.io/yaml over go-yaml) uses for values: its booleans (`y`, `yes`, `on`, `off`, ...),
/// null, and numbers with `_`, sexagesimal `:`, `0b`/`0x`/octal forms. Over-approximates: a
/// quoted string is always read right.
pub fn yaml11_ambiguous(s: &str) -> bool {
    const WORDS: [&str; 22] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "", "Y", "N", "Yes",
        "No", "On", "Off", "YES", "NO", "ON", "OFF", "Null",
    ];
    if WORDS.contains(&s)
        || ["true", "false", "null", "yes", "no", "on", "off"]
            .contains(&s.to_ascii_lowercase().as_str())
    {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    (first.is_ascii_digit() || "+-.".contains(first))
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || "_.:+-xXoObB".contains(c))
}

/// Whether serde writes `s` as a plain scalar that YAML 1.1 reads as something else (it quotes
/// what YAML 1.2 would misread, such as `true` or `1.0`, but not `on` or `1_000`).
fn misread_by_yaml11(s: &str) -> bool {
    yaml11_ambiguous(s)
        && serde_yaml_ng::to_string(&Value::String(s.to_string()))
            .is_ok_and(|t| t.trim_end_matches('\n') == s)
}

/// Whether any string (key or value) in `v` would be misread by Helm's YAML 1.1.
fn holds_yaml11_ambiguity(v: &Value) -> bool {
    match v {
        Value::String(s) => misread_by_yaml11(s),
        Value::Array(a) => a.iter().any(holds_yaml11_ambiguity),
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| misread_by_yaml11(k) || holds_yaml11_ambiguity(x)),
        _ => false,
    }
}

/// The values.yaml body (without the generated-file header): a short preface, then the tree.
/// Fails with an internal error unless the text parses back to exactly the tree.
fn values_yaml(plan: &Plan, entries: &[Entry]) -> Result<String, Error> {
    let mut out = format!(
        "# Values of the {name} chart: every tuned value with its reason, the same as in the plain bundle.\n\
         # values.schema.json checks each value; the templates refuse combinations that cause downtime.\n\
         # Install: {install}\n\n",
        name = plan.name,
        install = install_command(plan, "chart/"),
    );
    emit(entries, 0, &mut out)?;
    let parsed: Value = serde_yaml_ng::from_str(&out)
        .map_err(|e| Error::Internal(format!("values.yaml does not parse: {e}")))?;
    let want = Value::Object(to_object(entries));
    if parsed != want {
        return Err(Error::Internal(
            "values.yaml does not parse back to the values it was written from".into(),
        ));
    }
    Ok(out)
}

// ---- the values ----------------------------------------------------------------------------------

/// The image reference as `(repository, tag, digest)`, empty strings for absent parts; joined
/// back as `repository[:tag][@digest]` it is the reference itself.
pub fn split_image(image: &str) -> (String, String, String) {
    let (rest, digest) = image.split_once('@').unwrap_or((image, ""));
    let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (repository, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], &rest[last_slash + i + 1..]),
        None => (rest, ""),
    };
    (repository.into(), tag.into(), digest.into())
}

fn int_or_percent(v: &IntOrPercent) -> Value {
    match v {
        IntOrPercent::Int(n) => json!(n),
        IntOrPercent::Percent(p) => json!(p),
    }
}

fn probe(key: &'static str, reason: &str, p: &Probe) -> Entry {
    let handler = match &p.handler {
        Handler::HttpGet { path } => leaf("httpGet", &[], json!({"path": path, "port": "http"})),
        Handler::Exec { command } => leaf("exec", &[], json!({ "command": command })),
        Handler::TcpSocket => leaf("tcpSocket", &[], json!({"port": "http"})),
    };
    map(
        key,
        &[reason],
        vec![
            handler,
            leaf("initialDelaySeconds", &[], p.initial_delay_seconds),
            leaf("periodSeconds", &[], p.period_seconds),
            leaf("timeoutSeconds", &[], p.timeout_seconds),
            leaf("failureThreshold", &[], p.failure_threshold),
            leaf("successThreshold", &[], p.success_threshold),
        ],
    )
}

fn scaling(key: &'static str, reason: &str, r: &ScalingRules) -> Entry {
    let policies: Vec<Value> = r
        .policies
        .iter()
        .map(|p| json!({"type": p.kind, "value": p.value, "periodSeconds": p.period_seconds}))
        .collect();
    map(
        key,
        &[reason],
        vec![
            leaf(
                "stabilizationWindowSeconds",
                &[],
                r.stabilization_window_seconds,
            ),
            leaf("selectPolicy", &[], &r.select_policy),
            leaf("policies", &[], policies),
        ],
    )
}

/// The annotations of one object (the checker exemptions), with their reasons as comments.
fn annotations(plan: &Plan, object: Object, what: &str) -> Entry {
    let picked: Vec<_> = plan
        .exemptions
        .iter()
        .filter(|e| e.object == object)
        .collect();
    let mut values: Map<String, Value> = picked
        .iter()
        .map(|e| (e.key.clone(), Value::String(e.value.clone())))
        .collect();
    let users = match object {
        Object::Pod => Some(&plan.config.pod_annotations),
        Object::ServiceAccount => Some(&plan.config.service_account_annotations),
        _ => None,
    };
    for (k, v) in users.into_iter().flatten() {
        values.insert(k.clone(), Value::String(v.clone()));
    }
    let comment = if picked.is_empty() {
        format!("Annotations of the {what}.")
    } else {
        format!("Annotations of the {what}: checker exemptions, each value is its reason.")
    };
    let key = match object {
        Object::Deployment => "deploymentAnnotations",
        Object::Pod => "podAnnotations",
        _ => "annotations",
    };
    leaf(key, &[comment.as_str()], values)
}

/// A user env var as a Kubernetes `EnvVar` object.
fn user_env(e: &crate::policy::config::UserEnv) -> Value {
    let key_ref = |r: &crate::policy::config::KeyRef| {
        let mut v = json!({"name": r.name, "key": r.key});
        if r.optional {
            v["optional"] = json!(true);
        }
        v
    };
    match (&e.value, &e.secret_key_ref, &e.config_map_key_ref) {
        (Some(v), _, _) => json!({"name": e.name, "value": v}),
        (_, Some(r), _) => json!({"name": e.name, "valueFrom": {"secretKeyRef": key_ref(r)}}),
        (_, _, Some(r)) => json!({"name": e.name, "valueFrom": {"configMapKeyRef": key_ref(r)}}),
        _ => json!({"name": e.name}),
    }
}

/// An `envFrom` entry as a Kubernetes `EnvFromSource` object.
fn env_from(e: &crate::policy::config::EnvFrom) -> Value {
    let mut source = json!({"name": e.secret_ref.as_ref().or(e.config_map_ref.as_ref())});
    if e.optional {
        source["optional"] = json!(true);
    }
    let mut v = if e.secret_ref.is_some() {
        json!({ "secretRef": source })
    } else {
        json!({ "configMapRef": source })
    };
    if let Some(p) = &e.prefix {
        v["prefix"] = json!(p);
    }
    v
}

/// A ConfigMap or Secret mount as a Kubernetes `Volume` object.
fn volume(m: &crate::policy::config::ConfigMount) -> Value {
    let mut source = match (&m.secret, &m.default_mode) {
        (Some(s), mode) => json!({"secretName": s, "defaultMode": mode.as_ref().map(|d| d.value)}),
        (None, _) => json!({"name": m.config_map}),
    };
    if !m.items.is_empty() {
        source["items"] = m
            .items
            .iter()
            .map(|(k, p)| json!({"key": k, "path": p}))
            .collect();
    }
    if m.optional {
        source["optional"] = json!(true);
    }
    if m.secret.is_some() {
        json!({"name": m.volume, "secret": source})
    } else {
        json!({"name": m.volume, "configMap": source})
    }
}

/// A toleration as a Kubernetes `Toleration` object.
fn toleration(t: &crate::policy::config::Toleration) -> Value {
    let mut v = Map::new();
    if let Some(k) = &t.key {
        v.insert("key".into(), json!(k));
    }
    v.insert(
        "operator".into(),
        json!(t.operator.as_deref().unwrap_or("Equal")),
    );
    if let Some(x) = &t.value {
        v.insert("value".into(), json!(x));
    }
    if let Some(e) = &t.effect {
        v.insert("effect".into(), json!(e));
    }
    if let Some(s) = t.toleration_seconds {
        v.insert("tolerationSeconds".into(), json!(s));
    }
    Value::Object(v)
}

/// The Service's annotations: the load balancer's (each with its reason) and the exemptions.
fn service_annotations(plan: &Plan) -> Entry {
    let mut values = Map::new();
    let mut comment = vec!["Annotations of the Service.".to_string()];
    for a in &plan.route.service.annotations {
        values.insert(a.value.0.clone(), Value::String(a.value.1.clone()));
        comment.push(format!("{}: {}", a.value.0, a.reason));
    }
    for e in plan
        .exemptions
        .iter()
        .filter(|e| e.object == Object::Service)
    {
        values.insert(e.key.clone(), Value::String(e.value.clone()));
    }
    Entry {
        key: "annotations",
        comment,
        node: Node::Leaf(Value::Object(values)),
    }
}

/// `ingress`: the Ingress of the plan, or disabled.
fn ingress_values(plan: &Plan) -> Entry {
    let Some(i) = &plan.route.ingress else {
        return map(
            "ingress",
            &["An Ingress (networking.k8s.io/v1) to the Service's port http; off: the exposure has none."],
            vec![
                leaf("enabled", &[], false),
                leaf("className", &[], ""),
                leaf("annotations", &[], json!({})),
                leaf("hosts", &[], json!([])),
                leaf("path", &[], "/"),
                leaf("tlsSecretName", &[], ""),
            ],
        );
    };
    let mut ann = Map::new();
    let mut ann_comment = vec!["Annotations for the ingress controller.".to_string()];
    for a in &i.annotations {
        ann.insert(a.value.0.clone(), Value::String(a.value.1.clone()));
        ann_comment.push(format!("{}: {}", a.value.0, a.reason));
    }
    map(
        "ingress",
        &[&format!("An Ingress (networking.k8s.io/v1): {}.", i.reason)],
        vec![
            leaf("enabled", &[], true),
            leaf(
                "className",
                &[&format!(
                    "ingressClassName {}; \"\": the default class.",
                    i.class_reason
                )],
                i.class_name.clone().unwrap_or_default(),
            ),
            Entry {
                key: "annotations",
                comment: ann_comment,
                node: Node::Leaf(Value::Object(ann)),
            },
            leaf("hosts", &["Host names, one rule each."], &i.hosts),
            leaf("path", &["Path prefix (pathType Prefix)."], &i.path),
            leaf(
                "tlsSecretName",
                &["The TLS Secret for all hosts; \"\": no tls."],
                i.tls_secret.clone().unwrap_or_default(),
            ),
        ],
    )
}

/// `httpRoute`: the HTTPRoute of the plan, or disabled.
fn http_route_values(plan: &Plan) -> Entry {
    let Some(h) = &plan.route.http_route else {
        return map(
            "httpRoute",
            &["A Gateway API HTTPRoute (gateway.networking.k8s.io/v1) to the Service's port; off: the exposure has none."],
            vec![
                leaf("enabled", &[], false),
                leaf("parentRefs", &[], json!([])),
                leaf("hostnames", &[], json!([])),
                leaf("path", &[], "/"),
            ],
        );
    };
    let mut parent = Map::new();
    parent.insert("name".into(), json!(h.gateway));
    if let Some(ns) = &h.gateway_namespace {
        parent.insert("namespace".into(), json!(ns));
    }
    if let Some(s) = &h.section_name {
        parent.insert("sectionName".into(), json!(s));
    }
    map(
        "httpRoute",
        &[&format!("A Gateway API HTTPRoute (gateway.networking.k8s.io/v1): {}; TLS is on the Gateway's listener.", h.reason)],
        vec![
            leaf("enabled", &[], true),
            leaf(
                "parentRefs",
                &["The Gateway (name, namespace, sectionName = its listener)."],
                vec![Value::Object(parent)],
            ),
            leaf("hostnames", &["Host names the route answers for."], &h.hosts),
            leaf("path", &["Path prefix (PathPrefix)."], &h.path),
        ],
    )
}

/// `networkPolicy`: the peers as NetworkPolicy `from` entries, or disabled.
fn network_policy_values(plan: &Plan) -> Entry {
    use crate::policy::route::Peer;
    let Some(n) = &plan.route.network_policy else {
        return map(
            "networkPolicy",
            &["A NetworkPolicy over the pods; off: the team writes its own (networkPolicy.enabled: false in zerodown.yaml)."],
            vec![leaf("enabled", &[], false), leaf("from", &[], json!([]))],
        );
    };
    let from: Vec<Value> = n
        .from
        .value
        .iter()
        .map(|p| match p {
            Peer::SameNamespace => json!({"podSelector": {}}),
            Peer::Namespace(ns) => {
                json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}})
            }
            Peer::Cidr(c) => json!({"ipBlock": {"cidr": c}}),
        })
        .collect();
    map(
        "networkPolicy",
        &["A NetworkPolicy over the pods: ingress to port http from `from` only, egress open."],
        vec![
            leaf("enabled", &[], true),
            leaf(
                "from",
                &[
                    &format!(
                        "Sources (NetworkPolicyPeer objects): {}; []: all ingress denied.",
                        n.from.reason
                    ),
                    &n.egress_reason,
                ],
                from,
            ),
        ],
    )
}

/// Every value of the chart, in the order the Deployment shows them, then the other objects.
pub fn values(plan: &Plan) -> Result<Vec<Entry>, Error> {
    let (repository, tag, digest) = split_image(&plan.image);
    let rejoined = format!(
        "{repository}{}{}",
        if tag.is_empty() {
            String::new()
        } else {
            format!(":{tag}")
        },
        if digest.is_empty() {
            String::new()
        } else {
            format!("@{digest}")
        }
    );
    if rejoined != plan.image {
        return Err(Error::Internal(format!(
            "image `{}` does not split into repository, tag and digest",
            plan.image
        )));
    }
    let label = |k: &str| plan.labels.get(k).cloned().unwrap_or_default();
    let r = &plan.rollout;
    let res = &plan.resources.value;
    let sec = &plan.security;
    let hpa = &plan.hpa;
    let pdb = &plan.pdb;

    let mut env: Vec<Value> = plan
        .env
        .iter()
        .map(|e| json!({"name": e.value.name, "value": e.value.value}))
        .collect();
    let mut env_comments: Vec<String> = plan
        .env
        .iter()
        .map(|e| format!("{}: {}", e.value.name, e.reason))
        .collect();
    let c = &plan.config;
    env.extend(c.env.iter().map(user_env));
    if !c.env.is_empty() {
        env_comments.push("Then the service's own variables from zerodown.yaml (Secret and ConfigMap values by reference only).".into());
    }
    let lifecycle = match &plan.shutdown.pre_stop.value {
        Some(PreStop::Sleep { seconds }) => json!({"preStop": {"sleep": {"seconds": seconds}}}),
        Some(PreStop::Exec { command, .. }) => {
            json!({"preStop": {"exec": {"command": command}}})
        }
        None => json!({}),
    };
    let pre_stop_reason = format!("preStop {}", plan.shutdown.pre_stop.reason);
    let anti = if plan.spread.hard_anti_affinity.value {
        "required"
    } else {
        "preferred"
    };

    Ok(vec![
        leaf(
            "fullnameOverride",
            &["Object names: the service name, as in the plain bundle, whatever the release name; \"\" for Helm's usual RELEASE-CHART names."],
            &plan.name,
        ),
        leaf(
            "nameOverride",
            &["The app.kubernetes.io/name label (and selector); \"\": the chart name, which is the service name."],
            "",
        ),
        leaf("component", &["The app.kubernetes.io/component label."], label("app.kubernetes.io/component")),
        leaf(
            "partOf",
            &["The app.kubernetes.io/part-of label: the larger application this service belongs to."],
            label("app.kubernetes.io/part-of"),
        ),
        map(
            "image",
            &["The container image: repository[:tag][@digest]. The tag (or digest) is also the app.kubernetes.io/version label."],
            vec![
                leaf("repository", &[], repository),
                leaf("tag", &[], tag),
                leaf("digest", &[], digest),
                leaf("pullPolicy", &[&plan.image_pull_policy.reason], &plan.image_pull_policy.value),
            ],
        ),
        leaf(
            "replicaCount",
            &[
                &r.replicas.reason,
                "Used when autoscaling.enabled is false; with the HPA on, the Deployment has no replicas field (the HPA owns it).",
            ],
            r.replicas.value,
        ),
        leaf("revisionHistoryLimit", &[&r.revision_history_limit.reason], r.revision_history_limit.value),
        leaf("minReadySeconds", &[&r.min_ready_seconds.reason], r.min_ready_seconds.value),
        leaf(
            "progressDeadlineSeconds",
            &[&r.progress_deadline_seconds.reason],
            r.progress_deadline_seconds.value,
        ),
        map(
            "strategy",
            &["RollingUpdate settings."],
            vec![
                leaf("maxSurge", &[&r.max_surge.reason], int_or_percent(&r.max_surge.value)),
                leaf("maxUnavailable", &[&r.max_unavailable.reason], r.max_unavailable.value),
            ],
        ),
        annotations(plan, Object::Deployment, "Deployment"),
        annotations(plan, Object::Pod, "pods"),
        leaf(
            "containerPort",
            &[if plan.port.is_some() {
                "The app's serving port, named http (the probes and the Service use the name)."
            } else {
                "null: a worker serves no traffic and has no port."
            }],
            plan.port,
        ),
        Entry {
            key: "env",
            comment: if env_comments.is_empty() {
                vec!["Environment variables of the container.".into()]
            } else {
                env_comments
            },
            node: Node::Leaf(Value::Array(env)),
        },
        leaf(
            "envFrom",
            &["Whole Secrets and ConfigMaps as environment variables (Kubernetes EnvFromSource objects)."],
            c.env_from.iter().map(env_from).collect::<Vec<_>>(),
        ),
        leaf("command", &["The container command (replaces the image's ENTRYPOINT); [] keeps the image's."], &c.command),
        leaf("args", &["The container args (replaces the image's CMD); [] keeps the image's."], &c.args),
        map(
            "probes",
            &["startup, readiness and liveness probes (Kubernetes probe objects)."],
            vec![
                probe("startup", &plan.probes.startup.reason, &plan.probes.startup.value),
                probe("readiness", &plan.probes.readiness.reason, &plan.probes.readiness.value),
                probe("liveness", &plan.probes.liveness.reason, &plan.probes.liveness.value),
            ],
        ),
        leaf("lifecycle", &[pre_stop_reason.as_str()], lifecycle),
        leaf(
            "terminationGracePeriodSeconds",
            &[&plan.shutdown.termination_grace_period_seconds.reason],
            plan.shutdown.termination_grace_period_seconds.value,
        ),
        map(
            "resources",
            &[&plan.resources.reason],
            vec![
                map(
                    "requests",
                    &[],
                    vec![
                        leaf("cpu", &[], &res.cpu_request),
                        leaf("memory", &[], &res.memory_request),
                        leaf("ephemeral-storage", &[], &res.ephemeral_storage_request),
                    ],
                ),
                map(
                    "limits",
                    &[],
                    vec![
                        leaf("cpu", &[], &res.cpu_limit),
                        leaf("memory", &[], &res.memory_limit),
                        leaf("ephemeral-storage", &[], &res.ephemeral_storage_limit),
                    ],
                ),
            ],
        ),
        map(
            "tmpDir",
            &["The emptyDir mounted on /tmp (the root filesystem is read-only)."],
            vec![leaf("sizeLimit", &[], &res.tmp_size_limit)],
        ),
        leaf(
            "writableDirs",
            &["Writable directories besides /tmp, each an emptyDir volume writable-N."],
            sec.writable_dirs.iter().map(|d| d.path.clone()).collect::<Vec<_>>(),
        ),
        leaf(
            "extraVolumes",
            &["ConfigMap and Secret volumes (Kubernetes Volume objects); Secret files are 0440 (defaultMode 288), readable by the app's group only."],
            c.mounts.iter().map(volume).collect::<Vec<_>>(),
        ),
        leaf(
            "extraVolumeMounts",
            &["Their read-only mounts in the container (Kubernetes VolumeMount objects)."],
            c.mounts
                .iter()
                .map(|m| json!({"name": m.volume, "mountPath": m.path, "readOnly": true}))
                .collect::<Vec<_>>(),
        ),
        map(
            "podSecurityContext",
            &["Pod security context (restricted Pod Security Standard)."],
            vec![
                leaf("runAsNonRoot", &[], true),
                leaf("runAsUser", &[&sec.run_as_user.reason], sec.run_as_user.value),
                leaf("runAsGroup", &[], sec.run_as_user.value),
                leaf("fsGroup", &[], sec.run_as_user.value),
                leaf("seccompProfile", &[], json!({"type": "RuntimeDefault"})),
            ],
        ),
        map(
            "securityContext",
            &["Container security context."],
            vec![
                leaf("allowPrivilegeEscalation", &[], false),
                leaf("privileged", &[], false),
                leaf(
                    "readOnlyRootFilesystem",
                    &["Read-only root filesystem; the app writes only to the emptyDir mounts."],
                    true,
                ),
                leaf("runAsNonRoot", &[], true),
                leaf("capabilities", &[], json!({"drop": ["ALL"]})),
            ],
        ),
        leaf(
            "podAntiAffinity",
            &[&plan.spread.hard_anti_affinity.reason, "preferred or required, one pod per node (kubernetes.io/hostname)."],
            anti,
        ),
        map(
            "topologySpread",
            &[&plan.spread.zone_when_unsatisfiable.reason],
            vec![
                leaf("maxSkew", &[], 1),
                leaf("whenUnsatisfiable", &[], &plan.spread.zone_when_unsatisfiable.value),
            ],
        ),
        Entry {
            key: "podLabels",
            comment: {
                let mut lines = vec!["Extra pod labels (never the app.kubernetes.io ones, which the selector uses).".to_string()];
                lines.extend(
                    c.pod_labels
                        .iter()
                        .filter(|l| !l.reason.is_empty())
                        .map(|l| format!("{}: {}", l.value.key, l.reason)),
                );
                lines
            },
            node: Node::Leaf(Value::Object(
                c.pod_labels
                    .iter()
                    .map(|l| (l.value.key.clone(), Value::String(l.value.value.clone())))
                    .collect(),
            )),
        },
        leaf(
            "imagePullSecrets",
            &["Secrets to pull the image with (Kubernetes LocalObjectReference objects)."],
            c.image_pull_secrets.iter().map(|s| json!({"name": s})).collect::<Vec<_>>(),
        ),
        leaf(
            "priorityClassName",
            &["The pods' PriorityClass; \"\": none (the cluster default), as PriorityClasses are cluster objects a platform team defines. A high class keeps the pods from being preempted by less important ones (Polaris warns without one)."],
            c.priority_class_name.clone().unwrap_or_default(),
        ),
        leaf("nodeSelector", &["Node labels the pods must run on (none by default)."], &c.node_selector),
        leaf(
            "tolerations",
            &["Taints the pods tolerate (Kubernetes Toleration objects; none by default)."],
            c.tolerations.iter().map(toleration).collect::<Vec<_>>(),
        ),
        map(
            "namespace",
            &[
                "The Namespace with the Pod Security Admission labels. Off by default: a chart usually does not own its namespace (`helm uninstall` would delete it with everything in it, and `--create-namespace` makes one the chart then cannot adopt).",
                "Set create=true to install into a namespace that does not exist yet, without --create-namespace; or label an existing one with the labels below.",
            ],
            vec![
                leaf("create", &[], false),
                Entry {
                    key: "labels",
                    comment: plan
                        .namespace_object
                        .iter()
                        .flat_map(|n| n.labels.iter().map(|l| format!("{}: {}", l.value.key, l.reason)))
                        .collect(),
                    node: Node::Leaf(Value::Object(
                        plan.namespace_object
                            .iter()
                            .flat_map(|n| n.labels.iter())
                            .map(|l| (l.value.key.clone(), Value::String(l.value.value.clone())))
                            .collect(),
                    )),
                },
            ],
        ),
        map(
            "service",
            &[&plan.service.reason],
            vec![
                leaf("enabled", &[], plan.service.value),
                leaf("type", &[], &plan.route.service.service_type.value),
                leaf("port", &[], plan.port),
                service_annotations(plan),
            ],
        ),
        ingress_values(plan),
        http_route_values(plan),
        network_policy_values(plan),
        map(
            "serviceAccount",
            &["A ServiceAccount of its own, so RBAC grants never leak to or from other workloads."],
            vec![
                leaf("create", &[], true),
                leaf("name", &["\"\": the object name."], ""),
                leaf(
                    "automount",
                    &["The app does not call the Kubernetes API: no token in the pod."],
                    false,
                ),
                annotations(plan, Object::ServiceAccount, "ServiceAccount"),
            ],
        ),
        map(
            "podDisruptionBudget",
            &["PodDisruptionBudget (policy/v1) over the Deployment's pods."],
            vec![
                leaf("enabled", &[], true),
                leaf("maxUnavailable", &[&pdb.max_unavailable.reason], pdb.max_unavailable.value),
                leaf(
                    "unhealthyPodEvictionPolicy",
                    &[&pdb.unhealthy_pod_eviction_policy.reason],
                    &pdb.unhealthy_pod_eviction_policy.value,
                ),
                annotations(plan, Object::Pdb, "PodDisruptionBudget"),
            ],
        ),
        map(
            "autoscaling",
            &["HorizontalPodAutoscaler (autoscaling/v2); it needs the metrics API (metrics-server)."],
            vec![
                leaf(
                    "enabled",
                    &[if plan.keda.is_some() {
                        "false: the KEDA ScaledObject below scales this Deployment (KEDA makes its own HPA)."
                    } else {
                        "true: the HPA owns the replica count."
                    }],
                    plan.keda.is_none(),
                ),
                leaf("minReplicas", &[&hpa.min_replicas.reason], hpa.min_replicas.value),
                leaf("maxReplicas", &[&hpa.max_replicas.reason], hpa.max_replicas.value),
                leaf(
                    "targetCPUUtilizationPercentage",
                    &[&format!("{} (percent of the CPU request)", hpa.cpu_average_utilization.reason)],
                    hpa.cpu_average_utilization.value,
                ),
                map(
                    "behavior",
                    &[],
                    vec![
                        scaling("scaleUp", &hpa.scale_up.reason, &hpa.scale_up.value),
                        scaling("scaleDown", &hpa.scale_down.reason, &hpa.scale_down.value),
                    ],
                ),
                annotations(plan, Object::Hpa, "HorizontalPodAutoscaler"),
            ],
        ),
        keda(plan),
    ])
}

/// The `keda` values: `enabled: false` alone without KEDA scaling (the templates read the flag).
fn keda(plan: &Plan) -> Entry {
    let Some(k) = &plan.keda else {
        return map(
            "keda",
            &["KEDA ScaledObject (keda.sh/v1alpha1) instead of the HPA; off: this bundle scales on CPU."],
            vec![leaf("enabled", &[], false)],
        );
    };
    let triggers: Vec<Value> = k
        .triggers
        .value
        .iter()
        .map(|t| {
            let mut o = json!({"type": crate::spec::enum_name(&t.kind), "metadata": t.metadata});
            if let Some(a) = &t.authentication_ref {
                o["authenticationRef"] = json!({"name": a.name});
            }
            o
        })
        .collect();
    map(
        "keda",
        &["KEDA ScaledObject (keda.sh/v1alpha1): scales on the backlog; KEDA must be installed. Never together with autoscaling.enabled."],
        vec![
            leaf("enabled", &[], true),
            leaf("minReplicaCount", &[&k.min_replica_count.reason], k.min_replica_count.value),
            leaf("maxReplicaCount", &[&k.max_replica_count.reason], k.max_replica_count.value),
            leaf("pollingInterval", &[&k.polling_interval.reason], k.polling_interval.value),
            leaf("cooldownPeriod", &[&k.cooldown_period.reason], k.cooldown_period.value),
            map(
                "behavior",
                &["advanced.horizontalPodAutoscalerConfig.behavior of the HPA KEDA makes."],
                vec![
                    scaling("scaleUp", &k.scale_up.reason, &k.scale_up.value),
                    scaling("scaleDown", &k.scale_down.reason, &k.scale_down.value),
                ],
            ),
            leaf("triggers", &[&k.triggers.reason], triggers),
        ],
    )
}

// ---- Chart.yaml and README ----------------------------------------------------------------------

fn chart_yaml(spec: &Spec, plan: &Plan) -> Result<String, Error> {
    let app_version = plan.pod_labels.get("app.kubernetes.io/version").cloned();
    let mut entries = vec![
        leaf("apiVersion", &[], "v2"),
        leaf("name", &["The service name (also the default object name)."], &plan.name),
        leaf(
            "description",
            &[],
            format!(
                "{}: zero-downtime Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler (zerodown, preset {})",
                plan.name, spec.preset
            ),
        ),
        leaf("type", &[], "application"),
        leaf(
            "version",
            &["Chart version: the zerodown version that wrote the templates."],
            VERSION,
        ),
    ];
    if let Some(v) = app_version {
        entries.push(leaf(
            "appVersion",
            &["The image tag (or the digest's first 12 digits)."],
            v,
        ));
    }
    entries.push(leaf(
        "kubeVersion",
        &[&format!(
            "The bundle targets Kubernetes {} (kubeVersion in zerodown.yaml); -0 admits provider builds such as 1.x.y-eks.",
            spec.kube_version
        )],
        format!(">={}.0-0", spec.kube_version),
    ));
    let mut out = String::new();
    emit(&entries, 0, &mut out)?;
    let parsed: Value = serde_yaml_ng::from_str(&out)
        .map_err(|e| Error::Internal(format!("Chart.yaml does not parse: {e}")))?;
    if parsed != Value::Object(to_object(&entries)) {
        return Err(Error::Internal(
            "Chart.yaml does not parse back to its fields".into(),
        ));
    }
    Ok(out)
}

/// One row of the chart README's values table.
#[derive(Serialize)]
struct ValueRow {
    key: String,
    default: String,
    why: String,
}

fn rows(entries: &[Entry], prefix: &str, inherited: &[String], out: &mut Vec<ValueRow>) {
    for e in entries {
        let key = if prefix.is_empty() {
            e.key.to_string()
        } else {
            format!("{prefix}.{}", e.key)
        };
        match &e.node {
            Node::Map(children) if !children.is_empty() => {
                // A mapping's comment explains its children when they have none of their own.
                let own: Vec<String> = if e.comment.is_empty() {
                    inherited.to_vec()
                } else {
                    e.comment.clone()
                };
                rows(children, &key, &own, out)
            }
            node => {
                let why = sentences(if e.comment.is_empty() {
                    inherited
                } else {
                    &e.comment
                });
                let text = serde_json::to_string(&node.to_value()).unwrap_or_default();
                out.push(ValueRow {
                    key,
                    default: code_span(&text),
                    why: why
                        .replace('|', "\\|")
                        .replace('<', "&lt;")
                        .replace(['\n', '\r'], " "),
                });
            }
        }
    }
}

/// Comment lines as one cell: each ends with a full stop (reasons are written without one).
fn sentences(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            let l = l.trim();
            if l.ends_with(['.', ')', ':']) {
                l.to_string()
            } else {
                format!("{l}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` as a Markdown code span inside a table cell: a backtick fence longer than any run of
/// backticks inside, and `|` escaped (GitHub tables split cells on it even in code).
fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

fn readme(spec: &Spec, plan: &Plan, entries: &[Entry]) -> Result<String, Error> {
    let mut table = Vec::new();
    rows(entries, "", &[], &mut table);
    let mut ctx = Context::new();
    ctx.insert("plan", plan);
    ctx.insert("spec", spec);
    ctx.insert("version", VERSION);
    ctx.insert("rows", &table);
    ctx.insert("install", &install_command(plan, "."));
    ctx.insert("install3", &install_command_helm3(plan, "."));
    ctx.insert("timeout", &helm_timeout_seconds(plan));
    let text = super::render_template("chart-README.md.j2", &ctx)?;
    Ok(text.trim_start_matches('\n').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy;
    use crate::preset::Preset;
    use crate::test_support::spec_for;

    #[test]
    fn images_split_and_join_back() {
        let d = format!("sha256:{}", "a".repeat(64));
        for (image, want) in [
            ("nginx", ("nginx", "", "")),
            ("nginx:1.27", ("nginx", "1.27", "")),
            (
                "registry.example.com:5000/shop/checkout:1.4.2",
                ("registry.example.com:5000/shop/checkout", "1.4.2", ""),
            ),
            ("localhost:5000/a", ("localhost:5000/a", "", "")),
        ] {
            let (r, t, g) = split_image(image);
            assert_eq!((r.as_str(), t.as_str(), g.as_str()), want, "{image}");
        }
        let (r, t, g) = split_image(&format!("a/b:1@{d}"));
        assert_eq!((r.as_str(), t.as_str(), g), ("a/b", "1", d.clone()));
    }

    #[test]
    fn timeout_covers_the_deadline_and_a_rollout_at_the_hpa_maximum() {
        let spec = spec_for("spring-boot");
        let plan = policy::plan(&spec, &Preset::builtin("spring-boot").unwrap());
        // 300 s deadline + 9 pods one at a time x (30 s start + 10 s minReady) = 660 s
        assert_eq!(plan.rollout.progress_deadline_seconds.value, 300);
        assert_eq!(plan.hpa.max_replicas.value, 9);
        assert_eq!(plan.probes.startup.value.initial_delay_seconds, 30);
        assert_eq!(plan.rollout.min_ready_seconds.value, 10);
        assert_eq!(helm_timeout_seconds(&plan), 660);
    }

    #[test]
    fn values_yaml_parses_back_to_the_tree_even_with_hostile_strings() {
        let spec = spec_for("worker");
        let mut plan = policy::plan(&spec, &Preset::builtin("worker").unwrap());
        plan.probes.readiness.value.handler = Handler::Exec {
            command: vec![
                "{{ .Release.Name }}".into(),
                "a\nkind: Secret".into(),
                "x: y # z".into(),
                "'\"`".into(),
            ],
        };
        plan.exemptions.push(crate::plan::Exemption {
            object: Object::Pod,
            key: "example.com/a".into(),
            value: "{{ fail \"x\" }}\n- b".into(),
        });
        let entries = values(&plan).unwrap();
        let text = values_yaml(&plan, &entries).unwrap();
        let v: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(
            v["probes"]["readiness"]["exec"]["command"][1],
            "a\nkind: Secret"
        );
        assert_eq!(
            v["podAnnotations"]["example.com/a"],
            "{{ fail \"x\" }}\n- b"
        );
    }

    #[test]
    fn every_value_has_a_reason_in_the_readme_table() {
        for p in Preset::all_builtin() {
            let spec = spec_for(&p.name);
            let plan = policy::plan(&spec, &p);
            let mut table = Vec::new();
            rows(&values(&plan).unwrap(), "", &[], &mut table);
            for r in &table {
                assert!(!r.why.trim().is_empty(), "{} {}", p.name, r.key);
            }
        }
    }

    #[test]
    fn code_spans_survive_backticks_and_pipes() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(code_span("a|b"), "`a\\|b`");
    }
}
