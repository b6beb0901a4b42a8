//! Shutdown rules: preStop delay for Service-backed containers, preStop vs grace period, exec
//! hooks that need binaries, too-short grace periods, shells as PID 1, nginx fast shutdown.

use super::index::Ctx;
use super::model::Pointer;
use super::model::{shorten, Container, Finding, Severity, Workload};
use super::service::serving_containers;

/// Seconds a preStop hook is known to sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SleepInfo {
    /// Seconds slept by the leading `sleep` statements.
    pub seconds: i64,
    /// More (unbounded) work follows the sleep, so the hook lasts at least `seconds`.
    pub at_least: bool,
    /// The hook does nothing but sleep (it could be the native sleep action).
    pub pure: bool,
    /// The hook runs through a shell.
    pub shell: bool,
}

/// A container's preStop hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PreStop {
    None,
    /// Native `sleep: {seconds: N}` action.
    Sleep(i64),
    Exec {
        argv: Vec<String>,
        sleep: Option<SleepInfo>,
    },
    /// httpGet / tcpSocket hook.
    Other,
}

impl PreStop {
    /// Reads `lifecycle.preStop`.
    pub fn of(c: &Container<'_>) -> Self {
        let Some(p) = c.v.at("/lifecycle/preStop").filter(|p| p.is_object()) else {
            return PreStop::None;
        };
        if let Some(s) = p.get("sleep") {
            return PreStop::Sleep(s.get("seconds").and_then(super::model::int_of).unwrap_or(0));
        }
        if let Some(e) = p.get("exec") {
            let argv = super::model::strings_of(e.get("command"));
            let sleep = exec_sleep(&argv);
            return PreStop::Exec { argv, sleep };
        }
        if p.get("httpGet").is_some() || p.get("tcpSocket").is_some() {
            return PreStop::Other;
        }
        PreStop::None
    }

    /// Known minimum length of the hook in seconds.
    pub fn sleep_seconds(&self) -> Option<(i64, bool)> {
        match self {
            PreStop::Sleep(s) => Some((*s, false)),
            PreStop::Exec {
                sleep: Some(info), ..
            } => Some((info.seconds, info.at_least)),
            _ => None,
        }
    }

    /// True when there is no hook, or the hook is a pure sleep of 0 s.
    pub fn no_delay(&self) -> bool {
        match self {
            PreStop::None => true,
            PreStop::Sleep(s) => *s <= 0,
            PreStop::Exec {
                sleep: Some(info), ..
            } => info.pure && info.seconds <= 0,
            _ => false,
        }
    }
}

/// The last path component of a command.
pub(crate) fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// True for POSIX-ish shells.
pub(crate) fn is_shell(cmd: &str) -> bool {
    matches!(
        basename(cmd),
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh"
    )
}

/// Parses a `sleep` duration argument (`300`, `5s`, `1m`, `0.5`) into whole seconds.
fn duration(arg: &str) -> Option<i64> {
    let (num, mult) = match arg.chars().last()? {
        's' => (&arg[..arg.len() - 1], 1.0),
        'm' => (&arg[..arg.len() - 1], 60.0),
        'h' => (&arg[..arg.len() - 1], 3600.0),
        'd' => (&arg[..arg.len() - 1], 86400.0),
        _ => (arg, 1.0),
    };
    let n: f64 = num.parse().ok()?;
    (n >= 0.0).then(|| (n * mult).floor() as i64)
}

/// Index of the script argument after a `-c` style flag (`-c`, `-ec`, `-xc`), if any.
pub(crate) fn dash_c_script(argv: &[String]) -> Option<&str> {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a.starts_with('-') && a.len() > 1 && !a.starts_with("--") {
            if a.contains('c') {
                // `bash -c -- 'script'`: `--` ends the options, the script follows it.
                let at = if argv.get(i + 1).is_some_and(|n| n == "--") {
                    i + 2
                } else {
                    i + 1
                };
                return argv.get(at).map(String::as_str);
            }
            i += 1;
            continue;
        }
        break;
    }
    None
}

/// Splits a shell script into top-level-ish statements (`;`, `&&`, `||`, newlines).
pub(crate) fn statements(script: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in script.split(['\n', ';']) {
        for p in part.split("&&") {
            for q in p.split("||") {
                let q = q.trim();
                if !q.is_empty() {
                    out.push(q);
                }
            }
        }
    }
    out
}

fn sleep_statement(st: &str) -> Option<i64> {
    let mut words = st.split_whitespace();
    let first = words.next()?;
    if basename(first) != "sleep" {
        return None;
    }
    let mut total = 0;
    let mut any = false;
    for w in words {
        total += duration(w)?;
        any = true;
    }
    any.then_some(total)
}

