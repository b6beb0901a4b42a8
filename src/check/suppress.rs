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
            let reason = match value {
                Value::String(s) => s.trim().to_string(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let line = ctx.line(idx, &[Step::Key("annotations"), Step::Key(key)]);
            let full = reason.clone();
            let (reason, expires) = split_expiry(&reason);
            match (rule_doc(rule), expires) {
                (Some(_), Some(Err(bad))) => {
                    extra.push(
                        ctx.finding("suppression-expiry-invalid", idx)
                            .at(line)
                            .message(format!(
                                "annotation '{key}' on {} has expires={bad}, which is not a date (expected expires=YYYY-MM-DD, e.g. expires=2027-03-01), so the suppression is ignored",
                                obj.display()
                            )),
                    );
                    continue;
                }
                (Some(doc), Some(Ok(day))) if today >= day && !reason.is_empty() => {
                    extra.push(
                        ctx.finding("suppression-expired", idx)
                            .at(line)
                            .message(format!(
                                "annotation '{key}' on {} expired on {day}, so {} is reported again; fix it or renew the suppression with a new date and reason",
                                obj.display(),
                                doc.id
                            )),
                    );
                    continue;
                }
                _ => {}
            }
            match rule_doc(rule) {
                None => {
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
                }
                Some(doc) if reason.is_empty() => {
                    extra.push(
                        ctx.finding("suppression-without-reason", idx)
                            .at(line)
                            .message(format!(
                                "annotation '{key}' on {} has no reason, so the suppression is ignored; write why {} does not apply as its value",
                                obj.display(),
                                doc.id
                            )),
                    );
                }
                Some(doc) => {
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
