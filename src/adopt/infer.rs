//! Manifests -> Spec: the direct fields are copied, the answers the policy spreads over many
//! fields (preset, runtime, traffic, cost, exposure) are found by planning every candidate and
//! scoring its plan against the input ([`score`]); the one with the lowest score wins, the
//! earlier candidate on a tie (generic before the other presets, the preset's own runtime first).
//!
//! Inverse formulas (of `policy::probes` and `policy::shutdown`):
//! - with a startupProbe: `startupSeconds` = its `initialDelaySeconds` (at least 1),
//!   `maxStartupSeconds` = `failureThreshold x periodSeconds` (the budget after the first check);
//! - without one: `startupSeconds` = the readiness (else liveness) `initialDelaySeconds`,
//!   `maxStartupSeconds` = the liveness `initialDelaySeconds + failureThreshold x periodSeconds`
//!   (the time a starting pod already had before liveness could kill it);
//! - `drainSeconds` = `terminationGracePeriodSeconds` (30 when absent, the API default) - the
//!   preStop sleep - the 5 s margin (workers: no preStop), at least 1.

use std::collections::BTreeMap;

use clap::ValueEnum;
use serde_json::Value;

use super::{string_map, App, Options};
use crate::check::manifests::Manifest;
use crate::config::{EnvFromSpec, EnvVarSpec, KeyRef, MountSpec, TolerationSpec};
use crate::error::Error;
use crate::plan::{Plan, PreStop};
use crate::preset::Preset;
use crate::route::{
    GatewayRef, LoadBalancer, LoadBalancerProfile, LoadBalancerScheme, Route, RouteKind,
};
use crate::runtime::Runtime;
use crate::spec::{
    Cost, Exposure, HealthCheck, Linter, Resources, Spec, Traffic, DEFAULT_KUBE_VERSION,
};

/// Why a field of the input is not in the spec, by the path the report uses
/// (`spec.template.spec.containers[web].env[POD_IP]`); the report lists every field under it.
pub type Notes = Vec<(String, String)>;

/// The API default of `terminationGracePeriodSeconds`.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Labels zerodown sets itself on every pod (they are not `podLabels`).
const OWN_LABELS: [&str; 6] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/version",
];

/// What the input says, in the terms the candidates are scored on.
#[derive(Debug, Default)]
struct Observed {
    min_replicas: u32,
    max_replicas: Option<u32>,
    cpu_target: Option<u32>,
    up_window: Option<u32>,
    down_window: Option<u32>,
    hard_anti_affinity: bool,
    pre_stop: Option<PreStop>,
    env: BTreeMap<String, String>,
    liveness_timeout: Option<i64>,
    has_route: bool,
    load_balancer: Option<LoadBalancer>,
    keda: bool,
}

