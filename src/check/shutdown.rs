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
                return argv.get(i + 1).map(String::as_str);
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

/// Why a shell as PID 1 would not forward SIGTERM; `None` when the command is safe.
fn shell_pid1(argv: &[String]) -> Option<String> {
    let mut i = 0;
    if argv.first().is_some_and(|a| basename(a) == "env") {
        i = 1;
        while argv
            .get(i)
            .is_some_and(|a| a.starts_with('-') || a.contains('='))
        {
            i += 1;
        }
    }
    let rest = &argv[i.min(argv.len())..];
    let first = rest.first()?;
    if !is_shell(first) {
        return None;
    }
    if let Some(script) = dash_c_script(rest) {
        let handles = statements(script).iter().any(|st| {
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
    }
    Some(shorten(&argv.join(" "), 80))
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

/// Official nginx images that set `STOPSIGNAL SIGQUIT`.
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
            if let Some(cmd) = shell_pid1(&c.argv()) {
                if !c.command.is_empty() {
                    out.push(
                        ctx.finding("shell-pid1-drops-sigterm", w.idx)
                            .container(c.name)
                            .at(ctx.container_line(w, c, &["command"]))
                            .message(format!(
                                "container '{}' runs '{cmd}' as PID 1; a shell without a SIGTERM trap ignores the signal, so the app is SIGKILLed after the grace period; use the exec form or end the script with 'exec'",
                                c.name
                            )),
                    );
                }
            }
            if runs_nginx(c) && !graceful_quit(c, &pre) {
                let official = c.image.is_some_and(|i| official_nginx(&image_repo(i)));
                let mut f = ctx
                    .finding("nginx-fast-shutdown", w.idx)
                    .container(c.name)
                    .at(ctx.container_line(w, c, &[]))
                    .message(format!(
                        "container '{}' runs nginx, which treats SIGTERM as a fast shutdown and drops open connections; add a preStop that runs 'nginx -s quit' and waits, or use an image with STOPSIGNAL SIGQUIT",
                        c.name
                    ));
                if official {
                    f = f.severity(Severity::Info).message(format!(
                        "container '{}' runs nginx, which treats SIGTERM as a fast shutdown; the official image '{}' sets STOPSIGNAL SIGQUIT (graceful), so this relies on the image; make it explicit with a preStop that runs 'nginx -s quit' and waits",
                        c.name,
                        c.image.unwrap_or_default()
                    ));
                }
                out.push(f);
            }
        }
    }
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
        out.push(
            ctx.finding("prestop-missing", w.idx)
                .container(c.name)
                .at(ctx.container_line(w, c, &[]))
                .message(format!(
                    "container '{}' of {} serves {} but has no preStop delay; it stops listening before load balancers and kube-proxy drop it, so requests fail on every rollout and drain",
                    c.name,
                    w.obj.display(),
                    services_phrase(svcs)
                )),
        );
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
        assert!(shell_pid1(&v(&["/bin/sh", "/app/start.sh"])).is_some());
        assert!(shell_pid1(&v(&["bash", "-c", "java -jar app.jar"])).is_some());
        assert!(shell_pid1(&v(&["sh", "-c", "exec java -jar app.jar"])).is_none());
        assert!(shell_pid1(&v(&["sh", "-c", "cd /app && exec node server.js"])).is_none());
        assert!(shell_pid1(&v(&["sh", "-c", "exec >/dev/null; java -jar a"])).is_some());
        assert!(shell_pid1(&v(&["/usr/bin/env", "bash", "/start.sh"])).is_some());
        assert!(shell_pid1(&v(&["java", "-jar", "a.jar"])).is_none());
        assert!(shell_pid1(&v(&["tini", "--", "sh", "/start.sh"])).is_none());
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
