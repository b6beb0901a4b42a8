//! Every command and flag, defined once with its help text. Flags fill [`Answers`]; nothing here
//! decides a tuned value.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, FieldError, FieldErrors};
use crate::spec::{Answers, Cost, Exposure, HealthCheck, ResourceOverrides, Traffic};

/// zerodown: a complete, zero-downtime Kubernetes bundle from a few answers about a service.
#[derive(Debug, Parser)]
#[command(
    name = "zerodown",
    version,
    about = "Turn a few answers about a service into a complete, zero-downtime Kubernetes bundle",
    long_about = "Turn a few answers about a service into a complete, zero-downtime Kubernetes bundle: a Deployment with a \
                  tuned rolling update, probes, preStop and grace period, resources and spreading; a Service; a \
                  PodDisruptionBudget; an autoscaling/v2 HPA; every tuned value explained.",
    after_help = "Examples:\n  zerodown new checkout --preset spring-boot \\\n      --image registry.example.com/shop/checkout:1.4.2\n  # in a bundle folder: exit 1 if the files drifted\n  zerodown render --check\n  # every tuned value and why\n  zerodown explain\n\nExit codes: 0 success; 1 drift found (render --check) or findings\n(check); 2 bad input, unreadable input or a file conflict (nothing\nwritten); 70 internal error; 74 write failure; 130 wizard cancelled."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new bundle folder: from flags, or by a wizard in a terminal when NAME or --image is missing
    #[command(
        after_help = "Examples:\n  zerodown new checkout --preset spring-boot \\\n      --image registry.example.com/shop/checkout:1.4.2 --port 8080 \\\n      --startup-seconds 45 --max-startup-seconds 120 \\\n      --traffic spiky --cost balanced -n shop\n  zerodown new podinfo --preset go --port 9898 --liveness-path /healthz \\\n      --image ghcr.io/stefanprodan/podinfo:6.9.2\n  zerodown new mailer --preset worker -o deploy/mailer \\\n      --image registry.example.com/ops/mailer:2.0.1\n  # plus a Helm chart in checkout/chart/\n  zerodown new checkout --helm \\\n      --image registry.example.com/shop/checkout:1.4.2"
    )]
    New(Box<NewArgs>),
    /// Re-render bundles from their zerodown.yaml files
    #[command(
        after_help = "Examples:\n  # in the bundle folder: update the generated files\n  zerodown render\n  # CI drift check: exit 1 and list the files that would change\n  zerodown render --check\n  # the same over every bundle of a repository, in one run\n  zerodown render -f deploy/*/zerodown.yaml --check\n  # the manifests as one YAML stream\n  zerodown render -f svc/zerodown.yaml -o -\n  # add (or update) the Helm chart in chart/; or the chart folder alone\n  zerodown render --helm\n  zerodown render --helm-only -o ../charts/checkout"
    )]
    Render(RenderArgs),
    /// Print every tuned value with its reason
    #[command(
        after_help = "Examples:\n  zerodown explain\n  zerodown explain -f deploy/checkout/zerodown.yaml --format json"
    )]
    Explain(ExplainArgs),
    /// List the built-in presets, or show one
    #[command(
        after_help = "Examples:\n  zerodown presets\n  zerodown presets show spring-boot\n  zerodown presets --format json"
    )]
    Presets(PresetsArgs),
    /// Audit existing manifests for zero-downtime faults
    #[command(
        after_help = "Examples:\n  # every *.yaml/*.yml below deploy/\n  zerodown check deploy/\n  helm template my-release chart/ | zerodown check -\n  kubectl kustomize overlays/prod \\\n      | zerodown check - --format sarif > zerodown.sarif\n  zerodown check --explain prestop-missing\n\nSilence a rule on one object with an annotation that gives the reason:\n  ignore-check.zerodown.dev/<rule-id>: \"<why this does not apply>\"\n\nExit codes: 0 nothing at or above --fail-on, 1 findings at or above\nit, 2 unreadable input."
    )]
    Check(CheckArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish)
    #[command(
        after_help = "Examples:\n  zerodown completions bash \\\n      > ~/.local/share/bash-completion/completions/zerodown\n  zerodown completions zsh > \"${fpath[1]}/_zerodown\"\n  zerodown completions fish > ~/.config/fish/completions/zerodown.fish"
    )]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(
        after_help = "Example:\n  zerodown man > /usr/local/share/man/man1/zerodown.1 && man zerodown"
    )]
    Man,
    /// Print the JSON schema of zerodown.yaml
    #[command(after_help = "Example:\n  zerodown schema > zerodown.schema.json")]
    Schema,
}

