//! Objects read back from a cluster (`kubectl get -o yaml|json`): the server's copy is the user's
//! manifest plus everything the API server and the controllers filled in, so it is turned back
//! into what the user applied before any rule looks at it.
//!
//! In order of preference (first that applies):
//! 1. `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`, written by
//!    client-side `kubectl apply`: the applied object itself, judged as is
//!    ([`Provenance::LastApplied`]).
//! 2. `metadata.managedFields` (shown by `kubectl get --show-managed-fields`) with at least one
//!    `operation: Apply` entry (server-side apply: `kubectl apply --server-side`, Helm 4, Argo CD,
//!    Flux): `spec` is pruned to the fields some manager owns, leaving out the `scale` and
//!    `status` subresources, so a `spec.replicas` written by the HPA controller
//!    (`kube-controller-manager` through `/scale`) and every defaulted field, which no manager
//!    owns, are read as unset ([`Provenance::ServerSideApply`]).
//! 3. Otherwise (`kubectl create`, Helm 3 and other `Update` managers own the defaults they sent,
//!    and plain `kubectl get -o yaml` hides managedFields) values equal to the documented API-server
//!    defaults are removed, and whether `spec.replicas` was set beside an autoscaler cannot be
//!    told: it is dropped when an HPA or ScaledObject of the input targets the workload
//!    ([`Provenance::Defaulted`]); the report says so in one note per source.
//!
//! `status` is always dropped. Sources: "Server-Side Apply", Field management
//! (<https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management>, the
//! FieldsV1 format of `f:`, `k:`, `v:`, `i:` keys), and the defaulting functions of
//! `k8s.io/kubernetes/pkg/apis/{apps,core}/v1/defaults.go` (Deployment strategy 25%/25%,
//! progressDeadlineSeconds 600, revisionHistoryLimit 10; pod terminationGracePeriodSeconds 30,
//! dnsPolicy ClusterFirst, probe timeoutSeconds 1 / periodSeconds 10 / successThreshold 1 /
//! failureThreshold 3, imagePullPolicy by tag, ...).

use serde_json::{Map, Value};

/// The annotation client-side `kubectl apply` keeps the applied object in (JSON).
pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Where the audited form of an object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Provenance {
    /// Not read from a cluster: a manifest, rendered output.
    #[default]
    Manifest,
    /// The `kubectl.kubernetes.io/last-applied-configuration` annotation.
    LastApplied,
    /// `managedFields` with server-side-apply managers: the fields they own.
    ServerSideApply,
    /// Neither: API-server defaults removed by value; `spec.replicas` undecidable.
    Defaulted,
}

impl Provenance {
    /// Whether a `spec.replicas` in the audited form may be the server's, not the user's.
    pub fn replicas_undecidable(self) -> bool {
        self == Provenance::Defaulted
    }
}

/// Whether `v` was read from an API server rather than written by hand or rendered: it carries
/// server-assigned metadata (`uid`, `resourceVersion`, `managedFields`, a `creationTimestamp`
/// string; `kubectl create --dry-run -o yaml` writes `creationTimestamp: null`).
pub(crate) fn is_live(v: &Value) -> bool {
    let Some(m) = v.get("metadata").and_then(Value::as_object) else {
        return false;
    };
    m.get("uid").is_some_and(Value::is_string)
        || m.get("resourceVersion")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        || m.get("managedFields").is_some_and(Value::is_array)
        || m.get("creationTimestamp").is_some_and(Value::is_string)
}

/// Whether an owner reference marks `v` as made by a controller (`controller: true`): a
/// ReplicaSet's Pods, a Deployment's ReplicaSets, a Service's EndpointSlices.
pub(crate) fn controller_owned(v: &Value) -> bool {
    v.get("metadata")
        .and_then(|m| m.get("ownerReferences"))
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        })
}

