//! What the adopted bundle would change, field by field: every leaf of each input object is
//! compared with the same object of the bundle rendered from the adopted spec. A leaf the bundle
//! sets otherwise is `changed`, one it lacks is `dropped` (the spec cannot say it, or zerodown
//! leaves it out on purpose), one only the bundle has is `added`; each with the reason the plan
//! gives for that field (the rows `zerodown explain` prints), so nothing is left out silently.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::infer::Notes;
use super::App;
use crate::bundle::Bundle;
use crate::check::manifests::{read_manifests, Manifest};
use crate::check::Source;
use crate::plan::Plan;

/// How one field differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Both have it, with other values.
    Changed,
    /// Only the bundle has it.
    Added,
    /// Only the input has it: not carried over.
    Dropped,
}

/// One difference between an input object and the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `Kind` of the object.
    pub kind: String,
    /// Its name (the input's, else the bundle's).
    pub name: String,
    /// The field, dotted, list items by name: `spec.template.spec.containers[web].image`.
    pub field: String,
    /// What it is in the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// What it is in the bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Changed, added or dropped.
    pub change: ChangeKind,
    /// Why (the plan's reason for the field, or why the spec cannot carry it).
    pub reason: String,
}

/// All differences, in object order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Field differences.
    pub changes: Vec<Change>,
}

impl Report {
    /// The differences of one kind.
    pub fn of(&self, change: ChangeKind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.change == change)
    }

    /// The human report (stderr): one block per object, one line per field.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let mut last = (String::new(), String::new());
        for c in &self.changes {
            let obj = (c.kind.clone(), c.name.clone());
            if obj != last {
                out.push_str(&format!("{} {}\n", c.kind, c.name));
                last = obj;
            }
            let what = match (c.change, &c.from, &c.to) {
                (ChangeKind::Changed, Some(f), Some(t)) => format!("changed {f} -> {t}"),
                (ChangeKind::Added, _, Some(t)) => format!("added {t}"),
                (ChangeKind::Dropped, Some(f), _) => format!("NOT CARRIED OVER {f}"),
                _ => format!("{:?}", c.change).to_lowercase(),
            };
            out.push_str(&format!("  {}: {what}\n      why: {}\n", c.field, c.reason));
        }
        let n = |k| self.of(k).count();
        out.push_str(&format!(
            "{} changed, {} added, {} not carried over\n",
            n(ChangeKind::Changed),
            n(ChangeKind::Added),
            n(ChangeKind::Dropped)
        ));
        out
    }
}

/// API defaults a live object shows and a bundle need not repeat (`field suffix`, value).
const SERVER_DEFAULTS: [(&str, &str); 24] = [
    ("dnsPolicy", "ClusterFirst"),
    ("restartPolicy", "Always"),
    ("schedulerName", "default-scheduler"),
    ("terminationMessagePath", "/dev/termination-log"),
    ("terminationMessagePolicy", "File"),
    ("protocol", "TCP"),
    ("sessionAffinity", "None"),
    ("ipFamilyPolicy", "SingleStack"),
    ("internalTrafficPolicy", "Cluster"),
    ("scheme", "HTTP"),
    ("successThreshold", "1"),
    ("timeoutSeconds", "1"),
    ("periodSeconds", "10"),
    ("failureThreshold", "3"),
    ("initialDelaySeconds", "0"),
    ("strategy.type", "RollingUpdate"),
    ("progressDeadlineSeconds", "600"),
    ("revisionHistoryLimit", "10"),
    ("maxSurge", "25%"),
    ("maxUnavailable", "25%"),
    ("imagePullPolicy", "IfNotPresent"),
    ("creationTimestamp", "null"),
    ("pathType", "ImplementationSpecific"),
    ("terminationGracePeriodSeconds", "30"),
];

/// Server-set fields of a live Service (allocated by the API server, never written by a user).
const SERVER_FIELDS: [&str; 4] = [
    "spec.clusterIP",
    "spec.clusterIPs",
    "spec.ipFamilies",
    "nodePort",
];