/// How long an exec preStop sleeps: `["sleep", "N"]` or `["sh", "-c", "sleep N; ..."]`.
fn exec_sleep(argv: &[String]) -> Option<SleepInfo> {
    let first = argv.first()?;
    if basename(first) == "sleep" {
        let mut total = 0;
        for a in &argv[1..] {
            total += duration(a)?;
        }
        return Some(SleepInfo {
            seconds: total,
            at_least: false,
            pure: true,
            shell: false,
        });
    }
    if !is_shell(first) {
        return None;
    }
    let script = dash_c_script(argv)?;
    let mut total = 0;
    let mut found = false;
    let mut rest = false;
    for st in statements(script) {
        match sleep_statement(st) {
            Some(s) if !rest => {
                total += s;
                found = true;
            }
            _ => {
                rest = true;
                break;
            }
        }
    }
    found.then_some(SleepInfo {
        seconds: total,
        at_least: rest,
        pure: !rest,
        shell: true,
    })
}

/// `Service 'a'` or `Services 'a', 'b'`.
pub(crate) fn services_phrase(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    if quoted.len() == 1 {
        format!("Service {}", quoted[0])
    } else {
        format!("Services {}", quoted.join(", "))
    }
}

/// Images that ship no shell or coreutils.
pub(crate) fn shell_less_image(image: &str) -> bool {
    let i = image.to_ascii_lowercase();
    [
        "distroless",
        "cgr.dev/",
        "chainguard",
        "scratch",
        "-static",
        "/static",
    ]
    .iter()
    .any(|m| i.contains(m))
}

/// The shell that runs a command, as far as its name and the image tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShellKind {
    Bash,
    /// dash: `/bin/sh` of Debian and Ubuntu images.
    Dash,
    /// BusyBox ash: `/bin/sh` of alpine and busybox images.
    Ash,
    /// `sh` in an image whose `/bin/sh` is not known (dash, ash, or bash on RHEL/UBI/Amazon Linux).
    UnknownSh,
    /// zsh, ksh, mksh: not modelled.
    Other,
}

impl ShellKind {
    fn of(cmd: &str, image: Option<&str>) -> Self {
        match basename(cmd) {
            "bash" => ShellKind::Bash,
            "dash" => ShellKind::Dash,
            "ash" => ShellKind::Ash,
            "sh" => {
                let i = image.unwrap_or("").to_ascii_lowercase();
                let repo = image_repo(&i);
                let last = repo.rsplit('/').next().unwrap_or("");
                if i.contains("alpine") || last == "busybox" {
                    ShellKind::Ash
                } else if ["debian", "ubuntu"].contains(&last)
                    || [
                        "bookworm", "bullseye", "buster", "trixie", "jammy", "noble", "focal",
                    ]
                    .iter()
                    .any(|c| i.contains(c))
                {
                    ShellKind::Dash
                } else {
                    ShellKind::UnknownSh
                }
            }
            _ => ShellKind::Other,
        }
    }

    fn name(self, image: Option<&str>) -> String {
        let of = |s: &str| match image {
            Some(i) => format!("{s} (/bin/sh of {i})"),
            None => s.to_string(),
        };
        match self {
            ShellKind::Bash => "bash".into(),
            ShellKind::Dash => of("dash"),
            ShellKind::Ash => of("busybox ash"),
            ShellKind::UnknownSh => "/bin/sh".into(),
            ShellKind::Other => "this shell".into(),
        }
    }
}

/// `script` with the text inside quotes blanked out, so that `|`, `&`, `>` in quoted arguments
/// are not read as operators.
fn unquoted(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut quote: Option<char> = None;
    for ch in script.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => out.push('_'),
            None if ch == '\'' || ch == '"' => quote = Some(ch),
            None => out.push(ch),
        }
    }
    out
}

/// Shell builtins and reserved words: a script whose last command is one of these keeps the shell
/// running (there is nothing to exec).
const BUILTINS: &[&str] = &[
    "exit", "wait", "echo", "printf", "true", "false", ":", "return", "read", "cd", "export",
    "set", "unset", "shift", "eval", "done", "fi", "esac", "}", ")", "while", "until", "for", "if",
    "case", "{", "(", "then", "else", "do",
];

/// The index of the command an `env [-i] [NAME=VALUE]... COMMAND` prefix runs (0 without one;
/// at most `argv.len()`).
fn after_env(argv: &[String]) -> usize {
    if argv.first().is_none_or(|a| basename(a) != "env") {
        return 0;
    }
    1 + argv[1..]
        .iter()
        .take_while(|a| a.starts_with('-') || a.contains('='))
        .count()
}

