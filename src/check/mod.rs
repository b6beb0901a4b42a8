//! `zerodown check`: audits Kubernetes manifests for configurations that cause downtime, blocked
//! drains or failed rollouts.
//!
//! The engine is pure: [`check_sources`] takes in-memory [`Source`]s and returns a [`Report`];
//! only [`load_paths`] touches the file system. Rules are documented once in [`RULES`]
//! (`--explain` reads [`explain`]); each family lives in its own module (rollout, probes,
//! shutdown, scheduling, disruption, autoscaling, image, service; and for the runtime: sidecars,
//! grace, process, memory, scalers over the container facts of `containers`).
//!
//! Audited kinds: Deployment, StatefulSet, DaemonSet (pod template at `spec.template`), Pod,
//! Service, PodDisruptionBudget (policy/v1, v1beta1) and HorizontalPodAutoscaler (autoscaling/v1,
//! v2, v2beta1, v2beta2), KEDA ScaledObject (keda.sh, as its target's autoscaler),
//! VerticalPodAutoscaler (autoscaling.k8s.io, for `vpa-conflicts-with-hpa`) and Argo Rollouts
//! Rollout (see `argo`); `List` documents are expanded, each item at its own lines. Objects read
//! from a cluster are judged as applied (see `live`); large inputs are checked a group of related
//! namespaces at a time (see `batch`). Cross-object matching (Service → pods,
//! PDB → pods, HPA → workload) is done within the whole audited set, per namespace (absent =
//! `default`), with label selectors (`matchLabels` AND `matchExpressions`). Ingresses and Gateway
//! HTTPRoutes are read for the traffic path (route → Service → port; see the `app` module), not
//! audited as workloads.
//!
//! Units in messages: seconds (`80s`), CPU in millicores (`1000m`), memory in MiB.
//!
//! Silencing: `metadata.annotations: ignore-check.zerodown.dev/<rule-id>: "<reason>"`, optionally
//! `"<reason>; expires=YYYY-MM-DD"` (no longer applies from that day on).

#![warn(missing_docs)]

mod app;
mod argo;
mod autoscaling;
mod baseline;
mod batch;
mod choose;
mod containers;
mod day;
mod disruption;
mod fix;
mod grace;
mod image;
mod index;
mod live;
mod load;
pub mod manifests;
mod memory;
mod model;
mod parse;
mod probes;
mod process;
mod report;
mod rollout;
mod rules;
mod scalers;
mod scheduling;
mod selectors;
mod service;
mod shutdown;
mod sidecars;
mod spread;
mod suppress;
mod traffic;
pub mod upgrade;

pub use baseline::{fingerprint, render_baseline, Baseline, BASELINE_VERSION};
pub use day::Day;
mod yamledit;

/// Why a container's `command` and `args` leave a shell as PID 1 that drops SIGTERM, or None
/// when they do not (exec form, `sh -c 'exec app'`, a lone command the shell execs): the
/// `shell-pid1-drops-sigterm` rule at warning level, for the generator's spec validation. The
/// message starts with the command as quoted (`runs '/bin/sh /app/start.sh' as PID 1; ...`).
pub fn shell_wrapper_pid1(command: &[String], args: &[String]) -> Option<String> {
    match shell_as_pid1(command, args) {
        Some((Severity::Warning | Severity::Error, why)) => Some(format!("runs {why}")),
        _ => None,
    }
}

/// True when `check` would mention the shell of `command` and `args` as PID 1 at all (also at
/// info: bash before 5.1 keeps itself as PID 1 for a list, an unknown /bin/sh may be bash).
pub fn shell_may_stay_pid1(command: &[String], args: &[String]) -> bool {
    shell_as_pid1(command, args).is_some()
}

fn shell_as_pid1(command: &[String], args: &[String]) -> Option<(Severity, String)> {
    let argv: Vec<String> = command.iter().chain(args).cloned().collect();
    shutdown::shell_pid1(&argv, None)
}

/// [`shell_wrapper_pid1`]'s decidable fix: `exec` before the plain last command of a `-c`
/// script. Returns the new (command, args), or None when there is no sure fix.
pub fn exec_form_fix(command: &[String], args: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    shutdown::exec_fix(command, args, None)
}

pub use choose::{
    conflicts as choice_conflicts, find as choose_for, AntiAffinityFix, Choice, ChoiceValue,
    CHOOSABLE,
};
pub use fix::template_line;
pub use fix::{
    fix_sources, fix_sources_with, json_patch, patch_files, Applied, ChangedObject, FixOutcome,
    FixedSource, Manual, ANTI_AFFINITY_NOTE, REPLICAS_NOTE,
};
pub use load::{kubectl, kustomize, load_paths};
pub(crate) use model::parse_quantity;
pub use model::{Finding, InputError, InputErrorKind, Severity, Suppressed};
pub use parse::KUSTOMIZE_SUFFIX;
pub use report::{Report, Summary};
pub use rules::{explain, rule_doc, rules, suggest, RuleDoc, RULES};
pub use suppress::PREFIX as SUPPRESS_ANNOTATION_PREFIX;

use std::str::FromStr;

/// One input: a file's text with the name to report it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The path as given on the command line, or `<stdin>`.
    pub name: String,
    /// The whole text (one or more YAML documents).
    pub text: String,
}

impl Source {
    /// Builds a source.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Output format of [`Report::render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Grouped by object, for terminals.
    #[default]
    Human,
    /// The versioned JSON document described in the `report` module.
    Json,
    /// SARIF 2.1.0 (code-scanning upload).
    Sarif,
}