/// The form of a live object to audit, and where it came from. Objects that are not live are
/// returned unchanged with [`Provenance::Manifest`].
pub(crate) fn applied_form(mut v: Value) -> (Value, Provenance) {
    if !is_live(&v) {
        return (v, Provenance::Manifest);
    }
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Value::Object(top) = &mut v else {
        return (v, Provenance::Manifest);
    };
    top.remove("status");
    let meta = top.get_mut("metadata").and_then(Value::as_object_mut);
    let (managed, last_applied) = match meta {
        Some(meta) => {
            let managed = meta.remove("managedFields");
            let last = meta
                .get_mut("annotations")
                .and_then(Value::as_object_mut)
                .and_then(|a| a.remove(LAST_APPLIED));
            if meta
                .get("annotations")
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                meta.remove("annotations");
            }
            (managed, last)
        }
        None => (None, None),
    };
    if let Some(applied) = last_applied
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .filter(|a| a.get("kind").and_then(Value::as_str) == Some(kind.as_str()))
    {
        return (with_server_identity(applied, &v), Provenance::LastApplied);
    }
    if let Some(fields) = managed.as_ref().and_then(applied_fields) {
        if let Some(spec) = v.get("spec") {
            let pruned = fields
                .get("f:spec")
                .and_then(Value::as_object)
                .and_then(|fs| prune(spec, fs))
                .unwrap_or_else(|| Value::Object(Map::new()));
            v["spec"] = pruned;
        }
        return (v, Provenance::ServerSideApply);
    }
    strip_defaults(&kind, &mut v);
    (v, Provenance::Defaulted)
}

/// The applied object with the server's namespace and owner references (the applied object may
/// have relied on `kubectl -n`, and owners are set by controllers, never applied).
fn with_server_identity(mut applied: Value, server: &Value) -> Value {
    let Some(server_meta) = server.get("metadata") else {
        return applied;
    };
    if !applied.get("metadata").is_some_and(Value::is_object) {
        applied["metadata"] = Value::Object(Map::new());
    }
    let meta = &mut applied["metadata"];
    for key in ["namespace", "ownerReferences"] {
        if let Some(x) = server_meta.get(key) {
            meta[key] = x.clone();
        }
    }
    applied
}

/// The union of the field sets of the managers that wrote the object's own fields, when one of
/// them used server-side apply; `None` when every manager used `Update` (their sets include the
/// defaults of the objects they created, so they tell nothing) or nothing is recorded. Entries of
/// the `scale` and `status` subresources (the HPA controller, `kubectl scale`, controllers'
/// status updates) are left out.
fn applied_fields(managed: &Value) -> Option<Map<String, Value>> {
    let entries = managed.as_array()?;
    let own = |e: &&Value| {
        e.get("subresource")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
            && e.get("fieldsType").and_then(Value::as_str) == Some("FieldsV1")
    };
    if !entries
        .iter()
        .filter(own)
        .any(|e| e.get("operation").and_then(Value::as_str) == Some("Apply"))
    {
        return None;
    }
    let mut union = Map::new();
    for e in entries.iter().filter(own) {
        if let Some(fs) = e.get("fieldsV1").and_then(Value::as_object) {
            merge(&mut union, fs);
        }
    }
    Some(union)
}

/// Adds field set `src` to `dst` (FieldsV1 sets are trees of maps; a union is a deep merge).
fn merge(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (k, s) in src {
        match (dst.get_mut(k), s) {
            (Some(Value::Object(d)), Value::Object(s)) => merge(d, s),
            (None, s) => {
                dst.insert(k.clone(), s.clone());
            }
            _ => {}
        }
    }
}

/// `v` reduced to the fields of FieldsV1 set `fs`: `f:NAME` a mapping key, `k:{...}` a list
/// item whose key fields equal the JSON object, `v:VALUE` a set item, `i:N` an item by index;
/// an empty set owns the whole value (a scalar, or an atomic list or map). `None` when nothing
/// of `v` is owned.
pub(crate) fn prune(v: &Value, fs: &Map<String, Value>) -> Option<Value> {
    if fs.is_empty() {
        return Some(v.clone());
    }
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, child) in m {
                if let Some(Value::Object(sub)) = fs.get(&format!("f:{k}")) {
                    if let Some(c) = prune(child, sub) {
                        out.insert(k.clone(), c);
                    }
                }
            }
            (!out.is_empty() || fs.contains_key(".")).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let sub = fs.iter().find_map(|(key, sub)| {
                    let hit = if let Some(json) = key.strip_prefix("k:") {
                        serde_json::from_str::<Map<String, Value>>(json)
                            .is_ok_and(|keys| keys.iter().all(|(k, x)| item.get(k) == Some(x)))
                    } else if let Some(json) = key.strip_prefix("v:") {
                        serde_json::from_str::<Value>(json).is_ok_and(|x| &x == item)
                    } else if let Some(n) = key.strip_prefix("i:") {
                        n.parse::<usize>() == Ok(i)
                    } else {
                        false
                    };
                    hit.then_some(sub)
                });
                if let Some(Value::Object(sub)) = sub {
                    out.extend(prune(item, sub));
                }
            }
            (!out.is_empty() || fs.contains_key(".")).then_some(Value::Array(out))
        }
        scalar => Some(scalar.clone()),
    }
}

