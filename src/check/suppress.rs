//! Silencing findings per object with `ignore-check.zerodown.dev/<rule-id>: "<reason>"`.
//!
//! The annotation may be on the object's `metadata.annotations` or, for workloads, on the pod
//! template's annotations; it covers every finding of that rule attributed to the object
//! (including its containers). A suppression needs a non-empty reason; without one it is ignored
//! and reported as `suppression-without-reason`. Suppressed findings stay in the report with their
//! reason and count toward nothing.
//!
//! Expiry: a `;`-separated part `expires=YYYY-MM-DD` of the value (`"Flux pins it;
//! expires=2027-03-01"`) limits the suppression: it applies before that day and no longer from
//! that day on (UTC), when the finding is reported again together with `suppression-expired`. A
//! part `expires=` that is not a real date is `suppression-expiry-invalid` and the suppression is
//! ignored. The reason is the rest of the value and must not be empty.

use super::day::Day;
use super::index::Ctx;
use super::model::Finding;
use super::model::Pointer;
use super::parse::Step;
use super::rules::{rule_doc, suggest};
use serde_json::Value;
use std::collections::HashMap;

/// Annotation prefix; the rest of the key is the rule id.
pub const PREFIX: &str = "ignore-check.zerodown.dev/";

/// Reads the suppressions, reports invalid ones and marks suppressed findings.
pub(crate) fn apply(ctx: &Ctx<'_>, findings: &mut Vec<Finding>, today: Day) {
    let mut valid: HashMap<(usize, &str), String> = HashMap::new();
    let mut extra = Vec::new();
    for (idx, obj) in ctx.objects.iter().enumerate() {
        let sources = [
            obj.annotations(),
            obj.value
                .at("/spec/template/metadata/annotations")
                .and_then(Value::as_object),
        ];
        for (key, value) in sources.into_iter().flatten().flatten() {
            let Some(rule) = key.strip_prefix(PREFIX) else {
                continue;
            };
            let line = ctx.line(idx, &[Step::Key("annotations"), Step::Key(key)]);
            let Some(doc) = rule_doc(rule) else {
                let hint = suggest(rule)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                extra.push(
                    ctx.finding("suppression-unknown-rule", idx)
                        .at(line)
                        .message(format!(
                        "annotation '{key}' on {} names no known rule{hint}; it silences nothing",
                        obj.display()
                    )),
                );
                continue;
            };
            match verdict(value, today) {
                Verdict::InvalidExpiry(bad) => extra.push(
                    ctx.finding("suppression-expiry-invalid", idx)
                        .at(line)
                        .message(format!(
                            "annotation '{key}' on {} has expires={bad}, which is not a date (expected expires=YYYY-MM-DD, e.g. expires=2027-03-01), so the suppression is ignored",
                            obj.display()
                        )),
                ),
                Verdict::Expired(day) => extra.push(
                    ctx.finding("suppression-expired", idx)
                        .at(line)
                        .message(format!(
                            "annotation '{key}' on {} expired on {day}, so {} is reported again; fix it or renew the suppression with a new date and reason",
                            obj.display(),
                            doc.id
                        )),
                ),
                Verdict::NoReason => extra.push(
                    ctx.finding("suppression-without-reason", idx)
                        .at(line)
                        .message(format!(
                            "annotation '{key}' on {} has no reason, so the suppression is ignored; write why {} does not apply as its value",
                            obj.display(),
                            doc.id
                        )),
                ),
                Verdict::Active(full) => {
                    valid.entry((idx, doc.id)).or_insert(full);
                }
            }
        }
    }
    for f in findings.iter_mut() {
        if let Some(reason) = valid.get(&(f.object, f.rule)) {
            f.suppressed = Some(super::model::Suppressed {
                reason: reason.clone(),
            });
        }
    }
    findings.extend(extra);
}

/// What one `ignore-check.zerodown.dev/<rule>` value does on `today`.
enum Verdict {
    /// It silences the rule; the whole value is the reason the report repeats.
    Active(String),
    /// Its `expires=` day has come.
    Expired(Day),
    /// Its `expires=` part is not a date; ignored.
    InvalidExpiry(String),
    /// No reason besides the expiry; ignored.
    NoReason,
}

/// The one reading of a suppression value, for [`apply`] and [`silenced`]. An expiry is judged
/// before the reason, as the expired or malformed date is what the user must see first.
fn verdict(value: &Value, today: Day) -> Verdict {
    let full = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let (reason, expires) = split_expiry(&full);
    match expires {
        Some(Err(bad)) => Verdict::InvalidExpiry(bad),
        Some(Ok(day)) if today >= day && !reason.is_empty() => Verdict::Expired(day),
        _ if reason.is_empty() => Verdict::NoReason,
        _ => Verdict::Active(full),
    }
}

/// The reason a suppression of `rule` on `object` (its annotations or, for a workload, its pod
/// template's) gives on `today`, when one applies: the same reading as [`apply`], for findings
/// made outside the audited set (`check --against`).
pub(crate) fn silenced(object: &Value, rule: &str, today: Day) -> Option<String> {
    let key = format!("{PREFIX}{rule}");
    [
        "/metadata/annotations",
        "/spec/template/metadata/annotations",
    ]
    .iter()
    .filter_map(|p| object.at(p)?.get(&key))
    .find_map(|v| match verdict(v, today) {
        Verdict::Active(reason) => Some(reason),
        _ => None,
    })
}

/// Splits `"reason; expires=2027-03-01"` into the reason (the other parts, trimmed) and the
/// expiry: `None` without an `expires=` part, `Some(Err(text))` when it is not a date.
fn split_expiry(value: &str) -> (String, Option<Result<Day, String>>) {
    let mut expires = None;
    let mut rest = Vec::new();
    for part in value.split(';') {
        let p = part.trim();
        match p.strip_prefix("expires=") {
            Some(d) => expires = Some(d.trim().parse::<Day>().map_err(|_| d.trim().to_string())),
            None if !p.is_empty() => rest.push(p),
            None => {}
        }
    }
    (rest.join("; "), expires)
}