/// Compares `app` with `bundle` (rendered from `plan`). Adds a loud warning when the
/// Deployment's selector differs (it is immutable).
pub fn compare(
    app: &App<'_>,
    bundle: &Bundle,
    plan: &Plan,
    notes: Notes,
    warnings: &mut Vec<String>,
) -> Report {
    let sources: Vec<Source> = bundle
        .files
        .iter()
        .filter(|f| {
            f.path.ends_with(".yaml")
                && !f.path.contains('/')
                && f.path != "zerodown.yaml"
                && f.path != "kustomization.yaml"
        })
        .map(|f| Source::new(f.path.clone(), f.contents.clone()))
        .collect();
    let (rendered, _) = read_manifests(&sources);
    let rows = plan.rows();
    let mut report = Report::default();
    let pairs: Vec<(&str, Option<&Manifest>)> = vec![
        ("Deployment", app.deployment),
        ("Service", app.services.first().copied()),
        ("PodDisruptionBudget", app.pdbs.first().copied()),
        ("HorizontalPodAutoscaler", app.hpa),
        ("ScaledObject", app.scaled_object),
        ("Ingress", app.ingresses.first().copied()),
        ("HTTPRoute", app.http_routes.first().copied()),
        ("NetworkPolicy", app.network_policies.first().copied()),
        ("ServiceAccount", app.service_account),
        ("Namespace", app.namespace),
    ];
    for (kind, input) in pairs {
        let out = rendered.iter().find(|m| m.kind == kind);
        match (input, out) {
            (None, None) => {}
            (Some(i), None) => {
                let reason = match kind {
                    "HorizontalPodAutoscaler" => "the spec scales with KEDA (a ScaledObject makes its own HPA; two owners of spec.replicas fight)",
                    "ScaledObject" => "its triggers cannot be said in the spec: the bundle scales on CPU with an HPA",
                    "Namespace" => "namespaceObject is false",
                    _ => "the bundle has no such object for this spec",
                };
                report.changes.push(Change {
                    kind: kind.into(),
                    name: i.name.clone(),
                    field: "(whole object)".into(),
                    from: Some(i.display()),
                    to: None,
                    change: ChangeKind::Dropped,
                    reason: reason.into(),
                });
            }
            (None, Some(o)) => {
                let reason = rows
                    .iter()
                    .find(|r| r.object == kind)
                    .map(|r| r.reason.clone())
                    .unwrap_or_else(|| "part of every zerodown bundle of this spec".into());
                report.changes.push(Change {
                    kind: kind.into(),
                    name: o.name.clone(),
                    field: "(whole object)".into(),
                    from: None,
                    to: Some(o.display()),
                    change: ChangeKind::Added,
                    reason,
                });
            }
            (Some(i), Some(o)) => diff(kind, i, o, &rows, &notes, &mut report),
        }
    }
    if let (Some(dep), Some(out)) = (
        app.deployment,
        rendered.iter().find(|m| m.kind == "Deployment"),
    ) {
        let old = dep.value.pointer("/spec/selector");
        let new = out.value.pointer("/spec/selector");
        if old.is_some() && old != new {
            warnings.push(format!(
                "SELECTOR DIFFERS: {} selects {} but the bundle selects {}; spec.selector is immutable (apps/v1), so `kubectl apply` of the bundle over the running Deployment fails with \"field is immutable\", and the bundle's Service selects only the new pods. The spec cannot say a custom selector: apply the new Deployment first and wait until its pods are Ready, and only then the Service (see the bundle README, \"Adopting an existing Deployment\"); `zerodown check BUNDLE --against OLD` shows what the switch breaks",
                dep.display(),
                compact(old.unwrap_or(&Value::Null)),
                compact(new.unwrap_or(&Value::Null))
            ));
        }
    }
    // A Service port that moves: clients of the old port get connection refused after the apply.
    for c in report.of(ChangeKind::Changed) {
        if is_service_port(&c.kind, &c.field) {
            warnings.push(format!(
                "SERVICE PORT MOVES: Service {} {} {} -> {}; clients that call the old port fail after the apply: move them first, or keep the old port in the bundle's custom/ layer",
                c.name,
                c.field,
                c.from.as_deref().unwrap_or("?"),
                c.to.as_deref().unwrap_or("?")
            ));
        }
    }
    report
}