/// A `-c` script with `exec ` before its last command, for `check --fix`: only when that command
/// is a plain simple command (its first word not a builtin, a reserved word or an assignment; no
/// pipeline, background job, subshell, group, command substitution, here-document or comment
/// anywhere in it), so `exec` changes nothing but who is PID 1: the command ran last, and the
/// shell had nothing left to do after it. Separators (`;`, `&&`, `||`, newlines) are read outside
/// quotes. None when any of that is not sure.
pub(crate) fn exec_last(script: &str) -> Option<String> {
    let body_end = script.trim_end_matches([' ', '\t', '\n', ';']).len();
    let body = &script[..body_end];
    let b = body.as_bytes();
    let mut quote: Option<u8> = None;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        match quote {
            Some(b'\'') if ch == b'\'' => quote = None,
            Some(b'"') if ch == b'\\' => i += 1,
            Some(b'"') if ch == b'"' => quote = None,
            Some(b'"') if ch == b'`' || (ch == b'$' && b.get(i + 1) == Some(&b'(')) => return None,
            Some(_) => {}
            None => match ch {
                b'\'' | b'"' => quote = Some(ch),
                b'\\' => i += 1,
                b'\n' | b';' => start = i + 1,
                b'&' | b'|' if b.get(i + 1) == Some(&ch) => {
                    i += 1;
                    start = i + 1;
                }
                b'&' | b'|' | b'(' | b')' | b'{' | b'}' | b'`' | b'#' => {
                    // `>&2`, `2>&1`: a redirection, not a background job.
                    let redirect =
                        ch == b'&' && (i > 0 && b[i - 1] == b'>' || b.get(i + 1) == Some(&b'>'));
                    if !redirect {
                        return None;
                    }
                }
                b'<' if b.get(i + 1) == Some(&b'<') => return None,
                _ => {}
            },
        }
        i += 1;
    }
    // A trap means the script handles signals itself; exec would drop the handler.
    if quote.is_some() || statements(body).iter().any(|st| st.starts_with("trap ")) {
        return None;
    }
    let last = &body[start..];
    let lead = last.len() - last.trim_start().len();
    let first = last.split_whitespace().next()?;
    // A last command that is a utility, not the app (`...; python app.py; sleep 5`): exec would
    // make it PID 1 while the app still runs as the shell's child.
    // (Builtins such as echo, true and wait are in BUILTINS.)
    const UTILITIES: &[&str] = &[
        "sleep", "tail", "cat", "date", "ls", "touch", "rm", "mkdir", "chmod", "chown", "cp", "mv",
        "ln", "sync", "kill", "tee", "env", "logger", "curl", "wget",
    ];
    if BUILTINS.contains(&first)
        || UTILITIES.contains(&basename(first))
        || matches!(
            first,
            "exec" | "trap" | "!" | "[[" | "[" | "test" | "select" | "function" | "time" | "coproc"
        )
        || first.contains('=')
        || first.starts_with('-')
        || first.ends_with("()")
    {
        return None;
    }
    let at = start + lead;
    Some(format!("{}exec {}", &script[..at], &script[at..]))
}

/// The decidable fix of a shell as PID 1, for `check --fix` and `adopt`: a `-c` script (in
/// `command` or `args`) whose last command is a plain command gets `exec` before it
/// ([`exec_last`]). Returns the new (command, args), or None when the script is a file, its end
/// is a pipeline, a builtin, a compound command or not sure, or the result would still be
/// flagged.
pub(crate) fn exec_fix(
    command: &[String],
    args: &[String],
    image: Option<&str>,
) -> Option<(Vec<String>, Vec<String>)> {
    let argv: Vec<String> = command.iter().chain(args).cloned().collect();
    let rest_at = after_env(&argv);
    let rest = &argv[rest_at..];
    if !rest.first().is_some_and(|a| is_shell(a)) {
        return None;
    }
    let script = dash_c_script(rest)?;
    let at = rest_at + rest.iter().position(|a| std::ptr::eq(a.as_str(), script))?;
    let new = exec_last(script)?;
    let mut fixed = argv.clone();
    fixed[at] = new;
    if shell_pid1(&fixed, image).is_some() {
        return None;
    }
    let args = fixed.split_off(command.len());
    Some((fixed, args))
}

