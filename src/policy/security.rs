//! Security: a pod that meets the restricted Pod Security Standard (Kubernetes docs, "Pod Security
//! Standards"), and the documented exemptions from public checkers' rules.

use crate::image::ImageRef;
use crate::plan::{decide, Exemption, Object, PreStop, Security, Shutdown, Spread, WritableDir};
use crate::spec::Spec;

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

/// Exemptions written as annotations, each with its reason. Filled in from the public checkers
/// the CI runs (kube-score, Polaris, kube-linter, checkov) and zerodown's own `check`.
pub fn exemptions(
    spec: &Spec,
    image: Option<&ImageRef>,
    spread: &Spread,
    shutdown: &Shutdown,
) -> Vec<Exemption> {
    let mut out = Vec::new();
    if let Some(PreStop::Exec { command, .. }) = &shutdown.pre_stop.value {
        if command.first().map(String::as_str) == Some("sleep") {
            out.push(Exemption {
                object: Object::Deployment,
                key: "ignore-check.zerodown.dev/prestop-exec-needs-binary".into(),
                value: format!(
                    "target Kubernetes {} predates the GA native sleep action and the preset says the image has a shell and sleep",
                    spec.kube_version
                ),
            });
        }
    }
    if spread.hard_anti_affinity.value {
        out.push(Exemption {
            object: Object::Deployment,
            key: "ignore-check.zerodown.dev/required-anti-affinity-blocks-rollout".into(),
            value: "cost: resilient asks for one pod per node; the README states the node count a rollout needs".into(),
        });
    }
    if spec.allow_mutable_tag {
        out.push(Exemption {
            object: Object::Deployment,
            key: "ignore-check.zerodown.dev/image-tag-mutable".into(),
            value: "accepted with --allow-mutable-tag; imagePullPolicy Always".into(),
        });
    }
    let _ = image;
    out
}
