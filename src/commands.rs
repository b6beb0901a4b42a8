//! Runs each command: gathers input, calls the policy and the renderer, reports on stderr
//! (status lines, warnings, next steps) and puts the product on stdout. Holds no policy.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::bundle::Drift;
use crate::cli::{
    flag_for, CheckArgs, CheckFormat, Command, ExplainArgs, FailOn, Format, NewArgs, PresetsAction,
    PresetsArgs, RenderArgs,
};
use crate::error::{Error, FieldErrors, EXIT_FINDINGS, EXIT_OK};
use crate::plan::Plan;
use crate::preset::{Preset, DEFAULT_PRESET};
use crate::spec::Spec;
use crate::{policy, render, specfile};

/// Runs one command and returns its exit code (errors are returned for `main` to print).
pub fn run(command: Command) -> Result<i32, Error> {
    match command {
        Command::New(args) => new(*args),
        Command::Render(args) => render_cmd(args),
        Command::Explain(args) => explain(args),
        Command::Presets(args) => presets(args),
        Command::Check(args) => check(args),
        Command::Adopt(args) => adopt(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut crate::cli::Cli::command(), "zerodown", &mut out);
            Ok(EXIT_OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(crate::cli::Cli::command())
                .render(&mut out)
                .map_err(|e| Error::Write {
                    path: "-".into(),
                    source: e,
                })?;
            Ok(EXIT_OK)
        }
        Command::Schema => {
            println!("{}", schema_json());
            Ok(EXIT_OK)
        }
    }
}

/// The JSON schema of `zerodown.yaml`, pretty-printed (see [`crate::specfile::schema_json`]).
pub fn schema_json() -> String {
    crate::specfile::schema_json()
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Field errors from flags, with the flag named next to the spec field.
fn flag_errors(mut errs: FieldErrors) -> Error {
    for e in &mut errs.0 {
        e.flag = flag_for(&e.field);
    }
    Error::Invalid(errs)
}

/// Exit code when the user cancels the wizard (128 + SIGINT, as shells report Ctrl-C).
pub const EXIT_CANCELLED: i32 = 130;

fn new(args: NewArgs) -> Result<i32, Error> {
    use std::io::IsTerminal;
    let interactive =
        !args.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let wants_wizard = args.name.is_none() || args.image.is_none() || args.from.is_some();
    if interactive && wants_wizard {
        return new_wizard(args);
    }
    let mut missing = Vec::new();
    if args.name.is_none() {
        missing.push("NAME");
    }
    if args.image.is_none() {
        missing.push("--image <IMAGE>");
    }
    if !missing.is_empty() {
        return Err(Error::usage(
            format!(
                "missing {}: without a terminal (or with --no-input) nothing is asked, and a bundle for a made-up service is never what a script wants",
                missing.join(" and ")
            ),
            "zerodown new checkout --image registry.example.com/shop/checkout:1.4.2 [--preset spring-boot]; see `zerodown new --help`",
        ));
    }
    if args.from.is_some() {
        return Err(Error::usage(
            "--from starts the interactive wizard, which needs a terminal",
            "without a terminal, run `zerodown render -f FILE` to re-render an existing spec",
        ));
    }
    let (preset, preset_file) = match &args.preset_file {
        Some(p) => (Preset::from_file(p)?, Some(p.clone())),
        None => (
            Preset::builtin(args.preset.as_deref().unwrap_or(DEFAULT_PRESET))?,
            None,
        ),
    };
    let answers = args.answers()?;
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(args.name.as_deref().unwrap_or("bundle")));
    let (spec, plan, bundle) = resolve_and_render(
        answers,
        &preset,
        preset_file.as_deref(),
        &dir,
        args.helm_only,
    )?;
    let bundle = render::keep_user_layer(bundle, &dir, &plan);
    write_new_bundle(&bundle, &dir, args.force, (&spec, &plan, args.helm_only))?;
    Ok(EXIT_OK)
}

/// Resolves answers against the preset, plans and renders (the chart alone with `helm_only`);
/// warnings go to stderr.
fn resolve_and_render(
    mut answers: crate::spec::Answers,
    preset: &Preset,
    preset_file: Option<&Path>,
    dir: &Path,
    helm_only: bool,
) -> Result<(Spec, Plan, crate::bundle::Bundle), Error> {
    // The spec records the preset file relative to the bundle, so `render` finds it again.
    answers.preset_file = preset_file.map(|p| relative_to(p, dir));
    let mut warnings = Vec::new();
    let spec = answers
        .resolve(preset, &mut warnings)
        .map_err(flag_errors)?;
    let plan = policy::plan(&spec, preset);
    let bundle = if helm_only {
        render::chart_bundle(&spec, &plan)?
    } else {
        render::bundle(&spec, &plan)?
    };
    warn_all(&warnings);
    warn_all(&plan.warnings);
    Ok((spec, plan, bundle))
}

