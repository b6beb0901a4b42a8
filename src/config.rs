//! What every real service needs besides the zero-downtime knobs: its environment (literal
//! values and references to Secret and ConfigMap keys), mounted config files and secrets,
//! `command`/`args`, cloud identity on the ServiceAccount, image pull secrets, extra pod
//! metadata, placement (`nodeSelector`, tolerations, `priorityClassName`) and whether the bundle
//! owns its Namespace. These are the spec's types and their validation; the policy
//! (`policy::config`) turns them into plan values.
//!
//! Secret *values* never enter the bundle: only the names of Secrets and their keys.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrors};

/// A key of a Secret or a ConfigMap (`secretKeyRef`, `configMapKeyRef`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyRef {
    /// The Secret or ConfigMap name (a DNS-1123 subdomain), in the service's namespace.
    pub name: String,
    /// The key inside it (letters, digits, '-', '_' and '.').
    pub key: String,
    /// `true`: start the pod even when the object or the key does not exist (the variable is
    /// then unset). Default `false`: the pod waits in `CreateContainerConfigError` until it does.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

/// One environment variable of the app container. Exactly one of `value`, `secretKeyRef` and
/// `configMapKeyRef` (Kubernetes `EnvVar`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVarSpec {
    /// The variable name: a C identifier (letters, digits and '_', not starting with a digit).
    pub name: String,
    /// A literal value (never a secret: use `secretKeyRef` for those).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The value of one key of a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeyRef>,
    /// The value of one key of a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeyRef>,
}

/// Every key of a Secret or a ConfigMap as environment variables (Kubernetes `EnvFromSource`).
/// Exactly one of `secretRef` and `configMapRef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvFromSpec {
    /// A Secret's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<String>,
    /// A ConfigMap's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<String>,
    /// A prefix put before every key (a C identifier, e.g. `DB_`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `true`: start the pod even when the object does not exist.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

/// A ConfigMap or a Secret mounted read-only as files at `path`. Exactly one of `configMap` and
/// `secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MountSpec {
    /// The absolute directory the files appear in, e.g. `/config`.
    pub path: String,
    /// A ConfigMap's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    /// A Secret's name (its files get mode 0440: the owner and the pod's group read them,
    /// nobody else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Only these keys, each as the relative file path given (`key: path`); default: every key,
    /// each as a file named after it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub items: BTreeMap<String, String>,
    /// `true`: start the pod even when the object does not exist (the folder is then empty).
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

/// A taint the pods tolerate (Kubernetes `Toleration`; docs, "Taints and Tolerations").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TolerationSpec {
    /// The taint key (a qualified name); absent with `operator: Exists` tolerates every taint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Equal` (the default: key and value match) or `Exists` (the key is enough; no value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<TolerationOperator>,
    /// The taint value, with `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The taint effect to match; absent matches every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// With `effect: NoExecute`: seconds the pod stays bound after the taint appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// `operator` of a toleration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TolerationOperator {
    /// Key and value must match.
    Equal,
    /// The key must exist; any value.
    Exists,
}

/// `effect` of a taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TaintEffect {
    /// New pods are not scheduled on the node.
    NoSchedule,
    /// The scheduler avoids the node.
    PreferNoSchedule,
    /// Running pods are evicted.
    NoExecute,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The answers of this module, as [`crate::spec::Answers`] carries them (already in spec form:
/// flags and spec files give the same lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigAnswers {
    pub env: Vec<EnvVarSpec>,
    pub env_from: Vec<EnvFromSpec>,
    pub mounts: Vec<MountSpec>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// `commandExecs`: the shell script of `command` ends by exec'ing the app.
    pub command_execs: bool,
    pub service_account_annotations: BTreeMap<String, String>,
    pub image_pull_secrets: Vec<String>,
    pub pod_labels: BTreeMap<String, String>,
    pub pod_annotations: BTreeMap<String, String>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<TolerationSpec>,
    pub priority_class_name: Option<String>,
    /// `Some(false)`: the bundle has no `namespace.yaml` (the namespace is made elsewhere).
    pub namespace_object: Option<bool>,
}

/// The labels zerodown sets on every pod; a user label may not replace them (the selector and
/// the standard labels must stay true).
pub const OWN_LABELS: [&str; 6] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
];

