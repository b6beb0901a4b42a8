//! Every command and flag, defined once with its help text. Flags fill [`Answers`]; nothing here
//! decides a tuned value.

use std::path::PathBuf;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, FieldError, FieldErrors};
use crate::route::{LoadBalancerProfile, LoadBalancerScheme, RouteAnswers, RouteKind};
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
        after_help = "Examples:\n  zerodown new checkout --preset spring-boot \\\n      --image registry.example.com/shop/checkout:1.4.2 --port 8080 \\\n      --startup-seconds 45 --max-startup-seconds 120 \\\n      --traffic spiky --cost balanced -n shop\n  zerodown new podinfo --preset go --port 9898 --liveness-path /healthz \\\n      --image ghcr.io/stefanprodan/podinfo:6.9.2\n  zerodown new mailer --preset worker -o deploy/mailer \\\n      --image registry.example.com/ops/mailer:2.0.1\n  # plus a Helm chart in checkout/chart/\n  zerodown new checkout --helm \\\n      --image registry.example.com/shop/checkout:1.4.2\n  # config and secrets by reference, workload identity, placement\n  zerodown new orders-api --preset spring-boot -n shop \\\n      --image registry.example.com/shop/orders-api:3.2.0 \\\n      --env SPRING_PROFILES_ACTIVE=prod \\\n      --env-secret SPRING_DATASOURCE_PASSWORD=orders-db:password \\\n      --env-from-secret orders-db --mount-configmap /config=orders-config \\\n      --service-account-annotation \\\n      eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/orders \\\n      --image-pull-secret regcred \\\n      --toleration dedicated=orders:NoSchedule\n  # behind an AWS ALB (Ingress of class alb, IP targets)\n  zerodown new api --preset go --exposure load-balancer \\\n      --load-balancer aws-alb --host api.example.com \\\n      --tls-secret api-tls --image registry.example.com/shop/api:1.2.3\n  # through a Gateway in another namespace\n  zerodown new orders --exposure ingress --route httproute \\\n      --host orders.example.com --gateway public \\\n      --gateway-namespace gateways --gateway-section https \\\n      --image registry.example.com/shop/orders:2.0.0"
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
        after_help = "Examples:\n  # every *.yaml/*.yml below deploy/\n  zerodown check deploy/\n  helm template my-release chart/ | zerodown check -\n  kubectl kustomize overlays/prod \\\n      | zerodown check - --format sarif > zerodown.sarif\n  zerodown check --explain prestop-missing\n  # adopt check on a repository with known findings: record them, then\n  # fail only on new ones\n  zerodown check deploy/ --write-baseline .zerodown-baseline.json\n  zerodown check deploy/ --baseline .zerodown-baseline.json\n  # the fixed manifests on stdout; rewrite the files; or kustomize patches\n  zerodown check --fix deploy/app.yaml > fixed.yaml\n  zerodown check --fix --write deploy/\n  zerodown check --fix --patch overlays/zerodown-fixes deploy/\n  # with the values only you know (a digest, the app's own command)\n  zerodown check --fix --write deploy/ \\\n      --choose image-tag-mutable=registry.example.com/app@sha256:<digest> \\\n      --choose 'shell-pid1-drops-sigterm=java -jar /app/app.jar'\n  # what the upgrade from the previous version breaks\n  git show HEAD~1:deploy/app.yaml > /tmp/old.yaml\n  zerodown check deploy/app.yaml --against /tmp/old.yaml\n\nSilence a rule on one object with an annotation that gives the reason:\n  ignore-check.zerodown.dev/<rule-id>: \"<why this does not apply>\"\nTemporary, reported again from that day on:\n  ignore-check.zerodown.dev/<rule-id>: \"<why>; expires=2027-03-01\"\n\nExit codes: 0 nothing at or above --fail-on, 1 findings at or above\nit, 2 unreadable input."
    )]
    Check(CheckArgs),
    /// Write the zerodown.yaml of an existing Deployment (files, a Helm render or a live cluster)
    #[command(
        after_help = "Examples:\n  zerodown adopt deploy/checkout/\n  helm template shop charts/checkout \\\n      | zerodown adopt - -o checkout/zerodown.yaml\n  kubectl get deploy,svc,pdb,hpa,ingress -n shop -o yaml \\\n      | zerodown adopt - --name checkout\n  # the spec on stdout, the report as JSON\n  zerodown adopt deploy/ -o - --format json 2> adopt-report.json\n  # then render the bundle from it\n  zerodown render -f zerodown.yaml\n\nThe report (stderr) lists, per object and field, what the bundle\nwould change and why, and every input field it could not carry over.\n\nExit codes: 0 written; 2 unreadable input, no Deployment, several\nwithout --name, or an existing output file without --force."
    )]
    Adopt(AdoptArgs),
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

