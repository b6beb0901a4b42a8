//! Fitting the ecosystem: kube-version targeting, kustomize overlays rendered by the real kubectl,
//! the mirror script against a stub `crane` (and checked by shellcheck), digest pinning.
//! Real tools are found via ZERODOWN_<TOOL>, the CI tools folder or PATH; under CI they must exist.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use zerodown::check::{check_sources, Source};

const IMAGE: &str = "ghcr.io/stefanprodan/podinfo:6.9.2";

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir);
    c
}

/// A real tool, or None (a skip note) outside CI; CI installs them (.ci/install-tools.sh, apt).
fn tool(name: &str) -> Option<PathBuf> {
    let env = format!("ZERODOWN_{}", name.to_uppercase().replace('-', "_"));
    let home = std::env::var("HOME").unwrap_or_default();
    let tools = std::env::var("ZERODOWN_TOOLS").unwrap_or(format!("{home}/.cache/zerodown-tools"));
    let mut candidates: Vec<PathBuf> = std::env::var_os(&env)
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(Path::new(&tools).join("venv/bin").join(name));
    candidates.push(Path::new(&tools).join("bin").join(name));
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        candidates.push(dir.join(name));
    }
    let found = candidates.into_iter().find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required under CI (set {env} or install it)"
        );
        eprintln!("skip: {name} not installed");
    }
    found
}

fn new_bundle(dir: &Path, extra: &[&str]) -> PathBuf {
    zerodown(dir)
        .args([
            "new",
            "podinfo",
            "--preset",
            "go",
            "--image",
            IMAGE,
            "--port",
            "9898",
            "--liveness-path",
            "/healthz",
            "-n",
            "demo",
        ])
        .args(extra)
        .assert()
        .success();
    dir.join("podinfo")
}

#[test]
fn every_kube_version_is_accepted_and_shapes_the_prestop() {
    for (v, exec) in [
        ("1.33", true),
        ("1.34", false),
        ("1.35", false),
        ("1.36", false),
        ("1.37", false),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        zerodown(tmp.path())
            .args([
                "new",
                "api",
                "--preset",
                "spring-boot",
                "--image",
                "r.example.com/a/api:1.0.0",
                "--kube-version",
                v,
            ])
            .assert()
            .success();
        let d = fs::read_to_string(tmp.path().join("api/deployment.yaml")).unwrap();
        assert_eq!(
            d.contains("exec:\n                command:\n                  - \"sleep\""),
            exec,
            "{v}"
        );
        assert_eq!(
            d.contains("sleep:\n                seconds: 5"),
            !exec,
            "{v}"
        );
    }
    zerodown(Path::new("."))
        .args([
            "new",
            "api",
            "--image",
            "r.example.com/a/api:1.0.0",
            "--kube-version",
            "1.32",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "supported versions are 1.33, 1.34, 1.35, 1.36, 1.37",
        ));
}

