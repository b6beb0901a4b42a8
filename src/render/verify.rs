//! Round trip of every rendered object through its k8s-openapi type: the YAML is parsed, turned
//! into the typed object (which drops unknown fields and rejects wrong types), serialized again,
//! and compared with the original. Any difference is a template bug, reported before writing.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Service, ServiceAccount};
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
        ("v1", "ServiceAccount") => round_trip::<ServiceAccount>(file, value),
        ("policy/v1", "PodDisruptionBudget") => round_trip::<PodDisruptionBudget>(file, value),
        ("autoscaling/v2", "HorizontalPodAutoscaler") => {
            round_trip::<HorizontalPodAutoscaler>(file, value)
        }
        _ => Err(Error::Internal(format!(
            "{file}: unexpected object {api_version}/{kind}"
        ))),
    }
}

/// Parses `value` as `T` and requires that serializing it back gives the same JSON.
pub fn round_trip<T: DeserializeOwned + Serialize>(file: &str, value: Value) -> Result<(), Error> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| {
        Error::Internal(format!(
            "{file} does not match its Kubernetes API type: {e}"
        ))
    })?;
    let back = serde_json::to_value(&typed).map_err(|e| Error::Internal(format!("{file}: {e}")))?;
    match first_difference(&value, &back, String::new()) {
        None => Ok(()),
        Some(path) => Err(Error::Internal(format!(
            "{file}: field `{path}` is not part of the Kubernetes API type (unknown, misspelt or of the wrong shape)"
        ))),
    }
}

/// The path of the first place where `a` (rendered) and `b` (typed round trip) differ.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match y.get(k) {
                    Some(vb) => {
                        if let Some(d) = first_difference(va, vb, p) {
                            return Some(d);
                        }
                    }
                    None => return Some(p),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k}"))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(path);
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (va, vb))| first_difference(va, vb, format!("{path}[{i}]")))
        }
        _ => (a != b).then_some(path),
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

    #[test]
    fn rejects_a_wrong_type() {
        let bad = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\nspec:\n  maxUnavailable: [1]\n";
        assert!(verify("pdb.yaml", bad).is_err());
        let nested = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabel: {a: b}\n";
        let e = verify("pdb.yaml", nested).unwrap_err().to_string();
        assert!(e.contains("spec.selector.matchLabel"), "{e}");
    }
}
