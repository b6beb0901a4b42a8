//! Security: a pod that meets the restricted Pod Security Standard (Kubernetes docs, "Pod Security
//! Standards"), and the documented exemptions from public checkers' rules.

use crate::image::ImageRef;
use crate::plan::Departure;
use crate::plan::{decide, Exemption, Object, PreStop, Security, Shutdown, Spread, WritableDir};
use crate::spec::{Linter, Spec};

/// Non-root UID/GID and the writable emptyDir mounts a read-only root filesystem needs.
pub fn security(spec: &Spec) -> Security {
    let uid = spec.run_as_user;
    let reason = if uid >= 10000 {
        format!("{uid}: non-root and above the UIDs images and hosts use, so a container escape lands as an unknown user")
    } else {
        format!("{uid}: the non-root user the image is built for (the preset says so)")
    };
    Security {
        run_as_user: decide(uid, reason),
        writable_dirs: spec
            .writable_dirs
            .iter()
            .enumerate()
            .map(|(i, p)| WritableDir {
                volume: format!("writable-{}", i + 1),
                path: p.clone(),
            })
            .collect(),
    }
}

/// One checker rule that does not fit this design, and why (no `=` in the reason: checkov
/// splits its annotation value on it).
struct Waiver {
    tool: Tool,
    check: &'static str,
    reason: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Zerodown,
    KubeScore,
    Checkov,
    Polaris,
}