/// A value parser that takes any string (the command checks it itself, with a "did you mean"
/// message of its own) and offers `names()` to shell completion: `zerodown completions` then
/// completes preset names, Kubernetes versions and rule ids.
#[derive(Clone, Copy)]
pub struct Completes(pub fn() -> Vec<&'static str>);

impl TypedValueParser for Completes {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(PossibleValue::new)))
    }
}

fn preset_names() -> Vec<&'static str> {
    crate::preset::BUILTIN.iter().map(|(n, _)| *n).collect()
}

fn kube_versions() -> Vec<&'static str> {
    crate::spec::SUPPORTED_KUBE_VERSIONS.to_vec()
}

fn rule_ids() -> Vec<&'static str> {
    crate::check::rules().iter().map(|r| r.id).collect()
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
    #[arg(long, value_name = "RULE", conflicts_with = "list_rules", value_parser = Completes(rule_ids), hide_possible_values = true)]
    pub explain: Option<String>,
    /// List every rule with its id, severity and title
    #[arg(long)]
    pub list_rules: bool,
    /// The previous version of the same manifests (a file, a folder, or `-` for stdin): report
    /// what the upgrade from it to PATH breaks (immutable fields, orphaned pods, a reset of
    /// spec.replicas, a renamed port)
    #[arg(long, value_name = "OLD")]
    pub against: Option<PathBuf>,
    /// Fail only on findings not recorded in this baseline file (written by --write-baseline);
    /// recorded ones are shown as baselined and count toward nothing
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE (versioned JSON, replaced atomically; says so when it
    /// replaces one), then report as usual
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Fix what has a safe fix: print the fixed manifests on stdout (what changed and why, and
    /// the findings left to you, on stderr); exit as `check` would on the fixed manifests
    #[arg(long, conflicts_with_all = ["explain", "list_rules"])]
    pub fix: bool,
    /// With --fix: rewrite the input files in place instead (plain YAML files only, never a Helm
    /// template; atomic; untouched lines stay byte-identical)
    #[arg(long, requires = "fix", conflicts_with = "patch")]
    pub write: bool,
    /// With --fix: write kustomize patches into DIR instead (one JSON6902 patch per object, new
    /// objects as files, and a kustomization.yaml listing them; existing files are never replaced)
    #[arg(long, value_name = "DIR", requires = "fix")]
    pub patch: Option<PathBuf>,
    /// With --fix: the value you chose for a finding that has no safe automatic fix, as
    /// RULE[@WORKLOAD[/CONTAINER]]=VALUE (repeatable). image-tag-mutable=IMAGE (a version tag
    /// or digest; unscoped, for the containers of that repository), shell-pid1-drops-sigterm=
    /// 'APP ARGS' (the exec-form command), replicas-below-two=N (>= 2),
    /// required-anti-affinity-blocks-rollout=max-unavailable|preferred. A choice that answers no
    /// finding is an error (exit 2, nothing written)
    #[arg(long, value_name = "RULE=VALUE", requires = "fix", value_parser = clap::value_parser!(crate::check::Choice))]
    pub choose: Vec<crate::check::Choice>,
    /// Also audit objects made by a controller (a cluster dump's ReplicaSet Pods); skipped by default
    #[arg(long)]
    pub include_owned: bool,
}

/// Flags of `zerodown adopt`.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Files or folders of manifests (*.yaml, *.yml), or `-` for stdin
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// The Deployment to adopt (NAME or NAMESPACE/NAME) when the input has several
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Namespace of the spec [default: the Deployment's; its name when that is `default`]
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Where to write the spec; `-` for stdout
    #[arg(short, long, value_name = "FILE", default_value = "zerodown.yaml")]
    pub output: PathBuf,
    /// Replace the output file if it exists
    #[arg(long)]
    pub force: bool,
    /// Format of the report on stderr
    #[arg(long, value_enum, default_value_t = AdoptFormat::Human)]
    pub format: AdoptFormat,
    /// A value only you know, as `check --fix` takes it (repeatable):
    /// image-tag-mutable=IMAGE pins a mutable tag (instead of allowMutableTag);
    /// shell-pid1-drops-sigterm='APP ARGS' replaces a shell wrapper command with the app's own
    #[arg(long, value_name = "RULE=VALUE", value_parser = clap::value_parser!(crate::check::Choice))]
    pub choose: Vec<crate::check::Choice>,
    /// The input's shell wrapper command ends by exec'ing the app (or runs it under tini):
    /// keep it, with commandExecs: true
    #[arg(long)]
    pub command_execs: bool,
}

/// Format of the `adopt` report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdoptFormat {
    /// One block per object, one line per field, then the warnings.
    Human,
    /// Stable JSON (version 1): deployment, preset, warnings, changes.
    Json,
}