/// Infers the spec of `app`. Returns it validated, with its preset and the notes on what it
/// could not say.
pub fn infer(
    app: &App<'_>,
    options: &Options,
    warnings: &mut Vec<String>,
) -> Result<(Spec, Preset, Notes), Error> {
    let dep = app
        .deployment
        .ok_or_else(|| Error::Internal("no Deployment".into()))?;
    let d = &dep.value;
    let pod = d.pointer("/spec/template/spec").unwrap_or(&Value::Null);
    let containers: Vec<&Value> = pod
        .get("containers")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let Some(main) = containers
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(dep.name.as_str()))
        .or(containers.first())
        .copied()
    else {
        return Err(Error::Usage {
            message: format!(
                "{}: `spec.template.spec.containers` is empty; there is no app container to adopt",
                dep.display()
            ),
            help: None,
        });
    };
    let cname = main
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("app")
        .to_string();
    let cpath = format!("spec.template.spec.containers[{cname}]");
    let mut notes: Notes = Vec::new();
    for c in &containers {
        let n = c.get("name").and_then(Value::as_str).unwrap_or("");
        if n != cname {
            notes.push((
                format!("spec.template.spec.containers[{n}]"),
                format!("a second container ({n}): the spec describes one app container; add the sidecar in the bundle's custom/ layer"),
            ));
        }
    }
    notes.push((
        "spec.template.spec.initContainers".into(),
        "init containers: the spec has none; add them in the bundle's custom/ layer".into(),
    ));

    // The port the Service sends to (by name or number), else the first container port.
    let ports: Vec<(Option<String>, i64)> = main
        .get("ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name").and_then(Value::as_str).map(str::to_string),
                p.get("containerPort").and_then(int)?,
            ))
        })
        .collect();
    let service_target = app.services.first().and_then(|s| {
        let t = s
            .value
            .pointer("/spec/ports/0/targetPort")
            .or(s.value.pointer("/spec/ports/0/port"))?;
        match t {
            Value::String(name) => ports
                .iter()
                .find(|(n, _)| n.as_deref() == Some(name))
                .map(|p| p.1),
            other => int(other),
        }
    });
    let port = service_target
        .or(ports.first().map(|p| p.1))
        .and_then(|p| u16::try_from(p).ok());

    let readiness = main.get("readinessProbe");
    let liveness = main.get("livenessProbe");
    let startup = main.get("startupProbe");
    let worker = port.is_none() && app.services.is_empty();

    let mut obs = observe(app, main, pod);
    let presets: Vec<Preset> = {
        let mut all = Preset::all_builtin();
        all.sort_by_key(|p| p.name != "generic");
        all.into_iter()
            .filter(|p| p.app_type.is_worker() == worker)
            .collect()
    };
    let base_preset = presets
        .first()
        .cloned()
        .ok_or_else(|| Error::Internal("no preset".into()))?;

    let namespace = match (&options.namespace, dep.namespace.as_str()) {
        (Some(ns), _) => ns.clone(),
        (None, "default") => {
            warnings.push(format!(
                "{} has no namespace (or `default`, which a bundle may not use): the spec uses namespace {:?}; pass --namespace to choose another, and move the app with care (a new namespace is a new Deployment, not an upgrade)",
                dep.display(), dep.name
            ));
            dep.name.clone()
        }
        (None, ns) => ns.to_string(),
    };
    let mut image = main
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let main_name = main.get("name").and_then(Value::as_str).unwrap_or("");
    let mut used = vec![false; options.choices.len()];
    let mut chosen = |rule: &str, image: &str| {
        let (i, c) = crate::check::choose_for(
            &options.choices,
            rule,
            &dep.name,
            Some(main_name),
            Some(image),
        )?;
        used[i] = true;
        Some(c.value.clone())
    };
    if let Some(crate::check::ChoiceValue::Image(pinned)) = chosen("image-tag-mutable", &image) {
        notes.push((
            format!("{cpath}.image"),
            format!("image {image} is pinned to {pinned} (--choose)"),
        ));
        image = pinned.clone();
    }
    let allow_mutable_tag = crate::image::ImageRef::parse(&image).is_ok_and(|r| r.is_mutable());

    let mut spec = base_spec(&base_preset, &dep.name, &namespace, &image);
    spec.allow_mutable_tag = allow_mutable_tag;
    spec.port = if worker {
        None
    } else {
        port.or(base_preset.port)
    };

    // Probes: handlers, then the startup budget.
    let handler = |p: Option<&Value>, what: &str, notes: &mut Notes| -> Option<HealthCheck> {
        let p = p?;
        if let Some(path) = p.pointer("/httpGet/path").and_then(Value::as_str) {
            Some(HealthCheck::HttpGet {
                path: path.to_string(),
            })
        } else if let Some(cmd) = p.pointer("/exec/command").and_then(Value::as_array) {
            Some(HealthCheck::Exec {
                command: cmd
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            })
        } else if p.get("tcpSocket").is_some() {
            Some(HealthCheck::TcpSocket {})
        } else {
            notes.push((
                format!("{cpath}.{what}"),
                format!("{what}: only httpGet, exec and tcpSocket handlers can be said in the spec (gRPC probes are not)"),
            ));
            None
        }
    };
    let r = handler(readiness, "readinessProbe", &mut notes);
    let l = handler(liveness, "livenessProbe", &mut notes);
    let fallback = |h: &HealthCheck| match h {
        HealthCheck::TcpSocket {} if !worker => None,
        _ if !worker => Some(HealthCheck::TcpSocket {}),
        _ => None,
    };
    match (r, l) {
        (Some(r), Some(l)) if r == l => {
            warnings.push(format!(
                "readiness and liveness both run `{r}`: the spec keeps them apart (a shared check restarts pods that are only overloaded), so liveness becomes a TCP connect; give it its own endpoint"
            ));
            spec.liveness = fallback(&r).unwrap_or(spec.liveness.clone());
            spec.readiness = r;
        }
        (Some(r), Some(l)) => {
            spec.readiness = r;
            spec.liveness = l;
        }
        (Some(r), None) => {
            warnings.push(format!("no livenessProbe: the bundle adds one; it uses {}", fallback(&r).as_ref().unwrap_or(&spec.liveness)));
            spec.liveness = fallback(&r).unwrap_or(spec.liveness.clone());
            spec.readiness = r;
        }
        (None, Some(l)) => {
            warnings.push(format!("no readinessProbe: the bundle adds one running the liveness check `{l}` and moves liveness to a TCP connect; give readiness its own endpoint"));
            spec.liveness = fallback(&l).unwrap_or(spec.liveness.clone());
            spec.readiness = l;
        }
        (None, None) => warnings.push(format!(
            "no readiness or liveness probe: the spec uses the preset's ({} / {}); make sure the app answers them",
            spec.readiness, spec.liveness
        )),
    }
    if spec.readiness == spec.liveness {
        spec.liveness = fallback(&spec.readiness).unwrap_or(spec.liveness.clone());
    }
    let probe_int = |p: Option<&Value>, k: &str| p.and_then(|p| p.get(k)).and_then(int);
    let (typical, worst) = if let Some(s) = startup {
        let delay = probe_int(Some(s), "initialDelaySeconds").unwrap_or(0);
        let budget = probe_int(Some(s), "failureThreshold").unwrap_or(3)
            * probe_int(Some(s), "periodSeconds").unwrap_or(10);
        let typical = if delay > 0 {
            delay
        } else {
            i64::from(base_preset.startup_seconds).min(budget)
        };
        (typical, budget)
    } else {
        let delay = probe_int(readiness, "initialDelaySeconds")
            .filter(|d| *d > 0)
            .or(probe_int(liveness, "initialDelaySeconds").filter(|d| *d > 0));
        let budget = liveness.map(|l| {
            probe_int(Some(l), "initialDelaySeconds").unwrap_or(0)
                + probe_int(Some(l), "failureThreshold").unwrap_or(3)
                    * probe_int(Some(l), "periodSeconds").unwrap_or(10)
        });
        let typical = delay.unwrap_or(i64::from(base_preset.startup_seconds));
        (
            typical,
            budget
                .unwrap_or(i64::from(base_preset.max_startup_seconds))
                .max(typical),
        )
    };
    let clamp = |v: i64| v.clamp(1, i64::from(crate::spec::MAX_STARTUP_SECONDS)) as u32;
    spec.startup_seconds = clamp(typical);
    spec.max_startup_seconds = clamp(worst).max(spec.startup_seconds);

    // Shutdown: drain = grace - preStop - margin.
    let grace = pod
        .get("terminationGracePeriodSeconds")
        .and_then(int)
        .unwrap_or(DEFAULT_GRACE_SECONDS);
    let pre = obs.pre_stop.as_ref().map_or(0, |p| i64::from(p.seconds()));
    let drain = grace - pre - i64::from(crate::policy::shutdown::GRACE_MARGIN_SECONDS);
    if drain < 1 {
        warnings.push(format!(
            "terminationGracePeriodSeconds {grace} leaves no time to drain after the preStop {pre}s and the 5s margin: drainSeconds is 1; the bundle raises the grace period to cover preStop + drain + margin"
        ));
    }
    spec.drain_seconds = drain.clamp(1, i64::from(crate::spec::MAX_DRAIN_SECONDS)) as u32;

    // Resources.
    spec.resources = resources(main, &base_preset.resources, warnings);

    // Security.
    let input_uid = main
        .pointer("/securityContext/runAsUser")
        .or(pod.pointer("/securityContext/runAsUser"))
        .and_then(int)
        .and_then(|u| u32::try_from(u).ok());
    if let Some(uid) = input_uid {
        spec.run_as_user = uid;
    }
    // The bundle's root filesystem is read-only; an input that ran with a writable one wrote
    // wherever its image needed (nginx: /var/cache/nginx, /var/run).
    let input_read_only_root = main
        .pointer("/securityContext/readOnlyRootFilesystem")
        .and_then(Value::as_bool)
        == Some(true);
    let volumes: Vec<&Value> = pod
        .get("volumes")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let volume = |name: &str| {
        volumes
            .iter()
            .find(|v| v.get("name").and_then(Value::as_str) == Some(name))
            .copied()
    };
    spec.writable_dirs.clear();
    for m in main
        .get("volumeMounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(vname), Some(path)) = (
            m.get("name").and_then(Value::as_str),
            m.get("mountPath").and_then(Value::as_str),
        ) else {
            continue;
        };
        let vpath = format!("spec.template.spec.volumes[{vname}]");
        let mpath = format!("{cpath}.volumeMounts[{vname}]");
        if m.get("subPath").is_some() || m.get("subPathExpr").is_some() {
            notes.push((
                format!("{mpath}.subPath"),
                "subPath mounts: the spec mounts whole volumes (use `items` to pick keys)".into(),
            ));
        }
        let Some(v) = volume(vname) else { continue };
        let items = |src: &Value| -> BTreeMap<String, String> {
            src.get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    Some((
                        i.get("key")?.as_str()?.to_string(),
                        i.get("path")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        };
        let optional = |src: &Value| {
            src.get("optional")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if v.get("emptyDir").is_some() {
            if path != "/tmp" {
                spec.writable_dirs.push(path.to_string());
            }
        } else if let Some(cm) = v.get("configMap") {
            spec.mounts.push(MountSpec {
                path: path.to_string(),
                config_map: cm.get("name").and_then(Value::as_str).map(str::to_string),
                secret: None,
                items: items(cm),
                optional: optional(cm),
            });
        } else if let Some(sec) = v.get("secret") {
            spec.mounts.push(MountSpec {
                path: path.to_string(),
                config_map: None,
                secret: sec
                    .get("secretName")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                items: items(sec),
                optional: optional(sec),
            });
        } else {
            notes.push((vpath, format!("volume {vname}: the spec mounts only ConfigMaps, Secrets and writable emptyDirs; PersistentVolumeClaims, projected and host volumes stay out (a Deployment with a volume of state is rarely a zero-downtime candidate)")));
        }
    }

    // Configuration.
    for e in main
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = e.get("name").and_then(Value::as_str) else {
            continue;
        };
        let key_ref = |r: &Value| -> Option<KeyRef> {
            Some(KeyRef {
                name: r.get("name")?.as_str()?.to_string(),
                key: r.get("key")?.as_str()?.to_string(),
                optional: r.get("optional").and_then(Value::as_bool).unwrap_or(false),
            })
        };
        let mut var = EnvVarSpec {
            name: name.to_string(),
            value: None,
            secret_key_ref: None,
            config_map_key_ref: None,
        };
        if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
            var.secret_key_ref = key_ref(r);
        } else if let Some(r) = e.pointer("/valueFrom/configMapKeyRef") {
            var.config_map_key_ref = key_ref(r);
        } else if e.get("valueFrom").is_some() {
            notes.push((format!("{cpath}.env[{name}]"), format!("env {name} from the downward API (fieldRef/resourceFieldRef): the spec has only values and Secret/ConfigMap keys; add it in the custom/ layer")));
            continue;
        } else {
            var.value = Some(e.get("value").map(scalar).unwrap_or_default());
        }
        spec.env.push(var);
    }
    for e in main
        .get("envFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = |k: &str| {
            e.pointer(&format!("/{k}/name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let optional = ["secretRef", "configMapRef"].iter().any(|k| {
            e.pointer(&format!("/{k}/optional"))
                .and_then(Value::as_bool)
                == Some(true)
        });
        spec.env_from.push(EnvFromSpec {
            secret_ref: name("secretRef"),
            config_map_ref: name("configMapRef"),
            prefix: e.get("prefix").and_then(Value::as_str).map(str::to_string),
            optional,
        });
    }
    spec.command = strings(main.get("command"));
    spec.args = strings(main.get("args"));
    let argv: Vec<String> = spec.command.iter().chain(&spec.args).cloned().collect();
    // Any shell as PID 1 that `check` would mention (at info too, e.g. bash before 5.1): the
    // decidable exec first; a wrapper that drops SIGTERM needs the team's answer.
    let flagged = crate::check::shell_wrapper_pid1(&spec.command, &spec.args);
    if flagged.is_some() || crate::check::shell_may_stay_pid1(&spec.command, &spec.args) {
        if let Some((command, args)) = crate::check::exec_form_fix(&spec.command, &spec.args) {
            for field in ["command", "args"] {
                notes.push((
                    format!("{cpath}.{field}"),
                    format!("'exec' before the last command of the -c script: the shell replaces itself with the app, which then receives SIGTERM (was: {})", argv.join(" ")),
                ));
            }
            spec.command = command;
            spec.args = args;
        } else if let Some(crate::check::ChoiceValue::Command(words)) =
            chosen("shell-pid1-drops-sigterm", &image)
        {
            notes.push((
                format!("{cpath}.command"),
                format!(
                    "the app's own command {} replaces the shell wrapper {} (--choose)",
                    words.join(" "),
                    argv.join(" ")
                ),
            ));
            spec.command = words;
            spec.args = vec![];
        } else if options.command_execs {
            spec.command_execs = true;
        } else if let Some(why) = flagged {
            return Err(Error::Usage {
                message: format!(
                    "{cpath}.command: container '{main_name}' {why}; the bundle would drop SIGTERM too, so nothing was written"
                ),
                help: Some("pass the app's own command in exec form, --choose 'shell-pid1-drops-sigterm=java -jar /app/app.jar', or --command-execs if the script ends with `exec` (or runs the app under tini)".into()),
            });
        }
    }
    if let Some(c) = options
        .choices
        .iter()
        .zip(&used)
        .find(|(_, u)| !**u)
        .map(|(c, _)| c)
    {
        return Err(Error::Usage {
            message: format!(
                "--choose '{}' answered nothing in {}; nothing was written",
                c.given,
                dep.display()
            ),
            help: Some("adopt takes image-tag-mutable=IMAGE (same repository as the Deployment's image) and shell-pid1-drops-sigterm='APP ARGS' (when its command is a shell wrapper); check the workload and container names after '@'".into()),
        });
    }
    spec.image_pull_secrets = pod
        .get("imagePullSecrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    if let Some(sa) = app.service_account {
        spec.service_account_annotations = string_map(sa.value.pointer("/metadata/annotations"));
    }
    spec.node_selector = string_map(pod.get("nodeSelector"));
    for t in pod
        .get("tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match serde_json::from_value::<TolerationSpec>(t.clone()) {
            Ok(t) => spec.tolerations.push(t),
            Err(e) => notes.push((
                "spec.template.spec.tolerations".into(),
                format!("a toleration the spec cannot say: {e}"),
            )),
        }
    }
    spec.priority_class_name = pod
        .get("priorityClassName")
        .and_then(Value::as_str)
        .map(str::to_string);
    spec.namespace_object = app.namespace.is_some();
    let labels = string_map(d.pointer("/metadata/labels"));
    spec.part_of = labels
        .get("app.kubernetes.io/part-of")
        .cloned()
        .filter(|p| crate::spec::check_label_value(p).is_ok() && !p.is_empty())
        .unwrap_or_else(|| dep.name.clone());
    spec.lint_annotations = linters(dep);

    // Route in, load balancer, NetworkPolicy.
    spec.route = route(app, &mut notes);
    if spec.route.is_none() {
        // An Ingress the spec cannot say neither asks for a route nor names the ALB.
        obs.has_route = false;
        obs.load_balancer = obs
            .load_balancer
            .filter(|l| l.profile != LoadBalancerProfile::AwsAlb);
    }
    spec.load_balancer = obs.load_balancer;
    if let Some(np) = app.network_policies.first() {
        let peers: Vec<&Value> = np
            .value
            .pointer("/spec/ingress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|r| {
                r.get("from")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .collect();
        spec.network_policy.allow_cidrs = peers
            .iter()
            .filter_map(|p| {
                p.pointer("/ipBlock/cidr")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
    }

    // Scaling on work.
    if let Some(so) = app.scaled_object {
        match keda(so) {
            Ok(k) => spec.scaling = Some(crate::keda::Scaling { keda: k }),
            Err(e) => {
                obs.keda = false;
                notes.push(("spec.triggers".into(), format!("the ScaledObject's triggers cannot be said in the spec ({e}); the bundle scales on CPU with an HPA instead")));
            }
        }
    }

    // Search the answers the policy spreads over many fields.
    let mut best: Option<(i64, Spec, Preset)> = None;
    // The nginx preset's preStop runs `nginx -s quit` and waits for PID 1: in an image without
    // nginx it fails and every pod waits out its grace period. Only an nginx image or command
    // makes it a candidate.
    let image_name = image.rsplit('/').next().unwrap_or("");
    let nginx_image = image_name.contains("nginx");
    let nginx_evidence = nginx_image
        || image_name.contains("openresty")
        || spec
            .command
            .first()
            .map(|c| c.rsplit('/').next().unwrap_or(c))
            .is_some_and(|c| c == "nginx" || c == "openresty");
    for preset in &presets {
        if preset.app_type == crate::spec::AppType::Nginx && !nginx_evidence {
            continue;
        }
        let mut runtimes: Vec<Option<Runtime>> = vec![None];
        runtimes.extend(
            Runtime::value_variants()
                .iter()
                .copied()
                .filter(|r| r.fits(preset.app_type) && Some(*r) != preset.runtime)
                .map(Some),
        );
        for runtime in runtimes {
            for traffic in Traffic::value_variants() {
                for cost in Cost::value_variants() {
                    for exposure in Exposure::value_variants() {
                        if worker && *exposure != Exposure::Internal {
                            continue;
                        }
                        let mut s = spec.clone();
                        // The input's env would replace the tuned vars the candidate is scored on.
                        s.env.clear();
                        s.preset = preset.name.clone();
                        s.app_type = preset.app_type;
                        s.runtime = runtime;
                        s.traffic = *traffic;
                        s.cost = *cost;
                        s.exposure = *exposure;
                        if s.exposure != Exposure::LoadBalancer {
                            s.load_balancer = None;
                        }
                        if s.app_type == crate::spec::AppType::Nginx {
                            // nginx images have a shell unless the input's preStop could only sleep.
                            s.image_has_shell =
                                !matches!(obs.pre_stop, Some(PreStop::Sleep { .. }));
                        } else {
                            s.image_has_shell = preset.image_has_shell;
                        }
                        let plan = crate::policy::plan(&s, preset);
                        // Ties go to the preset's own traffic, cost and exposure.
                        let hint = if nginx_image && preset.app_type == crate::spec::AppType::Nginx
                        {
                            -4
                        } else {
                            0
                        };
                        let sc = (score(&s, preset, &plan, &obs) + hint) * 8
                            + i64::from(s.traffic != preset.traffic)
                            + i64::from(s.cost != preset.cost)
                            + i64::from(s.exposure != preset.exposure);
                        if best.as_ref().is_none_or(|b| sc < b.0) {
                            s.env = spec.env.clone();
                            best = Some((sc, s, preset.clone()));
                        }
                    }
                }
            }
        }
    }
    let (_, mut spec, preset) = best.ok_or_else(|| Error::Internal("no candidate".into()))?;
    // What the input did not say is the chosen preset's, not the generic base's: its user (the
    // nginx images' own 101, not 10001) and, for an input with a writable root filesystem, the
    // folders its image writes to (without them the pods crash-loop on a read-only root).
    if input_uid.is_none() {
        spec.run_as_user = preset.run_as_user;
    }
    if !input_read_only_root {
        for dir in &preset.writable_dirs {
            if !spec.writable_dirs.contains(dir) {
                spec.writable_dirs.push(dir.clone());
            }
        }
    }

    // Say nothing the renderer already says: the tuned env vars, its own pod labels and
    // annotations, a KEDA maximum or an ingress class equal to the default.
    let plain = {
        let mut s = spec.clone();
        s.env.clear();
        s.pod_labels.clear();
        s.pod_annotations.clear();
        crate::policy::plan(&s, &preset)
    };
    let tuned: Vec<(String, String)> = plain
        .env
        .iter()
        .map(|e| (e.value.name.clone(), e.value.value.clone()))
        .collect();
    spec.env.retain(|e| {
        !(e.secret_key_ref.is_none()
            && e.config_map_key_ref.is_none()
            && tuned
                .iter()
                .any(|(n, v)| *n == e.name && Some(v) == e.value.as_ref()))
    });
    let pod_labels = string_map(d.pointer("/spec/template/metadata/labels"));
    spec.pod_labels = pod_labels
        .into_iter()
        .filter(|(k, v)| !OWN_LABELS.contains(&k.as_str()) && plain.pod_labels.get(k) != Some(v))
        .collect();
    let rendered = crate::render::bundle(
        &{
            let mut s = spec.clone();
            s.pod_annotations.clear();
            s
        },
        &crate::policy::plan(&spec, &preset),
    )?;
    let rendered_pod_annotations = rendered
        .files
        .iter()
        .find(|f| f.path.ends_with("deployment.yaml"))
        .and_then(|f| serde_yaml_ng::from_str::<Value>(&f.contents).ok())
        .map(|v| string_map(v.pointer("/spec/template/metadata/annotations")))
        .unwrap_or_default();
    spec.pod_annotations = string_map(d.pointer("/spec/template/metadata/annotations"))
        .into_iter()
        .filter(|(k, v)| rendered_pod_annotations.get(k) != Some(v))
        .collect();
    // Answers equal to their default are left out when the bundle stays the same without them.
    let simpler: [fn(&mut Spec); 4] = [
        |s| {
            if let Some(k) = &mut s.scaling {
                k.keda.max_replica_count = None;
            }
        },
        |s| {
            if let Some(r) = &mut s.route {
                r.class_name = None;
            }
        },
        |s| {
            s.load_balancer = s
                .load_balancer
                .filter(|l| l.scheme.is_some() || l.profile != LoadBalancerProfile::Generic)
        },
        |s| s.network_policy = crate::route::NetworkPolicy::enabled(),
    ];
    // The objects, not the text: a reason comment may differ ("the class asked for").
    let manifests = |s: &Spec| -> Option<Vec<Value>> {
        let b = crate::render::bundle(s, &crate::policy::plan(s, &preset)).ok()?;
        let sources: Vec<crate::check::Source> = b
            .files
            .into_iter()
            .filter(|f| f.path.ends_with(".yaml") && f.path != "zerodown.yaml")
            .map(|f| crate::check::Source::new(f.path, f.contents))
            .collect();
        Some(
            crate::check::manifests::read_manifests(&sources)
                .0
                .into_iter()
                .map(|m| m.value)
                .collect(),
        )
    };
    let reference = manifests(&spec);
    for simplify in simpler {
        let mut s = spec.clone();
        simplify(&mut s);
        if s != spec && manifests(&s) == reference {
            spec = s;
        }
    }
    if obs
        .max_replicas
        .is_some_and(|m| m != plain.hpa.max_replicas.value)
        && spec.scaling.is_none()
    {
        warnings.push(format!(
            "the HPA's maxReplicas {} is not what traffic `{}` and cost `{}` give ({}): the spec has no maxReplicas answer; the bundle uses {}",
            obs.max_replicas.unwrap_or(0),
            crate::spec::enum_name(&spec.traffic),
            crate::spec::enum_name(&spec.cost),
            plain.hpa.max_replicas.value,
            plain.hpa.max_replicas.value
        ));
    }
    let mut w = Vec::new();
    let spec = spec
        .validated(&preset, &mut w)
        .map_err(|errs| Error::Usage {
            message: format!(
                "the spec inferred from {} does not validate:\n{errs}",
                dep.display()
            ),
            help: Some(
                "fix the named field in the input (or pass --namespace), then run adopt again"
                    .into(),
            ),
        })?;
    warnings.extend(w);
    Ok((spec, preset, notes))
}

/// A spec with the preset's defaults.
fn base_spec(p: &Preset, name: &str, namespace: &str, image: &str) -> Spec {
    Spec {
        name: name.to_string(),
        namespace: namespace.to_string(),
        preset: p.name.clone(),
        preset_file: None,
        app_type: p.app_type,
        image: image.to_string(),
        allow_mutable_tag: false,
        port: p.port,
        readiness: p.readiness.clone(),
        liveness: p.liveness.clone(),
        startup_seconds: p.startup_seconds,
        max_startup_seconds: p.max_startup_seconds,
        drain_seconds: p.drain_seconds,
        traffic: p.traffic,
        cost: p.cost,
        exposure: p.exposure,
        resources: p.resources,
        image_has_shell: p.image_has_shell,
        run_as_user: p.run_as_user,
        writable_dirs: p.writable_dirs.clone(),
        part_of: name.to_string(),
        kube_version: DEFAULT_KUBE_VERSION.to_string(),
        helm: false,
        overlays: vec![],
        registry_mirror: None,
        lint_annotations: vec![],
        env: vec![],
        env_from: vec![],
        mounts: vec![],
        command: vec![],
        args: vec![],
        command_execs: false,
        service_account_annotations: BTreeMap::new(),
        image_pull_secrets: vec![],
        pod_labels: BTreeMap::new(),
        pod_annotations: BTreeMap::new(),
        node_selector: BTreeMap::new(),
        tolerations: vec![],
        priority_class_name: None,
        namespace_object: false,
        route: None,
        load_balancer: None,
        network_policy: crate::route::NetworkPolicy::enabled(),
        runtime: None,
        scaling: None,
    }
}

/// What the candidates are scored on.
fn observe(app: &App<'_>, main: &Value, pod: &Value) -> Observed {
    let dep = &app.deployment.expect("selected").value;
    let mut o = Observed::default();
    let replicas = dep.pointer("/spec/replicas").and_then(int);
    if let Some(h) = app.hpa {
        let v = &h.value;
        o.min_replicas = v.pointer("/spec/minReplicas").and_then(int).unwrap_or(1) as u32;
        o.max_replicas = v
            .pointer("/spec/maxReplicas")
            .and_then(int)
            .map(|m| m as u32);
        o.cpu_target = v
            .pointer("/spec/metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|m| m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu"))
            .and_then(|m| m.pointer("/resource/target/averageUtilization"))
            .or(v.pointer("/spec/targetCPUUtilizationPercentage"))
            .and_then(int)
            .map(|t| t as u32);
        o.up_window = v
            .pointer("/spec/behavior/scaleUp/stabilizationWindowSeconds")
            .and_then(int)
            .map(|t| t as u32);
        o.down_window = v
            .pointer("/spec/behavior/scaleDown/stabilizationWindowSeconds")
            .and_then(int)
            .map(|t| t as u32);
    } else if let Some(so) = app.scaled_object {
        let v = &so.value;
        o.keda = true;
        o.min_replicas = v
            .pointer("/spec/minReplicaCount")
            .and_then(int)
            .unwrap_or(1) as u32;
        let b = "/spec/advanced/horizontalPodAutoscalerConfig/behavior";
        o.up_window = v
            .pointer(&format!("{b}/scaleUp/stabilizationWindowSeconds"))
            .and_then(int)
            .map(|t| t as u32);
        o.down_window = v
            .pointer(&format!("{b}/scaleDown/stabilizationWindowSeconds"))
            .and_then(int)
            .map(|t| t as u32);
    } else {
        o.min_replicas = replicas.unwrap_or(1).max(0) as u32;
    }
    o.hard_anti_affinity = pod
        .pointer("/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")
        .is_some();
    o.pre_stop = main.pointer("/lifecycle/preStop").and_then(|p| {
        if let Some(s) = p.pointer("/sleep/seconds").and_then(int) {
            return Some(PreStop::Sleep { seconds: s as u32 });
        }
        let cmd = strings(p.pointer("/exec/command"));
        if cmd.is_empty() {
            return None;
        }
        let secs = sleep_seconds(&cmd.join(" ")).unwrap_or(0);
        Some(PreStop::Exec {
            command: cmd,
            seconds: secs,
        })
    });
    o.env = main
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                e.get("name")?.as_str()?.to_string(),
                e.get("value").map(scalar)?,
            ))
        })
        .collect();
    o.liveness_timeout = main.pointer("/livenessProbe/timeoutSeconds").and_then(int);
    o.has_route = !app.ingresses.is_empty() || !app.http_routes.is_empty();
    let svc = app.services.first().map(|s| &s.value);
    let svc_ann = string_map(svc.and_then(|s| s.pointer("/metadata/annotations")));
    let ing_ann = string_map(
        app.ingresses
            .first()
            .and_then(|i| i.value.pointer("/metadata/annotations")),
    );
    let ing_class = app
        .ingresses
        .first()
        .and_then(|i| i.value.pointer("/spec/ingressClassName"))
        .and_then(Value::as_str);
    let scheme = |v: Option<&String>| match v.map(String::as_str) {
        Some("internet-facing") => Some(LoadBalancerScheme::InternetFacing),
        Some("internal") => Some(LoadBalancerScheme::Internal),
        _ => None,
    };
    o.load_balancer = if ing_class == Some("alb")
        || ing_ann
            .keys()
            .any(|k| k.starts_with("alb.ingress.kubernetes.io/"))
    {
        Some(LoadBalancer {
            profile: LoadBalancerProfile::AwsAlb,
            scheme: scheme(ing_ann.get("alb.ingress.kubernetes.io/scheme")),
        })
    } else if svc_ann.contains_key("service.beta.kubernetes.io/aws-load-balancer-type") {
        Some(LoadBalancer {
            profile: LoadBalancerProfile::AwsNlb,
            scheme: scheme(svc_ann.get("service.beta.kubernetes.io/aws-load-balancer-scheme")),
        })
    } else if svc_ann.contains_key("cloud.google.com/neg") {
        Some(LoadBalancer {
            profile: LoadBalancerProfile::GkeNeg,
            scheme: None,
        })
    } else if svc
        .and_then(|s| s.pointer("/spec/type"))
        .and_then(Value::as_str)
        == Some("LoadBalancer")
    {
        Some(LoadBalancer {
            profile: LoadBalancerProfile::Generic,
            scheme: None,
        })
    } else {
        None
    };
    o
}