/// Exemptions written as annotations on the Deployment, each with its reason. Where a tool's
/// annotation cannot carry a reason (kube-score, Polaris) the reason goes into
/// `exemption.zerodown.dev/<tool>.<check>`. Formats: zerodown `ignore-check.zerodown.dev/<rule>`,
/// kube-score `kube-score/ignore: a,b`, checkov `checkov.io/skipN: ID=reason`, Polaris
/// `polaris.fairwinds.com/<check>-exempt: "true"`.
///
/// Returns the annotations (zerodown's own always; a linter's only when `spec.lintAnnotations`
/// names it) and every departure from a linter's rule with its reason, for the bundle README.
pub fn exemptions(
    spec: &Spec,
    image: Option<&ImageRef>,
    spread: &Spread,
    shutdown: &Shutdown,
) -> (Vec<Exemption>, Vec<Departure>) {
    let mut w: Vec<Waiver> = Vec::new();
    let mut add = |tool, check, reason: String| {
        w.push(Waiver {
            tool,
            check,
            reason,
        })
    };
    if spec.command_execs && crate::check::shell_wrapper_pid1(&spec.command, &spec.args).is_some() {
        add(
            Tool::Zerodown,
            "shell-pid1-drops-sigterm",
            "commandExecs: the start script ends by exec'ing the app (or runs it under an init), so the app, not the shell, receives SIGTERM".into(),
        );
    }
    if let Some(PreStop::Exec { command, .. }) = &shutdown.pre_stop.value {
        if command.first().map(String::as_str) == Some("sleep") {
            add(
                Tool::Zerodown,
                "prestop-exec-needs-binary",
                format!(
                    "target Kubernetes {} predates the GA native sleep action and the preset says the image has a shell and sleep",
                    spec.kube_version
                ),
            );
        }
    }
    if spread.hard_anti_affinity.value {
        add(
            Tool::Zerodown,
            "required-anti-affinity-blocks-rollout",
            "cost: resilient asks for one pod per node; the README states the node count a rollout needs".into(),
        );
    }
    let digest = image.is_some_and(|i| i.digest.is_some());
    if spec.allow_mutable_tag {
        let why =
            "mutable tag accepted with --allow-mutable-tag; imagePullPolicy Always".to_string();
        add(Tool::Zerodown, "image-tag-mutable", why.clone());
        add(Tool::KubeScore, "container-image-tag", why.clone());
        add(Tool::Polaris, "tagNotSpecified", why);
    } else {
        let why = "the image is pinned (version tag or digest), so a cached copy is the same build and IfNotPresent avoids a registry round trip on every start".to_string();
        add(Tool::KubeScore, "container-image-pull-policy", why.clone());
        add(Tool::Polaris, "pullPolicyNotAlways", why.clone());
        if !digest {
            add(Tool::Checkov, "CKV_K8S_15", why);
        }
    }
    if !digest {
        add(
            Tool::Checkov,
            "CKV_K8S_43",
            "pinned by version tag; pass a digest in the image to pin the exact build".into(),
        );
    }
    if !spec.network_policy.enabled {
        // The team opted out (networkPolicy.enabled: false) and applies its own policies.
        let netpol = "networkPolicy.enabled is false in zerodown.yaml: the team applies its own NetworkPolicies beside this bundle".to_string();
        add(Tool::KubeScore, "pod-networkpolicy", netpol.clone());
        add(Tool::Checkov, "CKV2_K8S_6", netpol.clone());
        add(Tool::Polaris, "missingNetworkPolicy", netpol);
    } else {
        // Polaris 10.2's check wants the policy's podSelector.matchLabels to hold exactly one of
        // the pod's labels (a JSON-schema oneOf over them, pkg/config/checks/missingNetworkPolicy.yaml),
        // so a selector of name and instance, the one the Service and the PDB use, never passes.
        add(
            Tool::Polaris,
            "missingNetworkPolicy",
            "the bundle's NetworkPolicy selects the pods by name and instance with ingress and egress rules; Polaris 10.2 accepts only a podSelector that names exactly one pod label".into(),
        );
    }
    if spec.priority_class_name.is_none() {
        add(
            Tool::Polaris,
            "priorityClassNotSet",
            "PriorityClasses are cluster objects the platform team defines; set one with --priority-class (priorityClassName) when the cluster has them".into(),
        );
    }
    add(
        Tool::Polaris,
        "deploymentMissingReplicas",
        "the HorizontalPodAutoscaler owns spec.replicas (minReplicas 2 or more); a replicas field would fight it on every apply, as kube-score also says".into(),
    );
    if spec.env.iter().any(|e| e.secret_key_ref.is_some())
        || spec.env_from.iter().any(|e| e.secret_ref.is_some())
    {
        // Only when the spec asks for it: a Secret as env vars is what most apps (Spring Boot's
        // datasource, twelve-factor apps) read, and the value never enters the bundle.
        add(
            Tool::Checkov,
            "CKV_K8S_35",
            "zerodown.yaml reads Secret keys as environment variables (env secretKeyRef or envFrom secretRef) by reference; mount the Secret (mounts secret) to read it as files instead".into(),
        );
    }
    if spec.run_as_user < 10000 {
        let why = format!(
            "the image is built to run as UID {} (non-root), the preset says so",
            spec.run_as_user
        );
        add(
            Tool::KubeScore,
            "container-security-context-user-group-id",
            why.clone(),
        );
        add(Tool::Checkov, "CKV_K8S_40", why);
    }
    let asked = |t: Tool| match t {
        Tool::Zerodown => true,
        Tool::KubeScore => spec.lint_annotations.contains(&Linter::KubeScore),
        Tool::Checkov => spec.lint_annotations.contains(&Linter::Checkov),
        Tool::Polaris => spec.lint_annotations.contains(&Linter::Polaris),
    };
    let departures = w
        .iter()
        .filter(|x| x.tool != Tool::Zerodown)
        .map(|x| Departure {
            tool: match x.tool {
                Tool::KubeScore => "kube-score",
                Tool::Checkov => "checkov",
                _ => "polaris",
            },
            check: x.check,
            reason: x.reason.clone(),
            annotated: asked(x.tool),
        })
        .collect();
    (
        annotations(w.into_iter().filter(|x| asked(x.tool)).collect()),
        departures,
    )
}

