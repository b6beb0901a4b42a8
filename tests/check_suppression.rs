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

/// The image-tag-mutable sample with a suppression whose value is `value`, checked on `today`.
fn expiring(value: &str, today: &str) -> zerodown::check::Report {
    let d = annotate(
        &edit(DEPLOY, "web:1.2.3", "web:latest"),
        &format!("    ignore-check.zerodown.dev/image-tag-mutable: \"{value}\"\n"),
    );
    let today: zerodown::check::Day = today.parse().unwrap();
    zerodown::check::check_sources_on(
        &[zerodown::check::Source::new(
            "test.yaml",
            bundle(&[&d, SERVICE, PDB, HPA]),
        )],
        today,
    )
}

#[test]
fn suppression_applies_until_its_expiry_date() {
    let r = expiring("Flux pins it; expires=2027-03-01", "2027-02-28");
    absent(&r, "image-tag-mutable");
    absent(&r, "suppression-expired");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "image-tag-mutable")
        .unwrap();
    assert_eq!(
        f.suppressed.as_ref().unwrap().reason,
        "Flux pins it; expires=2027-03-01"
    );
    // From the date on, the finding is back and says why.
    for today in ["2027-03-01", "2028-01-01"] {
        let r = expiring("Flux pins it; expires=2027-03-01", today);
        assert_eq!(one(&r, "image-tag-mutable").severity, Severity::Error);
        assert_finding(
            one(&r, "suppression-expired"),
            Severity::Warning,
            &["annotation 'ignore-check.zerodown.dev/image-tag-mutable' on Deployment 'web' expired on 2027-03-01, so image-tag-mutable is reported again; fix it or renew the suppression with a new date and reason"],
        );
    }
}

#[test]
fn malformed_expiry_is_a_finding_and_does_not_suppress() {
    for bad in ["2027-02-30", "03/01/2027", "soon"] {
        let r = expiring(&format!("Flux pins it; expires={bad}"), "2027-01-01");
        one(&r, "image-tag-mutable");
        assert_eq!(
            one(&r, "suppression-expiry-invalid").message,
            format!("annotation 'ignore-check.zerodown.dev/image-tag-mutable' on Deployment 'web' has expires={bad}, which is not a date (expected expires=YYYY-MM-DD, e.g. expires=2027-03-01), so the suppression is ignored")
        );
    }
    // A reason of only a date is no reason.
    let r = expiring("expires=2027-03-01", "2027-01-01");
    one(&r, "suppression-without-reason");
}

#[test]
fn days_parse_and_order() {
    use zerodown::check::Day;
    let d: Day = "2024-02-29".parse().unwrap();
    assert_eq!(d.to_string(), "2024-02-29");
    assert!("2023-02-29".parse::<Day>().is_err());
    assert!("2024-13-01".parse::<Day>().is_err());
    assert!("2024-1-01".parse::<Day>().is_err());
    assert!(d < "2024-03-01".parse::<Day>().unwrap());
    // 20 000 days after 1970-01-01.
    assert_eq!(Day::from_unix_days(20_000).to_string(), "2024-10-04");
    assert_eq!(Day::from_unix_days(0).to_string(), "1970-01-01");
}
