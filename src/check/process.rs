//! The process model: what the container really runs as its main process and whether SIGTERM
//! reaches the app and is waited for. Shells as PID 1 are `shutdown.rs`'s
//! `shell-pid1-drops-sigterm`; this module covers package managers as the main process.
//!
//! The kubelet's stop signal goes to the container's main process (PID 1 of the container, or,
//! with `shareProcessNamespace: true`, the container's first process while `pause` is PID 1); the
//! container ends when that process exits, and every process left in it is killed.

use super::containers::SidecarKind;
use super::index::Ctx;
use super::model::{Container, Finding, Workload};
use super::shutdown::basename;

/// Init wrappers that run one child and exit when it exits (tini, dumb-init, catatonit,
/// s6's `s6-svscan` aside): they forward SIGTERM but cannot outlive the child.
fn is_init_wrapper(word: &str) -> bool {
    matches!(
        basename(word),
        "tini" | "tini-static" | "dumb-init" | "catatonit"
    )
}

/// The package manager that runs a script as the main process, and the script command shown in
/// messages (`npm start`, `yarn serve`, `pnpm run start`).
fn package_manager(argv: &[String]) -> Option<(&'static str, String)> {
    let mut i = 0;
    while argv.get(i).is_some_and(|a| is_init_wrapper(a)) {
        i += 1;
        // The wrapper's own options, up to `--` or the first non-option.
        while argv.get(i).is_some_and(|a| a.starts_with('-')) {
            let stop = argv[i] == "--";
            i += 1;
            if stop {
                break;
            }
        }
    }
    let rest = &argv[i.min(argv.len())..];
    let pm = match basename(rest.first()?) {
        "npm" => "npm",
        "yarn" => "yarn",
        "pnpm" => "pnpm",
        _ => return None,
    };
    let sub = rest.get(1).map(String::as_str).unwrap_or("");
    let runs_script = match pm {
        "npm" => matches!(sub, "start" | "run" | "run-script" | "restart"),
        _ => {
            !sub.is_empty()
                && !sub.starts_with('-')
                && !matches!(sub, "install" | "add" | "ci" | "remove" | "upgrade")
        }
    };
    if !runs_script {
        return None;
    }
    let shown: Vec<&str> = rest.iter().take(3).map(String::as_str).collect();
    Some((pm, shown.join(" ")))
}

fn consequence(pm: &str) -> &'static str {
    match pm {
        // npm/run-script#237 (npm 7+), paketo-buildpacks/nodejs#37.
        "npm" | "pnpm" => {
            "passes SIGTERM only to the shell that runs the script and exits as soon as that shell does"
        }
        // yarnpkg/yarn#4667 (yarn 1), yarnpkg/berry#5158 (yarn 2+).
        _ => "passes SIGTERM on but exits at once without waiting for the script",
    }
}

/// Runs the process-model rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for w in ctx.workloads {
        for c in w.long_running() {
            if super::containers::sidecar_kind(c) == Some(SidecarKind::Envoy) {
                continue;
            }
            check_package_manager(ctx, w, c, out);
        }
    }
}

fn check_package_manager(
    ctx: &Ctx<'_>,
    w: &Workload<'_>,
    c: &Container<'_>,
    out: &mut Vec<Finding>,
) {
    // With only `args`, the image's entrypoint runs them; the usual ones (docker-entrypoint.sh
    // of the node images) exec them, so the package manager is the main process all the same.
    let argv = c.argv();
    let Some((pm, shown)) = package_manager(&argv) else {
        return;
    };
    let field = if c.command.is_empty() {
        "args"
    } else {
        "command"
    };
    out.push(
        ctx.finding("package-manager-pid1", w.idx)
            .container(c.name)
            .at(ctx.container_line(w, c, &[field]))
            .message(format!(
                "container '{}' runs '{shown}' as its main process; {pm} {}, so the container stops before the app finishes its graceful shutdown and in-flight requests are cut; run the app directly (command: [\"node\", \"server.js\"])",
                c.name,
                consequence(pm)
            )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn package_managers() {
        assert_eq!(
            package_manager(&v(&["npm", "start"])).unwrap().1,
            "npm start"
        );
        assert_eq!(
            package_manager(&v(&["/usr/bin/dumb-init", "--", "npm", "run", "serve"]))
                .unwrap()
                .1,
            "npm run serve"
        );
        assert_eq!(
            package_manager(&v(&["tini", "-g", "--", "yarn", "start"])).unwrap(),
            ("yarn", "yarn start".to_string())
        );
        assert!(package_manager(&v(&["npm", "ci"])).is_none());
        assert!(package_manager(&v(&["yarn", "install"])).is_none());
        assert!(package_manager(&v(&["node", "server.js"])).is_none());
        assert!(package_manager(&v(&["yarn"])).is_none());
    }
}
