//! Output formats: human (grouping, summary, color), JSON (documented shape), SARIF 2.1.0.

mod common;
use common::*;
use serde_json::Value;
use zerodown::check::{check_sources, CheckOptions, Format, Severity, Source};

fn report() -> zerodown::check::Report {
    check_sources(&[
        Source::new("deploy/web.yaml", sample("prestop-missing")),
        Source::new("broken.yaml", "a: [\n"),
    ])
}

fn opts(format: Format, color: bool) -> CheckOptions {
    CheckOptions {
        format,
        fail_on: Severity::Warning,
        color,
    }
}

#[test]
fn human_groups_by_object_with_fix_and_summary() {
    let text = report().render(&opts(Format::Human, false));
    assert!(
        text.contains("Deployment shop/web  (deploy/web.yaml:1)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "  error[prestop-missing] container 'app' of Deployment 'web' serves Service 'web'"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n    fix: add lifecycle.preStop.sleep.seconds"),
        "{text}"
    );
    assert!(text.contains("input error: broken.yaml:"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("1 error, 0 warnings, 0 info in 4 objects from 2 files (1 input error)"),
        "{text}"
    );
    assert!(!text.contains('\x1b'));
    let colored = report().render(&opts(Format::Human, true));
    assert!(
        colored.contains("\x1b[1;31merror[prestop-missing]\x1b[0m"),
        "{colored}"
    );
}

#[test]
fn json_has_the_documented_shape() {
    let v: Value = serde_json::from_str(&report().render(&opts(Format::Json, false))).unwrap();
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "fix",
        "file",
        "line",
        "kind",
        "namespace",
        "name",
        "container",
    ] {
        assert!(!f[key].is_null(), "missing {key}: {f}");
    }
    assert_eq!(f["rule"], "prestop-missing");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "deploy/web.yaml");
    assert_eq!(f["kind"], "Deployment");
    assert_eq!(f["namespace"], "shop");
    assert_eq!(f["container"], "app");
    assert!(f.get("suppressed").is_none());
    assert!(f["line"].as_u64().unwrap() > 1);
    let e = &v["inputErrors"][0];
    assert_eq!(e["file"], "broken.yaml");
    assert_eq!(e["kind"], "invalid-yaml");
    assert_eq!(e["level"], "error");
    let s = &v["summary"];
    assert_eq!(s["errors"], 1);
    assert_eq!(s["files"], 2);
    assert_eq!(s["inputErrors"], 1);
}

#[test]
fn sarif_is_2_1_0_with_rules_and_results() {
    let v: Value = serde_json::from_str(&report().render(&opts(Format::Sarif, false))).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "zerodown");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), zerodown::check::rules().len());
    assert!(rules.iter().all(|r| r["id"].is_string()
        && r["shortDescription"]["text"].is_string()
        && r["help"]["text"].is_string()));
    let res = &run["results"][0];
    assert_eq!(res["ruleId"], "prestop-missing");
    assert_eq!(res["level"], "error");
    assert!(res["message"]["text"].as_str().unwrap().contains("preStop"));
    let loc = &res["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "deploy/web.yaml");
    assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    let idx = res["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "prestop-missing");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    // info maps to "note"
    let r = check(&sample("anti-affinity-missing"));
    let v: Value = serde_json::from_str(&r.render(&opts(Format::Sarif, false))).unwrap();
    assert!(v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["level"] == "note"));
}

#[test]
fn exit_codes() {
    let clean_r = check(&clean());
    assert_eq!(clean_r.exit_code(Severity::Info), 0);
    let info = check(&sample("anti-affinity-missing"));
    assert_eq!(info.exit_code(Severity::Warning), 0);
    assert_eq!(info.exit_code(Severity::Info), 1);
    let warn = check(&sample("liveness-probe-missing"));
    assert_eq!(warn.exit_code(Severity::Error), 0);
    assert_eq!(warn.exit_code(Severity::Warning), 1);
    assert_eq!(report().exit_code(Severity::Error), 2);
}

#[test]
fn format_and_severity_parse() {
    assert_eq!("json".parse::<Format>(), Ok(Format::Json));
    assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
    assert!("xml".parse::<Format>().is_err());
    assert_eq!("warn".parse::<Severity>(), Ok(Severity::Warning));
    assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    assert_eq!(
        serde_json::to_string(&Severity::Warning).unwrap(),
        "\"warning\""
    );
}

#[test]
fn sarif_keeps_message_and_fix_apart() {
    // issue 13 §5: the fix ran into the message ("... and drain Fix: add ...").
    let r = check(&sample("prestop-missing"));
    let v: Value = serde_json::from_str(&r.render(&opts(Format::Sarif, false))).unwrap();
    let res = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "prestop-missing")
        .unwrap();
    let f = one(&r, "prestop-missing");
    assert_eq!(res["message"]["text"], format!("{}.", f.message));
    assert!(!res["message"]["text"].as_str().unwrap().contains("Fix:"));
    assert_eq!(res["properties"]["fix"], f.fix.as_str());
    assert_eq!(
        res["message"]["markdown"],
        format!("{}.\n\n**Fix:** {}.", f.message, f.fix)
    );
}
