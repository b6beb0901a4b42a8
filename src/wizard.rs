//! The interactive wizard of `zerodown new`: asks what the flags would say, explains what each
//! choice changes, and fills the same [`Answers`]. It decides nothing the flags cannot express.
//!
//! Questions go through the [`Prompter`] trait: [`TermPrompter`] talks to a terminal (dialoguer,
//! on stderr), tests use a scripted prompter. Without a terminal the wizard never runs.

use std::path::{Path, PathBuf};

use crate::image::ImageRef;
use crate::plan::Plan;
use crate::policy::{autoscaling, rollout};
use crate::preset::Preset;
use crate::spec::{
    check_dns_label, enum_name, Answers, AppType, Cost, Exposure, HealthCheck, Spec, Traffic,
};

/// The user cancelled (Esc, Ctrl-C, or "no" at the confirmation): nothing is written, exit 130.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// One way to ask questions. Every method returns [`Cancelled`] when the user aborts.
pub trait Prompter {
    /// Picks one of `items` (one line each); `default` is the pre-selected index.
    fn select(
        &mut self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Result<usize, Cancelled>;
    /// Free text with a default; `validate` returns the message shown before asking again.
    fn input(
        &mut self,
        prompt: &str,
        default: &str,
        validate: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, Cancelled>;
    /// Yes or no.
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, Cancelled>;
    /// Text shown between questions (hints, warnings, the summary).
    fn say(&mut self, text: &str);
}

/// What the wizard starts from: flags given on the command line and/or a spec (`--from`).
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// Answers from flags (explicit flags skip their question).
    pub answers: Answers,
    /// The preset named by `--preset` (skips the app-type question).
    pub preset: Option<String>,
    /// A spec to edit (`--from`): pre-fills every answer.
    pub from: Option<Spec>,
    /// `-o DIR` if given.
    pub output: Option<PathBuf>,
    /// Refuse, at the name question, a name whose folder `./NAME` already exists (no `-o`, no
    /// `--force`), so nobody answers every question before learning the bundle cannot be written.
    pub refuse_existing_folder: bool,
}

/// The wizard's result: the answers, the preset they apply to, and whether to write.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub answers: Answers,
    pub preset: Preset,
}

fn secs(v: &str, field: &str) -> Result<u32, String> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=crate::spec::MAX_STARTUP_SECONDS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{field}: enter whole seconds from 1 to {}",
            crate::spec::MAX_STARTUP_SECONDS
        )),
    }
}

fn health_text(h: &HealthCheck) -> String {
    match h {
        HealthCheck::HttpGet { path } => path.clone(),
        HealthCheck::Exec { command } => {
            shlex::try_join(command.iter().map(String::as_str)).unwrap_or_default()
        }
        HealthCheck::TcpSocket {} => "tcp".into(),
    }
}

fn parse_http_health(v: &str) -> Result<HealthCheck, String> {
    let v = v.trim();
    if v == "tcp" {
        Ok(HealthCheck::TcpSocket {})
    } else if v.starts_with('/') && !v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(HealthCheck::HttpGet {
            path: v.to_string(),
        })
    } else {
        Err("enter an absolute path such as /readyz (or `tcp` for a TCP check)".into())
    }
}

fn parse_exec_health(v: &str) -> Result<HealthCheck, String> {
    match shlex::split(v) {
        Some(argv) if !argv.is_empty() => Ok(HealthCheck::Exec { command: argv }),
        _ => Err("enter a command such as `cat /tmp/ready` (run without a shell)".into()),
    }
}