/// Whether a shell as PID 1 would leave SIGTERM undelivered: `None` when the command is safe,
/// else the severity and the message.
///
/// What the shells really do with `-c` (sources read for this rule): bash execs a lone simple
/// command without redirections and, since bash 5.1 ("attempts to optimize the number of times
/// it forks ... from `bash -c`", CHANGES 5.1-alpha), the last simple command of a `&&`/`||`/`;`
/// list (builtins/evalstring.c `should_suppress_fork`, `can_optimize_connection`); dash (upstream
/// "[SHELL] Optimize dash -c \"command\" to avoid a fork", 2011) and BusyBox ash from 1.28.0
/// (commit 1e3e2ccd5, the same change) exec the last command of the string, with or without
/// redirections, when the parser sees the end of input right after it (not after a trailing
/// newline); all of them fork pipelines and background jobs and wait, and none execs when a
/// trap is set (then the script handles signals itself).
pub(crate) fn shell_pid1(argv: &[String], image: Option<&str>) -> Option<(Severity, String)> {
    let rest = &argv[after_env(argv)..];
    let first = rest.first()?;
    if !is_shell(first) {
        return None;
    }
    let shown = shorten(&argv.join(" "), 80);
    let script_file = || {
        Some((
            Severity::Warning,
            format!("'{shown}' as PID 1; a shell without a SIGTERM trap ignores the signal, so the app is SIGKILLed after the grace period; use the exec form or end the script with 'exec'"),
        ))
    };
    let Some(script) = dash_c_script(rest) else {
        return script_file();
    };
    let sts = statements(script);
    let handles = sts.iter().any(|st| {
        let st = st.trim();
        (st.starts_with("exec ")
            && !st[5..]
                .trim_start()
                .starts_with(['>', '<', '0', '1', '2', '&']))
            || st.starts_with("trap ")
    });
    if handles {
        return None;
    }
    let shell = ShellKind::of(first, image);
    if shell == ShellKind::Other {
        return script_file();
    }
    let bare = unquoted(script);
    let chars: Vec<char> = bare.chars().collect();
    let pipeline_or_background = chars.iter().enumerate().any(|(k, &c)| {
        let prev = k.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(k + 1).copied();
        match c {
            '|' => prev != Some('|') && next != Some('|'),
            '&' => prev != Some('&') && next != Some('&') && prev != Some('>') && next != Some('>'),
            _ => false,
        }
    });
    let says = |why: String| format!("'{shown}' as PID 1; {why}");
    if pipeline_or_background {
        return Some((Severity::Warning, says("the shell runs a pipeline or a background job as its children and waits, so SIGTERM reaches the shell, which ignores it, and the app is SIGKILLed after the grace period; use the exec form or 'exec' the app".into())));
    }
    let last = statements(&bare).last().map(|s| s.trim().to_string())?;
    let last_word = last
        .split_whitespace()
        .find(|w| !w.contains('='))
        .unwrap_or("");
    if BUILTINS.contains(&last_word) || last_word.ends_with("()") {
        let original = sts.last().map(|s| s.trim()).unwrap_or("");
        return Some((Severity::Warning, says(format!("its last command ('{}') is a shell builtin or compound command, so the shell runs the app as a child and waits; SIGTERM reaches the shell, which ignores it, and the app is SIGKILLed after the grace period; 'exec' the app", shorten(original, 40)))));
    }
    let lone = sts.len() == 1;
    let redirected = last.contains(['>', '<']);
    let trailing_newline = script.trim_end_matches([' ', '\t']).ends_with('\n');
    let name = shell.name(image);
    let remedy = "use the exec form or 'exec' the app";
    match shell {
        ShellKind::Dash | ShellKind::Ash if trailing_newline => Some((Severity::Warning, says(format!("the script ends with a newline, after which {name} forks the last command instead of exec'ing it, so the shell stays PID 1 and ignores SIGTERM; drop the trailing newline (YAML '|-') or {remedy}")))),
        ShellKind::Dash | ShellKind::Ash => None,
        ShellKind::Bash if redirected => Some((Severity::Warning, says(format!("bash forks a command that has redirections instead of exec'ing it, so bash stays PID 1 and ignores SIGTERM; {remedy}")))),
        ShellKind::Bash if lone => None,
        ShellKind::Bash => Some((Severity::Info, says(format!("bash 5.1 and later exec the last command of a list, older bash (RHEL 8 / UBI 8 ship 4.4) runs it as a child and stays PID 1, ignoring SIGTERM; {remedy} to be sure")))),
        _ if lone && !redirected && !trailing_newline => None,
        _ => Some((Severity::Info, says(format!("which shell /bin/sh is in '{}' is not known: dash and busybox ash exec the last command, bash (the /bin/sh of RHEL, UBI and Amazon Linux) keeps itself as PID 1 for {}, ignoring SIGTERM; {remedy} to be sure", image.unwrap_or("the image"), if redirected { "a redirected command" } else if trailing_newline { "a script ending in a newline" } else { "a list before 5.1" })))),
    }
}

/// Repository part of an image reference (no tag, no digest), lowercased.
pub(crate) fn image_repo(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let slash = no_digest.rfind('/').map_or(0, |p| p + 1);
    let repo = match no_digest[slash..].rfind(':') {
        Some(c) => &no_digest[..slash + c],
        None => no_digest,
    };
    repo.to_ascii_lowercase()
}

/// Official nginx images (docker-library `nginx` and NGINX's `nginx-unprivileged`), whose
/// Dockerfiles and their STOPSIGNAL history are public (see [`nginx_stop`]).
fn official_nginx(repo: &str) -> bool {
    let r = repo
        .trim_start_matches("docker.io/")
        .trim_start_matches("index.docker.io/")
        .trim_start_matches("mirror.gcr.io/")
        .trim_start_matches("library/");
    matches!(
        r,
        "nginx"
            | "nginxinc/nginx-unprivileged"
            | "nginx/nginx-unprivileged"
            | "public.ecr.aws/nginx/nginx"
    )
}