/// Output format of `explain` and `presets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    Table,
    /// Stable JSON for tools that wrap zerodown.
    Json,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Grouped by object, with file:line.
    Human,
    /// Stable JSON (version 1).
    Json,
    /// SARIF 2.1.0 for code-scanning UIs.
    Sarif,
}

/// Lowest severity that makes `check` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

/// Flags of `zerodown check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders (*.yaml, *.yml, searched recursively), or `-` for stdin
    #[arg(value_name = "PATH", required_unless_present_any = ["explain", "list_rules"])]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Print the documentation of one rule
    #[arg(long, value_name = "RULE", conflicts_with = "list_rules")]
    pub explain: Option<String>,
    /// List every rule with its id, severity and title
    #[arg(long)]
    pub list_rules: bool,
}

/// Flags of `zerodown new`. Every answer is optional; the preset fills the rest.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Service name (a DNS-1123 label); names every object and the folder
    pub name: Option<String>,
    /// App-type preset (see `zerodown presets`)
    #[arg(short, long, value_name = "PRESET")]
    pub preset: Option<String>,
    /// A preset file of your own (same format as `zerodown presets show NAME`)
    #[arg(long, value_name = "PATH", conflicts_with = "preset")]
    pub preset_file: Option<PathBuf>,
    /// Container image with a version tag or digest
    #[arg(short, long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Accept a mutable tag (`latest` or none) with a warning
    #[arg(long)]
    pub allow_mutable_tag: bool,
    /// Serving port (not for workers)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u32>,
    /// Namespace [default: the name]
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub tuning: TuningArgs,
    /// Output folder [default: ./NAME]
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Replace the files zerodown writes if the folder exists
    #[arg(long)]
    pub force: bool,
    /// Add a Helm chart in chart/ that renders the same objects (saved as `helm: true` in zerodown.yaml)
    #[arg(long)]
    pub helm: bool,
    /// Write only the Helm chart, into --output [default: ./NAME]; no manifests, no zerodown.yaml
    #[arg(long)]
    pub helm_only: bool,
    /// Never prompt, even in a terminal (scripts, CI, editor tasks)
    #[arg(long)]
    pub no_input: bool,
    /// Start the wizard from an existing zerodown.yaml (edit a service); flags still override
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

/// The tuning answers shared by `new` (and, later, the wizard).
#[derive(Debug, Args, Default)]
pub struct TuningArgs {
    /// Typical startup time in seconds (process start to ready)
    #[arg(long, value_name = "SECONDS")]
    pub startup_seconds: Option<u32>,
    /// Worst-case startup time in seconds
    #[arg(long, value_name = "SECONDS")]
    pub max_startup_seconds: Option<u32>,
    /// Seconds the app needs after SIGTERM to finish in-flight work
    #[arg(long, value_name = "SECONDS")]
    pub drain_seconds: Option<u32>,
    /// Traffic profile
    #[arg(long, value_enum)]
    pub traffic: Option<Traffic>,
    /// Cost tolerance
    #[arg(long, value_enum)]
    pub cost: Option<Cost>,
    /// How clients reach the pods (sizes the preStop delay)
    #[arg(long, value_enum)]
    pub exposure: Option<Exposure>,
    /// Readiness endpoint (HTTP GET path)
    #[arg(long, value_name = "PATH", conflicts_with = "readiness_command")]
    pub readiness_path: Option<String>,
    /// Readiness command (exec, split like a shell would, run without a shell)
    #[arg(long, value_name = "COMMAND", conflicts_with = "readiness_tcp")]
    pub readiness_command: Option<String>,
    /// Readiness as a TCP connect to the serving port (when the app has no health endpoint)
    #[arg(long, conflicts_with = "readiness_path")]
    pub readiness_tcp: bool,
    /// Liveness endpoint (HTTP GET path); must differ from readiness
    #[arg(long, value_name = "PATH", conflicts_with_all = ["liveness_command", "liveness_tcp"])]
    pub liveness_path: Option<String>,
    /// Liveness command (exec, split like a shell would, run without a shell)
    #[arg(long, value_name = "COMMAND", conflicts_with = "liveness_tcp")]
    pub liveness_command: Option<String>,
    /// Liveness as a TCP connect to the serving port
    #[arg(long)]
    pub liveness_tcp: bool,
    /// CPU request, e.g. 250m or 0.5
    #[arg(long, value_name = "CPU")]
    pub cpu_request: Option<String>,
    /// CPU limit, e.g. 1 or 1500m
    #[arg(long, value_name = "CPU")]
    pub cpu_limit: Option<String>,
    /// Memory request and limit, e.g. 512Mi or 1Gi
    #[arg(long, value_name = "MEMORY")]
    pub memory: Option<String>,
    /// Ephemeral-storage limit, e.g. 1Gi
    #[arg(long, value_name = "SIZE")]
    pub ephemeral_storage: Option<String>,
    /// app.kubernetes.io/part-of label [default: the name]
    #[arg(long, value_name = "APP")]
    pub part_of: Option<String>,
    /// Target Kubernetes version (1.33 to 1.37) [default: 1.35]
    #[arg(long, value_name = "VERSION", default_value = None)]
    pub kube_version: Option<String>,
    /// Kustomize overlays to add, e.g. staging,production (overlays/NAME/)
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub overlays: Vec<String>,
    /// Pull from the team's registry (host[/path]) and add mirror-images.sh to copy the image there
    #[arg(long, value_name = "REGISTRY")]
    pub registry_mirror: Option<String>,
    /// Pin the image to this digest (sha256:...)
    #[arg(long, value_name = "DIGEST")]
    pub pin_digest: Option<String>,
    /// The runtime whose shutdown timeout and memory limit are set by environment [default: the
    /// preset's], e.g. go for a Go worker (GOMEMLIMIT) or spring-boot for a Spring worker
    #[arg(long, value_enum, value_name = "RUNTIME")]
    pub runtime: Option<crate::runtime::Runtime>,
    #[command(flatten)]
    pub keda: KedaArgs,
}