/// Runs the conversation. `presets` are the choices for the app type.
pub fn run(p: &mut dyn Prompter, start: Start, presets: &[Preset]) -> Result<Outcome, Cancelled> {
    let from = start.from.as_ref();
    let mut a = match from {
        Some(spec) => merge(Answers::from_spec(spec), start.answers.clone()),
        None => start.answers.clone(),
    };

    // 1. App type
    let preset_name = start
        .preset
        .clone()
        .or_else(|| from.map(|s| s.preset.clone()));
    let preset = match preset_name
        .as_ref()
        .and_then(|n| presets.iter().find(|p| &p.name == n))
    {
        Some(found) if start.preset.is_some() => found.clone(),
        found => {
            let items: Vec<String> = presets
                .iter()
                .map(|p| format!("{:<16} {}", p.name, p.description))
                .collect();
            let default = found
                .and_then(|f| presets.iter().position(|p| p.name == f.name))
                .unwrap_or(0);
            presets[p.select("App type", &items, default)?].clone()
        }
    };
    let worker = preset.app_type == AppType::Worker;

    // 2. Name, namespace, image, port, health checks
    if start.answers.name.is_none() {
        let default = a.name.clone().unwrap_or_else(|| "my-service".into());
        let refuse = start.refuse_existing_folder;
        a.name = Some(p.input("Name (lowercase letters, digits, '-')", &default, &move |v| {
            check_dns_label(v).map_err(|e| format!("the name {e}"))?;
            if refuse && Path::new(v).exists() {
                return Err(format!("./{v} already exists; choose another name (or run again with -o DIR or --force)"));
            }
            Ok(())
        })?);
    }
    let name = a.name.clone().unwrap_or_default();
    if start.answers.namespace.is_none() {
        let default = a.namespace.clone().unwrap_or_else(|| name.clone());
        a.namespace = Some(
            p.input("Namespace (its own, not `default`)", &default, &|v| {
                check_dns_label(v).and_then(|_| {
                    if crate::spec::RESERVED_NAMESPACES.contains(&v) {
                        Err(format!(
                            "`{v}` is shared by other workloads; use the service's own namespace"
                        ))
                    } else {
                        Ok(())
                    }
                })
            })?,
        );
    }
    if start.answers.image.is_none() {
        loop {
            let default = a
                .image
                .clone()
                .unwrap_or_else(|| format!("registry.example.com/team/{name}:0.1.0"));
            let image = p.input("Image (version tag or digest)", &default, &|v| {
                ImageRef::parse(v).map(|_| ())
            })?;
            let mutable = ImageRef::parse(&image)
                .map(|r| r.is_mutable())
                .unwrap_or(false);
            if !mutable {
                a.image = Some(image);
                a.allow_mutable_tag = false;
                break;
            }
            p.say(
                "warning: that tag is mutable (`latest` or none). Nodes can run different builds under one name, a \
                 rollback cannot bring the old build back, and a registry that deletes or moves it stops every new \
                 pod. Pin a version tag or a digest.",
            );
            if p.confirm("Use this mutable tag anyway?", false)? {
                a.image = Some(image);
                a.allow_mutable_tag = true;
                break;
            }
            // Asked again with what was typed as the default: the fix is usually a tag at the
            // end of it, not a whole new reference.
            a.image = Some(image);
        }
    }
    if worker {
        a.port = None;
    } else if start.answers.port.is_none() {
        let default = a
            .port
            .or(preset.port.map(u32::from))
            .unwrap_or(8080)
            .to_string();
        let port = p.input(
            "Port the app listens on",
            &default,
            &|v| match v.trim().parse::<u32>() {
                Ok(n) if (1..=65535).contains(&n) => Ok(()),
                _ => Err("enter a TCP port from 1 to 65535".into()),
            },
        )?;
        a.port = port.trim().parse().ok();
    }
    if start.answers.readiness.is_none() {
        let default = health_text(a.readiness.as_ref().unwrap_or(&preset.readiness));
        a.readiness = Some(if worker {
            let v = p.input(
                "Readiness command (exit 0 = ready for work)",
                &default,
                &|v| parse_exec_health(v).map(|_| ()),
            )?;
            parse_exec_health(&v).map_err(|_| Cancelled)?
        } else {
            let v = p.input("Readiness endpoint (path or `tcp`)", &default, &|v| {
                parse_http_health(v).map(|_| ())
            })?;
            parse_http_health(&v).map_err(|_| Cancelled)?
        });
    }
    if start.answers.liveness.is_none() {
        let readiness = a.readiness.clone();
        let default = health_text(a.liveness.as_ref().unwrap_or(&preset.liveness));
        let differs = move |h: HealthCheck| {
            if Some(&h) == readiness.as_ref() {
                Err(
                    "liveness must differ from readiness (its own cheap endpoint, or `tcp`)"
                        .to_string(),
                )
            } else {
                Ok(h)
            }
        };
        a.liveness = Some(if worker {
            let d = differs.clone();
            let v = p.input(
                "Liveness command (exit 0 = not stuck)",
                &default,
                &move |v| parse_exec_health(v).and_then(&d).map(|_| ()),
            )?;
            parse_exec_health(&v).map_err(|_| Cancelled)?
        } else {
            let d = differs.clone();
            let v = p.input(
                "Liveness endpoint (path or `tcp`, not readiness's)",
                &default,
                &move |v| parse_http_health(v).and_then(&d).map(|_| ()),
            )?;
            parse_http_health(&v).map_err(|_| Cancelled)?
        });
    }

    // 3. Startup times
    if start.answers.startup_seconds.is_none() {
        p.say(match preset.app_type {
            AppType::Jvm => "hint: Spring Boot logs \"Started ... in N seconds\". Give a typical value,\n      then the slowest you have seen (cold node, slow database).",
            _ => "hint: compare the start with the first \"listening\" line of\n      `kubectl logs --timestamps`; give a typical and the slowest value.",
        });
        let default = a
            .startup_seconds
            .unwrap_or(preset.startup_seconds)
            .to_string();
        let v = p.input("Typical startup, seconds", &default, &|v| {
            secs(v, "startup").map(|_| ())
        })?;
        a.startup_seconds = v.trim().parse().ok();
    }
    if start.answers.max_startup_seconds.is_none() {
        let typical = a.startup_seconds.unwrap_or(preset.startup_seconds);
        let default = a
            .max_startup_seconds
            .unwrap_or(preset.max_startup_seconds)
            .max(typical)
            .to_string();
        let v = p.input("Worst-case startup, seconds", &default, &move |v| {
            secs(v, "worst case").and_then(|n| {
                if n < typical {
                    Err(format!(
                        "the worst case must be at least the typical startup ({typical} s)"
                    ))
                } else {
                    Ok(())
                }
            })
        })?;
        a.max_startup_seconds = v.trim().parse().ok();
    }

    // 3b. Drain time: how long the app needs after SIGTERM (a worker's most important value).
    if start.answers.drain_seconds.is_none() {
        p.say(if worker {
            "hint: on SIGTERM the worker stops fetching and finishes (or nacks) the current\n      message; give the longest a message takes to process."
        } else {
            "hint: on SIGTERM the app finishes its in-flight requests; give the longest\n      request (uploads, reports), not the typical one."
        });
        let default = a.drain_seconds.unwrap_or(preset.drain_seconds).to_string();
        let v = p.input("Drain time after SIGTERM, seconds", &default, &|v| match v
            .trim()
            .parse::<u32>()
        {
            Ok(n) if n <= crate::spec::MAX_DRAIN_SECONDS => Ok(()),
            _ => Err(format!(
                "enter the drain time in whole seconds, from 0 to {}",
                crate::spec::MAX_DRAIN_SECONDS
            )),
        })?;
        a.drain_seconds = v.trim().parse().ok();
    }

    // 4. Traffic, 5. cost: each option says what it changes.
    let cost_now = a.cost.unwrap_or(preset.cost);
    if start.answers.traffic.is_none() {
        let options = [Traffic::Steady, Traffic::Spiky, Traffic::Low];
        let items: Vec<String> = options
            .iter()
            .map(|t| {
                let min = rollout::replicas(cost_now, *t).value;
                let h = autoscaling::hpa(*t, cost_now, min);
                format!(
                    "{:<7} HPA {}-{} pods, CPU target {}%, {}",
                    enum_name(t),
                    h.min_replicas.value,
                    h.max_replicas.value,
                    h.cpu_average_utilization.value,
                    h.scale_up.reason.split(':').next().unwrap_or("")
                )
            })
            .collect();
        a.traffic = Some(pick(
            p,
            "Traffic",
            &options,
            &items,
            a.traffic.unwrap_or(preset.traffic),
        )?);
    }
    if start.answers.cost.is_none() {
        let traffic = a.traffic.unwrap_or(preset.traffic);
        let options = [Cost::Minimal, Cost::Balanced, Cost::Resilient];
        let items: Vec<String> = options
            .iter()
            .map(|c| {
                let min = rollout::replicas(*c, traffic).value;
                let max = autoscaling::hpa(traffic, *c, min).max_replicas.value;
                let spread = if *c == Cost::Resilient {
                    "one pod per node (hard)"
                } else {
                    "soft node/zone spread"
                };
                format!(
                    "{:<9} {min} pods at rest, up to {max} at peak, {spread}",
                    enum_name(c)
                )
            })
            .collect();
        a.cost = Some(pick(
            p,
            "Cost tolerance",
            &options,
            &items,
            a.cost.unwrap_or(preset.cost),
        )?);
    }

    // 6. Exposure (sizes the preStop delay); workers have none.
    if !worker && start.answers.exposure.is_none() {
        let options = [
            Exposure::Internal,
            Exposure::Ingress,
            Exposure::LoadBalancer,
        ];
        let items: Vec<String> = options
            .iter()
            .map(|e| {
                let d = crate::policy::shutdown::pre_stop_seconds(*e);
                let who = match e {
                    Exposure::Internal => "in-cluster clients only",
                    Exposure::Ingress => "behind an ingress controller or Gateway",
                    Exposure::LoadBalancer => "behind a cloud load balancer (IP targets)",
                };
                format!("{:<13} {who}: preStop {}s", enum_name(e), d.value)
            })
            .collect();
        a.exposure = Some(pick(
            p,
            "Exposure",
            &options,
            &items,
            a.exposure.unwrap_or(preset.exposure),
        )?);
    }

    // 6c. The route in, from the exposure: the load balancer profile, the route object and its
    // host (no host: no route object); skipped when route flags were given.
    let exposure = a.exposure.unwrap_or(preset.exposure);
    if !worker && start.answers.route == crate::route::RouteAnswers::default() {
        ask_route(p, exposure, &mut a.route)?;
    }
    // 6d. A worker scales on its backlog (KEDA) or on CPU.
    if worker && start.answers.scaling.is_none() {
        a.scaling = ask_scaling(p, a.scaling.take())?;
    }

    // 6a. What the service reads and who it is. One question opens the rest, so the common path
    // stays short; configuration given by flags is not asked again. Entries take the flags'
    // syntax and go through the same parser.
    let c = &a.config;
    let has_config = !c.env.is_empty()
        || !c.env_from.is_empty()
        || !c.mounts.is_empty()
        || !c.service_account_annotations.is_empty();
    if start.answers.config == crate::config::ConfigAnswers::default()
        && p.confirm(
            "Add Secrets, config files or a workload identity (ServiceAccount annotations)?",
            has_config,
        )?
    {
        ask_config(p, &mut a.config)?;
    }

    // 6b. A Helm chart beside the plain bundle (for `helm upgrade --rollback-on-failure`).
    if !start.answers.helm {
        a.helm = p.confirm(
            "Add a Helm chart (chart/) for `helm upgrade --rollback-on-failure`?",
            a.helm,
        )?;
    }
    Ok(Outcome { answers: a, preset })
}

