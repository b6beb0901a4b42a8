//! examples/ holds bundles of real public apps; each must be exactly what `zerodown render`
//! produces from its zerodown.yaml today (regenerated and compared, as CI does).

use std::path::Path;

use assert_cmd::Command;

#[test]
fn every_example_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let spec = dir.join("zerodown.yaml");
        if !spec.exists() {
            continue;
        }
        let out = Command::cargo_bin("zerodown")
            .unwrap()
            .args(["render", "--check", "-f"])
            .arg(&spec)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} drifted; re-render it with `cargo run -- render -f {}`:\n{}{}",
            dir.display(),
            spec.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        seen.push(dir.file_name().unwrap().to_string_lossy().into_owned());
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "go-alb",
            "kafka-worker",
            "mailer-worker",
            "node-hello",
            "orders-api",
            "podinfo",
            "spring-petclinic",
            "static-site",
            "superset"
        ]
    );
}