/// Flags of `zerodown new`. Every answer is optional; the preset fills the rest.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Service name (a DNS-1123 label); names every object and the folder
    pub name: Option<String>,
    /// App-type preset (see `zerodown presets`)
    #[arg(short, long, value_name = "PRESET", value_parser = Completes(preset_names), hide_possible_values = true)]
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
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub route: RouteArgs,
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
    /// How clients reach the pods: the preStop delay, the route in (--route, --load-balancer) and the NetworkPolicy
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
    #[arg(long, value_name = "VERSION", default_value = None, value_parser = Completes(kube_versions), hide_possible_values = true)]
    pub kube_version: Option<String>,
    /// Kustomize overlays to add, e.g. staging,production (overlays/NAME/)
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub overlays: Vec<String>,
    /// Linters your team runs, e.g. kube-score,checkov,polaris: the Deployment carries their
    /// exemption annotations for the rules zerodown departs from on purpose [default: none; the
    /// bundle README lists every departure and why]
    #[arg(long, value_name = "LINTERS", value_delimiter = ',', value_enum)]
    pub lint_annotations: Vec<crate::spec::Linter>,
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

/// The service's own configuration: environment, mounted files, identity, placement. Every
/// flag is repeatable; the spec file (`zerodown.yaml`) takes the same answers as lists.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Environment, files, identity and placement (all repeatable)")]
pub struct ConfigArgs {
    /// Literal env var, e.g. --env SPRING_PROFILES_ACTIVE=prod (never a secret: see --env-secret)
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Env var from a Secret key, e.g. --env-secret DB_PASSWORD=orders-db:password
    #[arg(long, value_name = "NAME=SECRET:KEY")]
    pub env_secret: Vec<String>,
    /// Env var from a ConfigMap key, e.g. --env-configmap LOG_LEVEL=orders-config:log-level
    #[arg(long, value_name = "NAME=CONFIGMAP:KEY")]
    pub env_configmap: Vec<String>,
    /// Every key of a Secret as env vars, e.g. --env-from-secret orders-db
    #[arg(long, value_name = "SECRET")]
    pub env_from_secret: Vec<String>,
    /// Every key of a ConfigMap as env vars, e.g. --env-from-configmap orders-env
    #[arg(long, value_name = "CONFIGMAP")]
    pub env_from_configmap: Vec<String>,
    /// Mount a ConfigMap's keys as read-only files, e.g. --mount-configmap /config=orders-config
    #[arg(long, value_name = "PATH=CONFIGMAP")]
    pub mount_configmap: Vec<String>,
    /// Mount a Secret's keys as read-only files (mode 0440), e.g. --mount-secret /etc/tls=orders-tls
    #[arg(long, value_name = "PATH=SECRET")]
    pub mount_secret: Vec<String>,
    /// One word of the container command (replaces ENTRYPOINT), e.g. --command java --command -jar
    #[arg(long = "command", value_name = "WORD", allow_hyphen_values = true)]
    pub command: Vec<String>,
    /// One word of the container args (replaces CMD), e.g. --arg --server.port=8080
    #[arg(long = "arg", value_name = "WORD", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// The --command is a shell script that ends by exec'ing the app (or runs it under tini), so
    /// the app receives SIGTERM; without it a shell wrapper as the command is refused
    #[arg(long)]
    pub command_execs: bool,
    /// ServiceAccount annotation (workload identity), e.g. eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/orders
    #[arg(long, value_name = "KEY=VALUE")]
    pub service_account_annotation: Vec<String>,
    /// Secret to pull the image with, e.g. --image-pull-secret regcred
    #[arg(long, value_name = "SECRET")]
    pub image_pull_secret: Vec<String>,
    /// Extra pod label, e.g. --pod-label team=orders
    #[arg(long, value_name = "KEY=VALUE")]
    pub pod_label: Vec<String>,
    /// Extra pod annotation, e.g. --pod-annotation prometheus.io/scrape=true
    #[arg(long, value_name = "KEY=VALUE")]
    pub pod_annotation: Vec<String>,
    /// Node label the pods must run on, e.g. --node-selector kubernetes.io/arch=arm64
    #[arg(long, value_name = "KEY=VALUE")]
    pub node_selector: Vec<String>,
    /// Taint to tolerate, as kubectl taint writes it: KEY=VALUE:EFFECT, KEY:EFFECT (any value), KEY=VALUE (any effect), e.g. --toleration dedicated=orders:NoSchedule
    #[arg(long, value_name = "KEY[=VALUE][:EFFECT]")]
    pub toleration: Vec<String>,
    /// The pods' PriorityClass (made by the platform team), e.g. --priority-class business-critical
    #[arg(long, value_name = "NAME")]
    pub priority_class: Option<String>,
    /// No namespace.yaml: the namespace (and its Pod Security labels) is made elsewhere
    #[arg(long)]
    pub no_namespace: bool,
}