/// KEDA triggers for the common cases (a ScaledObject replaces the HPA). Each flag is repeatable;
/// any other trigger or metadata key goes into `scaling.keda` of zerodown.yaml.
#[derive(Debug, Args, Default)]
pub struct KedaArgs {
    /// Scale on Kafka consumer-group lag: BOOTSTRAP,TOPIC,GROUP,LAG (LAG: messages of lag per pod),
    /// e.g. kafka.kafka:9092,orders,order-worker,50
    #[arg(long, value_name = "BOOTSTRAP,TOPIC,GROUP,LAG")]
    pub keda_kafka: Vec<String>,
    /// Scale on a RabbitMQ queue's length: QUEUE,LENGTH[,HOST_ENV] (LENGTH: messages waiting per
    /// pod; the broker URL comes from --keda-auth's TriggerAuthentication, or from HOST_ENV, the
    /// container variable holding the amqp:// URL), e.g. mail,20 --keda-auth rabbitmq-auth
    #[arg(long, value_name = "QUEUE,LENGTH[,HOST_ENV]")]
    pub keda_rabbitmq: Vec<String>,
    /// Scale on an AWS SQS queue: QUEUE_URL,REGION,LENGTH (messages per pod),
    /// e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/mail,eu-west-1,10
    #[arg(long, value_name = "QUEUE_URL,REGION,LENGTH")]
    pub keda_sqs: Vec<String>,
    /// Scale on a Redis list's length: ADDRESS,LIST,LENGTH (items per pod), e.g. redis:6379,jobs,10
    #[arg(long, value_name = "ADDRESS,LIST,LENGTH")]
    pub keda_redis: Vec<String>,
    /// Scale on a Prometheus query: SERVER,QUERY,THRESHOLD (the query may contain commas), e.g.
    /// http://prometheus.monitoring:9090,sum(queue_depth{queue="mail"}),100
    #[arg(long, value_name = "SERVER,QUERY,THRESHOLD")]
    pub keda_prometheus: Vec<String>,
    /// The TriggerAuthentication (same namespace) every --keda-* trigger takes its credentials from
    #[arg(long, value_name = "NAME")]
    pub keda_auth: Option<String>,
    /// Most pods KEDA may run [default: the HPA policy's maximum], e.g. 12 (the partition count)
    #[arg(long, value_name = "COUNT")]
    pub keda_max_replicas: Option<u32>,
    /// Seconds between checks of the backlog [default: 30]
    #[arg(long, value_name = "SECONDS")]
    pub keda_polling_interval: Option<u32>,
    /// Seconds KEDA waits before scaling to 0 [default: 300; never reached: minReplicaCount >= 2]
    #[arg(long, value_name = "SECONDS")]
    pub keda_cooldown_period: Option<u32>,
}