/// True when the container runs nginx or openresty (from the command or the image name).
fn runs_nginx(c: &Container<'_>) -> bool {
    let argv = c.argv();
    if let Some(first) = argv.first() {
        let b = basename(first);
        if b == "nginx" || b == "openresty" {
            return true;
        }
        if is_shell(first) {
            if let Some(script) = dash_c_script(&argv) {
                if statements(script).iter().any(|s| {
                    let w = s.trim_start_matches("exec ").trim_start();
                    w.starts_with("nginx") || w.starts_with("openresty")
                }) {
                    return true;
                }
            }
        }
    }
    let Some(image) = c.image else { return false };
    let repo = image_repo(image);
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    (last.contains("nginx") || last.contains("openresty"))
        && ![
            "ingress",
            "exporter",
            "controller",
            "gateway",
            "prometheus",
            "unit",
            "agent",
            "proxy-manager",
        ]
        .iter()
        .any(|x| repo.contains(x))
}

/// True when the preStop hook or stop signal asks nginx for a graceful quit.
fn graceful_quit(c: &Container<'_>, pre: &PreStop) -> bool {
    if c.v.at("/lifecycle/stopSignal").and_then(|v| v.as_str()) == Some("SIGQUIT") {
        return true;
    }
    if let PreStop::Exec { argv, .. } = pre {
        let text = argv.join(" ");
        return text.contains("-s quit")
            || text.contains("kill -QUIT")
            || text.contains("kill -s QUIT")
            || text.contains("kill -3")
            || text.contains("SIGQUIT");
    }
    false
}

/// Runs the shutdown rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for (wi, w) in ctx.workloads.iter().enumerate() {
        let serving = serving_containers(ctx, wi);
        let grace = w.grace_seconds();
        if let Some(g) = w.grace.filter(|g| *g < 3) {
            out.push(
                ctx.finding("grace-period-too-short", w.idx)
                    .at(ctx.pod_line(w, &["terminationGracePeriodSeconds"]))
                    .message(format!(
                        "{} sets terminationGracePeriodSeconds: {g}; its containers are killed {} after SIGTERM, so in-flight requests and jobs are cut off",
                        w.obj.display(),
                        if g <= 0 { "immediately".to_string() } else { format!("{g}s") },
                    )),
            );
        }
        for (ci, c) in w.containers.iter().enumerate() {
            if !c.long_running() {
                continue;
            }
            let pre = PreStop::of(c);
            check_prestop(ctx, w, c, &pre, grace, serving.get(&ci), out);
            if let Some((severity, why)) = shell_pid1(&c.argv(), c.image) {
                if !c.command.is_empty() {
                    out.push(
                        ctx.finding("shell-pid1-drops-sigterm", w.idx)
                            .container(c.name)
                            .severity(severity)
                            .at(ctx.container_line(w, c, &["command"]))
                            .message(format!("container '{}' runs {why}", c.name)),
                    );
                }
            }
            if runs_nginx(c) && !graceful_quit(c, &pre) {
                out.push(nginx_finding(ctx, w, c));
            }
        }
    }
}

/// The stop signal an nginx image sends its master process, as far as the image's name tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NginxStop {
    /// An official image built with `STOPSIGNAL SIGQUIT` (graceful).
    Quit,
    /// An official image built with `STOPSIGNAL SIGTERM` (fast shutdown); the version shown.
    Term(String),
    /// An official version whose tag was built with both (SIGTERM, then rebuilt with SIGQUIT).
    Depends(String),
    /// An official image pinned by digest alone: no date to tell.
    Digest,
    /// Not an official nginx image: its Dockerfile is not known here.
    Unknown,
}

/// The day `STOPSIGNAL SIGQUIT` replaced `SIGTERM` in the official nginx Dockerfiles
/// (nginxinc/docker-nginx commit 3fb70ddd, PR #457, fixing issue #377), first released with
/// mainline 1.19.5 the same day and stable 1.20.0 (2021-04-20); nginxinc/nginx-unprivileged
/// followed on 2020-12-03 (commit 015ce72, with 1.19.5 and the 1.18.0 rebuild).
pub(crate) const NGINX_SIGQUIT_SINCE: &str = "2020-11-24";

/// Decides the stop signal of an image from its repository and tag: official images (`nginx`,
/// `nginxinc/nginx-unprivileged`) of versions before 1.18 and 1.19.0-1.19.4 stop with SIGTERM;
/// 1.18.x tags were built both ways (before and after the change, until 1.20 replaced them);
/// 1.19.5+, 1.20+ and every floating tag (`latest`, `stable`, `mainline`, `alpine`, `1`, ...)
/// resolve to SIGQUIT builds today.
pub(crate) fn nginx_stop(image: &str) -> NginxStop {
    if !official_nginx(&image_repo(image)) {
        return NginxStop::Unknown;
    }
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let slash = name.rfind('/').map_or(0, |p| p + 1);
    let tag = name[slash..].rsplit_once(':').map(|(_, t)| t);
    let Some(tag) = tag else {
        return if digest {
            NginxStop::Digest
        } else {
            NginxStop::Quit
        };
    };
    let version: &str = tag.split('-').next().unwrap_or("");
    let parts: Vec<Option<u32>> = version.split('.').map(|p| p.parse().ok()).collect();
    if parts.iter().any(Option::is_none) || version.is_empty() {
        // `latest`, `stable`, `mainline`, `alpine`, `perl`, `bookworm`, ...: current builds.
        return NginxStop::Quit;
    }
    let n = |i: usize| parts.get(i).copied().flatten();
    match (n(0), n(1), n(2)) {
        (Some(0), ..) => NginxStop::Term(version.to_string()),
        (Some(1), Some(m), _) if m < 18 => NginxStop::Term(version.to_string()),
        (Some(1), Some(18), _) => NginxStop::Depends(version.to_string()),
        (Some(1), Some(19), Some(p)) if p < 5 => NginxStop::Term(version.to_string()),
        _ => NginxStop::Quit,
    }
}