fn diff(
    kind: &str,
    input: &Manifest,
    out: &Manifest,
    rows: &[crate::plan::Row],
    notes: &Notes,
    report: &mut Report,
) {
    let mut a = BTreeMap::new();
    flatten(&input.value, String::new(), &mut a);
    let mut b = BTreeMap::new();
    flatten(&out.value, String::new(), &mut b);
    // The app container is named after the app in the bundle.
    let rename = |m: BTreeMap<String, String>, from: &str, to: &str| -> BTreeMap<String, String> {
        let pat = format!("containers[{from}]");
        let with = format!("containers[{to}]");
        m.into_iter()
            .map(|(k, v)| (k.replace(&pat, &with), v))
            .collect()
    };
    if kind == "Deployment" {
        let first = |v: &Value| {
            v.pointer("/spec/template/spec/containers/0/name")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let main = input
            .value
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(input.name.as_str()))
            })
            .and_then(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
            .or_else(|| first(&input.value));
        if let (Some(from), Some(to)) = (main, first(&out.value)) {
            a = rename(a, &from, &to);
        }
    }
    // Different API versions of one kind (autoscaling/v1 and v2) are compared by field.
    for k in ["apiVersion", "kind"] {
        a.remove(k);
        b.remove(k);
    }
    let name = input.name.clone();
    for (path, from) in &a {
        let to = b.get(path);
        if to == Some(from) {
            continue;
        }
        if to.is_none() && is_server_default(path, from) {
            continue;
        }
        let change = if to.is_some() {
            ChangeKind::Changed
        } else {
            ChangeKind::Dropped
        };
        let service_port = is_service_port(kind, path);
        let reason = note_for(notes, path)
            .or_else(|| service_port.then(|| "the bundle's Service listens on the container port (the spec has one port): clients that call the old port must move to the new one, or keep the old port in the custom/ layer".to_string()))
            .or_else(|| reason_for(kind, path, rows))
            .unwrap_or_else(|| {
                if change == ChangeKind::Dropped {
                    "the spec cannot say this field; carry it in the bundle's custom/ layer (a kustomize patch) if it matters".into()
                } else {
                    "the bundle's value for this spec".into()
                }
            });
        report.changes.push(Change {
            kind: kind.into(),
            name: name.clone(),
            field: path.clone(),
            from: Some(from.clone()),
            to: to.cloned(),
            change,
            reason,
        });
    }
    for (path, to) in &b {
        if a.contains_key(path) {
            continue;
        }
        let reason =
            reason_for(kind, path, rows).unwrap_or_else(|| "part of every zerodown bundle".into());
        report.changes.push(Change {
            kind: kind.into(),
            name: name.clone(),
            field: path.clone(),
            from: None,
            to: Some(to.clone()),
            change: ChangeKind::Added,
            reason,
        });
    }
}

/// Whether a field is the `port` of a Service port (not its `targetPort` or `nodePort`).
fn is_service_port(kind: &str, path: &str) -> bool {
    kind == "Service" && path.starts_with("spec.ports") && path.ends_with(".port")
}

fn is_server_default(path: &str, value: &str) -> bool {
    if SERVER_FIELDS
        .iter()
        .any(|f| path == *f || path.ends_with(&format!(".{f}")))
    {
        return true;
    }
    SERVER_DEFAULTS
        .iter()
        .any(|(suffix, v)| path.ends_with(suffix) && value == *v)
}

fn note_for(notes: &Notes, path: &str) -> Option<String> {
    notes
        .iter()
        .find(|(p, _)| {
            path == p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}["))
        })
        .map(|(_, w)| w.clone())
}

/// The plan's reason for a field: the row of the same object whose field's segments appear in
/// order in the path (`startupProbe` in `...containers[app].startupProbe.periodSeconds`).
fn reason_for(kind: &str, path: &str, rows: &[crate::plan::Row]) -> Option<String> {
    let segs: Vec<&str> = path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .collect();
    let env_name = path.split("env[").nth(1).and_then(|r| r.split(']').next());
    let mut hit = None;
    for r in rows.iter().filter(|r| r.object == kind) {
        let field = r.field.rsplit(' ').next().unwrap_or(r.field);
        let want: Vec<&str> = field.split('.').collect();
        let found = segs.windows(want.len()).any(|w| w == want.as_slice());
        if found {
            if field == "env" {
                if let Some(n) = env_name {
                    if r.value.starts_with(&format!("{n}=")) {
                        return Some(r.reason.clone());
                    }
                    continue;
                }
            }
            hit.get_or_insert(r.reason.clone());
        }
    }
    hit
}

/// Flattens to leaves: `a.b[name].c` for list items with a `name` (containers, env, ports,
/// volumes), `a.b[0]` otherwise; a list of scalars is one leaf.
fn flatten(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                if path == "metadata" && (k == "creationTimestamp") {
                    continue;
                }
                let key = if k.contains('.') || k.contains('/') {
                    format!("[{k}]")
                } else {
                    k.clone()
                };
                let p = if key.starts_with('[') {
                    format!("{path}{key}")
                } else {
                    join(&key)
                };
                flatten(x, p, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, x) in items.iter().enumerate() {
                let id = x
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string());
                flatten(x, format!("{path}[{id}]"), out);
            }
        }
        other => {
            out.insert(path, compact(other));
        }
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