impl KedaArgs {
    /// The KEDA scaling these flags ask for (`None` without a trigger flag). Errors name the flag.
    pub fn scaling(&self, errs: &mut FieldErrors) -> Option<crate::keda::Scaling> {
        use crate::keda::{trigger_from_flag, AuthenticationRef, Keda, Scaling, TriggerType};
        type Shape = (
            &'static str,
            TriggerType,
            &'static [&'static str],
            Option<&'static str>,
            &'static [(&'static str, &'static str)],
        );
        // RabbitMQ takes the variable holding the broker URL as an optional third field.
        let (rabbit_with_host, rabbit_short): (Vec<String>, Vec<String>) = self
            .keda_rabbitmq
            .iter()
            .cloned()
            .partition(|v| v.split(',').count() == 3);
        let shapes: [(&Vec<String>, Shape); 6] = [
            (
                &self.keda_kafka,
                (
                    "--keda-kafka",
                    TriggerType::Kafka,
                    &["bootstrapServers", "topic", "consumerGroup", "lagThreshold"],
                    None,
                    &[],
                ),
            ),
            (
                &rabbit_short,
                (
                    "--keda-rabbitmq",
                    TriggerType::Rabbitmq,
                    &["queueName", "value"],
                    None,
                    &[("mode", "QueueLength")],
                ),
            ),
            (
                &rabbit_with_host,
                (
                    "--keda-rabbitmq",
                    TriggerType::Rabbitmq,
                    &["queueName", "value", "hostFromEnv"],
                    None,
                    &[("mode", "QueueLength")],
                ),
            ),
            (
                &self.keda_sqs,
                (
                    "--keda-sqs",
                    TriggerType::AwsSqsQueue,
                    &["queueURL", "awsRegion", "queueLength"],
                    None,
                    &[],
                ),
            ),
            (
                &self.keda_redis,
                (
                    "--keda-redis",
                    TriggerType::Redis,
                    &["address", "listName", "listLength"],
                    None,
                    &[],
                ),
            ),
            (
                &self.keda_prometheus,
                (
                    "--keda-prometheus",
                    TriggerType::Prometheus,
                    &["serverAddress", "query", "threshold"],
                    Some("query"),
                    &[],
                ),
            ),
        ];
        let mut triggers = Vec::new();
        for (values, (flag, kind, fields, rest, fixed)) in shapes {
            for v in values {
                match trigger_from_flag(flag, v, kind, fields, rest, fixed) {
                    Ok(mut t) => {
                        t.authentication_ref = self
                            .keda_auth
                            .clone()
                            .map(|name| AuthenticationRef { name });
                        triggers.push(t);
                    }
                    Err(e) => errs.push(e),
                }
            }
        }
        let tuned = self.keda_auth.is_some()
            || self.keda_max_replicas.is_some()
            || self.keda_polling_interval.is_some()
            || self.keda_cooldown_period.is_some();
        if triggers.is_empty() {
            if tuned && errs.is_empty() {
                errs.push(FieldError::new(
                    "--keda-*",
                    "(no trigger)",
                    "--keda-auth, --keda-max-replicas, --keda-polling-interval and --keda-cooldown-period need a trigger: --keda-kafka, --keda-rabbitmq, --keda-sqs, --keda-redis or --keda-prometheus".into(),
                ));
            }
            return None;
        }
        Some(Scaling {
            keda: Keda {
                triggers,
                max_replica_count: self.keda_max_replicas,
                polling_interval: self.keda_polling_interval,
                cooldown_period: self.keda_cooldown_period,
            },
        })
    }
}

/// Flags of `zerodown render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The spec file; several (`-f a/zerodown.yaml b/zerodown.yaml`, or -f repeated) render
    /// every bundle in one run, each in its spec's folder, and write nothing unless all are valid
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "zerodown.yaml",
        num_args = 1..,
        action = clap::ArgAction::Append
    )]
    pub files: Vec<PathBuf>,
    /// Output folder (one spec file only), or `-` for one YAML stream of the manifests on stdout [default: the spec's folder]
    #[arg(short, long, value_name = "DIR|-")]
    pub output: Option<PathBuf>,
    /// Write nothing; exit 1 and list the files that would change
    #[arg(long, conflicts_with = "force")]
    pub check: bool,
    /// Replace generated files even if they were edited by hand
    #[arg(long)]
    pub force: bool,
    /// Also write the Helm chart in chart/ (automatic when zerodown.yaml says `helm: true`)
    #[arg(long)]
    pub helm: bool,
    /// Write only the Helm chart, into --output [default: the bundle's chart/ folder]
    #[arg(long)]
    pub helm_only: bool,
}