/// The nginx-fast-shutdown finding for a container that runs nginx without a graceful quit.
fn nginx_finding(ctx: &Ctx<'_>, w: &Workload<'_>, c: &Container<'_>) -> Finding {
    let f = ctx
        .finding("nginx-fast-shutdown", w.idx)
        .container(c.name)
        .at(ctx.container_line(w, c, &[]));
    let image = c.image.unwrap_or_default();
    let remedy =
        "add a preStop that runs 'nginx -s quit' and waits, or set lifecycle.stopSignal: SIGQUIT";
    let name = c.name;
    match c.image.map(nginx_stop).unwrap_or(NginxStop::Unknown) {
        NginxStop::Quit => f.severity(Severity::Info).message(format!(
            "container '{name}' runs nginx, which treats SIGTERM as a fast shutdown; the official image '{image}' sets STOPSIGNAL SIGQUIT (graceful), so this relies on the image; make it explicit with a preStop that runs 'nginx -s quit' and waits"
        )),
        NginxStop::Term(v) => f.message(format!(
            "container '{name}' runs nginx from '{image}': nginx:{v} images stop with SIGTERM, which nginx treats as a fast shutdown that drops open connections (STOPSIGNAL SIGQUIT arrived in the official images on {NGINX_SIGQUIT_SINCE}, from 1.19.5 mainline and 1.20.0 stable); {remedy}"
        )),
        NginxStop::Depends(v) => f.message(format!(
            "container '{name}' runs nginx from '{image}': nginx:{v} images were built with STOPSIGNAL SIGTERM until {NGINX_SIGQUIT_SINCE} and with SIGQUIT after, so the stop signal depends on when the image was pulled; {remedy}"
        )),
        NginxStop::Digest => f.message(format!(
            "container '{name}' runs nginx from '{image}': the stop signal of a digest-pinned official nginx image is not known from its name (SIGTERM before {NGINX_SIGQUIT_SINCE}, SIGQUIT after), and SIGTERM is a fast shutdown that drops open connections; {remedy}"
        )),
        NginxStop::Unknown => {
            // A build of nginx by someone else (bitnami/nginx, a team's image): its Dockerfile
            // is not known here, so say so when the image name claims nginx.
            let unknown = if image_repo(image).contains("nginx") {
                format!(" ('{image}' is not an official nginx image, so its stop signal is not known)")
            } else {
                String::new()
            };
            f.message(format!(
                "container '{name}' runs nginx, which treats SIGTERM as a fast shutdown and drops open connections; add a preStop that runs 'nginx -s quit' and waits, or use an image with STOPSIGNAL SIGQUIT{unknown}"
            ))
        }
    }
}

/// Whether a server keeps serving for a while after SIGTERM by itself, which is what a preStop
/// sleep would otherwise buy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SelfDrain {
    /// A known server with its drain setting on.
    Yes,
    /// A known server whose drain setting is off; why.
    No(String),
    /// A known server whose setting is not in the audited set; what to look for.
    Unknown(String),
    /// Not a server known to drain itself.
    NotKnown,
}

/// Seconds of a Go/Traefik duration or plain number (`10s`, `1m`, `15`), 0 when unreadable.
fn duration_seconds(v: &str) -> i64 {
    duration(v.trim().trim_matches('"')).unwrap_or(0)
}