#[test]
fn overlays_render_with_kubectl_kustomize_and_stay_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_bundle(tmp.path(), &["--overlays", "staging,production"]);
    for f in [
        "base/deployment.yaml",
        "base/kustomization.yaml",
        "overlays/staging/kustomization.yaml",
        "overlays/production/kustomization.yaml",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    assert!(!dir.join("deployment.yaml").exists());
    zerodown(&dir)
        .args(["render", "--check"])
        .assert()
        .success();
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let render = |overlay: &str| {
        let out = std::process::Command::new(&kubectl)
            .arg("kustomize")
            .arg(dir.join("overlays").join(overlay))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for (overlay, ns, min, max, cpu) in [
        ("staging", "demo-staging", 2, 5, "50m"),
        ("production", "demo", 3, 9, "100m"),
    ] {
        let text = render(overlay);
        let docs: Vec<serde_json::Value> = text
            .split("\n---\n")
            .map(|d| serde_yaml_ng::from_str(d).unwrap())
            .collect();
        // The Namespace, renamed by the overlay's namespace field, then the six objects in it.
        assert_eq!(docs.len(), 7, "{overlay}");
        assert_eq!(docs[0]["kind"], "Namespace", "{overlay}");
        assert_eq!(docs[0]["metadata"]["name"], ns, "{overlay}");
        assert!(
            docs[1..].iter().all(|d| d["metadata"]["namespace"] == ns),
            "{overlay}"
        );
        let hpa = docs
            .iter()
            .find(|d| d["kind"] == "HorizontalPodAutoscaler")
            .unwrap();
        assert_eq!(
            (
                hpa["spec"]["minReplicas"].as_u64(),
                hpa["spec"]["maxReplicas"].as_u64()
            ),
            (Some(min), Some(max)),
            "{overlay}"
        );
        let dep = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
        assert_eq!(
            dep["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"], cpu,
            "{overlay}"
        );
        let report = check_sources(&[Source::new(overlay, text.clone())]);
        let active: Vec<String> = report.active().map(|f| f.message.clone()).collect();
        assert!(active.is_empty(), "{overlay}: {active:?}");
    }
}

fn stub(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn mirror_script_copies_by_digest_with_crane_and_explains_when_nothing_is_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_bundle(
        tmp.path(),
        &["--registry-mirror", "registry.corp.example/mirror"],
    );
    let d = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    assert!(d.contains("image: \"registry.corp.example/mirror/stefanprodan/podinfo:6.9.2\""));
    let script = dir.join("mirror-images.sh");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&script).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }
    // A stub crane that logs its arguments and answers `digest`.
    let bin = tmp.path().join("stub-bin");
    fs::create_dir(&bin).unwrap();
    let log = tmp.path().join("crane.log");
    let digest = format!("sha256:{}", "ab".repeat(32));
    stub(
        &bin,
        "crane",
        &format!(
            "echo \"$@\" >> '{}'\n[ \"$1\" = digest ] && echo {digest}\nexit 0",
            log.display()
        ),
    );
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls,
        format!(
            "digest ghcr.io/stefanprodan/podinfo:6.9.2\ncopy ghcr.io/stefanprodan/podinfo@{digest} registry.corp.example/mirror/stefanprodan/podinfo:6.9.2\n"
        )
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("--pin-digest {digest}")));

    // Pinned: no lookup, the pinned digest is copied and the Deployment pulls it by digest.
    let tmp2 = tempfile::tempdir().unwrap();
    let dir2 = new_bundle(
        tmp2.path(),
        &[
            "--registry-mirror",
            "registry.corp.example/mirror",
            "--pin-digest",
            &digest,
        ],
    );
    fs::remove_file(&log).unwrap();
    let out = std::process::Command::new("bash")
        .arg(dir2.join("mirror-images.sh"))
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(fs::read_to_string(&log).unwrap(), format!("copy ghcr.io/stefanprodan/podinfo@{digest} registry.corp.example/mirror/stefanprodan/podinfo:6.9.2\n"));
    let d = fs::read_to_string(dir2.join("deployment.yaml")).unwrap();
    assert!(
        d.contains(&format!(
            "image: \"registry.corp.example/mirror/stefanprodan/podinfo:6.9.2@{digest}\""
        )),
        "{d}"
    );

    // Only skopeo: the same copy by digest through skopeo.
    let skopeo_bin = tmp.path().join("skopeo-bin");
    fs::create_dir(&skopeo_bin).unwrap();
    let slog = tmp.path().join("skopeo.log");
    stub(
        &skopeo_bin,
        "skopeo",
        &format!(
            "echo \"$@\" >> '{}'\n[ \"$1\" = inspect ] && echo {digest}\nexit 0",
            slog.display()
        ),
    );
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", skopeo_bin.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(&slog).unwrap(),
        format!(
            "inspect --format {{{{.Digest}}}} docker://ghcr.io/stefanprodan/podinfo:6.9.2\ncopy --all docker://ghcr.io/stefanprodan/podinfo@{digest} docker://registry.corp.example/mirror/stefanprodan/podinfo:6.9.2\n"
        )
    );

    // Neither crane nor skopeo: a clear message and exit 127.
    let empty = tmp.path().join("empty-bin");
    fs::create_dir(&empty).unwrap();
    for tool in ["bash", "sh"] {
        let real = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap();
        std::os::unix::fs::symlink(real, empty.join(tool)).unwrap();
    }
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither crane nor skopeo is installed"));

    if let Some(shellcheck) = tool("shellcheck") {
        for s in [&script, &dir2.join("mirror-images.sh")] {
            let out = std::process::Command::new(&shellcheck)
                .arg(s)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}

#[test]
fn bad_mirror_digest_and_overlay_values_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--registry-mirror", "https://registry.corp.example"], "`registryMirror` (--registry-mirror): \"https://registry.corp.example\" must be a registry host"),
        (&["--registry-mirror", "registry.corp.example/"], "must be a registry host"),
        (&["--pin-digest", "sha256:abc"], "malformed digest"),
        (&["--overlays", "Staging"], "`overlays` (--overlays): \"Staging\""),
        (&["--overlays", "staging,staging"], "is listed twice"),
        (&["-n", &"n".repeat(60), "--overlays", "staging"], "longer than the 63 characters"),
    ];
    for (extra, want) in cases {
        zerodown(tmp.path())
            .args(["new", "podinfo", "--preset", "go", "--image", IMAGE])
            .args(*extra)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*want));
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "{extra:?}");
    }
}
