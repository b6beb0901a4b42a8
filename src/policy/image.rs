//! Image: pull policy from how the reference pins the build (Kubernetes docs, "Images", Image
//! pull policy).

use crate::image::ImageRef;
use crate::plan::{decide, Decision, Mirror};

/// Where the image is copied to when the team mirrors it: `<mirror>/<repository>[:tag][@digest]`
/// (Docker Hub official images get their `library/` path). The source keeps its tag and digest.
pub fn mirror(source: &ImageRef, registry_mirror: &str) -> Mirror {
    let repository = if source.registry.is_none() && !source.repository.contains('/') {
        format!("library/{}", source.repository)
    } else {
        source.repository.clone()
    };
    let mut destination = format!("{}/{repository}", registry_mirror.trim_end_matches('/'));
    let source_repository = match &source.registry {
        Some(r) => format!("{r}/{}", source.repository),
        None => format!("docker.io/{repository}"),
    };
    if let Some(t) = &source.tag {
        destination.push(':');
        destination.push_str(t);
    }
    let mut source_reference = source_repository.clone();
    if let Some(t) = &source.tag {
        source_reference = format!("{source_repository}:{t}");
    }
    let copy_destination = match (&source.tag, &source.digest) {
        (None, Some(d)) => format!("{destination}@{d}"),
        _ => destination.clone(),
    };
    if let Some(d) = &source.digest {
        destination.push('@');
        destination.push_str(d);
    }
    Mirror {
        copy_destination,
        source_repository,
        source_reference,
        destination,
        digest: source.digest.clone(),
    }
}

/// `IfNotPresent` for a digest or version tag (immutable: a cached copy is the same build);
/// `Always` for an accepted mutable tag, so at least every new pod gets the newest push.
pub fn pull_policy(image: Option<&ImageRef>) -> Decision<String> {
    match image {
        Some(r) if r.digest.is_some() => decide("IfNotPresent".into(), "IfNotPresent: a digest names exactly one build, so a cached copy is that build"),
        Some(r) if !r.is_mutable() => decide(
            "IfNotPresent".into(),
            "IfNotPresent: a version tag is treated as immutable (never re-push a tag); pin a digest to make it certain",
        ),
        _ => decide(
            "Always".into(),
            "Always: the tag is mutable, so every pod start pulls; pods can still run different builds, pin a version",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_keep_the_path_tag_and_digest() {
        let m = mirror(
            &ImageRef::parse("ghcr.io/stefanprodan/podinfo:6.9.2").unwrap(),
            "registry.corp.example/mirror",
        );
        assert_eq!(
            m.destination,
            "registry.corp.example/mirror/stefanprodan/podinfo:6.9.2"
        );
        assert_eq!(m.source_reference, "ghcr.io/stefanprodan/podinfo:6.9.2");
        assert_eq!(m.source_repository, "ghcr.io/stefanprodan/podinfo");
        assert_eq!(m.digest, None);
        let d = format!("sha256:{}", "a".repeat(64));
        let m = mirror(
            &ImageRef::parse(&format!("nginx:1.27@{d}")).unwrap(),
            "reg.local:5000",
        );
        assert_eq!(
            m.destination,
            format!("reg.local:5000/library/nginx:1.27@{d}")
        );
        assert_eq!(m.copy_destination, "reg.local:5000/library/nginx:1.27");
        assert_eq!(m.source_repository, "docker.io/library/nginx");
        assert_eq!(m.digest.as_deref(), Some(d.as_str()));
    }

    #[test]
    fn policy_follows_the_reference() {
        let tag = ImageRef::parse("a/b:1.2").unwrap();
        assert_eq!(pull_policy(Some(&tag)).value, "IfNotPresent");
        let latest = ImageRef::parse("a/b:latest").unwrap();
        assert_eq!(pull_policy(Some(&latest)).value, "Always");
        let digest = ImageRef::parse(&format!("a/b@sha256:{}", "0".repeat(64))).unwrap();
        assert!(pull_policy(Some(&digest)).reason.contains("digest"));
    }
}