/// The `new` flags that give `spec`'s configuration (env, files, identity, placement), or
/// `None` when some of it has no flag (an `optional` reference, an envFrom `prefix`, mount
/// `items`, `tolerationSeconds`, an order of env vars the flags cannot make): the flags are
/// parsed back and compared with the spec, so the replay is exact or not offered.
pub fn config_flags(spec: &Spec) -> Option<Vec<String>> {
    use crate::config::{ConfigAnswers, TaintEffect, TolerationOperator};
    let mut a = crate::cli::ConfigArgs::default();
    for e in &spec.env {
        match (&e.value, &e.secret_key_ref, &e.config_map_key_ref) {
            (Some(v), None, None) => a.env.push(format!("{}={v}", e.name)),
            (None, Some(r), None) => a
                .env_secret
                .push(format!("{}={}:{}", e.name, r.name, r.key)),
            (None, None, Some(r)) => a
                .env_configmap
                .push(format!("{}={}:{}", e.name, r.name, r.key)),
            _ => return None,
        }
    }
    for e in &spec.env_from {
        match (&e.secret_ref, &e.config_map_ref) {
            (Some(s), None) => a.env_from_secret.push(s.clone()),
            (None, Some(c)) => a.env_from_configmap.push(c.clone()),
            _ => return None,
        }
    }
    for m in &spec.mounts {
        match (&m.config_map, &m.secret) {
            (Some(c), None) => a.mount_configmap.push(format!("{}={c}", m.path)),
            (None, Some(s)) => a.mount_secret.push(format!("{}={s}", m.path)),
            _ => return None,
        }
    }
    a.command = spec.command.clone();
    a.args = spec.args.clone();
    a.command_execs = spec.command_execs;
    let pairs = |m: &std::collections::BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
    };
    a.service_account_annotation = pairs(&spec.service_account_annotations);
    a.image_pull_secret = spec.image_pull_secrets.clone();
    a.pod_label = pairs(&spec.pod_labels);
    a.pod_annotation = pairs(&spec.pod_annotations);
    a.node_selector = pairs(&spec.node_selector);
    for t in &spec.tolerations {
        let key = t.key.clone()?;
        let mut v = match (&t.operator, &t.value) {
            (Some(TolerationOperator::Exists), None) => key,
            (_, Some(value)) => format!("{key}={value}"),
            _ => return None,
        };
        if let Some(e) = t.effect {
            v.push_str(match e {
                TaintEffect::NoSchedule => ":NoSchedule",
                TaintEffect::PreferNoSchedule => ":PreferNoSchedule",
                TaintEffect::NoExecute => ":NoExecute",
            });
        }
        a.toleration.push(v);
    }
    a.priority_class = spec.priority_class_name.clone();
    a.no_namespace = !spec.namespace_object;
    let mut errs = crate::error::FieldErrors::default();
    let mut back = a.answers(&mut errs);
    back.namespace_object = Some(back.namespace_object.unwrap_or(true));
    if !errs.is_empty() || back != ConfigAnswers::from_spec(spec) {
        return None;
    }
    let mut out = Vec::new();
    let mut each = |flag: &str, values: &[String]| push_each(&mut out, flag, values);
    each("--env", &a.env);
    each("--env-secret", &a.env_secret);
    each("--env-configmap", &a.env_configmap);
    each("--env-from-secret", &a.env_from_secret);
    each("--env-from-configmap", &a.env_from_configmap);
    each("--mount-configmap", &a.mount_configmap);
    each("--mount-secret", &a.mount_secret);
    each("--command", &a.command);
    each("--arg", &a.args);
    each(
        "--service-account-annotation",
        &a.service_account_annotation,
    );
    each("--image-pull-secret", &a.image_pull_secret);
    each("--pod-label", &a.pod_label);
    each("--pod-annotation", &a.pod_annotation);
    each("--node-selector", &a.node_selector);
    each("--toleration", &a.toleration);
    if let Some(p) = &a.priority_class {
        each("--priority-class", std::slice::from_ref(p));
    }
    if a.command_execs {
        out.push("--command-execs".into());
    }
    if a.no_namespace {
        out.push("--no-namespace".into());
    }
    Some(out)
}

/// The `new` flags that give `spec`'s route, load balancer and NetworkPolicy, or `None` when
/// some of it has no flag; checked by parsing them back, as [`config_flags`] is.
pub fn route_flags(spec: &Spec) -> Option<Vec<String>> {
    let r = crate::route::RouteAnswers::from_spec(spec);
    let mut out: Vec<String> = Vec::new();
    let mut one = |f: &str, v: Option<String>| push_each(&mut out, f, v.as_slice());
    one("--route", r.kind.map(|k| crate::spec::enum_name(&k)));
    for h in &r.hosts {
        one("--host", Some(h.clone()));
    }
    one("--path", r.path.clone().filter(|_| spec.route.is_some()));
    one("--ingress-class", r.class_name.clone());
    one("--tls-secret", r.tls_secret.clone());
    one("--gateway", r.gateway.clone());
    one("--gateway-namespace", r.gateway_namespace.clone());
    one("--gateway-section", r.gateway_section.clone());
    one(
        "--load-balancer",
        r.load_balancer.map(|l| crate::spec::enum_name(&l)),
    );
    one(
        "--load-balancer-scheme",
        r.scheme.map(|l| crate::spec::enum_name(&l)),
    );
    one("--ingress-namespace", r.ingress_namespace.clone());
    for n in &r.allow_namespaces {
        one("--allow-namespace", Some(n.clone()));
    }
    for c in &r.allow_cidrs {
        one("--allow-cidr", Some(c.clone()));
    }
    if r.network_policy == Some(false) {
        out.push("--no-network-policy".into());
    }
    // Parsed back, the flags must give the spec's route exactly.
    let argv: Vec<String> = std::iter::once("zerodown".to_string())
        .chain(out.iter().cloned())
        .collect();
    let parsed = <RouteFlags as clap::Parser>::try_parse_from(&argv).ok()?;
    let mut errs = crate::error::FieldErrors::default();
    let back = crate::route::resolve(
        parsed.route.answers(),
        spec.exposure,
        spec.app_type,
        &mut errs,
    );
    (errs.is_empty()
        && back.route == spec.route
        && back.load_balancer == spec.load_balancer
        && back.network_policy == spec.network_policy)
        .then_some(out)
}

/// The route flags alone, to parse [`route_flags`] back.
#[derive(clap::Parser)]
struct RouteFlags {
    #[command(flatten)]
    route: crate::cli::RouteArgs,
}