/// Names that usually hold a secret; a literal `value` under such a name gets a warning.
const SECRET_LIKE: [&str; 6] = [
    "PASSWORD",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "PRIVATE_KEY",
    "API_KEY",
];

impl ConfigAnswers {
    /// The answers that reproduce `spec`'s fields of this module.
    pub fn from_spec(spec: &crate::spec::Spec) -> ConfigAnswers {
        ConfigAnswers {
            env: spec.env.clone(),
            env_from: spec.env_from.clone(),
            mounts: spec.mounts.clone(),
            command: spec.command.clone(),
            args: spec.args.clone(),
            command_execs: spec.command_execs,
            service_account_annotations: spec.service_account_annotations.clone(),
            image_pull_secrets: spec.image_pull_secrets.clone(),
            pod_labels: spec.pod_labels.clone(),
            pod_annotations: spec.pod_annotations.clone(),
            node_selector: spec.node_selector.clone(),
            tolerations: spec.tolerations.clone(),
            priority_class_name: spec.priority_class_name.clone(),
            namespace_object: Some(spec.namespace_object),
        }
    }

    /// Validates every field (all errors at once into `errs`); `writable` are the mount paths
    /// the bundle already has (`/tmp` and `writableDirs`).
    pub fn validate(&self, writable: &[&str], errs: &mut FieldErrors, warnings: &mut Vec<String>) {
        let mut names: Vec<&str> = Vec::new();
        for e in &self.env {
            if let Err(why) = check_c_identifier(&e.name) {
                errs.push(FieldError::new("env.name", &e.name, why));
            } else if names.contains(&e.name.as_str()) {
                errs.push(FieldError::new(
                    "env.name",
                    &e.name,
                    "is listed twice; a variable has one value".into(),
                ));
            } else {
                names.push(&e.name);
            }
            let sources = [
                e.value.is_some(),
                e.secret_key_ref.is_some(),
                e.config_map_key_ref.is_some(),
            ];
            if sources.iter().filter(|s| **s).count() != 1 {
                errs.push(FieldError::new(
                    "env",
                    &e.name,
                    "needs exactly one of value, secretKeyRef and configMapKeyRef".into(),
                ));
            }
            for (field, r) in [
                ("env.secretKeyRef", &e.secret_key_ref),
                ("env.configMapKeyRef", &e.config_map_key_ref),
            ] {
                if let Some(r) = r {
                    object_name(&format!("{field}.name"), &r.name, errs);
                    if let Err(why) = check_config_key(&r.key) {
                        errs.push(FieldError::new(&format!("{field}.key"), &r.key, why));
                    }
                }
            }
            if let Some(v) = &e.value {
                if v.len() > 32 * 1024 || v.contains('\0') {
                    errs.push(FieldError::new(
                        "env.value",
                        &e.name,
                        "must be at most 32 KiB without NUL characters".into(),
                    ));
                }
                let upper = e.name.to_ascii_uppercase();
                if SECRET_LIKE.iter().any(|s| upper.contains(s)) {
                    warnings.push(format!(
                        "env {}: a literal value in zerodown.yaml ends up in the repository and in every manifest; keep secrets in a Secret and reference it (--env-secret {}=SECRET:KEY)",
                        e.name, e.name
                    ));
                }
            }
        }
        for e in &self.env_from {
            match (&e.secret_ref, &e.config_map_ref) {
                (Some(n), None) => object_name("envFrom.secretRef", n, errs),
                (None, Some(n)) => object_name("envFrom.configMapRef", n, errs),
                _ => errs.push(FieldError::new(
                    "envFrom",
                    serde_json::to_string(e).unwrap_or_default(),
                    "needs exactly one of secretRef and configMapRef".into(),
                )),
            }
            if let Some(p) = &e.prefix {
                if let Err(why) = check_c_identifier(p) {
                    errs.push(FieldError::new("envFrom.prefix", p, why));
                }
            }
        }
        let mut paths: Vec<String> = Vec::new();
        for m in &self.mounts {
            match (&m.config_map, &m.secret) {
                (Some(n), None) => object_name("mounts.configMap", n, errs),
                (None, Some(n)) => object_name("mounts.secret", n, errs),
                _ => errs.push(FieldError::new(
                    "mounts",
                    &m.path,
                    "needs exactly one of configMap and secret".into(),
                )),
            }
            let p = m.path.trim_end_matches('/');
            if !m.path.starts_with('/')
                || p.is_empty()
                || m.path.len() > 512
                || m.path
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == ':')
            {
                errs.push(FieldError::new(
                    "mounts.path",
                    &m.path,
                    "must be an absolute directory path other than '/', without spaces, ':' or control characters".into(),
                ));
            } else if let Err(why) = crate::spec::check_mount_dir(&m.path) {
                errs.push(FieldError::new("mounts.path", &m.path, why));
            } else if let Some(clash) = writable
                .iter()
                .copied()
                .chain(paths.iter().map(String::as_str))
                .find(|w| nested(p, w))
            {
                errs.push(FieldError::new(
                    "mounts.path",
                    &m.path,
                    format!("clashes with the mount at {clash} (/tmp, writableDirs and other mounts); give each mount a folder of its own, outside the others"),
                ));
            } else {
                paths.push(p.to_string());
            }
            for (k, file) in &m.items {
                if let Err(why) = check_config_key(k) {
                    errs.push(FieldError::new("mounts.items", k, why));
                }
                if file.is_empty()
                    || file.starts_with('/')
                    || file.split('/').any(|part| part == "..")
                    || file.len() > 253
                    || file.chars().any(char::is_control)
                {
                    errs.push(FieldError::new(
                        "mounts.items",
                        file,
                        "must be a relative file path without '..' parts, e.g. application.yaml"
                            .into(),
                    ));
                }
            }
        }
        for (field, argv) in [("command", &self.command), ("args", &self.args)] {
            if argv.len() > 256 || argv.iter().any(|a| a.len() > 32 * 1024 || a.contains('\0')) {
                errs.push(FieldError::new(
                    field,
                    argv.join(" "),
                    "must have at most 256 words of at most 32 KiB, without NUL characters".into(),
                ));
            }
        }
        if !self.command_execs {
            if let Some(why) = crate::check::shell_wrapper_pid1(&self.command, &self.args) {
                let argv: Vec<&str> = self
                    .command
                    .iter()
                    .chain(&self.args)
                    .map(String::as_str)
                    .collect();
                errs.push(
                    FieldError::new("command", argv.join(" "), why).help(
                        "give the app's own command in exec form (e.g. command: [java, -jar, /app/app.jar]); if the script ends with `exec` (or runs the app under tini), set commandExecs: true (--command-execs)",
                    ),
                );
            }
        }
        if self.command.first().is_some_and(|c| c.is_empty()) {
            errs.push(FieldError::new(
                "command",
                "",
                "must not start with an empty word".into(),
            ));
        }
        annotation_map(
            "serviceAccountAnnotations",
            &self.service_account_annotations,
            errs,
        );
        annotation_map("podAnnotations", &self.pod_annotations, errs);
        for (field, m) in [
            ("podLabels", &self.pod_labels),
            ("nodeSelector", &self.node_selector),
        ] {
            for (k, v) in m {
                if let Err(why) = check_qualified_name(k) {
                    errs.push(FieldError::new(field, k, why));
                }
                if !v.is_empty() {
                    if let Err(why) = crate::spec::check_label_value(v) {
                        errs.push(FieldError::new(field, v, why));
                    }
                }
            }
        }
        for k in self.pod_labels.keys() {
            if OWN_LABELS.contains(&k.as_str()) {
                errs.push(FieldError::new(
                    "podLabels",
                    k,
                    "is a label zerodown sets itself (the selector and the standard app.kubernetes.io labels); choose another key".into(),
                ));
            }
        }
        let mut secrets: Vec<&str> = Vec::new();
        for s in &self.image_pull_secrets {
            object_name("imagePullSecrets", s, errs);
            if secrets.contains(&s.as_str()) {
                errs.push(FieldError::new(
                    "imagePullSecrets",
                    s,
                    "is listed twice".into(),
                ));
            }
            secrets.push(s);
        }
        for t in &self.tolerations {
            check_toleration(t, errs);
        }
        if let Some(p) = &self.priority_class_name {
            object_name("priorityClassName", p, errs);
        }
    }
}