/// Flags of `zerodown explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The spec file
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        default_value = "zerodown.yaml"
    )]
    pub file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Flags of `zerodown presets`.
#[derive(Debug, Args)]
pub struct PresetsArgs {
    #[command(subcommand)]
    pub action: Option<PresetsAction>,
    /// Output format of the list
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `zerodown presets show NAME`.
#[derive(Debug, Subcommand)]
pub enum PresetsAction {
    /// Print one preset as YAML (a starting point for --preset-file)
    Show {
        /// Preset name
        name: String,
    },
}

impl NewArgs {
    /// The answers these flags give. Errors name the flag, the value and what is allowed.
    pub fn answers(&self) -> Result<Answers, Error> {
        let t = &self.tuning;
        let mut errs = FieldErrors::default();
        let readiness = match (&t.readiness_path, &t.readiness_command, t.readiness_tcp) {
            (Some(p), _, _) => Some(HealthCheck::HttpGet { path: p.clone() }),
            (_, Some(c), _) => Some(exec("readiness", c, &mut errs)),
            (_, _, true) => Some(HealthCheck::TcpSocket {}),
            _ => None,
        };
        let liveness = match (&t.liveness_path, &t.liveness_command, t.liveness_tcp) {
            (Some(p), _, _) => Some(HealthCheck::HttpGet { path: p.clone() }),
            (_, Some(c), _) => Some(exec("liveness", c, &mut errs)),
            (_, _, true) => Some(HealthCheck::TcpSocket {}),
            _ => None,
        };
        let resources = ResourceOverrides {
            cpu_request_millicores: t
                .cpu_request
                .as_deref()
                .and_then(|v| cpu("--cpu-request", v, &mut errs)),
            cpu_limit_millicores: t
                .cpu_limit
                .as_deref()
                .and_then(|v| cpu("--cpu-limit", v, &mut errs)),
            memory_mib: t
                .memory
                .as_deref()
                .and_then(|v| mib("--memory", v, &mut errs)),
            ephemeral_storage_mib: t
                .ephemeral_storage
                .as_deref()
                .and_then(|v| mib("--ephemeral-storage", v, &mut errs)),
        };
        let scaling = t.keda.scaling(&mut errs);
        if !errs.is_empty() {
            return Err(Error::Invalid(errs));
        }
        Ok(Answers {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            image: self.image.clone(),
            allow_mutable_tag: self.allow_mutable_tag,
            port: self.port,
            readiness,
            liveness,
            startup_seconds: t.startup_seconds,
            max_startup_seconds: t.max_startup_seconds,
            drain_seconds: t.drain_seconds,
            traffic: t.traffic,
            cost: t.cost,
            exposure: t.exposure,
            resources,
            part_of: t.part_of.clone(),
            kube_version: t.kube_version.clone(),
            preset_file: None,
            image_has_shell: None,
            run_as_user: None,
            writable_dirs: None,
            helm: self.helm || self.helm_only,
            overlays: t.overlays.clone(),
            registry_mirror: t.registry_mirror.clone(),
            pin_digest: t.pin_digest.clone(),
            runtime: t.runtime,
            scaling,
        })
    }
}

fn exec(which: &str, command: &str, errs: &mut FieldErrors) -> HealthCheck {
    match shlex::split(command) {
        Some(argv) if !argv.is_empty() => HealthCheck::Exec { command: argv },
        _ => {
            errs.push(FieldError::new(
                &format!("--{which}-command"),
                command,
                "must be a command line with balanced quotes, e.g. \"cat /tmp/ready\"".into(),
            ));
            HealthCheck::Exec { command: vec![] }
        }
    }
}

/// Parses a CPU quantity (`250m`, `0.5`, `2`) into millicores.
pub fn parse_cpu_millicores(v: &str) -> Result<u32, String> {
    let bad =
        || "is not a CPU quantity; use millicores like 250m or cores like 0.5 or 2".to_string();
    if let Some(m) = v.strip_suffix('m') {
        return m.parse::<u32>().map_err(|_| bad());
    }
    let cores: f64 = v.parse().map_err(|_| bad())?;
    if !cores.is_finite() || !(0.0..=4_000_000.0).contains(&cores) {
        return Err(bad());
    }
    let milli = cores * 1000.0;
    if (milli - milli.round()).abs() > 1e-6 {
        return Err("has more precision than 1m (0.001 core)".into());
    }
    Ok(milli.round() as u32)
}

/// Parses a memory quantity (`512Mi`, `1Gi`, `1.5Gi`) into MiB.
pub fn parse_mib(v: &str) -> Result<u32, String> {
    let bad = || "is not a size in Mi or Gi, e.g. 512Mi or 1Gi".to_string();
    let (num, factor) = if let Some(n) = v.strip_suffix("Mi") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix("Gi") {
        (n, 1024.0)
    } else {
        return Err(bad());
    };
    let n: f64 = num.parse().map_err(|_| bad())?;
    let mib = n * factor;
    if !mib.is_finite()
        || !(0.0..=4_000_000_000.0).contains(&mib)
        || (mib - mib.round()).abs() > 1e-6
    {
        return Err(bad());
    }
    Ok(mib.round() as u32)
}

fn cpu(flag: &str, v: &str, errs: &mut FieldErrors) -> Option<u32> {
    parse_cpu_millicores(v)
        .map_err(|why| errs.push(FieldError::new(flag, v, why)))
        .ok()
}

fn mib(flag: &str, v: &str, errs: &mut FieldErrors) -> Option<u32> {
    parse_mib(v)
        .map_err(|why| errs.push(FieldError::new(flag, v, why)))
        .ok()
}

/// The flag that sets a spec field, for error messages about flags.
pub fn flag_for(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "NAME",
        "namespace" => "--namespace",
        "image" => "--image",
        "port" => "--port",
        "readiness" => "--readiness-path/--readiness-command",
        "liveness" => "--liveness-path/--liveness-command/--liveness-tcp",
        "startupSeconds" => "--startup-seconds",
        "maxStartupSeconds" => "--max-startup-seconds",
        "drainSeconds" => "--drain-seconds",
        "resources.cpuRequestMillicores" => "--cpu-request",
        "resources.cpuLimitMillicores" => "--cpu-limit",
        "resources.memoryMiB" => "--memory",
        "resources.ephemeralStorageMiB" => "--ephemeral-storage",
        "partOf" => "--part-of",
        "kubeVersion" => "--kube-version",
        "overlays" => "--overlays",
        "registryMirror" => "--registry-mirror",
        "runtime" => "--runtime",
        "scaling.keda.maxReplicaCount" => "--keda-max-replicas",
        "scaling.keda.pollingInterval" => "--keda-polling-interval",
        "scaling.keda.cooldownPeriod" => "--keda-cooldown-period",
        f if f.starts_with("scaling.keda.triggers") => "--keda-*",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_examples_fit_an_80_column_terminal() {
        // Longer lines are wrapped by clap in the middle of a command, which then breaks when
        // copied.
        use clap::CommandFactory;
        let cmd = Cli::command();
        let mut texts = vec![(
            "zerodown".to_string(),
            cmd.get_after_help().map(|h| h.to_string()),
        )];
        for sub in cmd.get_subcommands() {
            texts.push((
                sub.get_name().to_string(),
                sub.get_after_help().map(|h| h.to_string()),
            ));
        }
        assert!(texts.iter().filter(|(_, t)| t.is_some()).count() >= 8);
        for (name, text) in texts {
            for line in text.unwrap_or_default().lines() {
                assert!(line.chars().count() <= 78, "{name}: {line}");
            }
        }
    }

    #[test]
    fn the_kube_version_help_states_the_real_default() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        let new = cmd.find_subcommand("new").unwrap();
        let arg = new
            .get_arguments()
            .find(|a| a.get_id() == "kube_version")
            .unwrap();
        let help = arg.get_help().unwrap().to_string();
        assert!(
            help.ends_with(&format!("[default: {}]", crate::spec::DEFAULT_KUBE_VERSION)),
            "{help}"
        );
    }

    #[test]
    fn cpu_quantities() {
        assert_eq!(parse_cpu_millicores("250m"), Ok(250));
        assert_eq!(parse_cpu_millicores("0.5"), Ok(500));
        assert_eq!(parse_cpu_millicores("2"), Ok(2000));
        assert!(parse_cpu_millicores("-1").is_err());
        assert!(parse_cpu_millicores("0.0001").is_err());
        assert!(parse_cpu_millicores("1 core").is_err());
        assert!(parse_cpu_millicores("NaN").is_err());
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(parse_mib("512Mi"), Ok(512));
        assert_eq!(parse_mib("1.5Gi"), Ok(1536));
        assert!(parse_mib("512").is_err());
        assert!(parse_mib("1G").is_err());
        assert!(parse_mib("-1Mi").is_err());
    }
}