/// The `--keda-*` flags that give `spec`'s ScaledObject, or `None` when it has none or some of
/// it has no flag (metadata beyond the flags' fields, one trigger with credentials and one
/// without, an order of triggers the flags cannot make); checked by parsing them back.
pub fn keda_flags(spec: &Spec) -> Option<Vec<String>> {
    use crate::keda::TriggerType as T;
    let k = &spec.scaling.as_ref()?.keda;
    let mut a = crate::cli::KedaArgs::default();
    let get = |t: &crate::keda::Trigger, keys: &[&str]| -> Option<String> {
        keys.iter()
            .map(|key| t.metadata.get(*key).cloned())
            .collect::<Option<Vec<_>>>()
            .map(|v| v.join(","))
    };
    for t in &k.triggers {
        match t.kind {
            T::Kafka => a.keda_kafka.push(get(
                t,
                &["bootstrapServers", "topic", "consumerGroup", "lagThreshold"],
            )?),
            T::Rabbitmq => {
                let with_host = t.metadata.contains_key("hostFromEnv");
                let keys: &[&str] = if with_host {
                    &["queueName", "value", "hostFromEnv"]
                } else {
                    &["queueName", "value"]
                };
                a.keda_rabbitmq.push(get(t, keys)?)
            }
            T::AwsSqsQueue => a
                .keda_sqs
                .push(get(t, &["queueURL", "awsRegion", "queueLength"])?),
            T::Redis => a
                .keda_redis
                .push(get(t, &["address", "listName", "listLength"])?),
            T::Prometheus => a
                .keda_prometheus
                .push(get(t, &["serverAddress", "query", "threshold"])?),
        }
    }
    a.keda_auth = k
        .triggers
        .first()
        .and_then(|t| t.authentication_ref.as_ref())
        .map(|r| r.name.clone());
    a.keda_max_replicas = k.max_replica_count;
    a.keda_polling_interval = k.polling_interval;
    a.keda_cooldown_period = k.cooldown_period;
    let mut errs = crate::error::FieldErrors::default();
    if a.scaling(&mut errs).as_ref() != spec.scaling.as_ref() || !errs.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    push_each(&mut out, "--keda-kafka", &a.keda_kafka);
    push_each(&mut out, "--keda-rabbitmq", &a.keda_rabbitmq);
    push_each(&mut out, "--keda-sqs", &a.keda_sqs);
    push_each(&mut out, "--keda-redis", &a.keda_redis);
    push_each(&mut out, "--keda-prometheus", &a.keda_prometheus);
    let mut opt = |f: &str, v: Option<String>| push_each(&mut out, f, v.as_slice());
    opt("--keda-auth", a.keda_auth.clone());
    opt(
        "--keda-max-replicas",
        a.keda_max_replicas.map(|n| n.to_string()),
    );
    opt(
        "--keda-polling-interval",
        a.keda_polling_interval.map(|n| n.to_string()),
    );
    opt(
        "--keda-cooldown-period",
        a.keda_cooldown_period.map(|n| n.to_string()),
    );
    Some(out)
}

/// Whether [`replay_command`] reproduces `spec` exactly (every part of it has a flag).
pub fn replay_is_exact(spec: &Spec) -> bool {
    config_flags(spec).is_some() && (spec.scaling.is_none() || keda_flags(spec).is_some())
}

/// Appends `flag value` for each of `values` to `out` (a replay's argv).
fn push_each(out: &mut Vec<String>, flag: &str, values: &[String]) {
    for v in values {
        out.push(flag.to_string());
        out.push(v.clone());
    }
}

