//! Round trip of every rendered object through its k8s-openapi type: the YAML is parsed, turned
//! into the typed object (which drops unknown fields and rejects wrong types), serialized again,
//! and compared with the original. Any difference is a template bug, reported before writing.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// Checks one rendered manifest. `file` names it in the error.
///
/// Errors: [`Error::Internal`] with the first field path where the typed object differs from the
/// YAML (an unknown or misspelt field, a wrong type), or the parse error.
pub fn verify(file: &str, yaml: &str) -> Result<(), Error> {
    let value: Value = serde_yaml_ng::from_str(yaml)
        .map_err(|e| Error::Internal(format!("{file} is not valid YAML: {e}")))?;
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match (api_version.as_str(), kind.as_str()) {
        ("apps/v1", "Deployment") => round_trip::<Deployment>(file, value),
        ("v1", "Service") => round_trip::<Service>(file, value),
        ("v1", "Namespace") => round_trip::<Namespace>(file, value),
        ("v1", "ServiceAccount") => round_trip::<ServiceAccount>(file, value),
        ("policy/v1", "PodDisruptionBudget") => round_trip::<PodDisruptionBudget>(file, value),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            round_trip::<HorizontalPodAutoscaler>(file, value)
        }
        ("networking.k8s.io/v1", "Ingress") => round_trip::<Ingress>(file, value),
        ("networking.k8s.io/v1", "NetworkPolicy") => round_trip::<NetworkPolicy>(file, value),
        ("gateway.networking.k8s.io/v1", "HTTPRoute") => {
            round_trip::<gateway::HttpRoute>(file, value)
        }
        ("keda.sh/v1alpha1", "ScaledObject") => round_trip::<keda::ScaledObject>(file, value),
        _ => Err(Error::Internal(format!(
            "{file}: unexpected object {api_version}/{kind}"
        ))),
    }
}

/// The Gateway API HTTPRoute (`gateway.networking.k8s.io/v1`), which k8s-openapi does not have:
/// exactly the fields zerodown emits, named and shaped as in the Gateway API v1 HTTPRoute CRD
/// (`HTTPRouteSpec`, `ParentReference`, `HTTPRouteRule`, `HTTPRouteMatch`, `HTTPPathMatch`,
/// `HTTPBackendRef`), each struct refusing unknown fields. CI also validates the emitted routes
/// against the CRD's own schema (`.ci/crd-validate.py`).
pub mod gateway {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::{Deserialize, Serialize};

    /// An HTTPRoute object.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HttpRoute {
        pub api_version: String,
        pub kind: String,
        pub metadata: ObjectMeta,
        pub spec: HttpRouteSpec,
    }

    /// `spec`: the Gateway(s), the hostnames and the rules.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HttpRouteSpec {
        pub parent_refs: Vec<ParentReference>,
        pub hostnames: Vec<String>,
        pub rules: Vec<HttpRouteRule>,
    }

    /// `spec.parentRefs[]`: a Gateway by name, with its namespace and listener when given.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct ParentReference {
        pub name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub namespace: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub section_name: Option<String>,
    }

    /// `spec.rules[]`: matches and the backends they go to.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HttpRouteRule {
        pub matches: Vec<HttpRouteMatch>,
        pub backend_refs: Vec<HttpBackendRef>,
    }

    /// `spec.rules[].matches[]`: a path match.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HttpRouteMatch {
        pub path: HttpPathMatch,
    }

    /// `matches[].path`: the match type and the value.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HttpPathMatch {
        #[serde(rename = "type")]
        pub match_type: PathMatchType,
        pub value: String,
    }

    /// The path match types of the CRD's enum.
    #[derive(Debug, Deserialize, Serialize)]
    pub enum PathMatchType {
        Exact,
        PathPrefix,
        RegularExpression,
    }

    /// `backendRefs[]`: a Service in the route's namespace, by name and port number.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HttpBackendRef {
        pub name: String,
        pub port: u16,
    }
}