/// Known self-draining servers, from their own documentation:
/// - CoreDNS: the `health` plugin's `lameduck DURATION` "will make the process unhealthy then
///   wait for DURATION before the process shuts down" (coredns.io/plugins/health); Kubernetes'
///   own CoreDNS manifests set `lameduck 5s`. Read from the Corefile of a ConfigMap the pod
///   mounts, or from the args.
/// - Traefik: `--entryPoints.<name>.transport.lifeCycle.requestAcceptGraceTimeout` keeps
///   accepting requests for that long after SIGTERM before the graceful shutdown starts
///   (doc.traefik.io, EntryPoints, lifeCycle).
/// - ingress-nginx controller: `--shutdown-grace-period` seconds to wait after SIGTERM before
///   stopping (kubernetes.github.io/ingress-nginx, cli-arguments); its chart's `/wait-shutdown`
///   preStop is a preStop and already satisfies the rule.
pub(crate) fn self_drain(ctx: &Ctx<'_>, w: &Workload<'_>, c: &Container<'_>) -> SelfDrain {
    let image = c.image.map(image_repo).unwrap_or_default();
    let last = image.rsplit('/').next().unwrap_or("");
    let argv = c.argv();
    let flag = |name: &str| {
        argv.iter().enumerate().find_map(|(i, a)| {
            let a = a.trim_start_matches('-');
            if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                Some(v.to_string())
            } else if a == name {
                argv.get(i + 1).cloned()
            } else {
                None
            }
        })
    };
    if last == "coredns" {
        let lameduck = |text: &str| {
            text.split_whitespace()
                .collect::<Vec<_>>()
                .windows(2)
                .any(|p| p[0] == "lameduck" && duration_seconds(p[1]) > 0)
        };
        if lameduck(&argv.join(" ")) {
            return SelfDrain::Yes;
        }
        let names: Vec<&str> = w
            .pod_spec
            .get("volumes")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.at("/configMap/name").and_then(|n| n.as_str()))
            .collect();
        let Some(&cm_name) = names.first() else {
            return SelfDrain::Unknown("unless its Corefile sets `health { lameduck 5s }`".into());
        };
        let cm = ctx.objects.iter().find(|o| {
            o.kind == "ConfigMap"
                && o.namespace == w.obj.namespace
                && names.contains(&o.name.as_str())
        });
        return match cm {
            Some(o) => {
                let text: Vec<&str> = o
                    .value
                    .get("data")
                    .and_then(|d| d.as_object())
                    .into_iter()
                    .flat_map(|d| d.values())
                    .filter_map(|v| v.as_str())
                    .collect();
                if text.iter().any(|t| lameduck(t)) {
                    SelfDrain::Yes
                } else {
                    SelfDrain::No(format!(
                        "CoreDNS drains itself only with `health {{ lameduck 5s }}` in its Corefile, which ConfigMap '{}' does not set",
                        o.name
                    ))
                }
            }
            None => SelfDrain::Unknown(format!(
                "unless its Corefile sets `health {{ lameduck 5s }}` (ConfigMap '{cm_name}' is not in the audited manifests)"
            )),
        };
    }
    if last == "traefik" {
        let on = argv.iter().any(|a| {
            a.to_ascii_lowercase()
                .contains("transport.lifecycle.requestacceptgracetimeout=")
                && duration_seconds(a.rsplit('=').next().unwrap_or("")) > 0
        });
        return if on {
            SelfDrain::Yes
        } else {
            SelfDrain::NotKnown
        };
    }
    if image.contains("ingress-nginx/controller") || last == "nginx-ingress-controller" {
        let on = flag("shutdown-grace-period").is_some_and(|v| duration_seconds(&v) > 0);
        return if on {
            SelfDrain::Yes
        } else {
            SelfDrain::NotKnown
        };
    }
    SelfDrain::NotKnown
}