/// Writes a new bundle (or chart folder) and says what to do next; `what` is the spec and plan
/// it was rendered from and whether it is the chart alone.
fn write_new_bundle(
    bundle: &crate::bundle::Bundle,
    dir: &Path,
    force: bool,
    what: (&Spec, &Plan, bool),
) -> Result<(), Error> {
    let (spec, plan, helm_only) = what;
    let written = bundle.write_new(dir, force)?;
    for (path, status) in &written {
        eprintln!("{:>12} {}", status.verb(), path.display());
    }
    let apply = match plan.overlays.first() {
        Some(o) => dir.join("overlays").join(&o.name),
        None => dir.to_path_buf(),
    };
    if helm_only {
        eprintln!(
            "note: review {}/README.md, then `{}`; no zerodown.yaml was written: to keep the answers, create the bundle with --helm instead",
            dir.display(),
            render::chart::install_command(plan, &dir.display().to_string())
        );
    } else if spec.helm {
        eprintln!(
            "note: review {}/README.md, then `kubectl apply -k {}` or `{}`; change answers in {}/zerodown.yaml and run `zerodown render` there",
            dir.display(),
            apply.display(),
            render::chart::install_command(plan, &dir.join(render::chart::CHART_DIR).display().to_string()),
            dir.display()
        );
    } else {
        eprintln!(
            "note: review {}/README.md, then `kubectl apply -k {}`; change answers in {}/zerodown.yaml and run `zerodown render` there",
            dir.display(),
            apply.display(),
            dir.display()
        );
    }
    Ok(())
}

fn new_wizard(args: NewArgs) -> Result<i32, Error> {
    use crate::wizard::{self, Prompter, Start, TermPrompter};
    let (presets, preset_file) = match &args.preset_file {
        Some(p) => (vec![Preset::from_file(p)?], Some(p.clone())),
        None => (Preset::all_builtin(), None),
    };
    if let Some(name) = &args.preset {
        Preset::builtin(name)?;
    }
    let from = match &args.from {
        Some(f) => Some(specfile::load_spec(f, &mut Vec::new())?.0),
        None => None,
    };
    let start = Start {
        answers: args.answers()?,
        preset: args
            .preset
            .clone()
            .or_else(|| preset_file.as_ref().map(|_| presets[0].name.clone())),
        from,
        output: args.output.clone(),
        // `--from DIR/zerodown.yaml` edits that bundle, in its own folder.
        refuse_existing_folder: args.output.is_none() && !args.force && args.from.is_none(),
    };
    let mut prompter = TermPrompter::new();
    let cancelled = || {
        wizard::report_cancelled();
        Ok(EXIT_CANCELLED)
    };
    let outcome = match wizard::run(&mut prompter, start, &presets) {
        Ok(o) => o,
        Err(wizard::Cancelled) => return cancelled(),
    };
    let name = outcome.answers.name.clone().unwrap_or_default();
    let from_dir = args.from.as_deref().map(spec_dir);
    let dir = args
        .output
        .clone()
        .or_else(|| from_dir.clone())
        .unwrap_or_else(|| PathBuf::from(&name));
    let editing = from_dir.is_some_and(|f| resolved(&f) == resolved(&dir));
    let (spec, plan, bundle) = resolve_and_render(
        outcome.answers,
        &outcome.preset,
        preset_file.as_deref(),
        &dir,
        args.helm_only,
    )?;
    let bundle = render::keep_user_layer(bundle, &dir, &plan);
    prompter.say(&wizard::summary(&plan));
    let question = if editing {
        format!(
            "Update the bundle in {}/ (zerodown.yaml gets these answers)?",
            dir.display()
        )
    } else {
        format!("Write the bundle to {}/?", dir.display())
    };
    match prompter.confirm(&question, true) {
        Ok(true) => {}
        _ => return cancelled(),
    }
    if editing && !args.helm_only {
        for (path, status) in bundle.write_edit(&dir, args.force)? {
            if status != crate::bundle::Status::Unchanged {
                eprintln!("{:>12} {}", status.verb(), path.display());
            }
        }
    } else {
        write_new_bundle(&bundle, &dir, args.force, (&spec, &plan, args.helm_only))?;
    }
    let preset_flag = match &preset_file {
        Some(p) => ("--preset-file", p.display().to_string()),
        None => ("--preset", spec.preset.clone()),
    };
    let replay = wizard::replay_command(
        &spec,
        (preset_flag.0, &preset_flag.1),
        args.output.as_deref(),
    );
    if wizard::replay_is_exact(&spec) {
        eprintln!("To create the same bundle from a script or CI:\n  {replay}");
    } else {
        eprintln!(
            "note: some of {}/zerodown.yaml has no flag (an optional reference, a prefix, mount items, tolerationSeconds, the order of env vars or a KEDA trigger's extra metadata), so no single command recreates it: keep that file and run `zerodown render` there",
            dir.display()
        );
    }
    Ok(EXIT_OK)
}

/// `p` as seen from `dir` (absolute when it cannot be made relative simply).
fn relative_to(p: &Path, dir: &Path) -> PathBuf {
    let abs = |x: &Path| std::path::absolute(x).unwrap_or_else(|_| x.to_path_buf());
    let (p, dir) = (abs(p), abs(dir));
    let mut base = dir.as_path();
    let mut ups = PathBuf::new();
    loop {
        if let Ok(rest) = p.strip_prefix(base) {
            return ups.join(rest);
        }
        match base.parent() {
            Some(parent) => {
                base = parent;
                ups.push("..");
            }
            None => return p,
        }
    }
}

fn load(file: &Path) -> Result<(Spec, Preset, Plan, Vec<String>), Error> {
    let mut warnings = Vec::new();
    let (spec, preset) = specfile::load_spec(file, &mut warnings)?;
    let plan = policy::plan(&spec, &preset);
    Ok((spec, preset, plan, warnings))
}

/// The spec files of one `render`, each once, in the order given: the same file named twice
/// (`a/zerodown.yaml`, `./a/zerodown.yaml`) is rendered once. A file reached through symlinks
/// from two folders is two bundles: a bundle lives in the folder of the spec path as given.
fn distinct_spec_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    files
        .iter()
        .filter(|f| seen.insert((resolved(f), resolved(&spec_dir(f)))))
        .cloned()
        .collect()
}