/// Whether two mount paths clash: the same folder, or one inside the other.
fn nested(a: &str, b: &str) -> bool {
    let b = b.trim_end_matches('/');
    a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
}

fn object_name(field: &str, name: &str, errs: &mut FieldErrors) {
    if let Err(why) = check_dns_subdomain(name) {
        errs.push(FieldError::new(field, name, why));
    }
}

fn annotation_map(field: &str, m: &BTreeMap<String, String>, errs: &mut FieldErrors) {
    let mut total = 0;
    for (k, v) in m {
        total += k.len() + v.len();
        if let Err(why) = check_qualified_name(k) {
            errs.push(FieldError::new(field, k, why));
        }
    }
    // Kubernetes docs, "Annotations": keys and values of one object together at most 256 KiB.
    if total > 256 * 1024 {
        errs.push(FieldError::new(
            field,
            format!("{total} bytes"),
            "is larger than the 256 KiB all annotations of an object may have".into(),
        ));
    }
}

fn check_toleration(t: &TolerationSpec, errs: &mut FieldErrors) {
    let shown = serde_json::to_string(t).unwrap_or_default();
    if let Some(k) = &t.key {
        if let Err(why) = check_qualified_name(k) {
            errs.push(FieldError::new("tolerations.key", k, why));
        }
    }
    let exists = t.operator == Some(TolerationOperator::Exists);
    if t.key.is_none() && !exists {
        errs.push(FieldError::new(
            "tolerations",
            &shown,
            "without a key, the operator must be Exists (tolerate every taint)".into(),
        ));
    }
    match (&t.value, exists) {
        (Some(_), true) => errs.push(FieldError::new(
            "tolerations.value",
            &shown,
            "must be absent with operator Exists".into(),
        )),
        (Some(v), false) if !v.is_empty() => {
            if let Err(why) = crate::spec::check_label_value(v) {
                errs.push(FieldError::new("tolerations.value", v, why));
            }
        }
        _ => {}
    }
    if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
        errs.push(FieldError::new(
            "tolerations.tolerationSeconds",
            &shown,
            "applies only with effect NoExecute (it bounds how long an evicting taint is tolerated)".into(),
        ));
    }
    if t.toleration_seconds.is_some_and(|s| s < 0) {
        errs.push(FieldError::new(
            "tolerations.tolerationSeconds",
            &shown,
            "must be 0 or more seconds".into(),
        ));
    }
}