impl FromStr for Format {
    type Err = String;

    /// Accepts `human`, `json` and `sarif`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "human" | "text" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            other => Err(format!(
                "unknown format '{other}' (expected human, json or sarif)"
            )),
        }
    }
}

/// Rendering and exit-code options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// Output format.
    pub format: Format,
    /// Lowest severity that makes the exit code 1.
    pub fail_on: Severity,
    /// ANSI colors in the human format.
    pub color: bool,
}

impl Default for CheckOptions {
    /// Human output, fail on warnings and errors, no color.
    fn default() -> Self {
        CheckOptions {
            format: Format::Human,
            fail_on: Severity::Warning,
            color: false,
        }
    }
}

/// How inputs are read, as opposed to how the report is rendered ([`CheckOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InputOptions {
    /// Also audit objects made by a controller (`ownerReferences` with `controller: true`: a
    /// ReplicaSet's Pods in a cluster dump); by default they are skipped with a note.
    pub include_owned: bool,
}

/// Audits the sources as one set (cross-object rules see every object of every source), with
/// suppression expiry dates judged against [`Day::today`]. Bad documents become input errors and
/// never stop the others from being checked.
pub fn check_sources(sources: &[Source]) -> Report {
    check_sources_with(sources, &InputOptions::default())
}

/// [`check_sources`] on a given day (an `expires=` date on or before `today` has expired). Pure:
/// no I/O, no clock.
pub fn check_sources_on(sources: &[Source], today: Day) -> Report {
    check_parsed(
        sources,
        parse::parse_sources_opts(sources, &InputOptions::default()),
        PARALLEL_GROUPS,
        today,
    )
}

/// [`check_sources`] with input options.
pub fn check_sources_with(sources: &[Source], input: &InputOptions) -> Report {
    check_parsed(
        sources,
        parse::parse_sources_opts(sources, input),
        PARALLEL_GROUPS,
        Day::today(),
    )
}

/// Inputs with at least this many audited objects are checked on all cores, group by group.
const PARALLEL_GROUPS: usize = 256;

/// The findings of the parsed sources, the groups of related namespaces checked on all cores when
/// there are at least `parallel_from` objects (the report is the same either way).
fn check_parsed(
    sources: &[Source],
    parsed: parse::Parsed,
    parallel_from: usize,
    today: Day,
) -> Report {
    let parallel = parsed.objects.len() >= parallel_from;
    let mut findings = batch::check(sources, &parsed.objects, &parsed.links, parallel, today);
    // Source order of objects; within an object: most severe first, then by line.
    let rank = |f: &Finding| {
        let o = &parsed.objects[f.object];
        (
            o.source,
            o.line,
            f.object,
            std::cmp::Reverse(f.severity),
            f.line,
            f.rule,
        )
    };
    findings.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.message.cmp(&b.message)));
    findings.dedup();
    Report {
        findings,
        input_errors: parsed.input_errors,
        objects: parsed.seen,
        files: sources.len(),
        baseline: None,
    }
}

/// Loads `paths` and checks them: [`load_paths`] then [`check_sources`], with the loading
/// problems added to the report.
pub fn check_paths(paths: &[std::path::PathBuf], stdin: &mut dyn std::io::Read) -> Report {
    check_paths_with(paths, stdin, &InputOptions::default())
}

/// [`check_paths`] with input options.
pub fn check_paths_with(
    paths: &[std::path::PathBuf],
    stdin: &mut dyn std::io::Read,
    input: &InputOptions,
) -> Report {
    let (sources, errors) = load_paths(paths, stdin);
    let mut report = check_sources_with(&sources, input);
    let mut all = errors;
    all.append(&mut report.input_errors);
    report.input_errors = all;
    report
}

/// [`check_sources`] of `new`, plus the upgrade hazards of going from `old` to `new`
/// ([`upgrade::check`], the rules of family `upgrade`), suppressible the same way.
pub fn check_against(new: &[Source], old: &[Source]) -> Report {
    let today = Day::today();
    let mut report = check_sources_on(new, today);
    let mut found = upgrade::check(new, old);
    let manifests = manifests::read_manifests(new).0;
    for f in &mut found {
        f.suppressed = manifests
            .iter()
            .find(|m| m.kind == f.kind && m.namespace == f.namespace && m.name == f.name)
            .and_then(|m| suppress::silenced(&m.value, f.rule, today))
            .map(|reason| Suppressed { reason });
    }
    report.findings.extend(found);
    report
}

/// [`check_against`] over paths: `paths` is the new version, `against` the old one (a file, a
/// folder, or `-` for stdin; only one of the two may be `-`).
pub fn check_paths_against(
    paths: &[std::path::PathBuf],
    against: &std::path::Path,
    stdin: &mut dyn std::io::Read,
) -> Report {
    let (new, mut errors) = load_paths(paths, stdin);
    let (old, mut old_errors) = load_paths(&[against.to_path_buf()], stdin);
    // An OLD without manifests (a failed checkout) would silently skip every upgrade rule.
    for e in &mut old_errors {
        if e.kind == InputErrorKind::NoManifests {
            e.level = Severity::Error;
            e.message = format!("--against: {}; there is nothing to compare with", e.message);
        }
    }
    errors.extend(old_errors);
    let mut report = check_against(&new, &old);
    errors.append(&mut report.input_errors);
    report.input_errors = errors;
    report
}
