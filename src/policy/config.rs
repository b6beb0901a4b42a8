//! The service's own configuration in the plan: user environment after the tuned one (a user
//! variable replaces a tuned one of the same name), mounted ConfigMaps and Secrets, identity,
//! placement, and the Namespace with its Pod Security Admission labels.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{TaintEffect, TolerationOperator};
use crate::plan::{decide, Decision, Object, Plan};
use crate::spec::Spec;

/// One label (or annotation) the policy sets, with its reason as a [`Decision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub key: String,
    pub value: String,
}

/// A key of a Secret or ConfigMap an env var reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRef {
    pub name: String,
    pub key: String,
    pub optional: bool,
}

/// A user environment variable: a literal `value`, or one key of a Secret or a ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserEnv {
    pub name: String,
    pub value: Option<String>,
    pub secret_key_ref: Option<KeyRef>,
    pub config_map_key_ref: Option<KeyRef>,
}

/// `envFrom` entry: every key of a Secret or a ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvFrom {
    pub secret_ref: Option<String>,
    pub config_map_ref: Option<String>,
    pub prefix: Option<String>,
    pub optional: bool,
}

/// A ConfigMap or Secret volume and its read-only mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigMount {
    /// Volume name: `config-N` or `secret-N` (N from 1, in the spec's order).
    pub volume: String,
    pub path: String,
    pub config_map: Option<String>,
    pub secret: Option<String>,
    /// `(key, path)` pairs; empty: every key.
    pub items: Vec<(String, String)>,
    /// `defaultMode` (decimal; 288 = 0440 for Secrets), `None` for ConfigMaps (the API's 0644).
    pub default_mode: Option<Decision<u32>>,
    pub optional: bool,
}

/// A toleration as the API spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
    pub toleration_seconds: Option<i64>,
}

/// Everything of the service's own configuration the templates need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigPlan {
    /// User variables, in the spec's order, rendered after the tuned `plan.env`.
    pub env: Vec<UserEnv>,
    pub env_from: Vec<EnvFrom>,
    pub mounts: Vec<ConfigMount>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub service_account_annotations: BTreeMap<String, String>,
    pub image_pull_secrets: Vec<String>,
    /// Pod labels besides the `app.kubernetes.io` ones: the user's (empty reason) and the
    /// policy's (e.g. Azure workload identity's `azure.workload.identity/use`).
    pub pod_labels: Vec<Decision<Label>>,
    pub pod_annotations: BTreeMap<String, String>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub priority_class_name: Option<String>,
}

/// The Namespace object of the bundle (`namespace.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceObject {
    /// Labels besides the `app.kubernetes.io` ones, each with its reason; other policies push
    /// theirs here (rendered in this order).
    pub labels: Vec<Decision<Label>>,
}

/// `defaultMode` of Secret volumes: 0440. The files belong to root and to the pod's `fsGroup`
/// (the app's group), so the app reads them and no other user of the node or the container does
/// (Kubernetes docs, "Secrets", Using Secrets as files from a Pod; the API default is 0644).
pub const SECRET_FILE_MODE: u32 = 0o440;

/// The ServiceAccount annotation of Azure workload identity, which also needs a pod label.
pub const AZURE_CLIENT_ID: &str = "azure.workload.identity/client-id";
/// The pod label Azure workload identity's webhook selects pods by: only pods with
/// `azure.workload.identity/use: "true"` get the projected token and the `AZURE_*` variables
/// (Azure AD Workload Identity docs, "Service Account Labels and Annotations": required on the
/// pod template). EKS (`eks.amazonaws.com/role-arn`, "IAM roles for service accounts") and GKE
/// (`iam.gke.io/gcp-service-account`, "Use Workload Identity Federation for GKE") need only the
/// ServiceAccount annotation.
pub const AZURE_USE_LABEL: &str = "azure.workload.identity/use";