/// KEDA's ScaledObject (keda.sh/v1alpha1), which k8s-openapi lacks: exactly the fields the
/// bundle writes, each as the CRD spells it (KEDA `config/crd/bases/keda.sh_scaledobjects.yaml`,
/// checked in CI by `.ci/crd-validate.py`). Unknown fields are refused, so a template slip
/// fails here as it would for a built-in kind.
pub mod keda {
    use std::collections::BTreeMap;

    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerBehavior;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::{Deserialize, Serialize};

    /// The object.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct ScaledObject {
        pub api_version: String,
        pub kind: String,
        pub metadata: ObjectMeta,
        pub spec: Spec,
    }

    /// `spec`.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Spec {
        pub scale_target_ref: ScaleTargetRef,
        pub min_replica_count: i32,
        pub max_replica_count: i32,
        pub polling_interval: i32,
        pub cooldown_period: i32,
        pub advanced: Advanced,
        pub triggers: Vec<Trigger>,
    }

    /// `spec.scaleTargetRef`.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct ScaleTargetRef {
        pub api_version: String,
        pub kind: String,
        pub name: String,
    }

    /// `spec.advanced`.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Advanced {
        pub horizontal_pod_autoscaler_config: HpaConfig,
    }

    /// `spec.advanced.horizontalPodAutoscalerConfig`: the HPA's own behavior type.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct HpaConfig {
        pub behavior: HorizontalPodAutoscalerBehavior,
    }

    /// One `spec.triggers[]` item.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct Trigger {
        #[serde(rename = "type")]
        pub kind: String,
        pub metadata: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub authentication_ref: Option<AuthenticationRef>,
    }

    /// `authenticationRef`.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct AuthenticationRef {
        pub name: String,
    }
}

/// Parses `value` as `T` and requires that serializing it back gives the same JSON.
pub fn round_trip<T: DeserializeOwned + Serialize>(file: &str, value: Value) -> Result<(), Error> {
    let typed = T::deserialize(&value).map_err(|e| {
        Error::Internal(format!(
            "{file} does not match its Kubernetes API type: {e}"
        ))
    })?;
    let back = serde_json::to_value(&typed).map_err(|e| Error::Internal(format!("{file}: {e}")))?;
    match first_difference(&value, &back) {
        None => Ok(()),
        Some(path) => Err(Error::Internal(format!(
            "{file}: field `{}` is not part of the Kubernetes API type (unknown, misspelt or of the wrong shape)",
            path_text(&path)
        ))),
    }
}

