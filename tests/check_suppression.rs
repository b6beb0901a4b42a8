//! `ignore-check.zerodown.dev/<rule-id>: "<reason>"` silences a rule on one object.

mod common;
use common::*;
use zerodown::check::{CheckOptions, Format, Severity};

fn annotate(doc: &str, annotations: &str) -> String {
    edit(
        doc,
        "  namespace: shop\n",
        &format!("  namespace: shop\n  annotations:\n{annotations}"),
    )
}

#[test]
fn annotation_with_reason_suppresses_container_findings() {
    let d = annotate(
        &edit(DEPLOY, "web:1.2.3", "web:latest"),
        "    ignore-check.zerodown.dev/image-tag-mutable: \"dev cluster, Flux image automation pins it\"\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "image-tag-mutable")
        .expect("kept in report");
    assert_eq!(
        f.suppressed.as_ref().map(|s| s.reason.as_str()),
        Some("dev cluster, Flux image automation pins it")
    );
    assert_eq!(f.container.as_deref(), Some("app"));
    assert_eq!(r.summary().suppressed, 1);
    assert_eq!(r.summary().errors, 0);
    assert_eq!(r.exit_code(Severity::Warning), 0);
    let text = r.render(&CheckOptions::default());
    assert!(
        text.contains("suppressed[image-tag-mutable] dev cluster, Flux image automation pins it"),
        "{text}"
    );
    assert!(!text.contains("error[image-tag-mutable]"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&r.render(&CheckOptions {
        format: Format::Json,
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(
        json["findings"][0]["suppressed"]["reason"],
        "dev cluster, Flux image automation pins it"
    );
}

#[test]
fn pod_template_annotation_also_counts() {
    let d = edit(
        &edit(DEPLOY, "web:1.2.3", "web:latest"),
        "      labels:\n        app: web\n",
        "      labels:\n        app: web\n      annotations:\n        ignore-check.zerodown.dev/image-tag-mutable: preview environment\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    assert_eq!(r.summary().suppressed, 1);
}

#[test]
fn empty_reason_is_invalid_and_reported() {
    let d = annotate(
        &edit(DEPLOY, "web:1.2.3", "web:latest"),
        "    ignore-check.zerodown.dev/image-tag-mutable: \"  \"\n",
    );
    let r = check(&bundle(&[&d, SERVICE, PDB, HPA]));
    assert_finding(one(&r, "image-tag-mutable"), Severity::Error, &["latest"]);
    let f = one(&r, "suppression-without-reason");
    assert_finding(
        f,
        Severity::Warning,
        &[
            "ignore-check.zerodown.dev/image-tag-mutable",
            "Deployment 'web'",
        ],
    );
    assert_eq!(f.line, 7, "points at the annotation");
}

#[test]
fn suppression_only_covers_its_object_and_rule() {
    let other = edit(
        &edit(DEPLOY, "name: web\n  namespace", "name: api\n  namespace"),
        "web:1.2.3",
        "web:latest",
    );
    let d = annotate(
        &edit(DEPLOY, "web:1.2.3", "web:latest"),
        "    ignore-check.zerodown.dev/image-tag-mutable: \"preview\"\n    ignore-check.zerodown.dev/hpa-missing: \"not relevant here\"\n",
    );
    let r = check(&bundle(&[&d, &other, SERVICE, PDB, HPA]));
    let active: Vec<_> = find(&r, "image-tag-mutable");
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].name, "api");
    // A PDB-level finding is silenced on the PDB, not on the Deployment.
    let p = edit(
        &edit(PDB, "maxUnavailable: 1", "maxUnavailable: 0"),
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/pdb-allows-zero-disruptions: \"frozen during migration\"\n",
    );
    let r = check(&bundle(&[DEPLOY, SERVICE, &p, HPA]));
    absent(&r, "pdb-allows-zero-disruptions");
    assert_eq!(r.summary().suppressed, 1);
}
