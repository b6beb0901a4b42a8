//! The rule table: unique ids, complete docs, and every rule has a sample that triggers it.

mod common;
use common::{check, samples};
use std::collections::HashSet;
use zerodown::check::{explain, rules, suggest};

#[test]
fn ids_are_unique_and_documented() {
    let mut ids = HashSet::new();
    for r in rules() {
        assert!(ids.insert(r.id), "duplicate {}", r.id);
        assert!(!r.title.is_empty(), "{}", r.id);
        assert!(
            !r.fix.is_empty() && !r.fix.contains('\n'),
            "{}: one-line fix",
            r.id
        );
        assert!(r.doc.len() >= 100, "{}: doc too short", r.id);
        assert!(
            r.reference.contains("kubernetes.io")
                || r.reference.contains("KEP")
                || r.reference.contains("nginx.org")
                || r.reference.contains("zerodown"),
            "{}: reference {}",
            r.id,
            r.reference
        );
        let text = explain(r.id).unwrap();
        assert!(text.starts_with(r.id) && text.contains(r.reference));
    }
    assert!(rules().len() >= 30);
}

#[test]
fn every_rule_has_a_triggering_sample() {
    let samples = samples();
    for r in rules() {
        let (_, yaml) = samples
            .iter()
            .find(|(id, _)| *id == r.id)
            .unwrap_or_else(|| panic!("no sample for rule {}", r.id));
        let report = check(yaml);
        assert!(
            report.active().any(|f| f.rule == r.id),
            "sample for {} does not trigger it:\n{}",
            r.id,
            common::human(&report)
        );
    }
    let ids: HashSet<&str> = rules().iter().map(|r| r.id).collect();
    for (id, _) in &samples {
        assert!(ids.contains(id), "sample for unknown rule {id}");
    }
}

#[test]
fn every_emitted_rule_is_in_the_table() {
    let ids: HashSet<&str> = rules().iter().map(|r| r.id).collect();
    for (_, yaml) in samples() {
        for f in &check(&yaml).findings {
            assert!(ids.contains(f.rule), "{} not in the table", f.rule);
            let doc = rules().iter().find(|r| r.id == f.rule).unwrap();
            assert!(!f.fix.is_empty());
            assert_eq!(f.fix, doc.fix);
        }
    }
}

#[test]
fn explain_and_suggest() {
    assert!(explain("prestop-missing").unwrap().contains("Fix:"));
    assert!(explain("prestop-mising").is_none());
    assert_eq!(suggest("prestop-mising"), Some("prestop-missing"));
    assert_eq!(
        suggest("hpa-replica-conflict"),
        Some("hpa-replicas-conflict")
    );
    assert_eq!(suggest("completely-unrelated-words-here"), None);
}

/// The README's "Every rule" table is the rule table: each rule once, with its default severity
/// and title, in `--list-rules` order, and the count in the check section's first line.
#[test]
fn readme_lists_every_rule_with_its_severity() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("### Every rule")
        .nth(1)
        .expect("README has an '### Every rule' section");
    let rows: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with("| `"))
        .collect();
    let expected: Vec<String> = rules()
        .iter()
        .map(|r| {
            format!(
                "| `{}` | {} | {} |",
                r.id,
                r.severity.as_str(),
                r.title.replace('|', "/")
            )
        })
        .collect();
    assert_eq!(rows, expected);
    assert!(
        readme.contains(&format!("\n{} rules with stable ids", rules().len())),
        "the check section's rule count"
    );
}