/// One step of a field path: a key of an object or an index into an array.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `spec.template.spec.containers[0].name` from its steps.
fn path_text(steps: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The path (as steps, outermost first) of the first place where `a` (rendered) and `b` (typed
/// round trip) differ, or `None` when they are equal.
fn first_difference<'a>(a: &'a Value, b: &'a Value) -> Option<Vec<Step<'a>>> {
    let mut path = difference_inside_out(a, b)?;
    path.reverse();
    Some(path)
}

/// [`first_difference`] with the steps innermost first: the path is built only on the way out of
/// a difference, so the common case (no difference) allocates nothing.
fn difference_inside_out<'a>(a: &'a Value, b: &'a Value) -> Option<Vec<Step<'a>>> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let (key, mut inner) = x
                .iter()
                .find_map(|(k, va)| match y.get(k) {
                    Some(vb) => difference_inside_out(va, vb).map(|d| (k, d)),
                    None => Some((k, Vec::new())),
                })
                .or_else(|| {
                    y.keys()
                        .find(|k| !x.contains_key(*k))
                        .map(|k| (k, Vec::new()))
                })?;
            inner.push(Step::Key(key));
            Some(inner)
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let (i, mut inner) = x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (va, vb))| difference_inside_out(va, vb).map(|d| (i, d)))?;
            inner.push(Step::Index(i));
            Some(inner)
        }
        _ => (a != b).then(Vec::new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SA: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\nautomountServiceAccountToken: false\n";

    #[test]
    fn accepts_a_valid_object() {
        verify("sa.yaml", SA).unwrap();
    }

    #[test]
    fn rejects_a_misspelt_field() {
        let bad = SA.replace(
            "automountServiceAccountToken",
            "automountServiceAccountTokn",
        );
        let e = verify("sa.yaml", &bad).unwrap_err().to_string();
        assert!(e.contains("automountServiceAccountTokn"), "{e}");
    }

    const ROUTE: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: a\nspec:\n  parentRefs:\n    - name: gw\n      sectionName: https\n  hostnames: [a.example.com]\n  rules:\n    - matches:\n        - path: {type: PathPrefix, value: /}\n      backendRefs:\n        - name: a\n          port: 80\n";

    #[test]
    fn httproutes_are_checked_against_the_gateway_api_shape() {
        verify("httproute.yaml", ROUTE).unwrap();
        for (from, to) in [
            ("sectionName", "section"),
            ("PathPrefix", "Prefix"),
            ("port: 80", "port: http"),
            ("backendRefs", "backends"),
        ] {
            let bad = ROUTE.replace(from, to);
            assert!(verify("httproute.yaml", &bad).is_err(), "{from} -> {to}");
        }
    }

    #[test]
    fn rejects_a_wrong_type() {
        let bad = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\nspec:\n  maxUnavailable: [1]\n";
        assert!(verify("pdb.yaml", bad).is_err());
        let nested = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabel: {a: b}\n";
        let e = verify("pdb.yaml", nested).unwrap_err().to_string();
        assert!(e.contains("`spec.selector.matchLabel`"), "{e}");
    }

    #[test]
    fn scaled_objects_are_checked_field_by_field() {
        let so = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: a\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: a}\n  minReplicaCount: 2\n  maxReplicaCount: 6\n  pollingInterval: 30\n  cooldownPeriod: 300\n  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown: {stabilizationWindowSeconds: 300}\n  triggers:\n    - type: kafka\n      metadata: {bootstrapServers: 'k:9092', consumerGroup: g}\n";
        verify("scaledobject.yaml", so).unwrap();
        let typo = so.replace("minReplicaCount", "minReplicas");
        let e = verify("scaledobject.yaml", &typo).unwrap_err().to_string();
        assert!(e.contains("minReplicas"), "{e}");
        let nested = so.replace("stabilizationWindowSeconds", "stabilizationWindow");
        assert!(verify("scaledobject.yaml", &nested).is_err());
        let number = so.replace("consumerGroup: g", "lagThreshold: 5");
        assert!(
            verify("scaledobject.yaml", &number).is_err(),
            "metadata values are strings"
        );
    }

    #[test]
    fn names_the_exact_path_of_the_first_difference() {
        let a: Value = serde_json::json!({"a": 1, "b": {"c": [1, {"d": 2, "e": 3}]}});
        let b: Value = serde_json::json!({"a": 1, "b": {"c": [1, {"d": 2}]}});
        assert_eq!(
            first_difference(&a, &b).map(|p| path_text(&p)),
            Some("b.c[1].e".to_string())
        );
        let longer: Value = serde_json::json!({"a": 1, "b": {"c": [1]}, "z": 0});
        assert_eq!(
            first_difference(&a, &longer).map(|p| path_text(&p)),
            Some("b.c".to_string())
        );
        assert_eq!(
            first_difference(&b, &serde_json::json!({"b": 1})).map(|p| path_text(&p)),
            Some("a".to_string())
        );
        assert_eq!(first_difference(&a, &a), None);
        assert_eq!(
            first_difference(&serde_json::json!([1, 2]), &serde_json::json!([1, 3]))
                .map(|p| path_text(&p)),
            Some("[1]".to_string())
        );
    }
}