/// The seconds of `sleep N` in a preStop command.
fn sleep_seconds(text: &str) -> Option<u32> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[0] == "sleep" || w[0].ends_with("/sleep"))
        .and_then(|w| w[1].parse().ok())
}

/// How far `plan` is from the input: lower is closer; 0 for the spec a zerodown bundle was
/// rendered from.
fn score(spec: &Spec, preset: &Preset, plan: &Plan, o: &Observed) -> i64 {
    let mut s = 0i64;
    let miss = |a: bool, w: i64| if a { 0 } else { w };
    s += miss(plan.hpa.min_replicas.value == o.min_replicas, 4);
    if !o.keda {
        s += o
            .max_replicas
            .map_or(0, |m| miss(plan.hpa.max_replicas.value == m, 4));
        s += o
            .cpu_target
            .map_or(0, |t| miss(plan.hpa.cpu_average_utilization.value == t, 3));
    }
    s += o.up_window.map_or(0, |t| {
        miss(plan.hpa.scale_up.value.stabilization_window_seconds == t, 1)
    });
    s += o.down_window.map_or(0, |t| {
        miss(
            plan.hpa.scale_down.value.stabilization_window_seconds == t,
            1,
        )
    });
    s += miss(
        plan.spread.hard_anti_affinity.value == o.hard_anti_affinity,
        3,
    );
    let pre = plan.shutdown.pre_stop.value.as_ref();
    s += match (pre, &o.pre_stop) {
        (Some(a), Some(b)) => {
            miss(a.seconds() == b.seconds(), 3)
                + miss(std::mem::discriminant(a) == std::mem::discriminant(b), 2)
                + miss(a == b, 1)
        }
        (None, None) => 0,
        _ => 3,
    };
    for e in &plan.env {
        s += if o.env.get(&e.value.name) == Some(&e.value.value) {
            -3
        } else {
            3
        };
    }
    s += o.liveness_timeout.map_or(0, |t| {
        miss(
            i64::from(plan.probes.liveness.value.timeout_seconds) == t,
            1,
        )
    });
    s += match (o.has_route, spec.exposure) {
        (true, Exposure::Internal) => 6,
        _ => 0,
    };
    s += match (o.load_balancer.is_some(), spec.exposure) {
        (true, Exposure::LoadBalancer) | (false, Exposure::Internal | Exposure::Ingress) => 0,
        _ => 6,
    };
    s -=
        i64::from(preset.readiness == spec.readiness) + i64::from(preset.liveness == spec.liveness);
    // A preset whose own runtime explains the input beats another preset with a runtime override.
    s += i64::from(spec.runtime.is_some());
    s
}

