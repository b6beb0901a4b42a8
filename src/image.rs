//! Container image references: parsing and the mutable-tag rule.
//! Grammar from the OCI distribution reference format (`[domain[:port]/]path[:tag][@digest]`).

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (with port), if the reference names one.
    pub registry: Option<String>,
    /// Repository path, e.g. `shop/checkout`.
    pub repository: String,
    /// Tag, e.g. `1.4.2`.
    pub tag: Option<String>,
    /// Digest, e.g. `sha256:` and 64 hex digits.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference. Errors say what part is malformed and what is allowed.
    pub fn parse(s: &str) -> Result<ImageRef, String> {
        if s.is_empty() {
            return Err(
                "must not be empty; give `[registry/]repository:tag` or `...@sha256:<digest>`"
                    .into(),
            );
        }
        if s.len() > 512 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(
                "must be one word of at most 512 characters without spaces or control characters"
                    .into(),
            );
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(parse_digest(d)?)),
            None => (s, None),
        };
        // A ':' after the last '/' separates the tag; one before it belongs to a registry port.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].find(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        if let Some(t) = tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && (t.as_bytes()[0].is_ascii_alphanumeric() || t.as_bytes()[0] == b'_')
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !ok {
                return Err(format!(
                    "has a malformed tag `{t}`: a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"
                ));
            }
        }
        if name.is_empty() || name.len() > 255 {
            return Err("must name a repository of 1 to 255 characters".into());
        }
        let mut parts: Vec<&str> = name.split('/').collect();
        let registry = if parts.len() > 1
            && (parts[0].contains('.')
                || parts[0].contains(':')
                || parts[0] == "localhost"
                || parts[0].chars().any(|c| c.is_ascii_uppercase()))
        {
            let host = parts.remove(0);
            check_registry(host)?;
            Some(host.to_string())
        } else {
            None
        };
        for p in &parts {
            check_path_component(p)?;
        }
        Ok(ImageRef {
            registry,
            repository: parts.join("/"),
            tag: tag.map(str::to_string),
            digest,
        })
    }

    /// True when the reference can point at a different build tomorrow: no digest and a tag that
    /// is `latest` or absent (which means `latest`). Kubernetes docs, "Images", Image names.
    pub fn is_mutable(&self) -> bool {
        self.digest.is_none() && matches!(self.tag.as_deref(), None | Some("latest"))
    }

    /// The value for the `app.kubernetes.io/version` label: the tag, or the first 12 hex digits of
    /// the digest, cut to the label-value charset and 63 characters. `None` when nothing is left.
    pub fn version_label(&self) -> Option<String> {
        let raw = match (&self.tag, &self.digest) {
            (Some(t), _) => t.clone(),
            (None, Some(d)) => d.split(':').nth(1).unwrap_or("").chars().take(12).collect(),
            (None, None) => return None,
        };
        let cut: String = raw.chars().take(63).collect();
        let trimmed = cut.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    }
}

fn parse_digest(d: &str) -> Result<String, String> {
    let bad = || {
        format!("has a malformed digest `{d}`: expected `sha256:` and 64 lowercase hex digits (or sha384/sha512)")
    };
    let (alg, hex) = d.split_once(':').ok_or_else(bad)?;
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(bad()),
    };
    if hex.len() == want
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(d.to_string())
    } else {
        Err(bad())
    }
}

fn check_registry(host: &str) -> Result<(), String> {
    let (h, port) = match host.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host, None),
    };
    let host_ok = !h.is_empty()
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(format!(
            "has a malformed registry `{host}`: expected a host name with an optional :port"
        ))
    }
}

fn check_path_component(p: &str) -> Result<(), String> {
    // [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
    let b = p.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut ok = !b.is_empty() && alnum(b[0]) && alnum(b[b.len() - 1]);
    let mut i = 0;
    while ok && i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &p[start..i];
        ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
    }
    if ok {
        Ok(())
    } else {
        Err(format!(
            "has a malformed repository part `{p}`: use lowercase letters and digits separated by '.', '_', '__' or '-'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_reference() {
        let r = ImageRef::parse("registry.example.com:5000/shop/checkout:1.4.2").unwrap();
        assert_eq!(r.registry.as_deref(), Some("registry.example.com:5000"));
        assert_eq!(r.repository, "shop/checkout");
        assert_eq!(r.tag.as_deref(), Some("1.4.2"));
        assert!(!r.is_mutable());
        assert_eq!(r.version_label().as_deref(), Some("1.4.2"));
    }

    #[test]
    fn docker_hub_short_names() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(r.registry, None);
        assert!(r.is_mutable());
        assert!(ImageRef::parse("nginx:latest").unwrap().is_mutable());
        assert!(!ImageRef::parse("ghcr.io/stefanprodan/podinfo:6.9.2")
            .unwrap()
            .is_mutable());
    }

    #[test]
    fn digest_pins_even_latest() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ImageRef::parse(&format!("nginx:latest@{d}")).unwrap();
        assert!(!r.is_mutable());
        let r = ImageRef::parse(&format!("nginx@{d}")).unwrap();
        assert_eq!(r.version_label().as_deref(), Some("aaaaaaaaaaaa"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "Nginx:1",
            "nginx:",
            "nginx:.1",
            "a b:1",
            "nginx@sha256:xyz",
            "nginx@md5:abc",
            "registry..com/x:1",
            "x//y:1",
            "x/-y:1",
            "x:1\nkind: Secret",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn version_label_is_cut_to_label_rules() {
        let long = format!("v{}", "1".repeat(100));
        let r = ImageRef::parse(&format!("x:{long}")).unwrap();
        assert_eq!(r.version_label().unwrap().len(), 63);
        let r = ImageRef::parse("x:_build-").unwrap();
        assert_eq!(r.version_label().as_deref(), Some("build"));
    }
}