/// The plan's view of the spec's configuration fields.
pub fn config(spec: &Spec) -> ConfigPlan {
    let key_ref = |r: &crate::config::KeyRef| KeyRef {
        name: r.name.clone(),
        key: r.key.clone(),
        optional: r.optional,
    };
    let mut pod_labels: Vec<Decision<Label>> = spec
        .pod_labels
        .iter()
        .map(|(k, v)| {
            decide(
                Label {
                    key: k.clone(),
                    value: v.clone(),
                },
                "",
            )
        })
        .collect();
    if spec
        .service_account_annotations
        .contains_key(AZURE_CLIENT_ID)
        && !spec.pod_labels.contains_key(AZURE_USE_LABEL)
    {
        pod_labels.push(decide(
            Label { key: AZURE_USE_LABEL.into(), value: "true".into() },
            "the ServiceAccount has azure.workload.identity/client-id, and Azure's workload identity webhook injects the token only into pods labelled azure.workload.identity/use: \"true\"",
        ));
    }
    let mut counts = (0, 0);
    let mounts = spec
        .mounts
        .iter()
        .map(|m| {
            let volume = if m.secret.is_some() {
                counts.1 += 1;
                format!("secret-{}", counts.1)
            } else {
                counts.0 += 1;
                format!("config-{}", counts.0)
            };
            ConfigMount {
                volume,
                path: m.path.trim_end_matches('/').to_string(),
                config_map: m.config_map.clone(),
                secret: m.secret.clone(),
                items: m.items.iter().map(|(k, p)| (k.clone(), p.clone())).collect(),
                default_mode: m.secret.as_ref().map(|_| {
                    decide(
                        SECRET_FILE_MODE,
                        "readable by the owner and the app's group (fsGroup) only, not by other users",
                    )
                }),
                optional: m.optional,
            }
        })
        .collect();
    ConfigPlan {
        env: spec
            .env
            .iter()
            .map(|e| UserEnv {
                name: e.name.clone(),
                value: e.value.clone(),
                secret_key_ref: e.secret_key_ref.as_ref().map(key_ref),
                config_map_key_ref: e.config_map_key_ref.as_ref().map(key_ref),
            })
            .collect(),
        env_from: spec
            .env_from
            .iter()
            .map(|e| EnvFrom {
                secret_ref: e.secret_ref.clone(),
                config_map_ref: e.config_map_ref.clone(),
                prefix: e.prefix.clone(),
                optional: e.optional,
            })
            .collect(),
        mounts,
        command: spec.command.clone(),
        args: spec.args.clone(),
        service_account_annotations: spec.service_account_annotations.clone(),
        image_pull_secrets: spec.image_pull_secrets.clone(),
        pod_labels,
        pod_annotations: spec.pod_annotations.clone(),
        node_selector: spec.node_selector.clone(),
        tolerations: spec
            .tolerations
            .iter()
            .map(|t| Toleration {
                key: t.key.clone(),
                operator: t.operator.map(|o| match o {
                    TolerationOperator::Equal => "Equal".into(),
                    TolerationOperator::Exists => "Exists".into(),
                }),
                value: t.value.clone(),
                effect: t.effect.map(|e| match e {
                    TaintEffect::NoSchedule => "NoSchedule".into(),
                    TaintEffect::PreferNoSchedule => "PreferNoSchedule".into(),
                    TaintEffect::NoExecute => "NoExecute".into(),
                }),
                toleration_seconds: t.toleration_seconds,
            })
            .collect(),
        priority_class_name: spec.priority_class_name.clone(),
    }
}

/// The Namespace with the Pod Security Admission labels, or `None` with `namespaceObject: false`.
///
/// The bundle is built to the `restricted` Pod Security Standard, so the namespace enforces it
/// (a pod that loses its hardening is refused, not admitted) pinned to the target minor version
/// (`enforce-version: v1.35`: a cluster upgrade cannot tighten the rules under running
/// workloads), and warns and audits at the same level (Kubernetes docs, "Pod Security
/// Admission" and "Enforce Pod Security Standards with Namespace Labels").
pub fn namespace(spec: &Spec) -> Option<NamespaceObject> {
    if !spec.namespace_object {
        return None;
    }
    let v = format!("v{}", spec.kube_version);
    let label = |key: &str, value: &str, reason: String| {
        decide(
            Label {
                key: key.into(),
                value: value.into(),
            },
            reason,
        )
    };
    Some(NamespaceObject {
        labels: vec![
            label(
                "pod-security.kubernetes.io/enforce",
                "restricted",
                "the bundle meets the restricted Pod Security Standard; enforcing it refuses any pod that does not".into(),
            ),
            label(
                "pod-security.kubernetes.io/enforce-version",
                &v,
                format!("the rules of Kubernetes {}, the target: a cluster upgrade does not change them under running pods", spec.kube_version),
            ),
            label(
                "pod-security.kubernetes.io/warn",
                "restricted",
                "kubectl warns at apply time about a pod that would be refused".into(),
            ),
            label("pod-security.kubernetes.io/warn-version", &v, "the same rules as enforce".into()),
            label(
                "pod-security.kubernetes.io/audit",
                "restricted",
                "the audit log records violations too".into(),
            ),
            label("pod-security.kubernetes.io/audit-version", &v, "the same rules as enforce".into()),
        ],
    })
}