/// Removes `key` from `m` when its value equals `default`.
fn drop_eq(m: &mut Map<String, Value>, key: &str, default: Value) {
    if m.get(key) == Some(&default) {
        m.remove(key);
    }
}

/// Removes the `key` mapping when it is empty.
fn drop_empty(m: &mut Map<String, Value>, key: &str) {
    if m.get(key)
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        m.remove(key);
    }
}

fn object_at<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    let mut cur = v;
    for k in path {
        cur = cur.get_mut(*k)?;
    }
    cur.as_object_mut()
}

/// The API server's default `imagePullPolicy` for an image (core/v1 SetDefaults_Container):
/// `Always` for a `:latest` tag or no tag, else `IfNotPresent`.
fn default_pull_policy(image: &str) -> &'static str {
    if image.contains('@') {
        return "IfNotPresent";
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) if tag != "latest" => "IfNotPresent",
        _ => "Always",
    }
}

/// Removes the values the API server fills in by default (apps/v1 and core/v1 defaults.go) from a
/// live object, so that rules judging "unset" see them as unset. Values equal to a default mean
/// the same whether written or defaulted, so no verdict changes; messages then say "(default)".
fn strip_defaults(kind: &str, v: &mut Value) {
    use serde_json::json;
    if let Some(spec) = object_at(v, &["spec"]) {
        drop_eq(spec, "revisionHistoryLimit", json!(10));
        match kind {
            "Deployment" => {
                drop_eq(spec, "progressDeadlineSeconds", json!(600));
                if let Some(s) = spec.get_mut("strategy").and_then(Value::as_object_mut) {
                    if let Some(ru) = s.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                        drop_eq(ru, "maxSurge", json!("25%"));
                        drop_eq(ru, "maxUnavailable", json!("25%"));
                    }
                    drop_empty(s, "rollingUpdate");
                    drop_eq(s, "type", json!("RollingUpdate"));
                }
                drop_empty(spec, "strategy");
            }
            "StatefulSet" => {
                drop_eq(spec, "podManagementPolicy", json!("OrderedReady"));
                drop_eq(
                    spec,
                    "persistentVolumeClaimRetentionPolicy",
                    json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                );
                drop_eq(
                    spec,
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                );
            }
            "DaemonSet" => drop_eq(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}),
            ),
            _ => {}
        }
    }
    if let Some(tm) = object_at(v, &["spec", "template", "metadata"]) {
        drop_eq(tm, "creationTimestamp", Value::Null);
    }
    let pod_path: &[&str] = if kind == "Pod" {
        &["spec"]
    } else {
        &["spec", "template", "spec"]
    };
    let Some(pod) = object_at(v, pod_path) else {
        return;
    };
    drop_eq(pod, "restartPolicy", json!("Always"));
    drop_eq(pod, "terminationGracePeriodSeconds", json!(30));
    drop_eq(pod, "dnsPolicy", json!("ClusterFirst"));
    drop_eq(pod, "schedulerName", json!("default-scheduler"));
    drop_empty(pod, "securityContext");
    for list in ["containers", "initContainers"] {
        let Some(items) = pod.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in items.iter_mut().filter_map(Value::as_object_mut) {
            drop_eq(c, "terminationMessagePath", json!("/dev/termination-log"));
            drop_eq(c, "terminationMessagePolicy", json!("File"));
            let image = c.get("image").and_then(Value::as_str).unwrap_or("");
            let pull = default_pull_policy(image);
            drop_eq(c, "imagePullPolicy", json!(pull));
            drop_empty(c, "resources");
            if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
                for p in ports.iter_mut().filter_map(Value::as_object_mut) {
                    drop_eq(p, "protocol", json!("TCP"));
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                let Some(p) = c.get_mut(probe).and_then(Value::as_object_mut) else {
                    continue;
                };
                drop_eq(p, "timeoutSeconds", json!(1));
                drop_eq(p, "periodSeconds", json!(10));
                drop_eq(p, "successThreshold", json!(1));
                drop_eq(p, "failureThreshold", json!(3));
                if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
                    drop_eq(h, "scheme", json!("HTTP"));
                }
            }
        }
    }
}