/// Checks an environment variable name: a C identifier, `[A-Za-z_][A-Za-z0-9_]*`, the names
/// every shell and runtime can read (Kubernetes validates EnvVar names as C identifiers unless
/// the RelaxedEnvironmentVariableValidation feature is on; we keep the portable rule).
pub fn check_c_identifier(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err("must be a C identifier: letters, digits and '_', not starting with a digit, e.g. DATABASE_URL".into())
    }
}

/// Checks a DNS-1123 subdomain (Secret, ConfigMap, PriorityClass names): at most 253
/// characters, dot-separated DNS-1123 labels (Kubernetes docs, "Object Names and IDs").
pub fn check_dns_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("must be 1 to 253 characters (a DNS-1123 subdomain)".into());
    }
    for part in s.split('.') {
        if crate::spec::check_dns_label(part).is_err() {
            return Err("must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit".into());
        }
    }
    Ok(())
}

/// Checks a ConfigMap or Secret key: 1 to 253 of letters, digits, '-', '_' and '.', not `.` or
/// `..` and not starting with `..` (Kubernetes API validation of ConfigMap keys).
pub fn check_config_key(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s != "."
        && !s.starts_with("..");
    if ok {
        Ok(())
    } else {
        Err(
            "must be a key of 1 to 253 letters, digits, '-', '_' or '.', not starting with '..'"
                .into(),
        )
    }
}