/// `path` with symlinks, `.` and `..` resolved, also when its last parts do not exist yet (the
/// existing part is resolved and the rest appended).
fn resolved(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(_), Some(name)) => {
                rest.push(name);
                existing = crate::bundle::folder_of(existing);
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// Refuses several spec files that would write the same file (two specs in one folder, or a spec
/// inside another bundle's `chart/`): the last would silently win, and `--check` could never pass.
///
/// Errors: [`Error::Usage`] naming the two spec files and a file both would write.
fn no_shared_files(rendered: &[Rendered]) -> Result<(), Error> {
    let mut owner: std::collections::HashMap<PathBuf, &Path> = Default::default();
    for r in rendered {
        let RenderOutput::Folder(dir, bundle) = &r.output else {
            continue;
        };
        let root = resolved(dir);
        for f in &bundle.files {
            if let Some(other) = owner.insert(root.join(&f.path), &r.file) {
                if other != r.file {
                    return Err(Error::usage(
                        format!(
                            "{} and {} would both write {}; nothing was written",
                            other.display(),
                            r.file.display(),
                            dir.join(&f.path).display()
                        ),
                        "give each zerodown.yaml a folder of its own (a bundle is the folder of its spec), or render one of them with -o DIR",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// What `render` made of one spec file, before anything is written.
struct Rendered {
    file: PathBuf,
    /// `NAMESPACE/NAME` of the bundle's objects.
    object: String,
    /// `--helm` was given for a spec without `helm: true` (a note says so).
    chart_not_in_spec: bool,
    /// The chart folder zerodown wrote in the bundle folder (`render --helm`) when the spec does
    /// not say `helm: true`, and (for `--check`) its files that differ from today's chart.
    chart_left_behind: Option<(PathBuf, Vec<(PathBuf, Drift)>)>,
    /// Manifests zerodown wrote earlier that this bundle no longer has (`hpa.yaml` once a
    /// ScaledObject replaces the HPA, or the other way round), unedited: `render` removes them.
    retired: Vec<PathBuf>,
    /// The same, edited by hand since: left alone, with a warning.
    retired_edited: Vec<PathBuf>,
    /// The spec file's and the policy's warnings.
    warnings: Vec<String>,
    output: RenderOutput,
    /// With `--check`, when the user's `custom/` layer changes anything: the folder to
    /// `kubectl kustomize` and the plain manifests to compare its findings with.
    layer: Option<(PathBuf, String)>,
}

/// Where one spec's rendering goes.
enum RenderOutput {
    /// The manifests as one YAML stream (`-o -`).
    Stream(String),
    /// The files of a bundle (or of its chart alone) and their folder.
    Folder(PathBuf, crate::bundle::Bundle),
}

/// The folder a spec file's bundle lives in: the file's own folder.
fn spec_dir(file: &Path) -> PathBuf {
    crate::bundle::folder_of(file).to_path_buf()
}

fn render_cmd(args: RenderArgs) -> Result<i32, Error> {
    let files = distinct_spec_files(&args.files);
    let several = files.len() > 1;
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    if several && args.output.is_some() && !to_stdout {
        return Err(Error::usage(
            format!(
                "-o {} takes one spec file; {} were given",
                args.output.as_deref().unwrap_or(Path::new("")).display(),
                files.len()
            ),
            "drop -o: each bundle is written next to its zerodown.yaml",
        ));
    }
    if to_stdout && args.check {
        return Err(Error::usage(
            "--check compares files on disk; it cannot be used with -o -",
            "drop -o - or --check",
        ));
    }
    if to_stdout && (args.helm || args.helm_only) {
        return Err(Error::usage(
            "-o - prints the plain manifests; a Helm chart is a folder and cannot go to stdout",
            "write the chart with `zerodown render --helm-only -o DIR`, then `helm template NAME DIR`",
        ));
    }
    if let (Some(out), false, false, [file]) =
        (&args.output, to_stdout, args.helm_only, files.as_slice())
    {
        // -o into the folder of another bundle would replace that bundle's files.
        let theirs = out.join("zerodown.yaml");
        if theirs.is_file()
            && resolved(&theirs) != resolved(file)
            && std::fs::read(&theirs).ok() != std::fs::read(file).ok()
        {
            return Err(Error::Conflict {
                message: format!(
                    "{} holds another bundle ({}); rendering {} there would replace its files (nothing was written)",
                    out.display(),
                    theirs.display(),
                    file.display()
                ),
                help: format!(
                    "choose a folder without a zerodown.yaml for -o, or render that bundle with `zerodown render -f {}`",
                    theirs.display()
                ),
            });
        }
    }
    // Every spec is loaded and rendered before anything is written or printed: one bad spec
    // file means no output at all, and every bad one is reported. Several specs are rendered on
    // all cores (each is independent); the results keep the order the files were given in.
    let prepare = |file: &PathBuf| -> Result<Rendered, Error> {
        let (spec, _preset, plan, warnings) = load(file)?;
        let output = if to_stdout {
            RenderOutput::Stream(render::stream(&plan)?)
        } else if args.helm_only {
            let dir = args
                .output
                .clone()
                .unwrap_or_else(|| spec_dir(file).join(render::chart::CHART_DIR));
            RenderOutput::Folder(dir, render::chart_bundle(&spec, &plan)?)
        } else {
            let dir = args.output.clone().unwrap_or_else(|| spec_dir(file));
            let bundle = if args.helm && !spec.helm {
                let with_chart = Spec {
                    helm: true,
                    ..spec.clone()
                };
                render::bundle(&with_chart, &plan)?
            } else {
                render::bundle(&spec, &plan)?
            };
            RenderOutput::Folder(
                dir.clone(),
                render::keep_user_layer(bundle, &dir, &plan).generated(),
            )
        };
        // The user's layer, when it changes anything: `--check` audits what it builds.
        let layer = match &output {
            RenderOutput::Folder(dir, _) if args.check && !args.helm_only => {
                user_layer_changes_something(dir, &plan)
                    .then(|| {
                        render::stream(&plan)
                            .map(|plain| (dir.join(render::base_dir(&plan)), plain))
                    })
                    .transpose()?
            }
            _ => None,
        };
        // A chart zerodown wrote earlier that the spec no longer asks for is not kept up to date.
        let chart_left_behind = match &output {
            RenderOutput::Folder(dir, _) if !args.helm && !args.helm_only && !spec.helm => {
                let chart = dir.join(render::chart::CHART_DIR);
                if std::fs::read_to_string(chart.join("Chart.yaml"))
                    .is_ok_and(|text| render::is_unedited(&text).is_some())
                {
                    let drift = if args.check {
                        render::chart_bundle(&spec, &plan)?.drift(&chart)
                    } else {
                        Vec::new()
                    };
                    Some((chart, drift))
                } else {
                    None
                }
            }
            _ => None,
        };
        let (retired, retired_edited) = match &output {
            RenderOutput::Folder(dir, bundle) if !args.helm_only => retired_manifests(dir, bundle),
            _ => (vec![], vec![]),
        };
        Ok(Rendered {
            file: file.clone(),
            object: format!("{}/{}", plan.namespace, plan.name),
            chart_left_behind,
            retired,
            retired_edited,
            chart_not_in_spec: args.helm && !args.helm_only && !spec.helm,
            warnings: warnings.into_iter().chain(plan.warnings).collect(),
            output,
            layer,
        })
    };
    let results: Vec<Result<Rendered, Error>> = if several {
        use rayon::prelude::*;
        files.par_iter().map(prepare).collect()
    } else {
        files.iter().map(prepare).collect()
    };
    let mut rendered = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(r) => rendered.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        if several {
            errors.push(Error::Usage {
                message: format!(
                    "{} of {} spec files cannot be rendered; nothing was written",
                    errors.len(),
                    files.len()
                ),
                help: None,
            });
        }
        return Err(match errors.len() {
            1 => errors.remove(0),
            _ => Error::Several(errors),
        });
    }
    if to_stdout && several {
        // One stream for `kubectl apply -f -`: the same object twice means one silently replaces
        // the other. (Bundles in their own folders may share a name: other clusters, other repos.)
        let mut first_of: std::collections::HashMap<&str, &Path> = Default::default();
        for r in &rendered {
            if let Some(first) = first_of.insert(&r.object, &r.file) {
                eprintln!(
                    "warning: {} and {} both render the objects {}; in one stream, the last one replaces the other when applied",
                    first.display(),
                    r.file.display(),
                    r.object
                );
            }
        }
    }
    for r in &rendered {
        for w in &r.warnings {
            if several {
                eprintln!("warning: {}: {w}", r.file.display());
            } else {
                eprintln!("warning: {w}");
            }
        }
    }
    if to_stdout {
        let streams: Vec<&str> = rendered
            .iter()
            .filter_map(|r| match &r.output {
                RenderOutput::Stream(text) => Some(text.as_str()),
                RenderOutput::Folder(..) => None,
            })
            .collect();
        let mut out = std::io::stdout().lock();
        out.write_all(streams.join("---\n").as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| Error::Write {
                path: "-".into(),
                source: e,
            })?;
        return Ok(EXIT_OK);
    }
    let bundles: Vec<(&Path, &crate::bundle::Bundle)> = rendered
        .iter()
        .filter_map(|r| match &r.output {
            RenderOutput::Folder(dir, bundle) => Some((dir.as_path(), bundle)),
            RenderOutput::Stream(_) => None,
        })
        .collect();
    no_shared_files(&rendered)?;
    // Status lines go out buffered (one write, not one per line and piece, for a thousand
    // bundles); errors from here on are returned before anything is buffered.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for r in &rendered {
        if let Some((chart, drift)) = &r.chart_left_behind {
            let stale = if drift.is_empty() {
                String::new()
            } else {
                format!(" ({} of its files are out of date)", drift.len())
            };
            let _ = writeln!(
                err,
                "note: {}/ holds a chart zerodown wrote{stale}, but {} does not say `helm: true`, so a plain `zerodown render` does not keep it up to date; add `helm: true` to the spec, or delete the folder",
                chart.display(),
                r.file.display()
            );
        }
    }
    for r in &rendered {
        for p in &r.retired_edited {
            let why = if p.ends_with("hpa.yaml") {
                " (a KEDA ScaledObject scales it now: two autoscalers on one Deployment fight over its scale)"
            } else if p.ends_with("scaledobject.yaml") {
                " (the HPA scales it now: two autoscalers on one Deployment fight over its scale)"
            } else {
                ""
            };
            let _ = writeln!(
                err,
                "warning: {} is no longer part of the bundle{why} but was edited by hand, so zerodown leaves it; delete it, since `kubectl apply -f` of the folder would still apply it",
                p.display(),
            );
        }
    }
    if args.check {
        let mut drifted = 0;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for r in &rendered {
            let RenderOutput::Folder(dir, bundle) = &r.output else {
                continue;
            };
            let mut drift = bundle.drift(dir);
            // A chart `render --helm` wrote beside a spec without `helm: true` ships with the
            // repository: a stale one is drift too (a note above says how to keep it current).
            if let Some((_, chart_drift)) = &r.chart_left_behind {
                drift.extend(chart_drift.iter().cloned());
            }
            // An autoscaler manifest the bundle no longer has is removed by `render`.
            drift.extend(r.retired.iter().map(|p| (p.clone(), Drift::Stale)));
            if drift.is_empty() {
                let _ = writeln!(err, "{:>12} {} is up to date", "Checked", dir.display());
            } else {
                let _ = writeln!(
                    err,
                    "{:>12} {}: {} file(s) differ",
                    "Drifted",
                    dir.display(),
                    drift.len()
                );
            }
            for (p, how) in &drift {
                let _ = writeln!(out, "{}", p.display());
                let refused = match how {
                    Drift::Edited => "was edited by hand since zerodown wrote it",
                    Drift::NotZerodowns => "was not written by zerodown",
                    Drift::Missing | Drift::Stale => continue,
                };
                let _ = writeln!(
                    err,
                    "note: {} {refused}: `zerodown render` will refuse to replace it; move the change into zerodown.yaml (see `zerodown explain`), or render with --force",
                    p.display()
                );
            }
            drifted += drift.len();
        }
        let mut layer_problems = 0;
        let mut unaudited = 0;
        for (dir, plain) in rendered.iter().filter_map(|r| r.layer.as_ref()) {
            match layer_findings(dir, plain) {
                Ok(findings) => {
                    for f in &findings {
                        let _ = writeln!(
                            err,
                            "{}: {}/{}: {} [{}] (added by the custom/ layer)\n  fix: {}",
                            f.severity, f.kind, f.name, f.message, f.rule, f.fix
                        );
                    }
                    layer_problems += findings
                        .iter()
                        .filter(|f| f.severity >= crate::check::Severity::Warning)
                        .count();
                }
                Err(why) => {
                    // A layer that changes the bundle but cannot be built (or audited) is not
                    // "up to date": `kubectl apply -k` would fail or apply something unchecked.
                    let _ = writeln!(err, "error: {why}");
                    unaudited += 1;
                }
            }
        }
        if drifted == 0 && layer_problems == 0 && unaudited == 0 {
            return Ok(EXIT_OK);
        }
        if unaudited > 0 {
            let _ = writeln!(
                err,
                "error: {unaudited} custom/ layer(s) could not be built or audited; fix the layer (`kubectl kustomize DIR` shows why), or install kubectl (ZERODOWN_KUBECTL names it)"
            );
        }
        if drifted > 0 {
            let _ = writeln!(
                err,
                "error: {drifted} file(s) differ from `zerodown render`; run it and commit the result"
            );
        }
        if layer_problems > 0 {
            let _ = writeln!(
                err,
                "error: the custom/ layer adds {layer_problems} finding(s) at warning or above to what `kubectl kustomize` builds; fix the patch, or silence a rule on its object with an ignore-check.zerodown.dev/<rule> annotation and a reason"
            );
        }
        return Ok(EXIT_FINDINGS);
    }
    for (path, status) in crate::bundle::write_all_into(&bundles, args.force)? {
        let _ = writeln!(err, "{:>12} {}", status.verb(), path.display());
    }
    for p in rendered.iter().flat_map(|r| &r.retired) {
        std::fs::remove_file(p).map_err(|e| Error::Write {
            path: p.clone(),
            source: e,
        })?;
        let _ = writeln!(err, "{:>12} {}", "Removed", p.display());
    }
    for r in rendered.iter().filter(|r| r.chart_not_in_spec) {
        let in_place = matches!(&r.output, RenderOutput::Folder(dir, _) if resolved(dir) == resolved(&spec_dir(&r.file)));
        if in_place {
            // The chart is now part of the bundle: the spec says so, as `new --helm` does, so
            // `render` and `render --check` keep it up to date.
            specfile::record_helm(&r.file)?;
            let _ = writeln!(err, "{:>12} {} (helm: true)", "Updated", r.file.display());
        } else {
            let _ = writeln!(
                err,
                "note: add `helm: true` to {} so a plain `zerodown render` (and `render --check`) keeps the chart up to date",
                r.file.display()
            );
        }
    }
    Ok(EXIT_OK)
}

/// Whether the user's layer of the bundle in `dir` holds more than the untouched skeleton
/// zerodown wrote (then `kubectl kustomize` builds something else than the plain manifests).
fn user_layer_changes_something(dir: &Path, plan: &Plan) -> bool {
    let layer = dir.join(render::user_layer_dir(plan));
    let skeleton = std::fs::read_to_string(layer.join("kustomization.yaml"))
        .is_ok_and(|t| render::is_user_layer_skeleton(plan, &t));
    let others = std::fs::read_dir(&layer)
        .map(|d| {
            d.filter_map(Result::ok)
                .any(|e| e.file_name() != "kustomization.yaml")
        })
        .unwrap_or(false);
    layer.is_dir() && (!skeleton || others)
}

/// The findings of `kubectl kustomize dir` that the plain manifests do not have: what the
/// user's layer introduced (by rule and object).
///
/// Errors: why the layer could not be audited (no kubectl, a failing build), as a note.
fn layer_findings(dir: &Path, plain: &str) -> Result<Vec<crate::check::Finding>, String> {
    use crate::check::{check_sources, kubectl, kustomize, Source};
    if kubectl().is_none() {
        return Err(format!(
            "{}custom/ changes the bundle, but kubectl was not found (set ZERODOWN_KUBECTL): what it builds was not audited",
            dir.display()
        ));
    }
    let built =
        kustomize(dir).map_err(|e| format!("`kubectl kustomize {}` failed: {e}", dir.display()))?;
    if built.trim().is_empty() {
        return Err(format!(
            "`kubectl kustomize {}` built nothing (is ZERODOWN_KUBECTL a real kubectl?)",
            dir.display()
        ));
    }
    let key =
        |f: &crate::check::Finding| (f.rule, f.kind.clone(), f.namespace.clone(), f.name.clone());
    let before: std::collections::HashSet<_> = check_sources(&[Source::new("plain", plain)])
        .active()
        .map(key)
        .collect();
    let name = format!("{}{}", dir.display(), crate::check::KUSTOMIZE_SUFFIX);
    Ok(check_sources(&[Source::new(name, built)])
        .active()
        .filter(|f| !before.contains(&key(f)))
        .cloned()
        .collect())
}

/// Manifests a bundle has only for some answers (an autoscaler, the route, the NetworkPolicy,
/// the Namespace, the Service), each in the bundle folder or in `base/` (with overlays).
const OPTIONAL_MANIFESTS: [&str; 7] = [
    "hpa.yaml",
    "scaledobject.yaml",
    "ingress.yaml",
    "httproute.yaml",
    "networkpolicy.yaml",
    "namespace.yaml",
    "service.yaml",
];

/// Optional manifests in `dir` that an earlier render wrote and `bundle` no longer has (the
/// spec switched the feature off, or moved to or from overlays), as `(unedited, edited by
/// hand)`. Only zerodown's own files count (checksum header): `kubectl apply -f DIR` would still
/// apply a file the kustomization no longer lists.
fn retired_manifests(dir: &Path, bundle: &crate::bundle::Bundle) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut unedited, mut edited) = (vec![], vec![]);
    for base in ["", "base/"] {
        for name in OPTIONAL_MANIFESTS {
            let rel = format!("{base}{name}");
            if bundle.files.iter().any(|f| f.path == rel) {
                continue;
            }
            let path = dir.join(&rel);
            match std::fs::read_to_string(&path)
                .ok()
                .as_deref()
                .and_then(render::is_unedited)
            {
                Some(true) => unedited.push(path),
                Some(false) => edited.push(path),
                None => {}
            }
        }
    }
    (unedited, edited)
}

fn explain(args: ExplainArgs) -> Result<i32, Error> {
    let (_spec, _preset, plan, warnings) = load(&args.file)?;
    warn_all(&warnings);
    let rows = plan.rows();
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({ "version": 1, "name": plan.name, "namespace": plan.namespace, "values": rows, "warnings": plan.warnings });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Table => {
            let w_field = rows
                .iter()
                .map(|r| r.object.len() + r.field.len() + 1)
                .max()
                .unwrap_or(0);
            let w_value = rows
                .iter()
                .map(|r| r.value.chars().count())
                .max()
                .unwrap_or(0)
                .min(48);
            println!("{:<w_field$}  {:<w_value$}  WHY", "FIELD", "VALUE");
            for r in rows {
                let field = format!("{} {}", r.object, r.field);
                println!("{field:<w_field$}  {:<w_value$}  {}", r.value, r.reason);
            }
            warn_all(&plan.warnings);
        }
    }
    Ok(EXIT_OK)
}

fn presets(args: PresetsArgs) -> Result<i32, Error> {
    match args.action {
        Some(PresetsAction::Show { name }) => {
            // Errors (with a "did you mean") for an unknown name; the YAML is shown as written,
            // comments included, so it is a good start for --preset-file.
            let preset = Preset::builtin(&name)?;
            match args.format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&preset).unwrap_or_default()
                ),
                Format::Table => {
                    let text = crate::preset::BUILTIN
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, t)| *t)
                        .unwrap_or_default();
                    print!("{text}");
                }
            }
        }
        None => {
            let all = Preset::all_builtin();
            match args.format {
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default())
                }
                Format::Table => {
                    let w = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
                    for p in &all {
                        println!("{:<w$}  {}", p.name, p.description);
                    }
                }
            }
        }
    }
    Ok(EXIT_OK)
}