impl ConfigArgs {
    /// The answers these flags give; a malformed flag value is an error naming the flag.
    pub fn answers(&self, errs: &mut FieldErrors) -> crate::config::ConfigAnswers {
        use crate::config::{EnvFromSpec, EnvVarSpec, KeyRef, MountSpec, TolerationSpec};
        let pair = |flag: &str, v: &str, sep: char, shape: &str, errs: &mut FieldErrors| match v
            .split_once(sep)
        {
            Some((a, b)) if !a.is_empty() => Some((a.to_string(), b.to_string())),
            _ => {
                errs.push(FieldError::new(flag, v, format!("must be {shape}")));
                None
            }
        };
        let key_ref = |flag: &str, v: &str, shape: &str, errs: &mut FieldErrors| {
            let (name, rest) = pair(flag, v, '=', shape, errs)?;
            let (obj, key) = pair(flag, &rest, ':', shape, errs)?;
            Some((
                name,
                KeyRef {
                    name: obj,
                    key,
                    optional: false,
                },
            ))
        };
        let mut env: Vec<EnvVarSpec> = self
            .env
            .iter()
            .filter_map(|v| pair("--env", v, '=', "NAME=VALUE, e.g. LOG_LEVEL=info", errs))
            .map(|(name, value)| EnvVarSpec {
                name,
                value: Some(value),
                secret_key_ref: None,
                config_map_key_ref: None,
            })
            .collect();
        for v in &self.env_secret {
            if let Some((name, r)) = key_ref(
                "--env-secret",
                v,
                "NAME=SECRET:KEY, e.g. DB_PASSWORD=orders-db:password",
                errs,
            ) {
                env.push(EnvVarSpec {
                    name,
                    value: None,
                    secret_key_ref: Some(r),
                    config_map_key_ref: None,
                });
            }
        }
        for v in &self.env_configmap {
            if let Some((name, r)) = key_ref(
                "--env-configmap",
                v,
                "NAME=CONFIGMAP:KEY, e.g. LOG_LEVEL=orders-config:log-level",
                errs,
            ) {
                env.push(EnvVarSpec {
                    name,
                    value: None,
                    secret_key_ref: None,
                    config_map_key_ref: Some(r),
                });
            }
        }
        let env_from = self
            .env_from_secret
            .iter()
            .map(|s| EnvFromSpec {
                secret_ref: Some(s.clone()),
                config_map_ref: None,
                prefix: None,
                optional: false,
            })
            .chain(self.env_from_configmap.iter().map(|c| EnvFromSpec {
                secret_ref: None,
                config_map_ref: Some(c.clone()),
                prefix: None,
                optional: false,
            }))
            .collect();
        let mut mounts = Vec::new();
        for (flag, list, secret) in [
            ("--mount-configmap", &self.mount_configmap, false),
            ("--mount-secret", &self.mount_secret, true),
        ] {
            for v in list {
                if let Some((path, name)) =
                    pair(flag, v, '=', "PATH=NAME, e.g. /config=orders-config", errs)
                {
                    mounts.push(MountSpec {
                        path,
                        config_map: (!secret).then(|| name.clone()),
                        secret: secret.then_some(name),
                        items: Default::default(),
                        optional: false,
                    });
                }
            }
        }
        let map = |flag: &str, list: &[String], errs: &mut FieldErrors| {
            list.iter()
                .filter_map(|v| pair(flag, v, '=', "KEY=VALUE", errs))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let mut tolerations = Vec::new();
        for v in &self.toleration {
            let (kv, effect) = match v.rsplit_once(':') {
                Some((kv, e)) => (kv, Some(e)),
                None => (v.as_str(), None),
            };
            use crate::config::TaintEffect;
            let effect = match effect.map(|e| match e {
                "NoSchedule" => Ok(TaintEffect::NoSchedule),
                "PreferNoSchedule" => Ok(TaintEffect::PreferNoSchedule),
                "NoExecute" => Ok(TaintEffect::NoExecute),
                _ => Err(()),
            }) {
                Some(Ok(e)) => Some(e),
                Some(Err(())) => {
                    errs.push(FieldError::new(
                        "--toleration",
                        v,
                        "has an effect that is not NoSchedule, PreferNoSchedule or NoExecute"
                            .into(),
                    ));
                    continue;
                }
                None => None,
            };
            let (key, value) = match kv.split_once('=') {
                Some((k, val)) => (k.to_string(), Some(val.to_string())),
                None => (kv.to_string(), None),
            };
            tolerations.push(TolerationSpec {
                key: Some(key),
                operator: Some(if value.is_some() {
                    crate::config::TolerationOperator::Equal
                } else {
                    crate::config::TolerationOperator::Exists
                }),
                value,
                effect,
                toleration_seconds: None,
            });
        }
        crate::config::ConfigAnswers {
            env,
            env_from,
            mounts,
            command: self.command.clone(),
            args: self.args.clone(),
            command_execs: self.command_execs,
            service_account_annotations: map(
                "--service-account-annotation",
                &self.service_account_annotation,
                errs,
            ),
            image_pull_secrets: self.image_pull_secret.clone(),
            pod_labels: map("--pod-label", &self.pod_label, errs),
            pod_annotations: map("--pod-annotation", &self.pod_annotation, errs),
            node_selector: map("--node-selector", &self.node_selector, errs),
            tolerations,
            priority_class_name: self.priority_class.clone(),
            namespace_object: self.no_namespace.then_some(false),
        }
    }
}

/// The route in, the load balancer profile and the NetworkPolicy (`route`, `loadBalancer` and
/// `networkPolicy` in zerodown.yaml).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Route in and network policy")]
pub struct RouteArgs {
    /// The route object for --exposure ingress (or --load-balancer aws-alb/gke-neg) [default: ingress]
    #[arg(long = "route", value_enum, value_name = "KIND")]
    pub route_kind: Option<RouteKind>,
    /// Host name the route answers for, e.g. api.example.com or *.example.com (repeatable)
    #[arg(long = "host", value_name = "HOST", action = clap::ArgAction::Append)]
    pub hosts: Vec<String>,
    /// URL path prefix routed to the service, e.g. /api [default: /]
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Ingress only: ingressClassName, e.g. nginx [default: the cluster's default class; alb for aws-alb; gke-neg: the gce annotation]
    #[arg(long, value_name = "CLASS")]
    pub ingress_class: Option<String>,
    /// Ingress only: the Secret with the TLS certificate for the hosts, e.g. api-tls
    #[arg(long, value_name = "SECRET")]
    pub tls_secret: Option<String>,
    /// HTTPRoute only: the Gateway to attach to, e.g. public (TLS is on its listener)
    #[arg(long, value_name = "NAME")]
    pub gateway: Option<String>,
    /// HTTPRoute only: the Gateway's namespace, e.g. gateways [default: the service's]
    #[arg(long, value_name = "NAMESPACE")]
    pub gateway_namespace: Option<String>,
    /// HTTPRoute only: the Gateway listener (sectionName), e.g. https
    #[arg(long, value_name = "LISTENER")]
    pub gateway_section: Option<String>,
    /// Load balancer profile for --exposure load-balancer: Service, annotations and timing [default: generic]
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub load_balancer: Option<LoadBalancerProfile>,
    /// AWS profiles: internal (the controller's default) or internet-facing [default: internal]
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub load_balancer_scheme: Option<LoadBalancerScheme>,
    /// --exposure ingress: the namespace of the ingress controller or Gateway pods the NetworkPolicy admits, e.g. traefik [default: ingress-nginx; for an HTTPRoute the Gateway's]
    #[arg(long, value_name = "NAMESPACE")]
    pub ingress_namespace: Option<String>,
    /// Another namespace whose pods may call the service, e.g. web (repeatable)
    #[arg(long = "allow-namespace", value_name = "NAMESPACE", action = clap::ArgAction::Append)]
    pub allow_namespaces: Vec<String>,
    /// --exposure load-balancer: a source range the NetworkPolicy admits, e.g. the VPC's 10.0.0.0/16 (repeatable) [default: 0.0.0.0/0 and ::/0]
    #[arg(long = "allow-cidr", value_name = "CIDR", action = clap::ArgAction::Append)]
    pub allow_cidrs: Vec<String>,
    /// No NetworkPolicy in the bundle (the team has its own)
    #[arg(long)]
    pub no_network_policy: bool,
}

impl RouteArgs {
    /// The route answers these flags give.
    pub fn answers(&self) -> RouteAnswers {
        RouteAnswers {
            kind: self.route_kind,
            hosts: self.hosts.clone(),
            path: self.path.clone(),
            class_name: self.ingress_class.clone(),
            tls_secret: self.tls_secret.clone(),
            gateway: self.gateway.clone(),
            gateway_namespace: self.gateway_namespace.clone(),
            gateway_section: self.gateway_section.clone(),
            load_balancer: self.load_balancer,
            scheme: self.load_balancer_scheme,
            network_policy: self.no_network_policy.then_some(false),
            ingress_namespace: self.ingress_namespace.clone(),
            allow_namespaces: self.allow_namespaces.clone(),
            allow_cidrs: self.allow_cidrs.clone(),
        }
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
        #[arg(value_parser = Completes(preset_names), hide_possible_values = true)]
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
        let config = self.config.answers(&mut errs);
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
            lint_annotations: t.lint_annotations.clone(),
            config,
            route: self.route.answers(),
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
        "env" | "env.name" | "env.value" => "--env/--env-secret/--env-configmap",
        "env.secretKeyRef.name" | "env.secretKeyRef.key" => "--env-secret",
        "env.configMapKeyRef.name" | "env.configMapKeyRef.key" => "--env-configmap",
        "envFrom" | "envFrom.secretRef" | "envFrom.configMapRef" => {
            "--env-from-secret/--env-from-configmap"
        }
        "mounts" | "mounts.path" => "--mount-configmap/--mount-secret",
        "mounts.configMap" => "--mount-configmap",
        "mounts.secret" => "--mount-secret",
        "command" => "--command",
        "args" => "--arg",
        "serviceAccountAnnotations" => "--service-account-annotation",
        "imagePullSecrets" => "--image-pull-secret",
        "podLabels" => "--pod-label",
        "podAnnotations" => "--pod-annotation",
        "nodeSelector" => "--node-selector",
        "tolerations" | "tolerations.key" | "tolerations.value" => "--toleration",
        "priorityClassName" => "--priority-class",
        "route" => "--route/--host/--path/--ingress-class/--tls-secret/--gateway",
        "route.kind" => "--route",
        "route.hosts" => "--host",
        "route.path" => "--path",
        "route.className" => "--ingress-class",
        "route.tlsSecret" => "--tls-secret",
        "route.gateway" | "route.gateway.name" => "--gateway",
        "route.gateway.namespace" => "--gateway-namespace",
        "route.gateway.sectionName" => "--gateway-section",
        "loadBalancer.profile" => "--load-balancer",
        "loadBalancer.scheme" => "--load-balancer-scheme",
        "networkPolicy.enabled" => "--no-network-policy",
        "networkPolicy.ingressNamespace" => "--ingress-namespace",
        "networkPolicy.allowNamespaces" => "--allow-namespace",
        "networkPolicy.allowCidrs" => "--allow-cidr",
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