/// Checks a label or annotation key: an optional DNS-1123 subdomain prefix and '/', then a name
/// of 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit
/// (Kubernetes docs, "Labels and Selectors", Syntax and character set).
pub fn check_qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if check_dns_subdomain(p).is_err() {
            return Err(
                "has a prefix that is not a DNS-1123 subdomain (lowercase, e.g. example.com/key)"
                    .into(),
            );
        }
    }
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.as_bytes()[name.len() - 1].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err("must be a key: [prefix/]name, the name 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert!(check_c_identifier("DB_URL").is_ok());
        assert!(check_c_identifier("_x1").is_ok());
        assert!(check_c_identifier("1X").is_err());
        assert!(check_c_identifier("A-B").is_err());
        assert!(check_dns_subdomain("orders-db.v2").is_ok());
        assert!(check_dns_subdomain("Orders").is_err());
        assert!(check_dns_subdomain("a..b").is_err());
        assert!(check_config_key("application.yaml").is_ok());
        assert!(check_config_key("..data").is_err());
        assert!(check_config_key("a/b").is_err());
        assert!(check_qualified_name("eks.amazonaws.com/role-arn").is_ok());
        assert!(check_qualified_name("team").is_ok());
        assert!(check_qualified_name("Example.com/x").is_err());
        assert!(check_qualified_name("a/").is_err());
        assert!(check_qualified_name(&"a".repeat(64)).is_err());
    }

    fn errors(a: ConfigAnswers, writable: &[&str]) -> Vec<String> {
        let mut errs = FieldErrors::default();
        a.validate(writable, &mut errs, &mut vec![]);
        errs.0.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn mounts_may_not_clash_with_tmp_writable_dirs_or_each_other() {
        let m = |path: &str| MountSpec {
            path: path.into(),
            config_map: Some("cfg".into()),
            secret: None,
            items: BTreeMap::new(),
            optional: false,
        };
        let ok = ConfigAnswers {
            mounts: vec![m("/config"), m("/secrets/db")],
            ..Default::default()
        };
        assert!(errors(ok, &["/tmp", "/data"]).is_empty());
        for bad in ["/tmp", "/tmp/x", "/data/", "relative", "/config"] {
            let a = ConfigAnswers {
                mounts: vec![m("/config"), m(bad)],
                ..Default::default()
            };
            assert_eq!(errors(a, &["/tmp", "/data"]), ["mounts.path"], "{bad}");
        }
    }

    #[test]
    fn env_needs_one_source_and_unique_names() {
        let lit = |n: &str| EnvVarSpec {
            name: n.into(),
            value: Some("1".into()),
            secret_key_ref: None,
            config_map_key_ref: None,
        };
        let a = ConfigAnswers {
            env: vec![lit("A"), lit("A"), lit("9X")],
            ..Default::default()
        };
        assert_eq!(errors(a, &[]), ["env.name", "env.name"]);
        let none = EnvVarSpec {
            value: None,
            ..lit("B")
        };
        assert_eq!(
            errors(
                ConfigAnswers {
                    env: vec![none],
                    ..Default::default()
                },
                &[]
            ),
            ["env"]
        );
    }

    #[test]
    fn tolerations_follow_the_api_rules() {
        let t = |key: Option<&str>, op, value: Option<&str>, effect, secs| TolerationSpec {
            key: key.map(Into::into),
            operator: op,
            value: value.map(Into::into),
            effect,
            toleration_seconds: secs,
        };
        use TaintEffect::*;
        use TolerationOperator::*;
        let good = vec![
            t(
                Some("dedicated"),
                Some(Equal),
                Some("orders"),
                Some(NoSchedule),
                None,
            ),
            t(None, Some(Exists), None, None, None),
            t(
                Some("node.kubernetes.io/unreachable"),
                Some(Exists),
                None,
                Some(NoExecute),
                Some(30),
            ),
        ];
        assert!(errors(
            ConfigAnswers {
                tolerations: good,
                ..Default::default()
            },
            &[]
        )
        .is_empty());
        let bad = vec![
            t(None, Some(Equal), None, None, None),
            t(Some("k"), Some(Exists), Some("v"), None, None),
            t(Some("k"), None, Some("v"), Some(NoSchedule), Some(10)),
        ];
        assert_eq!(
            errors(
                ConfigAnswers {
                    tolerations: bad,
                    ..Default::default()
                },
                &[]
            ),
            [
                "tolerations",
                "tolerations.value",
                "tolerations.tolerationSeconds"
            ]
        );
    }

    #[test]
    fn own_labels_cannot_be_replaced() {
        let mut labels = BTreeMap::new();
        labels.insert("app.kubernetes.io/name".to_string(), "x".to_string());
        labels.insert("team".to_string(), "orders".to_string());
        assert_eq!(
            errors(
                ConfigAnswers {
                    pod_labels: labels,
                    ..Default::default()
                },
                &[]
            ),
            ["podLabels"]
        );
    }
}