/// Splits a comma-separated answer into its entries (trimmed, empty ones dropped).
fn entries(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses entries the way their flag does (`set` puts them in its field: same parser, same
/// messages), then applies the field rules (names, keys, paths) as `resolve` will.
fn parse_entries(
    v: &str,
    set: fn(&mut crate::cli::ConfigArgs, Vec<String>),
) -> Result<crate::config::ConfigAnswers, String> {
    let mut a = crate::cli::ConfigArgs::default();
    set(&mut a, entries(v));
    let mut errs = crate::error::FieldErrors::default();
    let partial = a.answers(&mut errs);
    if errs.is_empty() {
        partial.validate(&["/tmp"], &mut errs, &mut Vec::new());
    }
    if errs.is_empty() {
        Ok(partial)
    } else {
        Err(errs.to_string())
    }
}

/// [`parse_entries`] as a question's validator.
fn check_entries(v: &str, set: fn(&mut crate::cli::ConfigArgs, Vec<String>)) -> Result<(), String> {
    parse_entries(v, set).map(|_| ())
}

/// The route questions for `exposure`: the load balancer profile (load-balancer), the route
/// object (ingress, or an ALB / GKE load balancer that works through an Ingress) and its hosts,
/// TLS Secret or Gateway. Pre-fills from `r` (a `--from` spec) and replaces those answers.
fn ask_route(
    p: &mut dyn Prompter,
    exposure: Exposure,
    r: &mut crate::route::RouteAnswers,
) -> Result<(), Cancelled> {
    use crate::route::{profile_uses_route, LoadBalancerProfile as L, RouteKind};
    let mut through_route = exposure == Exposure::Ingress;
    if exposure == Exposure::LoadBalancer {
        let options = [L::Generic, L::AwsAlb, L::AwsNlb, L::GkeNeg];
        let items: Vec<String> = options
            .iter()
            .map(|l| {
                let what = match l {
                    L::Generic => "generic   type LoadBalancer, preStop 15s",
                    L::AwsAlb => {
                        "aws-alb   AWS ALB (Ingress, IP targets, readiness gates), preStop 30s"
                    }
                    L::AwsNlb => "aws-nlb   AWS NLB (IP targets, readiness gates), preStop 40s",
                    L::GkeNeg => "gke-neg   GKE container-native LB (NEG), preStop 30s",
                };
                what.to_string()
            })
            .collect();
        let profile = pick(
            p,
            "Load balancer",
            &options,
            &items,
            r.load_balancer.unwrap_or(L::Generic),
        )?;
        r.load_balancer = Some(profile);
        through_route = profile_uses_route(profile);
        if profile == L::AwsAlb || profile == L::AwsNlb {
            r.kind = None;
        }
    }
    if !through_route {
        return Ok(());
    }
    let kind = if exposure == Exposure::Ingress {
        let options = [RouteKind::Ingress, RouteKind::HttpRoute];
        let items = vec![
            "ingress    an Ingress for the cluster's ingress controller".to_string(),
            "httproute  a Gateway API HTTPRoute attached to a Gateway".to_string(),
        ];
        let k = pick(
            p,
            "Route object",
            &options,
            &items,
            r.kind.unwrap_or(RouteKind::Ingress),
        )?;
        r.kind = Some(k);
        k
    } else {
        RouteKind::Ingress
    };
    let hosts = p.input(
        "Host names the route answers for (comma-separated; empty: no route object)",
        &r.hosts.join(","),
        &|v| {
            for h in entries(v) {
                crate::route::check_host(&h).map_err(|e| format!("host `{h}` {e}"))?;
            }
            Ok(())
        },
    )?;
    r.hosts = entries(&hosts);
    if r.hosts.is_empty() {
        return Ok(());
    }
    let name_ok = |v: &str| {
        if v.trim().is_empty() {
            Ok(())
        } else {
            crate::config::check_dns_subdomain(v.trim()).map_err(|e| format!("the name {e}"))
        }
    };
    if kind == RouteKind::HttpRoute {
        let g = p.input(
            "Gateway name",
            r.gateway.as_deref().unwrap_or("gateway"),
            &|v| {
                if v.trim().is_empty() {
                    Err("an HTTPRoute attaches to a Gateway: give its name".into())
                } else {
                    name_ok(v)
                }
            },
        )?;
        r.gateway = Some(g.trim().to_string());
        let ns = p.input(
            "Gateway namespace (empty: the service's)",
            r.gateway_namespace.as_deref().unwrap_or(""),
            &name_ok,
        )?;
        r.gateway_namespace = Some(ns.trim().to_string()).filter(|n| !n.is_empty());
        let section = p.input(
            "Gateway listener (sectionName, e.g. https; empty: every listener, plain HTTP included)",
            r.gateway_section.as_deref().unwrap_or(""),
            &|v| {
                if v.trim().is_empty() {
                    Ok(())
                } else {
                    check_dns_label(v.trim()).map_err(|e| format!("the listener name {e}"))
                }
            },
        )?;
        r.gateway_section = Some(section.trim().to_string()).filter(|n| !n.is_empty());
    } else {
        // An ALB serves HTTPS with the ACM certificate the controller finds by these hosts; the
        // Secret turns the Ingress's tls (and HTTPS on 443) on, and stays for other controllers.
        let prompt = if r.load_balancer == Some(L::AwsAlb) {
            "TLS: a Secret for the hosts turns HTTPS on (the ALB uses their ACM certificate; empty: HTTP only)"
        } else {
            "TLS Secret for the hosts (empty: none)"
        };
        let tls = p.input(prompt, r.tls_secret.as_deref().unwrap_or(""), &name_ok)?;
        r.tls_secret = Some(tls.trim().to_string()).filter(|t| !t.is_empty());
    }
    Ok(())
}

/// A worker's scaling: CPU (the HPA) or a KEDA trigger in its flag's syntax, checked by the
/// same parser as `--keda-*`; then the TriggerAuthentication.
fn ask_scaling(
    p: &mut dyn Prompter,
    current: Option<crate::keda::Scaling>,
) -> Result<Option<crate::keda::Scaling>, Cancelled> {
    type Set = fn(&mut crate::cli::KedaArgs, String);
    let options: [(&str, &str, Set); 6] = [
        (
            "cpu",
            "CPU (an HPA): only when the work is CPU-bound",
            |_, _| {},
        ),
        (
            "kafka",
            "BOOTSTRAP,TOPIC,GROUP,LAG  consumer lag",
            |a, v| a.keda_kafka = vec![v],
        ),
        (
            "rabbitmq",
            "QUEUE,LENGTH[,HOST_ENV]  queue length",
            |a, v| a.keda_rabbitmq = vec![v],
        ),
        ("sqs", "QUEUE_URL,REGION,LENGTH  AWS SQS", |a, v| {
            a.keda_sqs = vec![v]
        }),
        ("redis", "ADDRESS,LIST,LENGTH  a Redis list", |a, v| {
            a.keda_redis = vec![v]
        }),
        (
            "prometheus",
            "SERVER,QUERY,THRESHOLD  a Prometheus query",
            |a, v| a.keda_prometheus = vec![v],
        ),
    ];
    let items: Vec<String> = options
        .iter()
        .map(|(n, d, _)| format!("{n:<11}{d}"))
        .collect();
    let default = match current
        .as_ref()
        .and_then(|s| s.keda.triggers.first())
        .map(|t| t.kind)
    {
        None => 0,
        Some(crate::keda::TriggerType::Kafka) => 1,
        Some(crate::keda::TriggerType::Rabbitmq) => 2,
        Some(crate::keda::TriggerType::AwsSqsQueue) => 3,
        Some(crate::keda::TriggerType::Redis) => 4,
        Some(crate::keda::TriggerType::Prometheus) => 5,
    };
    let i = p.select("Scale on (KEDA replaces the HPA)", &items, default)?;
    if i == 0 {
        return Ok(None);
    }
    let (name, shape, set) = options[i];
    let shape = shape.split_whitespace().next().unwrap_or("");
    let parse = |v: &str, auth: Option<String>| {
        let mut a = crate::cli::KedaArgs::default();
        set(&mut a, v.trim().to_string());
        a.keda_auth = auth;
        let mut errs = crate::error::FieldErrors::default();
        let s = a.scaling(&mut errs);
        if errs.is_empty() {
            Ok(s)
        } else {
            Err(errs.to_string())
        }
    };
    let v = p.input(&format!("KEDA {name} trigger, {shape}"), "", &|v| {
        parse(v, None).map(|_| ())
    })?;
    let auth = p.input(
        "TriggerAuthentication with the credentials (empty: none)",
        "",
        &|v| {
            if v.trim().is_empty() {
                Ok(())
            } else {
                crate::config::check_dns_subdomain(v.trim()).map_err(|e| format!("the name {e}"))
            }
        },
    )?;
    let auth = Some(auth.trim().to_string()).filter(|a| !a.is_empty());
    parse(&v, auth).map_err(|_| Cancelled)
}

/// The configuration questions: env vars from Secret keys, whole Secrets as env, ConfigMaps as
/// files, ServiceAccount annotations. Each pre-fills what the spec (`--from`) already has and
/// replaces that part; the rest of the configuration (literal env, placement, ...) is kept.
fn ask_config(p: &mut dyn Prompter, c: &mut crate::config::ConfigAnswers) -> Result<(), Cancelled> {
    // each answer passed its question's validator, the same parser
    let parse = |v: &str, set| parse_entries(v, set).unwrap_or_default();
    let secret_env: Vec<String> = c
        .env
        .iter()
        .filter_map(|e| {
            e.secret_key_ref
                .as_ref()
                .map(|r| format!("{}={}:{}", e.name, r.name, r.key))
        })
        .collect();
    // An answer left as pre-filled keeps those entries as they are: fields the question cannot
    // show (an `optional` reference, a `prefix`, mount `items`) survive an edit with `--from`.
    let v = p.input(
        "Env vars from Secret keys, NAME=SECRET:KEY (comma-separated; empty: none)",
        &secret_env.join(","),
        &|v| check_entries(v, |a, e| a.env_secret = e),
    )?;
    let new = if v == secret_env.join(",") {
        c.env
            .iter()
            .filter(|e| e.secret_key_ref.is_some())
            .cloned()
            .collect()
    } else {
        parse(&v, |a, e| a.env_secret = e).env
    };
    let (mut plain, configmap): (Vec<_>, Vec<_>) = std::mem::take(&mut c.env)
        .into_iter()
        .filter(|e| e.secret_key_ref.is_none())
        .partition(|e| e.config_map_key_ref.is_none());
    plain.extend(new);
    plain.extend(configmap);
    c.env = plain;

    let whole: Vec<String> = c
        .env_from
        .iter()
        .filter_map(|e| e.secret_ref.clone())
        .collect();
    let v = p.input(
        "Whole Secrets as env vars, by name (comma-separated; empty: none)",
        &whole.join(","),
        &|v| check_entries(v, |a, e| a.env_from_secret = e),
    )?;
    let new: Vec<_> = if v == whole.join(",") {
        c.env_from
            .iter()
            .filter(|e| e.secret_ref.is_some())
            .cloned()
            .collect()
    } else {
        parse(&v, |a, e| a.env_from_secret = e).env_from
    };
    let configmaps: Vec<_> = std::mem::take(&mut c.env_from)
        .into_iter()
        .filter(|e| e.secret_ref.is_none())
        .collect();
    c.env_from = new.into_iter().chain(configmaps).collect();

    let files: Vec<String> = c
        .mounts
        .iter()
        .filter_map(|m| m.config_map.as_ref().map(|n| format!("{}={n}", m.path)))
        .collect();
    let v = p.input(
        "Config files: a ConfigMap mounted at a folder, PATH=CONFIGMAP (comma-separated; empty: none)",
        &files.join(","),
        &|v| check_entries(v, |a, e| a.mount_configmap = e),
    )?;
    let new: Vec<_> = if v == files.join(",") {
        c.mounts
            .iter()
            .filter(|m| m.config_map.is_some())
            .cloned()
            .collect()
    } else {
        parse(&v, |a, e| a.mount_configmap = e).mounts
    };
    let secrets: Vec<_> = std::mem::take(&mut c.mounts)
        .into_iter()
        .filter(|m| m.config_map.is_none())
        .collect();
    c.mounts = new.into_iter().chain(secrets).collect();

    let sa: Vec<String> = c
        .service_account_annotations
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    p.say("hint: EKS eks.amazonaws.com/role-arn=ARN, GKE iam.gke.io/gcp-service-account=EMAIL,\n      Azure azure.workload.identity/client-id=ID");
    let v = p.input(
        "ServiceAccount annotations, KEY=VALUE (comma-separated; empty: none)",
        &sa.join(","),
        &|v| check_entries(v, |a, e| a.service_account_annotation = e),
    )?;
    if v != sa.join(",") {
        c.service_account_annotations =
            parse(&v, |a, e| a.service_account_annotation = e).service_account_annotations;
    }
    Ok(())
}

/// Asks to pick one of `options` (shown as `items`), pre-selecting `current`.
fn pick<T: PartialEq + Copy>(
    p: &mut dyn Prompter,
    prompt: &str,
    options: &[T],
    items: &[String],
    current: T,
) -> Result<T, Cancelled> {
    let default = options.iter().position(|o| *o == current).unwrap_or(0);
    Ok(options[p.select(prompt, items, default)?])
}

/// Answers from a spec, overridden by every flag that was given.
fn merge(mut base: Answers, flags: Answers) -> Answers {
    macro_rules! take {
        ($($f:ident),*) => { $( if flags.$f.is_some() { base.$f = flags.$f; } )* };
    }
    if !flags.overlays.is_empty() {
        base.overlays = flags.overlays.clone();
    }
    if flags.pin_digest.is_some() {
        base.pin_digest = flags.pin_digest.clone();
    }
    if !flags.lint_annotations.is_empty() {
        base.lint_annotations = flags.lint_annotations.clone();
    }
    if flags.config != crate::config::ConfigAnswers::default() {
        base.config = flags.config.clone();
    }
    if flags.route != crate::route::RouteAnswers::default() {
        base.route = flags.route.clone();
    }
    if flags.scaling.is_some() {
        base.scaling = flags.scaling.clone();
    }
    if flags.runtime.is_some() {
        base.runtime = flags.runtime;
    }
    take!(
        registry_mirror,
        name,
        namespace,
        image,
        port,
        readiness,
        liveness,
        startup_seconds,
        max_startup_seconds,
        drain_seconds,
        traffic,
        cost,
        exposure,
        part_of,
        kube_version
    );
    let r = flags.resources;
    if r.cpu_request_millicores.is_some() {
        base.resources.cpu_request_millicores = r.cpu_request_millicores;
    }
    if r.cpu_limit_millicores.is_some() {
        base.resources.cpu_limit_millicores = r.cpu_limit_millicores;
    }
    if r.memory_mib.is_some() {
        base.resources.memory_mib = r.memory_mib;
    }
    if r.ephemeral_storage_mib.is_some() {
        base.resources.ephemeral_storage_mib = r.ephemeral_storage_mib;
    }
    base.allow_mutable_tag |= flags.allow_mutable_tag;
    base.helm |= flags.helm;
    base
}

/// A compact plan summary that fits an 80x24 terminal (`zerodown explain` gives the reasons).
pub fn summary(plan: &Plan) -> String {
    use crate::plan::{Handler, PreStop};
    let handler = |h: &Handler| match h {
        Handler::HttpGet { path } => format!("GET {path}"),
        Handler::Exec { command } => format!("exec {}", command.join(" ")),
        Handler::TcpSocket => "TCP".into(),
    };
    let (r, p, h) = (&plan.rollout, &plan.probes, &plan.hpa);
    let res = &plan.resources.value;
    let pre = match &plan.shutdown.pre_stop.value {
        Some(PreStop::Sleep { seconds }) => format!("sleep {seconds}s"),
        Some(PreStop::Exec { seconds, .. }) => format!("exec, {seconds}s delay"),
        None => "none (no Service)".into(),
    };
    let lines = [
        format!(
            "Plan for {} in {} (`zerodown explain` gives every reason):",
            plan.name, plan.namespace
        ),
        match &plan.keda {
            Some(k) => format!(
                "  pods       {} at rest, KEDA up to {} on {}; surge {}, unavailable 0",
                k.min_replica_count.value,
                k.max_replica_count.value,
                k.triggers
                    .value
                    .iter()
                    .map(|t| crate::spec::enum_name(&t.kind))
                    .collect::<Vec<_>>()
                    .join(" + "),
                r.max_surge.value
            ),
            None => format!(
                "  pods       {} at rest, HPA up to {} at {}% CPU; surge {}, unavailable 0",
                h.min_replicas.value,
                h.max_replicas.value,
                h.cpu_average_utilization.value,
                r.max_surge.value
            ),
        },
        format!(
            "  startup    probe from {}s, {}s more before liveness may act",
            p.startup.value.initial_delay_seconds,
            p.startup.value.failure_threshold * p.startup.value.period_seconds
        ),
        format!(
            "  readiness  {} every {}s",
            handler(&p.readiness.value.handler),
            p.readiness.value.period_seconds
        ),
        format!(
            "  liveness   {} every {}s",
            handler(&p.liveness.value.handler),
            p.liveness.value.period_seconds
        ),
        format!(
            "  shutdown   preStop {pre}, grace {}s",
            plan.shutdown.termination_grace_period_seconds.value
        ),
        format!(
            "  resources  cpu {}-{}, memory {}",
            res.cpu_request, res.cpu_limit, res.memory_limit
        ),
        format!(
            "  spread     {} one pod per node, zone spread {}",
            if plan.spread.hard_anti_affinity.value {
                "required"
            } else {
                "preferred"
            },
            plan.spread.zone_when_unsatisfiable.value
        ),
        format!(
            "  drains     PDB maxUnavailable {}",
            plan.pdb.max_unavailable.value
        ),
    ];
    let mut out = String::new();
    for l in lines {
        out.extend(l.chars().take(79));
        out.push('\n');
    }
    out
}

/// The non-interactive command line that reproduces `spec` exactly (written to `dir`).
pub fn replay_command(spec: &Spec, preset_flag: (&str, &str), dir: Option<&Path>) -> String {
    let mut args: Vec<String> = vec!["zerodown".into(), "new".into(), spec.name.clone()];
    let mut flag = |f: &str, v: String| {
        args.push(f.to_string());
        args.push(v);
    };
    flag(preset_flag.0, preset_flag.1.to_string());
    flag("--image", spec.image.clone());
    flag("--namespace", spec.namespace.clone());
    if let Some(port) = spec.port {
        flag("--port", port.to_string());
    }
    match &spec.readiness {
        HealthCheck::HttpGet { path } => flag("--readiness-path", path.clone()),
        HealthCheck::Exec { command } => flag(
            "--readiness-command",
            shlex::try_join(command.iter().map(String::as_str)).unwrap_or_default(),
        ),
        HealthCheck::TcpSocket {} => {}
    }
    match &spec.liveness {
        HealthCheck::HttpGet { path } => flag("--liveness-path", path.clone()),
        HealthCheck::Exec { command } => flag(
            "--liveness-command",
            shlex::try_join(command.iter().map(String::as_str)).unwrap_or_default(),
        ),
        HealthCheck::TcpSocket {} => {}
    }
    flag("--startup-seconds", spec.startup_seconds.to_string());
    flag(
        "--max-startup-seconds",
        spec.max_startup_seconds.to_string(),
    );
    flag("--drain-seconds", spec.drain_seconds.to_string());
    flag("--traffic", enum_name(&spec.traffic));
    flag("--cost", enum_name(&spec.cost));
    flag("--exposure", enum_name(&spec.exposure));
    let r = spec.resources;
    flag("--cpu-request", format!("{}m", r.cpu_request_millicores));
    flag("--cpu-limit", format!("{}m", r.cpu_limit_millicores));
    flag("--memory", format!("{}Mi", r.memory_mib));
    flag(
        "--ephemeral-storage",
        format!("{}Mi", r.ephemeral_storage_mib),
    );
    flag("--part-of", spec.part_of.clone());
    flag("--kube-version", spec.kube_version.clone());
    if let Some(d) = dir {
        flag("--output", d.display().to_string());
    }
    if matches!(spec.readiness, HealthCheck::TcpSocket {}) {
        args.push("--readiness-tcp".into());
    }
    if matches!(spec.liveness, HealthCheck::TcpSocket {}) {
        args.push("--liveness-tcp".into());
    }
    if spec.allow_mutable_tag {
        args.push("--allow-mutable-tag".into());
    }
    if spec.helm {
        args.push("--helm".into());
    }
    if !spec.overlays.is_empty() {
        args.push("--overlays".into());
        args.push(spec.overlays.join(","));
    }
    if let Some(m) = &spec.registry_mirror {
        args.push("--registry-mirror".into());
        args.push(m.clone());
    }
    if let Some(config) = config_flags(spec) {
        args.extend(config);
    }
    if let Some(route) = route_flags(spec) {
        args.extend(route);
    }
    if let Some(keda) = keda_flags(spec) {
        args.extend(keda);
    }
    if let Some(r) = spec.runtime {
        args.push("--runtime".into());
        args.push(crate::spec::enum_name(&r));
    }
    if !spec.lint_annotations.is_empty() {
        args.push("--lint-annotations".into());
        args.push(
            spec.lint_annotations
                .iter()
                .map(crate::spec::enum_name)
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    args.push("--no-input".into());
    shlex::try_join(args.iter().map(String::as_str)).unwrap_or_else(|_| args.join(" "))
}

/// Set once "cancelled" has been printed: Ctrl-C reaches both the signal handler and the prompt
/// that was reading the key (which then returns [`Cancelled`]), and only one of them may say so.
static CANCEL_REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints "cancelled: nothing was written" to stderr unless the Ctrl-C handler already did.
pub fn report_cancelled() {
    if !CANCEL_REPORTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        eprintln!("cancelled: nothing was written");
    }
}

/// The terminal prompter: dialoguer on stderr, colors unless `NO_COLOR` is set.
pub struct TermPrompter {
    theme: Box<dyn dialoguer::theme::Theme>,
    term: console::Term,
}

impl TermPrompter {
    /// A prompter on stderr. Installs a Ctrl-C handler that restores the cursor and exits 130.
    pub fn new() -> TermPrompter {
        let color = std::env::var_os("NO_COLOR").is_none();
        let theme: Box<dyn dialoguer::theme::Theme> = if color {
            Box::new(dialoguer::theme::ColorfulTheme::default())
        } else {
            Box::new(dialoguer::theme::SimpleTheme)
        };
        let _ = ctrlc::set_handler(|| {
            let _ = console::Term::stderr().show_cursor();
            if !CANCEL_REPORTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                eprintln!("\ncancelled: nothing was written");
            }
            std::process::exit(130);
        });
        TermPrompter {
            theme,
            term: console::Term::stderr(),
        }
    }
}

impl Default for TermPrompter {
    fn default() -> Self {
        TermPrompter::new()
    }
}

impl Prompter for TermPrompter {
    fn select(
        &mut self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Result<usize, Cancelled> {
        dialoguer::Select::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
            .ok_or(Cancelled)
    }

    fn input(
        &mut self,
        prompt: &str,
        default: &str,
        validate: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, Cancelled> {
        dialoguer::Input::<String>::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .default(default.to_string())
            .validate_with(|v: &String| validate(v))
            .interact_text_on(&self.term)
            .map_err(|_| Cancelled)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, Cancelled> {
        dialoguer::Confirm::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .default(default)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
            .ok_or(Cancelled)
    }

    fn say(&mut self, text: &str) {
        let _ = self.term.write_line(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Answers from a script: "" takes the default, selects take an index.
    struct Script {
        replies: VecDeque<&'static str>,
        said: Vec<String>,
        asked: Vec<String>,
    }

    impl Script {
        fn new(replies: &[&'static str]) -> Script {
            Script {
                replies: replies.iter().copied().collect(),
                said: vec![],
                asked: vec![],
            }
        }
        fn next(&mut self, prompt: &str) -> Result<&'static str, Cancelled> {
            self.asked.push(prompt.to_string());
            match self.replies.pop_front() {
                Some("^C") | None => Err(Cancelled),
                Some(r) => Ok(r),
            }
        }
    }

    impl Prompter for Script {
        fn select(
            &mut self,
            prompt: &str,
            _: &[String],
            default: usize,
        ) -> Result<usize, Cancelled> {
            let r = self.next(prompt)?;
            Ok(if r.is_empty() {
                default
            } else {
                r.parse().unwrap()
            })
        }
        fn input(
            &mut self,
            prompt: &str,
            default: &str,
            validate: &dyn Fn(&str) -> Result<(), String>,
        ) -> Result<String, Cancelled> {
            loop {
                let r = self.next(prompt)?;
                let v = if r.is_empty() {
                    default.to_string()
                } else {
                    r.to_string()
                };
                match validate(&v) {
                    Ok(()) => return Ok(v),
                    Err(e) => self.said.push(e),
                }
            }
        }
        fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, Cancelled> {
            let r = self.next(prompt)?;
            Ok(if r.is_empty() { default } else { r == "y" })
        }
        fn say(&mut self, text: &str) {
            self.said.push(text.to_string());
        }
    }

    fn resolve(o: Outcome) -> Spec {
        o.answers.resolve(&o.preset, &mut vec![]).unwrap()
    }

    #[test]
    fn enter_through_defaults_gives_a_valid_spec() {
        let mut s = Script::new(&[""; 16]);
        let spec = resolve(run(&mut s, Start::default(), &Preset::all_builtin()).unwrap());
        assert_eq!(spec.name, "my-service");
        assert_eq!(spec.preset, "generic");
        assert_eq!(spec.image, "registry.example.com/team/my-service:0.1.0");
        assert_eq!(s.asked.len(), 15, "{:?}", s.asked);
        assert_eq!(
            spec.drain_seconds,
            Preset::builtin("generic").unwrap().drain_seconds
        );
        assert!(!spec.helm, "no chart unless asked for");
    }

    #[test]
    fn invalid_name_is_asked_again_and_latest_needs_confirmation() {
        let mut s = Script::new(&[
            "1",
            "Bad_Name",
            "checkout",
            "",
            "nginx:latest",
            "n",
            // Enter again: the default is now what was typed, so the mutable tag is asked about
            // a second time (it is not replaced by a made-up image)
            "",
            "n",
            "registry.example.com/shop/checkout:1.4.2",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "y",
        ]);
        let spec = resolve(run(&mut s, Start::default(), &Preset::all_builtin()).unwrap());
        assert_eq!(spec.preset, "spring-boot");
        assert_eq!(spec.name, "checkout");
        assert_eq!(spec.image, "registry.example.com/shop/checkout:1.4.2");
        assert!(spec.helm, "answered yes to the chart");
        assert!(
            s.said
                .iter()
                .any(|m| m.contains("the name may contain only lowercase")),
            "{:?}",
            s.said
        );
        assert_eq!(
            s.said
                .iter()
                .filter(|m| m.contains("that tag is mutable"))
                .count(),
            2,
            "Enter after the warning re-offers the typed `nginx:latest`: {:?}",
            s.said
        );
    }

    #[test]
    fn the_drain_time_is_asked_and_checked() {
        let presets = Preset::all_builtin();
        let worker = presets.iter().position(|p| p.name == "worker").unwrap();
        let w: &'static str = Box::leak(worker.to_string().into_boxed_str());
        // app type, name, namespace, image, readiness, liveness, startup, worst case, drain
        let mut s = Script::new(&[
            w, "mailer", "", "", "", "", "", "", "99999", "900", "", "", "", "", "",
        ]);
        let spec = resolve(run(&mut s, Start::default(), &presets).unwrap());
        assert_eq!(spec.drain_seconds, 900);
        assert!(
            s.said
                .iter()
                .any(|m| m == "enter the drain time in whole seconds, from 0 to 3600"),
            "{:?}",
            s.said
        );
        assert!(s
            .said
            .iter()
            .any(|m| m.contains("finishes (or nacks) the current")));
    }

    #[test]
    fn worker_skips_port_and_exposure() {
        let presets = Preset::all_builtin();
        let worker = presets
            .iter()
            .position(|p| p.name == "worker")
            .unwrap()
            .to_string();
        let w: &'static str = Box::leak(worker.into_boxed_str());
        let mut s = Script::new(&[w, "mailer", "", "", "", "", "", "", "", "", "", "", "", ""]);
        let spec = resolve(run(&mut s, Start::default(), &presets).unwrap());
        assert_eq!(spec.port, None);
        assert!(
            !s.asked
                .iter()
                .any(|q| q.starts_with("Port") || q.starts_with("Exposure")),
            "{:?}",
            s.asked
        );
    }

    #[test]
    fn an_edit_from_a_spec_keeps_the_configuration_no_question_shows() {
        use crate::config::{EnvFromSpec, EnvVarSpec, KeyRef, MountSpec};
        let preset = Preset::builtin("generic").unwrap();
        let mut answers = Answers {
            name: Some("svc".into()),
            image: Some("registry.example.com/a/svc:1.0.0".into()),
            ..Answers::default()
        };
        answers.config.env.push(EnvVarSpec {
            name: "PW".into(),
            value: None,
            secret_key_ref: Some(KeyRef {
                name: "db".into(),
                key: "pw".into(),
                optional: true,
            }),
            config_map_key_ref: None,
        });
        answers.config.env_from.push(EnvFromSpec {
            secret_ref: Some("s2".into()),
            config_map_ref: None,
            prefix: Some("S2_".into()),
            optional: false,
        });
        answers.config.mounts.push(MountSpec {
            path: "/config".into(),
            config_map: Some("cm".into()),
            secret: None,
            items: [("app.yaml".to_string(), "application.yaml".to_string())].into(),
            optional: false,
        });
        let spec = answers.resolve(&preset, &mut vec![]).unwrap();
        let start = Start {
            from: Some(spec.clone()),
            ..Start::default()
        };
        // Enter at every question, the configuration ones included (pre-filled from the spec)
        let mut s = Script::new(&[""; 20]);
        let edited = resolve(run(&mut s, start, &Preset::all_builtin()).unwrap());
        assert!(
            s.asked
                .iter()
                .any(|q| q.starts_with("Env vars from Secret keys")),
            "{:?}",
            s.asked
        );
        assert_eq!(edited.env, spec.env);
        assert_eq!(edited.env_from, spec.env_from);
        assert_eq!(edited.mounts, spec.mounts);
    }

    #[test]
    fn configuration_answers_get_the_field_rules_at_once() {
        let bad = check_entries("1X", |a, e| a.env_from_secret = e).unwrap_err();
        assert!(bad.contains("1X"), "{bad}");
        let bad = check_entries("/x/../tmp=cm", |a, e| a.mount_configmap = e).unwrap_err();
        assert!(bad.contains("mounts.path"), "{bad}");
        assert!(check_entries("orders-db, orders-extra", |a, e| a.env_from_secret = e).is_ok());
    }

    #[test]
    fn cancel_stops_the_conversation() {
        let mut s = Script::new(&["", "^C"]);
        assert_eq!(
            run(&mut s, Start::default(), &Preset::all_builtin()).unwrap_err(),
            Cancelled
        );
    }

    #[test]
    fn replay_keeps_a_tcp_readiness_check() {
        let preset = Preset::builtin("generic").unwrap();
        let spec = Answers {
            name: Some("web".into()),
            image: Some("registry.example.com/a/web:1.0.0".into()),
            readiness: Some(HealthCheck::TcpSocket {}),
            ..Answers::default()
        }
        .resolve(&preset, &mut vec![])
        .unwrap();
        let argv = shlex::split(&replay_command(&spec, ("--preset", "generic"), None)).unwrap();
        assert!(argv.contains(&"--readiness-tcp".to_string()), "{argv:?}");
        assert!(!argv.contains(&"--readiness-path".to_string()));
    }

    #[test]
    fn replay_command_reproduces_the_spec() {
        let preset = Preset::builtin("worker").unwrap();
        let spec = Answers {
            name: Some("mailer".into()),
            image: Some("registry.example.com/ops/mailer:2.0.1".into()),
            liveness: Some(HealthCheck::Exec {
                command: vec!["/app/check".into(), "--live now".into()],
            }),
            ..Answers::default()
        }
        .resolve(&preset, &mut vec![])
        .unwrap();
        let cmd = replay_command(&spec, ("--preset", "worker"), Some(Path::new("out dir")));
        assert!(
            cmd.contains("--liveness-command '/app/check '\"'\"'--live now'\"'\"''")
                || cmd.contains("--liveness-command"),
            "{cmd}"
        );
        assert!(cmd.contains("--output 'out dir'"), "{cmd}");
        assert!(!cmd.contains("--port"));
        let argv = shlex::split(&cmd).unwrap();
        assert_eq!(argv[..3], ["zerodown", "new", "mailer"]);
    }
}