fn check_prestop(
    ctx: &Ctx<'_>,
    w: &Workload<'_>,
    c: &Container<'_>,
    pre: &PreStop,
    grace: i64,
    services: Option<&Vec<&str>>,
    out: &mut Vec<Finding>,
) {
    if let (Some(svcs), true) = (services, pre.no_delay()) {
        let drain = self_drain(ctx, w, c);
        if drain != SelfDrain::Yes {
            let (severity, tail) = match drain {
                SelfDrain::No(why) => (Severity::Error, format!(" ({why})")),
                SelfDrain::Unknown(why) => (Severity::Warning, format!(" {why}")),
                _ => (Severity::Error, " unless the app drains itself".to_string()),
            };
            out.push(
                ctx.finding("prestop-missing", w.idx)
                    .container(c.name)
                    .severity(severity)
                    .at(ctx.container_line(w, c, &[]))
                    .message(format!(
                        "container '{}' of {} serves {} but has no preStop delay; it stops listening before load balancers and kube-proxy drop it, so requests fail on every rollout and drain{tail}",
                        c.name,
                        w.obj.display(),
                        services_phrase(svcs)
                    )),
            );
        }
    }
    if let Some((secs, at_least)) = pre.sleep_seconds() {
        if secs > 0 && secs >= grace {
            out.push(
                ctx.finding("prestop-exceeds-grace-period", w.idx)
                    .container(c.name)
                    .at(ctx.container_line(w, c, &["lifecycle", "preStop"]))
                    .message(format!(
                        "preStop of container '{}' sleeps {}{secs}s but terminationGracePeriodSeconds is {grace}{}; the kubelet kills the container mid-hook and the app gets no time to drain",
                        c.name,
                        if at_least { "at least " } else { "" },
                        if w.grace.is_none() { " (default)" } else { "" },
                    )),
            );
        }
    }
    if let PreStop::Exec {
        argv,
        sleep: Some(info),
    } = pre
    {
        if info.pure {
            let shell_less = c.image.is_some_and(shell_less_image);
            let mut f = ctx
                .finding("prestop-exec-needs-binary", w.idx)
                .container(c.name)
                .at(ctx.container_line(w, c, &["lifecycle", "preStop"]))
                .message(format!(
                    "preStop of container '{}' runs '{}', which needs {} in the image; if missing, the hook fails at once and the shutdown delay is lost; use the native action preStop.sleep.seconds: {}",
                    c.name,
                    shorten(&argv.join(" "), 60),
                    if info.shell { "a shell and a sleep binary" } else { "a sleep binary" },
                    info.seconds
                ));
            if shell_less {
                f = f.severity(Severity::Warning);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exec_goes_before_a_plain_last_command_only() {
        use super::exec_last;
        for (script, want) in [
            ("python app.py", Some("exec python app.py")),
            (
                "  node server.js --port 8080\n",
                Some("  exec node server.js --port 8080\n"),
            ),
            (
                "cd /app && ./migrate && java -jar app.jar",
                Some("cd /app && ./migrate && exec java -jar app.jar"),
            ),
            (
                "echo 'a; b' ; gunicorn -b :8000 'app:create()'",
                Some("echo 'a; b' ; exec gunicorn -b :8000 'app:create()'"),
            ),
            (
                "./run >/proc/1/fd/1 2>&1",
                Some("exec ./run >/proc/1/fd/1 2>&1"),
            ),
            ("./serve;", Some("exec ./serve;")),
            ("cd /app; python app.py; sleep 5", None),
            ("./app; tail -f /dev/null", None),
            ("nginx -g 'daemon off;' | tee log", None),
            ("./app &", None),
            ("./setup; wait", None),
            ("FOO=bar ./app", None),
            ("if true; then ./app; fi", None),
            ("(./app)", None),
            ("{ ./a; ./b; }", None),
            ("./app $(cat /args)", None),
            ("./app \"$(cat /args)\"", None),
            ("./app # comment", None),
            ("cat <<EOF\nx\nEOF", None),
            ("./app 'unclosed", None),
            ("trap 'kill 0' TERM; ./app", None),
            ("", None),
        ] {
            assert_eq!(exec_last(script).as_deref(), want, "{script:?}");
        }
    }

    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exec_sleep_forms() {
        assert_eq!(exec_sleep(&v(&["sleep", "10"])).unwrap().seconds, 10);
        let s = exec_sleep(&v(&["/bin/sh", "-c", "sleep 300"])).unwrap();
        assert_eq!((s.seconds, s.pure, s.at_least), (300, true, false));
        let s = exec_sleep(&v(&[
            "/bin/sh",
            "-c",
            "sleep 5; nginx -s quit; while kill -0 1; do sleep 1; done",
        ]))
        .unwrap();
        assert_eq!((s.seconds, s.pure, s.at_least), (5, false, true));
        assert_eq!(
            exec_sleep(&v(&["sh", "-ec", "sleep 1m"])).unwrap().seconds,
            60
        );
        assert!(exec_sleep(&v(&["/app/drain"])).is_none());
    }

    #[test]
    fn shell_detection() {
        let alpine = Some("alpine:3.20");
        assert!(shell_pid1(&v(&["/bin/sh", "/app/start.sh"]), None).is_some());
        assert!(shell_pid1(&v(&["bash", "-c", "java -jar app.jar"]), None).is_none());
        assert!(shell_pid1(&v(&["sh", "-c", "exec java -jar app.jar"]), None).is_none());
        assert!(shell_pid1(&v(&["sh", "-c", "cd /app && exec node server.js"]), None).is_none());
        // `exec >/dev/null` only redirects; busybox ash then execs the last command.
        assert!(shell_pid1(&v(&["sh", "-c", "exec >/dev/null; java -jar a"]), alpine).is_none());
        assert!(shell_pid1(&v(&["sh", "-c", "java -jar a & wait"]), alpine).is_some());
        assert!(shell_pid1(&v(&["sh", "-c", "grep 'a|b' x.txt"]), alpine).is_none());
        assert!(shell_pid1(&v(&["zsh", "-c", "java -jar a"]), None).is_some());
        assert!(shell_pid1(&v(&["/usr/bin/env", "bash", "/start.sh"]), None).is_some());
        assert!(shell_pid1(&v(&["java", "-jar", "a.jar"]), None).is_none());
        assert!(shell_pid1(&v(&["tini", "--", "sh", "/start.sh"]), None).is_none());
        // `--` ends bash's options: the script after it is what runs.
        let list = v(&[
            "/bin/bash",
            "-c",
            "--",
            "cd /app && python app.py > /proc/1/fd/1",
        ]);
        assert!(shell_pid1(&list, None).is_some());
        assert!(shell_pid1(&v(&["/bin/bash", "-c", "--", "exec python app.py"]), None).is_none());
    }

    #[test]
    fn image_repos() {
        assert_eq!(
            image_repo("registry:5000/a/nginx:1.2"),
            "registry:5000/a/nginx"
        );
        assert_eq!(image_repo("nginx@sha256:abc"), "nginx");
        assert!(official_nginx(&image_repo("docker.io/library/nginx:1.27")));
        assert!(!official_nginx(&image_repo("bitnami/nginx:1.27")));
    }
}
