//! Image: pull policy from how the reference pins the build (Kubernetes docs, "Images", Image
//! pull policy).

use crate::image::ImageRef;
use crate::plan::{decide, Decision};

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
    fn policy_follows_the_reference() {
        let tag = ImageRef::parse("a/b:1.2").unwrap();
        assert_eq!(pull_policy(Some(&tag)).value, "IfNotPresent");
        let latest = ImageRef::parse("a/b:latest").unwrap();
        assert_eq!(pull_policy(Some(&latest)).value, "Always");
        let digest = ImageRef::parse(&format!("a/b@sha256:{}", "0".repeat(64))).unwrap();
        assert!(pull_policy(Some(&digest)).reason.contains("digest"));
    }
}