/// An output file's place is usable before any work is done: its folder exists and the path is
/// not a folder. Bad input, so exit 2 naming the flag, rather than an I/O error after the work.
fn output_file_ok(path: &std::path::Path, flag: &str) -> Result<(), Error> {
    if path.is_dir() {
        return Err(Error::usage(
            format!("{flag} {}: is a folder, not a file", path.display()),
            format!(
                "give a file path, e.g. {flag} {}",
                path.join("out").display()
            ),
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        if !parent.is_dir() {
            return Err(Error::usage(
                format!(
                    "{flag} {}: folder {} does not exist",
                    path.display(),
                    parent.display()
                ),
                format!("create it first (mkdir -p {})", parent.display()),
            ));
        }
    }
    Ok(())
}

fn check(args: CheckArgs) -> Result<i32, Error> {
    use crate::check::{self, CheckOptions, Severity};
    use std::io::IsTerminal;
    if let Some(rule) = &args.explain {
        return match check::explain(rule) {
            Some(text) => {
                print!("{text}");
                Ok(EXIT_OK)
            }
            None => Err(Error::Usage {
                message: format!("unknown rule `{rule}`"),
                help: Some(match check::suggest(rule) {
                    Some(s) => {
                        format!("did you mean `{s}`? `zerodown check --list-rules` lists them all")
                    }
                    None => "`zerodown check --list-rules` lists them all".into(),
                }),
            }),
        };
    }
    if args.list_rules {
        let w = check::rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in check::rules() {
            println!(
                "{:<w$}  {:<7}  {}",
                r.id,
                format!("{:?}", r.severity).to_lowercase(),
                r.title
            );
        }
        return Ok(EXIT_OK);
    }
    if args.fix {
        let fail_on = match args.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        };
        return check_fix(&args, fail_on);
    }
    if let Some(path) = &args.write_baseline {
        output_file_ok(path, "--write-baseline")?;
    }
    // Read the baseline before anything else: a missing or corrupt one is bad input (exit 2).
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Usage {
                message: format!("cannot read baseline {}: {e}", path.display()),
                help: Some("write one with `zerodown check PATH --write-baseline FILE`".into()),
            })?;
            Some(check::Baseline::parse(&text).map_err(|e| Error::Usage {
                message: format!("baseline {}: {e}", path.display()),
                help: Some(
                    "write a new one with `zerodown check PATH --write-baseline FILE`".into(),
                ),
            })?)
        }
        None => None,
    };
    let input = check::InputOptions {
        include_owned: args.include_owned,
    };
    let mut report = match &args.against {
        Some(old) => {
            if old.as_os_str() == "-" && args.paths.iter().any(|p| p.as_os_str() == "-") {
                return Err(Error::usage(
                    "`--against -` and `-` in PATH both read stdin; only one of the versions can come from it",
                    "write one version to a file: git show HEAD~1:deploy/app.yaml > /tmp/old.yaml && zerodown check deploy/app.yaml --against /tmp/old.yaml",
                ));
            }
            check::check_paths_against(&args.paths, old, &mut std::io::stdin().lock())
        }
        None => check::check_paths_with(&args.paths, &mut std::io::stdin().lock(), &input),
    };
    if let Some(path) = &args.write_baseline {
        if report.has_input_errors() {
            return Err(Error::Usage {
                message: format!(
                    "not writing baseline {}: some input could not be checked",
                    path.display()
                ),
                help: Some("fix the input errors above first".into()),
            })
            .inspect_err(|_| {
                eprint!("{}", report.render(&CheckOptions::default()));
            });
        }
        let existed = path.exists();
        crate::bundle::replace_file(path, &check::render_baseline(&report.findings))?;
        let n = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .count();
        eprintln!(
            "{} baseline {} ({n} finding{})",
            if existed { "replaced" } else { "wrote" },
            path.display(),
            if n == 1 { "" } else { "s" }
        );
    }
    if let Some(b) = &baseline {
        report.apply_baseline(b);
    }
    let opts = CheckOptions {
        format: match args.format {
            CheckFormat::Human => check::Format::Human,
            CheckFormat::Json => check::Format::Json,
            CheckFormat::Sarif => check::Format::Sarif,
        },
        fail_on: match args.fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        },
        color: args.format == CheckFormat::Human
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(report.render(&opts).as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::Write {
            path: "-".into(),
            source: e,
        })?;
    Ok(report.exit_code(opts.fail_on))
}