/// Removes `spec.replicas` from workloads whose count the server may have filled in
/// ([`Provenance::replicas_undecidable`]) when an HPA or KEDA ScaledObject of the same namespace
/// targets them: whether the user also set it cannot be told, and the autoscaler owns the count.
/// Returns how many were removed.
pub(crate) fn settle_replicas(objects: &mut [super::model::Object]) -> usize {
    use std::collections::HashSet;
    let targets: HashSet<(String, String, String)> = objects
        .iter()
        .filter(|o| {
            o.kind == "HorizontalPodAutoscaler"
                || (o.kind == "ScaledObject" && o.api_version.starts_with("keda.sh/"))
        })
        .filter_map(|o| {
            let r = o.value.get("spec")?.get("scaleTargetRef")?;
            let kind = r
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("Deployment");
            let name = r.get("name")?.as_str()?;
            Some((o.namespace.clone(), kind.to_string(), name.to_string()))
        })
        .collect();
    let mut removed = 0;
    for o in objects.iter_mut() {
        if !o.provenance.replicas_undecidable()
            || !targets.contains(&(o.namespace.clone(), o.kind.clone(), o.name.clone()))
        {
            continue;
        }
        if let Some(spec) = o.value.get_mut("spec").and_then(Value::as_object_mut) {
            removed += usize::from(spec.remove("replicas").is_some());
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pruning_follows_the_fields_v1_format() {
        let spec = json!({
            "replicas": 5,
            "progressDeadlineSeconds": 600,
            "template": {"spec": {"containers": [
                {"name": "app", "image": "a:1", "terminationMessagePath": "/dev/termination-log",
                 "ports": [{"containerPort": 8080, "protocol": "TCP"}]},
                {"name": "side", "image": "s:1"}
            ]}}
        });
        let fs = json!({
            "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {},
                    "f:ports": {"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}
            }}}
        });
        let pruned = prune(&spec, fs.as_object().unwrap()).unwrap();
        assert_eq!(
            pruned,
            json!({"template": {"spec": {"containers": [
                {"name": "app", "image": "a:1", "ports": [{"containerPort": 8080}]}
            ]}}})
        );
    }

    #[test]
    fn defaults_go_and_choices_stay() {
        let mut v = json!({
            "kind": "Deployment",
            "spec": {
                "replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 900,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "a"}}, "spec": {
                    "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst", "securityContext": {},
                    "containers": [{"name": "a", "image": "r/a:latest", "imagePullPolicy": "Always",
                        "resources": {}, "readinessProbe": {"timeoutSeconds": 1, "periodSeconds": 5,
                        "httpGet": {"path": "/", "port": 80, "scheme": "HTTP"}}}]
                }}
            }
        });
        strip_defaults("Deployment", &mut v);
        assert_eq!(
            v,
            json!({
                "kind": "Deployment",
                "spec": {
                    "replicas": 3, "progressDeadlineSeconds": 900,
                    "strategy": {"rollingUpdate": {"maxUnavailable": 0}},
                    "template": {"metadata": {"labels": {"app": "a"}}, "spec": {
                        "containers": [{"name": "a", "image": "r/a:latest",
                            "readinessProbe": {"periodSeconds": 5, "httpGet": {"path": "/", "port": 80}}}]
                    }}
                }
            })
        );
        assert_eq!(default_pull_policy("r:5000/a"), "Always");
        assert_eq!(default_pull_policy("r:5000/a:1.2"), "IfNotPresent");
        assert_eq!(default_pull_policy("a@sha256:00"), "IfNotPresent");
    }
}