fn annotations(waivers: Vec<Waiver>) -> Vec<Exemption> {
    let mut out = Vec::new();
    let ann = |key: String, value: String| Exemption {
        object: Object::Deployment,
        key,
        value,
    };
    let kube_score: Vec<&str> = waivers
        .iter()
        .filter(|w| w.tool == Tool::KubeScore)
        .map(|w| w.check)
        .collect();
    if !kube_score.is_empty() {
        out.push(ann("kube-score/ignore".into(), kube_score.join(",")));
    }
    let mut checkov = 0;
    for w in &waivers {
        match w.tool {
            Tool::Zerodown => out.push(ann(
                format!("ignore-check.zerodown.dev/{}", w.check),
                w.reason.clone(),
            )),
            Tool::Checkov => {
                checkov += 1;
                out.push(ann(
                    format!("checkov.io/skip{checkov}"),
                    format!("{}={}", w.check, w.reason),
                ));
            }
            Tool::KubeScore => out.push(ann(
                format!("exemption.zerodown.dev/kube-score.{}", w.check),
                w.reason.clone(),
            )),
            Tool::Polaris => {
                out.push(ann(
                    format!("polaris.fairwinds.com/{}-exempt", w.check),
                    "true".into(),
                ));
                out.push(ann(
                    format!("exemption.zerodown.dev/polaris.{}", w.check),
                    w.reason.clone(),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

#[cfg(test)]
mod tests {
    use crate::policy;
    use crate::preset::Preset;
    use crate::spec::Linter;
    use crate::test_support::spec_for;

    #[test]
    fn annotations_are_valid_and_reasons_safe_for_checkov() {
        for preset in ["generic", "nginx-static", "worker"] {
            let mut spec = spec_for(preset);
            spec.lint_annotations = vec![Linter::KubeScore, Linter::Checkov, Linter::Polaris];
            let plan = policy::plan(&spec, &Preset::builtin(preset).unwrap());
            for e in &plan.exemptions {
                let (prefix, name) = e.key.split_once('/').unwrap();
                assert!(name.len() <= 63 && !prefix.is_empty(), "{}", e.key);
                if e.key.starts_with("checkov.io/") {
                    assert_eq!(e.value.matches('=').count(), 1, "{}", e.value);
                }
            }
            let ks = plan
                .exemptions
                .iter()
                .find(|e| e.key == "kube-score/ignore")
                .unwrap();
            // the bundle has its own NetworkPolicy: kube-score and checkov accept it; only Polaris
            // (whose check wants a one-label podSelector) is told, with the reason
            assert!(!ks.value.contains("pod-networkpolicy"));
            assert!(!plan
                .exemptions
                .iter()
                .any(|e| e.value.starts_with("CKV2_K8S_6")));
            assert!(plan.exemptions.iter().any(|e| e.key
                == "exemption.zerodown.dev/polaris.missingNetworkPolicy"
                && e.value.contains("exactly one pod label")));
            assert_eq!(
                ks.value
                    .contains("container-security-context-user-group-id"),
                preset == "nginx-static"
            );
        }
    }

    #[test]
    fn linter_annotations_only_for_the_linters_the_team_runs() {
        let preset = Preset::builtin("go").unwrap();
        let mut spec = spec_for("go");
        let none = policy::plan(&spec, &preset);
        assert_eq!(none.exemptions, vec![], "no linter named: no annotations");
        assert!(none.departures.iter().all(|d| !d.annotated));
        let tools: Vec<&str> = none.departures.iter().map(|d| d.tool).collect();
        for t in ["kube-score", "checkov", "polaris"] {
            assert!(
                tools.contains(&t),
                "{t}: every departure is still listed: {tools:?}"
            );
        }
        spec.lint_annotations = vec![Linter::Checkov];
        let checkov = policy::plan(&spec, &preset);
        assert!(!checkov.exemptions.is_empty());
        assert!(
            checkov
                .exemptions
                .iter()
                .all(|e| e.key.starts_with("checkov.io/skip")),
            "{:?}",
            checkov.exemptions
        );
        assert_eq!(
            checkov.departures.iter().filter(|d| d.annotated).count(),
            checkov.exemptions.len()
        );
    }

    #[test]
    fn only_an_opted_out_network_policy_is_exempted() {
        let mut spec = spec_for("go");
        spec.network_policy.enabled = false;
        spec.lint_annotations = vec![Linter::KubeScore, Linter::Checkov, Linter::Polaris];
        let plan = policy::plan(&spec, &Preset::builtin("go").unwrap());
        let keys: Vec<&str> = plan.exemptions.iter().map(|e| e.key.as_str()).collect();
        assert!(keys.contains(&"polaris.fairwinds.com/missingNetworkPolicy-exempt"));
        assert!(plan.exemptions.iter().any(|e| e
            .value
            .starts_with("CKV2_K8S_6=networkPolicy.enabled is false")));
        let ks = plan
            .exemptions
            .iter()
            .find(|e| e.key == "kube-score/ignore")
            .unwrap();
        assert!(ks.value.contains("pod-networkpolicy"));
    }

    #[test]
    fn a_digest_needs_no_digest_waiver() {
        let mut spec = spec_for("go");
        spec.lint_annotations = vec![Linter::Checkov];
        spec.image = format!("registry.example.com/a/b@sha256:{}", "1".repeat(64));
        let plan = policy::plan(&spec, &Preset::builtin("go").unwrap());
        assert!(!plan
            .exemptions
            .iter()
            .any(|e| e.value.starts_with("CKV_K8S_43") || e.value.starts_with("CKV_K8S_15")));
    }
}