/// Applies the user's configuration to a plan whose policies are done: user env vars follow the
/// tuned ones, and a user var named like a tuned one replaces it (the tuned one is dropped, with
/// a warning naming both), so no name is ever emitted twice; user pod and ServiceAccount
/// annotations replace a checker exemption of the same key. Runs last in
/// [`crate::policy::plan`], over whatever the other policies put in `plan.env`.
pub fn apply_overrides(plan: &mut Plan) {
    let user: Vec<String> = plan.config.env.iter().map(|e| e.name.clone()).collect();
    let mut warnings = Vec::new();
    plan.env.retain(|tuned| {
        let replaced = user.contains(&tuned.value.name);
        if replaced {
            warnings.push(format!(
                "env {name}: the value in zerodown.yaml replaces the tuned {name}={value} ({reason}); repeat what you still want of it in yours",
                name = tuned.value.name,
                value = tuned.value.value,
                reason = tuned.reason
            ));
        }
        !replaced
    });
    plan.warnings.extend(warnings);
    let pod = plan.config.pod_annotations.clone();
    let sa = plan.config.service_account_annotations.clone();
    plan.exemptions.retain(|e| match e.object {
        Object::Pod => !pod.contains_key(&e.key),
        Object::ServiceAccount => !sa.contains_key(&e.key),
        _ => true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EnvVarSpec, KeyRef as SpecKeyRef, MountSpec};
    use crate::preset::Preset;
    use crate::test_support::spec_for;

    #[test]
    fn a_user_variable_replaces_the_tuned_one_of_the_same_name() {
        let mut spec = spec_for("spring-boot");
        spec.env = vec![
            EnvVarSpec {
                name: "JAVA_TOOL_OPTIONS".into(),
                value: Some("-XX:MaxRAMPercentage=60.0".into()),
                secret_key_ref: None,
                config_map_key_ref: None,
            },
            EnvVarSpec {
                name: "DB_PASSWORD".into(),
                value: None,
                secret_key_ref: Some(SpecKeyRef {
                    name: "orders-db".into(),
                    key: "password".into(),
                    optional: false,
                }),
                config_map_key_ref: None,
            },
        ];
        let plan = crate::policy::plan(&spec, &Preset::builtin("spring-boot").unwrap());
        assert!(
            plan.env.iter().all(|e| e.value.name != "JAVA_TOOL_OPTIONS"),
            "{:?}",
            plan.env
        );
        assert_eq!(plan.config.env.len(), 2);
        let w = plan
            .warnings
            .iter()
            .find(|w| w.starts_with("env JAVA_TOOL_OPTIONS"))
            .unwrap();
        assert!(
            w.contains("replaces the tuned JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75.0"),
            "{w}"
        );
    }

    #[test]
    fn no_env_name_is_ever_emitted_twice() {
        for preset in Preset::all_builtin() {
            let base = spec_for(&preset.name);
            let tuned = crate::policy::plan(&base, &preset).env;
            for t in &tuned {
                let mut spec = base.clone();
                spec.env = vec![EnvVarSpec {
                    name: t.value.name.clone(),
                    value: None,
                    secret_key_ref: None,
                    config_map_key_ref: Some(SpecKeyRef {
                        name: "cfg".into(),
                        key: "k".into(),
                        optional: false,
                    }),
                }];
                let plan = crate::policy::plan(&spec, &preset);
                let (_, text) = crate::render::manifests(&plan)
                    .unwrap()
                    .into_iter()
                    .find(|(f, _)| f == "deployment.yaml")
                    .unwrap();
                let d: serde_json::Value = serde_yaml_ng::from_str(&text).unwrap();
                let names: Vec<&str> = d["spec"]["template"]["spec"]["containers"][0]["env"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["name"].as_str().unwrap())
                    .collect();
                let mut unique = names.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(names.len(), unique.len(), "{}: {names:?}", preset.name);
                assert_eq!(names.len(), tuned.len(), "{}: {names:?}", preset.name);
            }
        }
    }

    #[test]
    fn azure_identity_adds_its_pod_label_and_secrets_are_0440() {
        let mut spec = spec_for("go");
        spec.service_account_annotations.insert(
            AZURE_CLIENT_ID.into(),
            "00000000-0000-0000-0000-000000000000".into(),
        );
        spec.mounts = vec![MountSpec {
            path: "/secrets/".into(),
            config_map: None,
            secret: Some("tls".into()),
            items: Default::default(),
            optional: false,
        }];
        let c = config(&spec);
        assert_eq!(c.pod_labels.len(), 1);
        assert_eq!(
            c.pod_labels[0].value,
            Label {
                key: AZURE_USE_LABEL.into(),
                value: "true".into()
            }
        );
        assert_eq!(c.mounts[0].volume, "secret-1");
        assert_eq!(c.mounts[0].path, "/secrets");
        assert_eq!(c.mounts[0].default_mode.as_ref().unwrap().value, 288);
    }

    #[test]
    fn the_namespace_enforces_restricted_at_the_target_version() {
        let mut spec = spec_for("go");
        spec.kube_version = "1.33".into();
        let ns = namespace(&spec).unwrap();
        let labels: Vec<(String, String)> = ns
            .labels
            .iter()
            .map(|d| (d.value.key.clone(), d.value.value.clone()))
            .collect();
        assert_eq!(
            labels[0],
            (
                "pod-security.kubernetes.io/enforce".into(),
                "restricted".into()
            )
        );
        assert_eq!(
            labels[1],
            (
                "pod-security.kubernetes.io/enforce-version".into(),
                "v1.33".into()
            )
        );
        assert_eq!(labels.len(), 6);
        spec.namespace_object = false;
        assert_eq!(namespace(&spec), None);
    }
}
