//! Image rules: mutable tags (`latest`, no tag, floating tags) without a digest.

use super::index::Ctx;
use super::model::{Finding, Severity};

/// Tags that conventionally move to new builds.
const FLOATING: &[&str] = &[
    "stable",
    "main",
    "master",
    "dev",
    "develop",
    "development",
    "edge",
    "nightly",
    "snapshot",
    "head",
    "canary",
    "current",
    "mainline",
    "unstable",
    "testing",
    "next",
    "rolling",
    "lts",
];

/// Whether a tag conventionally moves to new builds (`stable`, `main`, `nightly`, `*-latest`,
/// `*-snapshot`, ...); `latest` itself is handled apart.
pub(crate) fn floating_tag(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    FLOATING.contains(&lower.as_str())
        || lower.starts_with("latest-")
        || lower.ends_with("-latest")
        || lower.ends_with("-snapshot")
}

/// The tag of an image reference (`None` when untagged) and whether it carries a digest.
pub(crate) fn image_tag(image: &str) -> (Option<&str>, bool) {
    let digest = image.contains('@');
    let no_digest = image.split('@').next().unwrap_or(image);
    let slash = no_digest.rfind('/').map_or(0, |p| p + 1);
    let tag = no_digest[slash..]
        .rfind(':')
        .map(|c| &no_digest[slash + c + 1..]);
    (tag.filter(|t| !t.is_empty()), digest)
}

/// Runs the image rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for w in ctx.workloads {
        for c in &w.containers {
            let Some(image) = c.image.map(str::trim).filter(|i| !i.is_empty()) else {
                continue;
            };
            if image.contains("$(") || image.contains("${") {
                continue;
            }
            let (tag, digest) = image_tag(image);
            if digest {
                continue;
            }
            let policy = c.v.get("imagePullPolicy").and_then(|v| v.as_str());
            let line = ctx.container_line(w, c, &["image"]);
            match tag {
                None | Some("latest") => {
                    let shown = tag.unwrap_or("latest");
                    let msg = match policy {
                        Some(p @ ("IfNotPresent" | "Never")) => format!(
                            "container '{}' uses image '{image}' with imagePullPolicy {p}; nodes keep different '{shown}' builds and releases cannot be rolled out or rolled back; pin a version tag or digest",
                            c.name
                        ),
                        _ => format!(
                            "container '{}' uses image '{image}' with imagePullPolicy Always{}; every restart may pull a different '{shown}' build, so replicas run different code and releases cannot be rolled out or rolled back; pin a version tag or digest",
                            c.name,
                            if policy.is_none() { " (the default for :latest or no tag)" } else { "" }
                        ),
                    };
                    out.push(
                        ctx.finding("image-tag-mutable", w.idx)
                            .container(c.name)
                            .at(line)
                            .message(msg),
                    );
                }
                Some(t) => {
                    if floating_tag(t) {
                        out.push(
                            ctx.finding("image-tag-mutable", w.idx)
                                .severity(Severity::Warning)
                                .container(c.name)
                                .at(line)
                                .message(format!(
                                    "container '{}' uses image '{image}' whose tag '{t}' usually moves to new builds; replicas can run different code and a release does not change the pod template; pin a version tag or digest",
                                    c.name
                                )),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::image_tag;

    #[test]
    fn tags() {
        assert_eq!(image_tag("nginx"), (None, false));
        assert_eq!(image_tag("registry:5000/app"), (None, false));
        assert_eq!(image_tag("registry:5000/app:1.2"), (Some("1.2"), false));
        assert_eq!(image_tag("app:latest@sha256:ab"), (Some("latest"), true));
        assert_eq!(image_tag("app@sha256:ab"), (None, true));
    }
}
