//! Every Kubernetes object of the input, read by the check parser, for the commands that read
//! more than the audited kinds: `zerodown adopt` (Ingress, HTTPRoute, ServiceAccount, ...) and
//! `zerodown check --against` (Jobs, PersistentVolumeClaims, ...).
//!
//! Live-cluster dumps (`kubectl get -o yaml`) are reduced to what a user wrote: the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation when present (what the last
//! `kubectl apply` sent), otherwise the object without `status` and the server-set metadata.

use serde_json::Value;

use super::model::{InputError, Object};
use super::Source;

/// The annotation `kubectl apply` keeps the applied manifest in (client-side apply).
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Metadata fields the API server sets; never part of what a user wrote.
const SERVER_METADATA: [&str; 8] = [
    "managedFields",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "selfLink",
    "ownerReferences",
    "finalizers",
];

/// Annotations controllers and the API server add to live objects.
const SERVER_ANNOTATIONS: [&str; 3] = [
    LAST_APPLIED,
    "deployment.kubernetes.io/revision",
    "autoscaling.alpha.kubernetes.io/conditions",
];

/// One object of the input with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// `apiVersion`, e.g. `apps/v1`.
    pub api_version: String,
    /// `metadata.name` (or `generateName`, or `<unnamed>`).
    pub name: String,
    /// `metadata.namespace`, `default` when absent.
    pub namespace: String,
    /// The source name (path as given, or `<stdin>`).
    pub file: String,
    /// 1-based first content line of the object's document.
    pub line: usize,
    /// The object as JSON, reduced by [`as_written`].
    pub value: Value,
    /// Whether `value` came from the last-applied-configuration annotation.
    pub from_last_applied: bool,
}

impl Manifest {
    /// `Kind namespace/name`, as used in messages.
    pub fn display(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// Parses `sources` with the check parser and returns every Kubernetes object (audited or not)
/// in input order, each reduced by [`as_written`], with the parser's input problems.
pub fn read_manifests(sources: &[Source]) -> (Vec<Manifest>, Vec<InputError>) {
    let parsed = super::parse::parse_sources(sources);
    let mut all: Vec<&Object> = parsed.objects.iter().chain(parsed.others.iter()).collect();
    all.sort_by_key(|o| (o.source, o.text.0));
    let manifests = all
        .into_iter()
        .map(|o| {
            let (value, from_last_applied) = as_written(&o.value);
            Manifest {
                kind: o.kind.clone(),
                api_version: o.api_version.clone(),
                name: o.name.clone(),
                namespace: o.namespace.clone(),
                file: sources[o.source].name.clone(),
                line: o.line,
                value,
                from_last_applied,
            }
        })
        .collect();
    (manifests, parsed.input_errors)
}

/// What a user wrote of `object`: the last-applied-configuration when the annotation holds a
/// JSON object of the same kind, else `object` without `status`, the server-set metadata and
/// the controllers' annotations. The bool says whether the annotation was used.
pub fn as_written(object: &Value) -> (Value, bool) {
    let applied = object
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .filter(|v| v.get("kind").is_some() && v.get("kind") == object.get("kind"));
    let (mut v, used) = match applied {
        Some(a) => (a, true),
        None => (object.clone(), false),
    };
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in SERVER_METADATA {
                meta.remove(k);
            }
            if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                for k in SERVER_ANNOTATIONS {
                    ann.remove(k);
                }
                if ann.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
    }
    (v, used)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_object_is_read_from_its_last_applied_configuration() {
        let live = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  uid: 1234
  annotations:
    deployment.kubernetes.io/revision: "4"
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":3}}
spec:
  replicas: 5
  progressDeadlineSeconds: 600
status:
  readyReplicas: 5
"#;
        let (m, errors) = read_manifests(&[Source::new("live.yaml", live)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.len(), 1);
        assert!(m[0].from_last_applied);
        assert_eq!(
            m[0].value,
            serde_json::json!({"apiVersion":"apps/v1","kind":"Deployment",
                "metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":3}})
        );
    }

    #[test]
    fn without_the_annotation_status_and_server_metadata_go() {
        let live = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  uid: x\n  resourceVersion: \"9\"\nspec:\n  type: ClusterIP\nstatus:\n  loadBalancer: {}\n";
        let (m, _) = read_manifests(&[Source::new("s.yaml", live)]);
        assert!(!m[0].from_last_applied);
        assert_eq!(
            m[0].value,
            serde_json::json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"type":"ClusterIP"}})
        );
        assert_eq!((m[0].namespace.as_str(), m[0].line), ("default", 1));
    }
}