/// The ScaledObject's answers.
fn keda(so: &Manifest) -> Result<crate::keda::Keda, String> {
    let v = &so.value;
    let triggers = v
        .pointer("/spec/triggers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let mut clean = serde_json::Map::new();
            for k in ["type", "metadata", "authenticationRef"] {
                if let Some(x) = t.get(k) {
                    clean.insert(k.to_string(), x.clone());
                }
            }
            if let Some(Value::Object(meta)) = clean.get_mut("metadata") {
                for x in meta.values_mut() {
                    *x = Value::String(scalar(x));
                }
            }
            serde_json::from_value::<crate::keda::Trigger>(Value::Object(clean))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let num = |p: &str| v.pointer(p).and_then(int).map(|n| n as u32);
    Ok(crate::keda::Keda {
        triggers,
        max_replica_count: num("/spec/maxReplicaCount"),
        polling_interval: num("/spec/pollingInterval").filter(|n| *n != 30),
        cooldown_period: num("/spec/cooldownPeriod").filter(|n| *n != 300),
    })
}

/// The route in: the first Ingress or HTTPRoute.
fn route(app: &App<'_>, notes: &mut Notes) -> Option<Route> {
    if let Some(i) = app.ingresses.first() {
        let v = &i.value;
        let rules: Vec<&Value> = v
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let hosts: Vec<String> = rules
            .iter()
            .filter_map(|r| r.get("host").and_then(Value::as_str).map(str::to_string))
            .collect();
        let path = rules
            .first()
            .and_then(|r| r.pointer("/http/paths/0/path"))
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_string();
        if hosts.is_empty() {
            notes.push(("Ingress".into(), format!("Ingress {} has no host (a catch-all rule): the spec's route names its hosts, so the bundle has no route; add hosts to `route` in zerodown.yaml", i.name)));
            return None;
        }
        if app.ingresses.len() > 1 {
            notes.push((
                "Ingress".into(),
                "more Ingresses: the spec has one route in".into(),
            ));
        }
        return Some(Route {
            kind: RouteKind::Ingress,
            hosts,
            path,
            class_name: v
                .pointer("/spec/ingressClassName")
                .and_then(Value::as_str)
                .map(str::to_string),
            tls_secret: v
                .pointer("/spec/tls/0/secretName")
                .and_then(Value::as_str)
                .map(str::to_string),
            gateway: None,
        });
    }
    let r = app.http_routes.first()?;
    let v = &r.value;
    let parent = v.pointer("/spec/parentRefs/0");
    let s = |p: Option<&Value>, k: &str| {
        p.and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Some(Route {
        kind: RouteKind::HttpRoute,
        hosts: strings(v.pointer("/spec/hostnames")),
        path: v
            .pointer("/spec/rules/0/matches/0/path/value")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_string(),
        class_name: None,
        tls_secret: None,
        gateway: s(parent, "name").map(|name| GatewayRef {
            name,
            namespace: s(parent, "namespace"),
            section_name: s(parent, "sectionName"),
        }),
    })
}

/// The linters whose exemption annotations the Deployment carries.
fn linters(dep: &Manifest) -> Vec<Linter> {
    let ann = string_map(dep.value.pointer("/metadata/annotations"));
    let mut out = Vec::new();
    if ann.contains_key("kube-score/ignore") {
        out.push(Linter::KubeScore);
    }
    if ann.keys().any(|k| k.starts_with("checkov.io/skip")) {
        out.push(Linter::Checkov);
    }
    if ann.keys().any(|k| k.starts_with("polaris.fairwinds.com/")) {
        out.push(Linter::Polaris);
    }
    out
}

/// The container's resources in the spec's units; the preset's where the input says nothing.
fn resources(c: &Value, preset: &Resources, warnings: &mut Vec<String>) -> Resources {
    let q = |p: &str| c.pointer(p).map(scalar);
    let cpu = |p: &str| q(p).and_then(|s| millicores(&s));
    let mem = |p: &str| q(p).and_then(|s| mebibytes(&s));
    let mut r = *preset;
    let req = cpu("/resources/requests/cpu");
    let lim = cpu("/resources/limits/cpu");
    r.cpu_request_millicores = req.or(lim).unwrap_or(preset.cpu_request_millicores).max(1);
    r.cpu_limit_millicores = lim
        .unwrap_or(preset.cpu_limit_millicores.max(r.cpu_request_millicores))
        .max(r.cpu_request_millicores);
    let mreq = mem("/resources/requests/memory");
    let mlim = mem("/resources/limits/memory");
    r.memory_mib = mlim.or(mreq).unwrap_or(preset.memory_mib).max(1);
    if let (Some(a), Some(b)) = (mreq, mlim) {
        if a != b {
            warnings.push(format!("memory request {a}Mi differs from the limit {b}Mi: the bundle requests the limit ({b}Mi), so the pod never relies on memory it was not promised"));
        }
    }
    if req.is_none() && lim.is_none() && mreq.is_none() && mlim.is_none() {
        warnings.push(format!(
            "the container has no resources: the spec uses the preset's (cpu {}m/{}m, memory {}Mi); size them from the app's real use",
            r.cpu_request_millicores, r.cpu_limit_millicores, r.memory_mib
        ));
    }
    r.ephemeral_storage_mib = mem("/resources/limits/ephemeral-storage")
        .unwrap_or(preset.ephemeral_storage_mib)
        .max(1);
    // Into the spec's ranges (spec.rs: CPU 10-64000 m, memory 16 MiB-1 TiB, ephemeral 64 MiB-1 TiB).
    let fit = |v: u32, lo: u32, hi: u32, what: &str, unit: &str, warnings: &mut Vec<String>| {
        let c = v.clamp(lo, hi);
        if c != v {
            warnings.push(format!("{what} {v}{unit} is outside what the spec accepts ({lo}-{hi}{unit}): the spec uses {c}{unit}"));
        }
        c
    };
    r.cpu_request_millicores = fit(
        r.cpu_request_millicores,
        10,
        64000,
        "CPU request",
        "m",
        warnings,
    );
    r.cpu_limit_millicores = fit(
        r.cpu_limit_millicores,
        r.cpu_request_millicores,
        64000,
        "CPU limit",
        "m",
        warnings,
    );
    r.memory_mib = fit(r.memory_mib, 16, 1_048_576, "memory", "Mi", warnings);
    r.ephemeral_storage_mib = fit(
        r.ephemeral_storage_mib,
        64,
        1_048_576,
        "ephemeral-storage limit",
        "Mi",
        warnings,
    );
    r
}

/// A CPU quantity (`500m`, `1`, `0.5`) in millicores.
pub fn millicores(s: &str) -> Option<u32> {
    let cores = crate::check::parse_quantity(&Value::String(s.to_string()))?;
    (cores >= 0.0).then(|| (cores * 1000.0 - 1e-9).ceil() as u32)
}

/// A memory quantity (`512Mi`, `1Gi`, `500M`, `1e9`, bytes) in MiB, rounded up; parsed as the
/// API server reads quantities (Kubernetes docs, "Resource units in Kubernetes").
pub fn mebibytes(s: &str) -> Option<u32> {
    let bytes = crate::check::parse_quantity(&Value::String(s.to_string()))?;
    (bytes >= 0.0).then(|| (bytes / 1048576.0 - 1e-9).ceil() as u32)
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(scalar).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_in_the_spec_units() {
        assert_eq!(millicores("500m"), Some(500));
        assert_eq!(millicores("1.5"), Some(1500));
        assert_eq!(millicores("2"), Some(2000));
        assert_eq!(mebibytes("1Gi"), Some(1024));
        assert_eq!(mebibytes("512Mi"), Some(512));
        assert_eq!(mebibytes("500M"), Some(477));
        assert_eq!(mebibytes("134217728"), Some(128));
        assert_eq!(mebibytes("lots"), None);
    }

    #[test]
    fn the_sleep_of_an_exec_pre_stop() {
        assert_eq!(sleep_seconds("sleep 10"), Some(10));
        assert_eq!(
            sleep_seconds("/bin/sh -c sleep 15; nginx -s quit"),
            Some(15)
        );
        assert_eq!(sleep_seconds("/bin/true"), None);
    }
}