fn adopt(args: crate::cli::AdoptArgs) -> Result<i32, Error> {
    let to_stdout = args.output.as_os_str() == "-";
    if !to_stdout {
        output_file_ok(&args.output, "-o")?;
    }
    if !to_stdout && args.output.exists() && !args.force {
        return Err(Error::Conflict {
            message: format!(
                "{} exists; adopt never replaces a file without --force",
                args.output.display()
            ),
            help:
                "pass --force to replace it, -o OTHER.yaml to write elsewhere, or -o - for stdout"
                    .into(),
        });
    }
    refuse_conflicting_choices(&args.choose)?;
    let sources = crate::adopt::load(&args.paths, &mut std::io::stdin().lock())?;
    let adopted = crate::adopt::adopt(
        &sources,
        &crate::adopt::Options {
            name: args.name.clone(),
            namespace: args.namespace.clone(),
            choices: args.choose.clone(),
            command_execs: args.command_execs,
        },
    )?;
    let text = specfile::spec_file_text(&adopted.spec)?;
    match args.format {
        crate::cli::AdoptFormat::Json => {
            let doc = serde_json::json!({
                "version": 1,
                "deployment": format!("{}/{}", adopted.spec.namespace, adopted.spec.name),
                "preset": adopted.spec.preset,
                "warnings": adopted.warnings,
                "changes": adopted.report.changes,
            });
            eprintln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        crate::cli::AdoptFormat::Human => {
            eprint!("{}", adopted.report.human());
            warn_all(&adopted.warnings);
        }
    }
    if to_stdout {
        print!("{text}");
    } else {
        crate::bundle::replace_file(&args.output, &text)?;
        eprintln!("{:>12} {}", "Created", args.output.display());
        eprintln!(
            "note: review {} and run `zerodown render -f {}` to write the bundle; its README says how to apply it over the running Deployment",
            args.output.display(),
            args.output.display()
        );
    }
    Ok(EXIT_OK)
}

/// `zerodown check --fix [--write | --patch DIR]`: the fixes of `check::fix_sources`, printed,
/// written in place (plain files only, atomically) or written as kustomize patches (never
/// replacing a file). Status on stderr; the exit code is `check`'s on the fixed manifests.
/// Exit 2 when two `--choose` give one rule, workload and container different values.
fn refuse_conflicting_choices(choices: &[crate::check::Choice]) -> Result<(), Error> {
    match crate::check::choice_conflicts(choices).first() {
        Some((a, b)) => Err(Error::usage(
            format!("--choose '{a}' and --choose '{b}' give the same finding two values; nothing was written"),
            "give one value per rule and workload (scope one of them with @WORKLOAD[/CONTAINER] if they are for different objects)",
        )),
        None => Ok(()),
    }
}

fn check_fix(args: &CheckArgs, fail_on: crate::check::Severity) -> Result<i32, Error> {
    use crate::check::{self, InputErrorKind, Severity, Source};
    refuse_conflicting_choices(&args.choose)?;
    let (sources, mut errors) = check::load_paths(&args.paths, &mut std::io::stdin().lock());
    let parsed = check::check_sources(&sources);
    errors.extend(parsed.input_errors.iter().cloned());
    let bad: Vec<_> = errors
        .iter()
        .filter(|e| e.level == Severity::Error)
        .collect();
    if let Some(t) = bad.iter().find(|e| e.kind == InputErrorKind::HelmTemplate) {
        return Err(Error::Usage {
            message: format!(
                "refusing to fix {}: it is a Helm template ({{{{ ... }}}} at line {}), not a plain YAML file; nothing was written",
                t.file,
                t.line.unwrap_or(1)
            ),
            help: Some("fix the chart's templates by hand, or render it (`helm template REL CHART > out.yaml`) and run `zerodown check --fix --patch DIR out.yaml`".into()),
        });
    }
    if !bad.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "cannot fix input that cannot be read; nothing was written:\n{}",
                bad.iter()
                    .map(|e| format!("  {e}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            help: Some("`zerodown check` on the same paths shows every input problem".into()),
        });
    }
    if args.write {
        if let Some((s, line)) = sources
            .iter()
            .find_map(|s| check::template_line(&s.text).map(|l| (s, l)))
        {
            return Err(Error::Usage {
                message: format!(
                    "refusing to fix {}: it is a Helm template ({{{{ ... }}}} at line {line}), not a plain YAML file; nothing was written",
                    s.name
                ),
                help: Some("fix the chart's templates by hand, or render it (`helm template REL CHART > out.yaml`) and run `zerodown check --fix --patch DIR out.yaml`".into()),
            });
        }
    }
    let outcome = check::fix_sources_with(&sources, &args.choose);
    if !outcome.unused_choices.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "--choose answered no finding; nothing was written: {}",
                outcome
                    .unused_choices
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            help: Some("a choice is for a finding of that rule that --fix cannot fix alone; check the rule id, the workload and container names after '@', and (unscoped image-tag-mutable) that the image repository matches the manifest's".into()),
        });
    }
    let changed: Vec<_> = outcome.sources.iter().filter(|s| s.changed).collect();
    if args.write {
        // Every refusal before the first write: all files or none.
        for s in &changed {
            let path = std::path::Path::new(&s.name);
            let original = sources
                .iter()
                .find(|x| x.name == s.name)
                .map(|x| x.text.as_str());
            let plain = path.is_file() && std::fs::read_to_string(path).ok().as_deref() == original;
            if !plain {
                return Err(Error::Usage {
                    message: format!(
                        "refusing to rewrite {}: it is not a plain YAML file on disk (stdin, or the output of kustomize or kubectl); nothing was written",
                        s.name
                    ),
                    help: Some("print the fixes with --fix alone, or write kustomize patches with --fix --patch DIR".into()),
                });
            }
        }
        for s in &changed {
            // Through a symlink to its target: replacing the link itself would leave the real
            // file unfixed and the link gone.
            let path = std::path::Path::new(&s.name);
            let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            crate::bundle::replace_file(&target, &s.text)?;
            eprintln!("   Rewrote {}", s.name);
        }
    } else if let Some(dir) = &args.patch {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::usage(
                format!(
                    "--patch {}: is a file, not a folder; nothing was written",
                    dir.display()
                ),
                "choose an empty or new folder for --patch",
            ));
        }
        let files = check::patch_files(&outcome);
        let existing: Vec<String> = files
            .iter()
            .map(|(n, _)| dir.join(n))
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(Error::Conflict {
                message: format!(
                    "refusing to replace existing files; nothing was written: {}",
                    existing.join(", ")
                ),
                help: "choose an empty or new folder for --patch".into(),
            });
        }
        if !files.is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Write {
                path: dir.clone(),
                source: e,
            })?;
        }
        for (name, text) in &files {
            let path = dir.join(name);
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .map_err(|e| Error::Write {
                    path: path.clone(),
                    source: e,
                })?;
            eprintln!("     Wrote {}", path.display());
        }
    } else {
        let mut out = std::io::stdout().lock();
        let many = outcome.sources.len() > 1;
        let mut text = String::new();
        for s in &outcome.sources {
            if many {
                text.push_str(&format!("---\n# Source: {}\n", s.name));
            }
            text.push_str(&s.text);
            if many && !s.text.ends_with('\n') {
                text.push('\n');
            }
        }
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| Error::Write {
                path: "-".into(),
                source: e,
            })?;
    }
    for a in &outcome.applied {
        eprintln!(
            "     Fixed {}:{} {} [{}]: {}\n           because {}",
            a.file, a.line, a.object, a.rule, a.change, a.reason
        );
    }
    for n in &outcome.notes {
        eprintln!("note: {n}");
    }
    for m in &outcome.manual {
        eprintln!(
            "  Not fixed {}:{} [{}]: {}\n           next: {}",
            m.file, m.line, m.rule, m.message, m.choose
        );
    }
    eprintln!(
        "{} fix(es) applied, {} finding(s) need your choice",
        outcome.applied.len(),
        outcome.manual.len()
    );
    let fixed: Vec<Source> = outcome
        .sources
        .iter()
        .map(|s| Source::new(s.name.clone(), s.text.clone()))
        .collect();
    Ok(check::check_sources(&fixed).exit_code(fail_on))
}
