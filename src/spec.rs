//! The Spec: what the user said about the service, validated, and saved as `zerodown.yaml`.
//! It knows nothing of Kubernetes objects; the policy turns it into a [`crate::plan::Plan`].
//!
//! Flags, a spec file and the wizard all fill the same [`Answers`]; one conversion
//! ([`Answers::resolve`]) applies the preset's defaults and runs every field and cross-field check.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrors};
use crate::image::ImageRef;
use crate::preset::Preset;

/// Kubernetes minor versions the bundle can target (1.33 to 1.37).
pub const SUPPORTED_KUBE_VERSIONS: [&str; 5] = ["1.33", "1.34", "1.35", "1.36", "1.37"];
/// The default target, `1.35`.
pub const DEFAULT_KUBE_VERSION: &str = "1.35";
/// Namespaces a bundle must not land in: the defaults every other workload shares.
pub const RESERVED_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// Longest startup we accept, in seconds (1 hour): beyond that a probe budget is meaningless.
pub const MAX_STARTUP_SECONDS: u32 = 3600;
/// Longest drain we accept, in seconds (1 hour).
pub const MAX_DRAIN_SECONDS: u32 = 3600;

/// How traffic to the service behaves; sizes the HPA range, CPU target and scale-up speed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Traffic {
    /// Load follows a smooth daily curve.
    Steady,
    /// Sudden bursts (launches, batch clients, marketing pushes).
    Spiky,
    /// Little traffic; availability matters more than throughput.
    Low,
}

/// How much the team will pay for availability; sizes replicas and spreading.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Cost {
    /// Two pods, soft spreading: the cheapest setup that survives a rollout or a drain.
    Minimal,
    /// Soft spreading over nodes and zones, room to scale.
    Balanced,
    /// One pod per node (hard anti-affinity), more replicas.
    Resilient,
}

/// How clients reach the pods; sizes the preStop delay (how long endpoint removal takes to
/// reach every load balancer) and decides the route in (`route`, `loadBalancer`) and where the
/// NetworkPolicy admits traffic from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// Only in-cluster clients through the Service (kube-proxy).
    Internal,
    /// An ingress controller or Gateway in front of the Service.
    Ingress,
    /// A cloud load balancer with IP targets in front of the pods.
    LoadBalancer,
}

/// A third-party manifest linter whose exemption annotations the bundle carries when the team
/// runs it (`lintAnnotations`). zerodown's own `ignore-check.zerodown.dev/*` annotations are
/// always written: `zerodown check` is part of the tool.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Linter {
    /// kube-score (`kube-score/ignore`).
    KubeScore,
    /// checkov (`checkov.io/skipN`).
    Checkov,
    /// Polaris (`polaris.fairwinds.com/<check>-exempt`).
    Polaris,
}

/// The family of runtime an app uses; decides JVM heap flags, nginx shutdown, workers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum AppType {
    /// Any HTTP server.
    Generic,
    /// A JVM (Spring Boot, Quarkus in JVM mode, ...).
    Jvm,
    /// Node.js.
    Node,
    /// A Go binary.
    Go,
    /// Python under gunicorn/uvicorn.
    Python,
    /// ASP.NET Core.
    Dotnet,
    /// nginx serving static files.
    Nginx,
    /// A queue consumer: no Service, no HTTP probes.
    Worker,
}

impl AppType {
    /// Workers serve no traffic: no Service, no port, exec probes.
    pub fn is_worker(self) -> bool {
        self == AppType::Worker
    }
}

/// How a probe checks the container. Exactly one key, as in the Kubernetes probe handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum HealthCheck {
    /// `GET path` on the serving port; a 2xx or 3xx answer is healthy.
    HttpGet {
        /// Absolute URL path, e.g. `/readyz`.
        path: String,
    },
    /// Run a command in the container (argv form, no shell); exit 0 is healthy.
    Exec {
        /// The argv, e.g. `["cat", "/tmp/ready"]`.
        command: Vec<String>,
    },
    /// Open a TCP connection to the serving port.
    TcpSocket {},
}

impl fmt::Display for HealthCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthCheck::HttpGet { path } => write!(f, "GET {path}"),
            HealthCheck::Exec { command } => write!(f, "exec {}", command.join(" ")),
            HealthCheck::TcpSocket {} => write!(f, "TCP connect"),
        }
    }
}

/// Resource sizes of the app container. CPU in millicores, memory and ephemeral storage in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Resources {
    /// CPU request in millicores (1000 = one core).
    pub cpu_request_millicores: u32,
    /// CPU limit in millicores; at least the request.
    pub cpu_limit_millicores: u32,
    /// Memory request and limit in MiB (equal: memory cannot be throttled, only OOM-killed).
    #[serde(rename = "memoryMiB")]
    #[schemars(rename = "memoryMiB")]
    pub memory_mib: u32,
    /// Ephemeral-storage limit in MiB (logs, `/tmp`).
    #[serde(rename = "ephemeralStorageMiB")]
    #[schemars(rename = "ephemeralStorageMiB")]
    pub ephemeral_storage_mib: u32,
}

/// Partial resource overrides, as given on the command line or in a preset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceOverrides {
    /// CPU request in millicores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_request_millicores: Option<u32>,
    /// CPU limit in millicores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_limit_millicores: Option<u32>,
    /// Memory request and limit in MiB.
    #[serde(default, rename = "memoryMiB", skip_serializing_if = "Option::is_none")]
    #[schemars(rename = "memoryMiB")]
    pub memory_mib: Option<u32>,
    /// Ephemeral-storage limit in MiB.
    #[serde(
        default,
        rename = "ephemeralStorageMiB",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(rename = "ephemeralStorageMiB")]
    pub ephemeral_storage_mib: Option<u32>,
}

/// The resolved, validated answers: everything the policy needs, saved as `zerodown.yaml`.
///
/// Every field is explicit (preset defaults already applied), so the file alone re-renders the
/// same bundle byte for byte with the same zerodown version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "zerodown spec",
    description = "The answers zerodown renders a zero-downtime Kubernetes bundle from (zerodown.yaml)."
)]
pub struct Spec {
    /// App name: a DNS-1123 label (lowercase letters, digits, '-', at most 63 characters). Names
    /// every object.
    pub name: String,
    /// Namespace (a DNS-1123 label, not `default` or a `kube-*` one).
    pub namespace: String,
    /// The preset the defaults came from (see `zerodown presets`).
    pub preset: String,
    /// A preset file used instead of a built-in preset, relative to this spec file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset_file: Option<PathBuf>,
    /// The runtime family (from the preset).
    pub app_type: AppType,
    /// Container image reference: `[registry/]repository[:tag][@sha256:digest]`.
    pub image: String,
    /// Accept a mutable tag (`latest` or none); the bundle then says so and carries an exemption.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_mutable_tag: bool,
    /// Serving port (1-65535); absent for workers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Readiness check: when the pod may receive traffic.
    #[serde(with = "serde_yaml_ng::with::singleton_map")]
    #[schemars(with = "HealthCheck")]
    pub readiness: HealthCheck,
    /// Liveness check: when the container must be restarted. Must differ from readiness.
    #[serde(with = "serde_yaml_ng::with::singleton_map")]
    #[schemars(with = "HealthCheck")]
    pub liveness: HealthCheck,
    /// Typical startup time in seconds, from process start to ready.
    pub startup_seconds: u32,
    /// Worst-case startup time in seconds (cold node, slow dependencies); at least the typical.
    pub max_startup_seconds: u32,
    /// Seconds the app needs after SIGTERM to finish in-flight work.
    pub drain_seconds: u32,
    /// Traffic profile.
    pub traffic: Traffic,
    /// Cost tolerance.
    pub cost: Cost,
    /// How clients reach the pods.
    pub exposure: Exposure,
    /// Container resources.
    pub resources: Resources,
    /// Whether the image has `/bin/sh` (exec preStop hooks need one).
    pub image_has_shell: bool,
    /// UID and GID the container runs as (non-root, 10000 or above unless the image needs its own).
    pub run_as_user: u32,
    /// Writable directories besides `/tmp` (emptyDir volumes under a read-only root filesystem).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writable_dirs: Vec<String>,
    /// `app.kubernetes.io/part-of`: the larger application this service belongs to.
    pub part_of: String,
    /// Target Kubernetes minor version, `1.33` to `1.37`.
    pub kube_version: String,
    /// Whether the bundle also has a Helm chart in `chart/` (`zerodown new --helm`), so
    /// `zerodown render` keeps it up to date.
    #[serde(default, skip_serializing_if = "is_false")]
    pub helm: bool,
    /// Kustomize overlays to add under `overlays/NAME/` (DNS-1123 labels, e.g. staging, production).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overlays: Vec<String>,
    /// The team's registry (`host[:port][/path]`) the image is mirrored to; the Deployment pulls
    /// from there and the bundle gets `mirror-images.sh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_mirror: Option<String>,
    /// Linters the team runs on its manifests (`kube-score`, `checkov`, `polaris`): the
    /// Deployment then carries their exemption annotations for the rules this design departs
    /// from on purpose. Empty by default: annotations for tools a team does not run are noise on
    /// every object and every diff; the bundle README lists every departure and its reason
    /// either way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lint_annotations: Vec<Linter>,
    /// Environment variables of the app container, after the tuned ones (JAVA_TOOL_OPTIONS, ...);
    /// one with a tuned variable's name replaces it. Each `{name, value}`,
    /// `{name, secretKeyRef: {name, key}}` or `{name, configMapKeyRef: {name, key}}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<crate::config::EnvVarSpec>,
    /// Whole Secrets or ConfigMaps as environment variables: `{secretRef: NAME}` or
    /// `{configMapRef: NAME}`, with an optional `prefix`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from: Vec<crate::config::EnvFromSpec>,
    /// ConfigMaps and Secrets mounted read-only as files: `{path, configMap: NAME}` or
    /// `{path, secret: NAME}`, with optional `items` (key: file path).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<crate::config::MountSpec>,
    /// The container's `command` (replaces the image's ENTRYPOINT); argv, no shell.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The container's `args` (replaces the image's CMD).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// True when `command`/`args` run a shell script that ends by exec'ing the app (or runs it
    /// under an init that forwards signals, such as tini), so the app, not the shell, is PID 1
    /// when SIGTERM arrives. Without it a shell wrapper as the command is refused: a PID-1 shell
    /// drops SIGTERM and the app is SIGKILLed after the grace period (Kubernetes docs, Pod
    /// Lifecycle: Termination of Pods; field case FC-16).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub command_execs: bool,
    /// Annotations of the ServiceAccount, e.g. cloud workload identity
    /// (`eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account`,
    /// `azure.workload.identity/client-id`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub service_account_annotations: BTreeMap<String, String>,
    /// Secrets (type kubernetes.io/dockerconfigjson) used to pull the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    /// Extra labels of the pods (not the app.kubernetes.io ones zerodown sets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_labels: BTreeMap<String, String>,
    /// Extra annotations of the pods.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_annotations: BTreeMap<String, String>,
    /// Node labels the pods must run on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Taints the pods tolerate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<crate::config::TolerationSpec>,
    /// The pods' PriorityClass (a cluster object the platform team defines); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Whether the bundle has `namespace.yaml`, a Namespace with the Pod Security Admission
    /// `restricted` labels (default `true`); `false` when namespaces are made elsewhere.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub namespace_object: bool,
    /// The route in (an Ingress or an HTTPRoute) for `exposure: ingress`, or for the aws-alb and
    /// gke-neg load balancers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<crate::route::Route>,
    /// The cloud load balancer profile for `exposure: load-balancer` (absent: `generic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<crate::route::LoadBalancer>,
    /// The NetworkPolicy that admits traffic from where the exposure says it comes.
    #[serde(
        default = "crate::route::NetworkPolicy::enabled",
        skip_serializing_if = "crate::route::is_default_network_policy"
    )]
    pub network_policy: crate::route::NetworkPolicy,
    /// The runtime or framework whose shutdown and memory the bundle configures by environment
    /// [default: the preset's]; e.g. `go` for a Go queue worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<crate::runtime::Runtime>,
    /// Scaling on work instead of CPU: a KEDA ScaledObject replaces the HPA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<crate::keda::Scaling>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Raw answers before defaults and validation: each field optional. Flags, the wizard and a
/// spec file (via [`Answers::from_spec`]) fill this, then [`Answers::resolve`] makes a [`Spec`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub image: Option<String>,
    pub allow_mutable_tag: bool,
    pub port: Option<u32>,
    pub readiness: Option<HealthCheck>,
    pub liveness: Option<HealthCheck>,
    pub startup_seconds: Option<u32>,
    pub max_startup_seconds: Option<u32>,
    pub drain_seconds: Option<u32>,
    pub traffic: Option<Traffic>,
    pub cost: Option<Cost>,
    pub exposure: Option<Exposure>,
    pub resources: ResourceOverrides,
    pub part_of: Option<String>,
    pub kube_version: Option<String>,
    pub preset_file: Option<PathBuf>,
    pub image_has_shell: Option<bool>,
    pub run_as_user: Option<u32>,
    pub writable_dirs: Option<Vec<String>>,
    /// Whether the bundle gets a Helm chart too (an output choice, not a service answer).
    pub helm: bool,
    pub overlays: Vec<String>,
    pub registry_mirror: Option<String>,
    /// A digest (`sha256:...`) to pin the image to.
    pub pin_digest: Option<String>,
    /// Linters whose exemption annotations the bundle carries.
    pub lint_annotations: Vec<Linter>,
    /// Environment, mounts, identity, placement and the namespace object.
    pub config: crate::config::ConfigAnswers,
    /// The route in, the load balancer profile and the NetworkPolicy.
    pub route: crate::route::RouteAnswers,
    pub runtime: Option<crate::runtime::Runtime>,
    pub scaling: Option<crate::keda::Scaling>,
}

impl Answers {
    /// Answers that reproduce `spec` exactly (for `--from` and re-rendering with overrides).
    pub fn from_spec(spec: &Spec) -> Answers {
        Answers {
            name: Some(spec.name.clone()),
            namespace: Some(spec.namespace.clone()),
            image: Some(spec.image.clone()),
            allow_mutable_tag: spec.allow_mutable_tag,
            port: spec.port.map(u32::from),
            readiness: Some(spec.readiness.clone()),
            liveness: Some(spec.liveness.clone()),
            startup_seconds: Some(spec.startup_seconds),
            max_startup_seconds: Some(spec.max_startup_seconds),
            drain_seconds: Some(spec.drain_seconds),
            traffic: Some(spec.traffic),
            cost: Some(spec.cost),
            exposure: Some(spec.exposure),
            resources: ResourceOverrides {
                cpu_request_millicores: Some(spec.resources.cpu_request_millicores),
                cpu_limit_millicores: Some(spec.resources.cpu_limit_millicores),
                memory_mib: Some(spec.resources.memory_mib),
                ephemeral_storage_mib: Some(spec.resources.ephemeral_storage_mib),
            },
            part_of: Some(spec.part_of.clone()),
            kube_version: Some(spec.kube_version.clone()),
            preset_file: spec.preset_file.clone(),
            image_has_shell: Some(spec.image_has_shell),
            run_as_user: Some(spec.run_as_user),
            writable_dirs: Some(spec.writable_dirs.clone()),
            helm: spec.helm,
            overlays: spec.overlays.clone(),
            registry_mirror: spec.registry_mirror.clone(),
            pin_digest: None,
            lint_annotations: spec.lint_annotations.clone(),
            config: crate::config::ConfigAnswers::from_spec(spec),
            route: crate::route::RouteAnswers::from_spec(spec),
            runtime: spec.runtime,
            scaling: spec.scaling.clone(),
        }
    }

    /// Applies the preset's defaults and validates every field and every cross-field rule.
    ///
    /// Errors: all problems at once, each naming the field, the value and what is allowed.
    /// `warnings` receives advisories that do not stop rendering (e.g. an accepted mutable tag).
    pub fn resolve(self, preset: &Preset, warnings: &mut Vec<String>) -> Result<Spec, FieldErrors> {
        let mut errs = FieldErrors::default();
        let name = match self.name {
            Some(n) => {
                if let Err(why) = check_dns_label(&n) {
                    errs.push(FieldError::new("name", &n, why));
                }
                n
            }
            None => {
                errs.push(FieldError::missing(
                    "name",
                    "a DNS-1123 label such as `checkout`",
                ));
                String::new()
            }
        };
        let namespace = self.namespace.unwrap_or_else(|| name.clone());
        if let Err(why) = check_dns_label(&namespace) {
            errs.push(FieldError::new("namespace", &namespace, why));
        } else if RESERVED_NAMESPACES.contains(&namespace.as_str()) {
            errs.push(FieldError::new(
                "namespace",
                &namespace,
                "must be a namespace of the service's own, not one every other workload shares \
                 (default, kube-system, kube-public, kube-node-lease)"
                    .to_string(),
            ));
        }
        let image = match (self.image, &self.pin_digest) {
            (Some(i), Some(d)) => match ImageRef::parse(&i) {
                Ok(r) if r.digest.as_deref().is_some_and(|have| have != d) => {
                    errs.push(FieldError::new(
                        "image",
                        &i,
                        format!(
                            "already pins digest {}; --pin-digest {d} would contradict it",
                            r.digest.unwrap_or_default()
                        ),
                    ));
                    Some(i)
                }
                Ok(r) if r.digest.is_some() => Some(i),
                _ => Some(format!("{i}@{d}")),
            },
            (i, _) => i,
        };
        let image = match image {
            Some(i) => {
                match ImageRef::parse(&i) {
                    Err(why) => errs.push(FieldError::new("image", &i, why)),
                    Ok(r) if r.is_mutable() => {
                        let tag = match r.tag.as_deref() {
                            Some(t) => format!("has the mutable tag `{t}`"),
                            None => "has no tag, which means the mutable tag `latest`".to_string(),
                        };
                        let what = format!(
                            "{tag}: nodes can run different builds under one name and a \
                             rollback cannot bring the old build back"
                        );
                        if self.allow_mutable_tag {
                            warnings.push(format!(
                                "image `{i}`: {what}; accepted because of allowMutableTag (--allow-mutable-tag)"
                            ));
                        } else {
                            errs.push(
                                FieldError::new("image", &i, format!("{what}; pin a version tag or a digest"))
                                    .help("use e.g. `registry.example.com/team/app:1.4.2` or `...@sha256:<digest>`, or pass --allow-mutable-tag to accept it with a warning"),
                            );
                        }
                    }
                    Ok(_) => {}
                }
                i
            }
            None => {
                errs.push(FieldError::missing(
                    "image",
                    "an image reference with a version tag or digest, e.g. `registry.example.com/team/app:1.4.2`",
                ));
                String::new()
            }
        };
        let app_type = preset.app_type;
        let port = if app_type.is_worker() {
            if let Some(p) = self.port {
                errs.push(FieldError::new(
                    "port",
                    p,
                    "a worker serves no traffic and has no port; drop --port or pick an HTTP preset".into(),
                ));
            }
            None
        } else {
            match self.port.or(preset.port.map(u32::from)) {
                Some(p) if (1..=65535).contains(&p) => Some(p as u16),
                Some(p) => {
                    errs.push(FieldError::new(
                        "port",
                        p,
                        "must be a TCP port from 1 to 65535".into(),
                    ));
                    None
                }
                None => {
                    errs.push(FieldError::missing("port", "a TCP port from 1 to 65535"));
                    None
                }
            }
        };
        let readiness = self.readiness.unwrap_or_else(|| preset.readiness.clone());
        let liveness = self.liveness.unwrap_or_else(|| preset.liveness.clone());
        check_health("readiness", &readiness, app_type, &mut errs);
        check_health("liveness", &liveness, app_type, &mut errs);
        if readiness == liveness {
            errs.push(
                FieldError::new(
                    "liveness",
                    &liveness,
                    "must differ from readiness: with one handler an overloaded pod is restarted the \
                     moment it leaves the Service, instead of resting until it recovers"
                        .into(),
                )
                .help("give liveness its own cheap endpoint (e.g. --liveness-path /livez) or use --liveness-tcp"),
            );
        }
        let startup_seconds = self.startup_seconds.unwrap_or(preset.startup_seconds);
        let max_startup_seconds = self
            .max_startup_seconds
            .unwrap_or_else(|| preset.max_startup_seconds.max(startup_seconds));
        if !(1..=MAX_STARTUP_SECONDS).contains(&startup_seconds) {
            errs.push(FieldError::new(
                "startupSeconds",
                startup_seconds,
                format!("must be from 1 to {MAX_STARTUP_SECONDS} seconds"),
            ));
        }
        if !(1..=MAX_STARTUP_SECONDS).contains(&max_startup_seconds) {
            errs.push(FieldError::new(
                "maxStartupSeconds",
                max_startup_seconds,
                format!("must be from 1 to {MAX_STARTUP_SECONDS} seconds"),
            ));
        } else if max_startup_seconds < startup_seconds {
            errs.push(FieldError::new(
                "maxStartupSeconds",
                max_startup_seconds,
                format!("the worst-case startup must be at least the typical startup ({startup_seconds} s)"),
            ));
        }
        let drain_seconds = self.drain_seconds.unwrap_or(preset.drain_seconds);
        if drain_seconds > MAX_DRAIN_SECONDS {
            errs.push(FieldError::new(
                "drainSeconds",
                drain_seconds,
                format!("must be from 0 to {MAX_DRAIN_SECONDS} seconds"),
            ));
        }
        let resources = resolve_resources(&self.resources, preset, &mut errs);
        let part_of = self.part_of.unwrap_or_else(|| name.clone());
        if let Err(why) = check_label_value(&part_of) {
            errs.push(FieldError::new("partOf", &part_of, why));
        }
        let kube_version = self
            .kube_version
            .unwrap_or_else(|| DEFAULT_KUBE_VERSION.to_string());
        if !SUPPORTED_KUBE_VERSIONS.contains(&kube_version.as_str()) {
            errs.push(FieldError::new(
                "kubeVersion",
                &kube_version,
                format!(
                    "supported versions are {}",
                    SUPPORTED_KUBE_VERSIONS.join(", ")
                ),
            ));
        }
        let run_as_user = self.run_as_user.unwrap_or(preset.run_as_user);
        if run_as_user == 0 {
            errs.push(FieldError::new(
                "runAsUser",
                0,
                "must not be root (0); use a UID of 10000 or above unless the image needs its own"
                    .into(),
            ));
        }
        let writable_dirs = self
            .writable_dirs
            .unwrap_or_else(|| preset.writable_dirs.clone());
        // Each becomes a volumeMount: the API server refuses a mountPath used twice, and `/tmp`
        // is always mounted.
        let mut mounts = vec!["/tmp"];
        for d in &writable_dirs {
            if let Err(why) = check_abs_path(d) {
                errs.push(FieldError::new("writableDirs", d, why));
            } else if mounts.contains(&d.trim_end_matches('/')) {
                errs.push(FieldError::new(
                    "writableDirs",
                    d,
                    "is mounted already (listed twice, or /tmp, which every bundle mounts); a mountPath must be unique".into(),
                ));
            } else {
                mounts.push(d.trim_end_matches('/'));
            }
        }
        let mut overlays = Vec::new();
        for o in self.overlays {
            if let Err(why) = check_dns_label(&o) {
                errs.push(FieldError::new("overlays", &o, why));
            } else if overlays.contains(&o) {
                errs.push(FieldError::new("overlays", &o, "is listed twice".into()));
            } else if check_dns_label(&crate::policy::overlays::overlay_namespace(&namespace, &o))
                .is_err()
            {
                errs.push(FieldError::new(
                    "overlays",
                    &o,
                    format!("makes the namespace `{namespace}-{o}` longer than the 63 characters a namespace may have"),
                ));
            } else {
                overlays.push(o);
            }
        }
        if let Some(m) = &self.registry_mirror {
            if let Err(why) = check_registry_mirror(m) {
                errs.push(FieldError::new("registryMirror", m, why));
            }
        }
        self.config.validate(&mounts, &mut errs, warnings);
        let exposure = self.exposure.unwrap_or(preset.exposure);
        let routing = crate::route::resolve(self.route, exposure, app_type, &mut errs);
        let image_has_shell = self.image_has_shell.unwrap_or(preset.image_has_shell);
        check_shell_probes(&readiness, &liveness, image_has_shell, &mut errs);
        if let Some(r) = self.runtime.filter(|r| !r.fits(app_type)) {
            let fitting = crate::runtime::Runtime::names_fitting(app_type);
            errs.push(FieldError::new(
                "runtime",
                enum_name(&r),
                if fitting.is_empty() {
                    format!("app type `{}` takes no runtime", enum_name(&app_type))
                } else {
                    format!(
                        "app type `{}` runs on {}",
                        enum_name(&app_type),
                        fitting.join(", ")
                    )
                },
            ));
        }
        if let Some(s) = &self.scaling {
            let replicas = crate::policy::rollout::replicas(
                self.cost.unwrap_or(preset.cost),
                self.traffic.unwrap_or(preset.traffic),
            )
            .value;
            crate::keda::validate(&s.keda, replicas, &mut errs);
            if !overlays.is_empty() {
                errs.push(
                    FieldError::new(
                        "overlays",
                        overlays.join(","),
                        "overlays patch the HorizontalPodAutoscaler, which a KEDA ScaledObject replaces; zerodown does not yet write overlays for a ScaledObject".into(),
                    )
                    .help("drop --overlays, or scale on CPU without the KEDA trigger"),
                );
            }
        }
        if errs.is_empty() {
            let c = self.config;
            Ok(Spec {
                name,
                namespace,
                preset: preset.name.clone(),
                preset_file: self.preset_file,
                app_type,
                image,
                allow_mutable_tag: self.allow_mutable_tag,
                port,
                readiness,
                liveness,
                startup_seconds,
                max_startup_seconds,
                drain_seconds,
                traffic: self.traffic.unwrap_or(preset.traffic),
                cost: self.cost.unwrap_or(preset.cost),
                exposure,
                resources,
                image_has_shell,
                run_as_user,
                writable_dirs,
                part_of,
                kube_version,
                helm: self.helm,
                overlays,
                registry_mirror: self.registry_mirror,
                lint_annotations: {
                    let mut l = self.lint_annotations;
                    l.sort();
                    l.dedup();
                    l
                },
                env: c.env,
                env_from: c.env_from,
                mounts: c.mounts,
                command: c.command,
                args: c.args,
                command_execs: c.command_execs,
                service_account_annotations: c.service_account_annotations,
                image_pull_secrets: c.image_pull_secrets,
                pod_labels: c.pod_labels,
                pod_annotations: c.pod_annotations,
                node_selector: c.node_selector,
                tolerations: c.tolerations,
                priority_class_name: c.priority_class_name,
                namespace_object: c.namespace_object.unwrap_or(true),
                route: routing.route,
                load_balancer: routing.load_balancer,
                network_policy: routing.network_policy,
                runtime: self.runtime,
                scaling: self.scaling,
            })
        } else {
            Err(errs)
        }
    }
}

impl Spec {
    /// Re-validates a spec read from a file (a hand-edited `zerodown.yaml` gets the same checks as
    /// flags). Returns the spec as [`Answers::resolve`] rebuilds it.
    pub fn validated(
        self,
        preset: &Preset,
        warnings: &mut Vec<String>,
    ) -> Result<Spec, FieldErrors> {
        if self.app_type != preset.app_type {
            let mut errs = FieldErrors::default();
            errs.push(FieldError::new(
                "appType",
                self.app_type_name(),
                format!(
                    "preset `{}` is for app type `{}`",
                    preset.name,
                    enum_name(&preset.app_type)
                ),
            ));
            return Err(errs);
        }
        Answers::from_spec(&self).resolve(preset, warnings)
    }

    /// The kebab-case name of the app type, as written in the spec file.
    pub fn app_type_name(&self) -> String {
        enum_name(&self.app_type)
    }

    /// The target minor version as a number (35 for `1.35`).
    pub fn kube_minor(&self) -> u32 {
        self.kube_version
            .strip_prefix("1.")
            .and_then(|m| m.parse().ok())
            .unwrap_or(35)
    }
}

/// The serde (kebab-case) name of a unit enum value, e.g. `load-balancer`.
pub fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn resolve_resources(o: &ResourceOverrides, preset: &Preset, errs: &mut FieldErrors) -> Resources {
    let p = &preset.resources;
    let cpu_request = o.cpu_request_millicores.unwrap_or(p.cpu_request_millicores);
    // A raised request without an explicit limit keeps the preset's limit/request ratio.
    let cpu_limit = o.cpu_limit_millicores.unwrap_or_else(|| {
        if o.cpu_request_millicores.is_some() {
            let ratio_x100 =
                p.cpu_limit_millicores as u64 * 100 / p.cpu_request_millicores.max(1) as u64;
            (cpu_request as u64 * ratio_x100 / 100).min(u32::MAX as u64) as u32
        } else {
            p.cpu_limit_millicores
        }
    });
    let r = Resources {
        cpu_request_millicores: cpu_request,
        cpu_limit_millicores: cpu_limit,
        memory_mib: o.memory_mib.unwrap_or(p.memory_mib),
        ephemeral_storage_mib: o.ephemeral_storage_mib.unwrap_or(p.ephemeral_storage_mib),
    };
    if !(10..=64_000).contains(&r.cpu_request_millicores) {
        errs.push(FieldError::new(
            "resources.cpuRequestMillicores",
            r.cpu_request_millicores,
            "must be from 10 to 64000 millicores".into(),
        ));
    }
    if r.cpu_limit_millicores < r.cpu_request_millicores || r.cpu_limit_millicores > 64_000 {
        errs.push(FieldError::new(
            "resources.cpuLimitMillicores",
            r.cpu_limit_millicores,
            format!(
                "must be at least the CPU request ({} millicores) and at most 64000",
                r.cpu_request_millicores
            ),
        ));
    }
    if !(16..=1_048_576).contains(&r.memory_mib) {
        errs.push(FieldError::new(
            "resources.memoryMiB",
            r.memory_mib,
            "must be from 16 to 1048576 MiB".into(),
        ));
    }
    if !(64..=1_048_576).contains(&r.ephemeral_storage_mib) {
        errs.push(FieldError::new(
            "resources.ephemeralStorageMiB",
            r.ephemeral_storage_mib,
            "must be from 64 to 1048576 MiB".into(),
        ));
    }
    r
}

fn check_health(field: &str, h: &HealthCheck, app_type: AppType, errs: &mut FieldErrors) {
    match h {
        HealthCheck::HttpGet { path } => {
            if app_type.is_worker() {
                errs.push(
                    FieldError::new(
                        field,
                        h,
                        "a worker has no port, so it cannot be probed over HTTP".into(),
                    )
                    .help(format!(
                        "use --{field}-command with a command that exits 0 when healthy"
                    )),
                );
            } else if let Err(why) = check_url_path(path) {
                errs.push(FieldError::new(field, path, why));
            }
        }
        HealthCheck::Exec { command } => {
            if command.is_empty() || command.iter().any(|a| a.is_empty()) {
                errs.push(FieldError::new(
                    field,
                    h,
                    "the command must be a non-empty argv with no empty words".into(),
                ));
            } else if command.len() > 64
                || command
                    .iter()
                    .any(|a| a.len() > 1024 || a.chars().any(char::is_control))
            {
                errs.push(FieldError::new(
                    field,
                    h,
                    "the command must have at most 64 words of at most 1024 characters, without control characters"
                        .into(),
                ));
            }
        }
        HealthCheck::TcpSocket {} => {
            if app_type.is_worker() {
                errs.push(FieldError::new(
                    field,
                    h,
                    "a worker has no port to connect to".into(),
                ));
            }
        }
    }
}

/// Exec probes that run a shell (`sh`, `bash`) need one in the image: with `imageHasShell: false`
/// (distroless, scratch) the kubelet cannot start them and the probe fails for ever.
fn check_shell_probes(
    readiness: &HealthCheck,
    liveness: &HealthCheck,
    image_has_shell: bool,
    errs: &mut FieldErrors,
) {
    if image_has_shell {
        return;
    }
    for (field, h) in [("readiness", readiness), ("liveness", liveness)] {
        if let HealthCheck::Exec { command } = h {
            let prog = command.first().map(String::as_str).unwrap_or("");
            let base = prog.rsplit('/').next().unwrap_or(prog);
            if matches!(base, "sh" | "bash" | "ash" | "dash") {
                errs.push(
                    FieldError::new(
                        field,
                        h,
                        format!("runs `{prog}`, but imageHasShell is false (a distroless or scratch image has no shell), so the probe can never pass"),
                    )
                    .help(format!("pass --{field}-command with a binary of your image that exits non-zero when the heartbeat is stale (e.g. `/app/healthcheck --max-age 30s`), or set imageHasShell: true if the image has /bin/sh")),
                );
            }
        }
    }
}

/// Checks a DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric,
/// at most 63 characters (Kubernetes docs, "Object Names and IDs", DNS Label Names).
pub fn check_dns_label(s: &str) -> Result<(), String> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if s.is_empty() {
        Err("must not be empty; use a DNS-1123 label (lowercase letters, digits and '-')".into())
    } else if s.len() > 63 {
        Err(format!(
            "is {} characters long; a DNS-1123 label has at most 63",
            s.len()
        ))
    } else if !ok_chars {
        Err("may contain only lowercase letters, digits and '-' (a DNS-1123 label)".into())
    } else if !s.as_bytes()[0].is_ascii_alphanumeric()
        || !s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
    {
        Err("must start and end with a lowercase letter or digit (a DNS-1123 label)".into())
    } else {
        Ok(())
    }
}

/// Checks a registry to mirror to: `host[:port][/path]`, no scheme, tag or digest.
pub fn check_registry_mirror(m: &str) -> Result<(), String> {
    let allowed = "must be a registry host with an optional :port and path, e.g. registry.corp.example/mirror (no https://, tag or digest)";
    if m.contains("://") || m.contains('@') || m.ends_with('/') {
        return Err(allowed.into());
    }
    match ImageRef::parse(&format!("{m}/x:1")) {
        Ok(r) if r.registry.is_some() => Ok(()),
        _ => Err(allowed.into()),
    }
}

/// Checks a label value: at most 63 characters of alphanumerics, '-', '_' or '.', starting and
/// ending alphanumeric (Kubernetes docs, "Labels and Selectors", Syntax and character set).
pub fn check_label_value(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err("must be a label value: 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit".into())
    }
}

fn check_url_path(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        Err("must be an absolute URL path starting with '/', e.g. /readyz".into())
    } else if p.len() > 1024 || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(
            "must be a URL path of at most 1024 characters without spaces or control characters"
                .into(),
        )
    } else {
        Ok(())
    }
}

fn check_abs_path(p: &str) -> Result<(), String> {
    if !p.starts_with('/')
        || p.trim_end_matches('/').is_empty()
        || p.len() > 512
        || p.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        Err("must be an absolute directory path other than '/', without spaces or control characters".into())
    } else {
        check_mount_dir(p)
    }
}

/// Folders a volume must never hide: the root's system directories (the binaries, libraries and
/// `/etc` the image needs) and the kernel's `/proc`, `/sys` and `/dev` (and all below them).
const SYSTEM_DIRS: [&str; 13] = [
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys",
    "/usr", "/var",
];

/// Checks that an absolute mount path names its folder one way only (no `.`, `..` or empty
/// segment: `/x/../tmp` is `/tmp`, which a text comparison with the other mounts misses) and is
/// not a system folder (a read-only volume over `/etc` or `/proc` breaks the container).
pub fn check_mount_dir(p: &str) -> Result<(), String> {
    let trimmed = p.trim_end_matches('/');
    if trimmed
        .split('/')
        .skip(1)
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(
            "must name its folder directly: no '.', '..' or '//' in the path (e.g. /config)".into(),
        );
    }
    let kernel = ["/proc", "/sys", "/dev"];
    if SYSTEM_DIRS.contains(&trimmed)
        || kernel.iter().any(|k| trimmed.starts_with(&format!("{k}/")))
    {
        return Err(format!(
            "is a system folder: a volume there hides what the image or the kernel puts in it; use a folder of the app's own, e.g. /config or {trimmed}/app if it is not under /proc, /sys or /dev"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(check_dns_label("checkout").is_ok());
        assert!(check_dns_label("a-1").is_ok());
        assert!(check_dns_label("Checkout").is_err());
        assert!(check_dns_label("-a").is_err());
        assert!(check_dns_label("a-").is_err());
        assert!(check_dns_label("").is_err());
        assert!(check_dns_label(&"a".repeat(64)).is_err());
        assert!(check_dns_label(&"a".repeat(63)).is_ok());
        assert!(check_dns_label("a_b").is_err());
    }

    #[test]
    fn writable_dirs_are_distinct_mounts() {
        let preset = Preset::builtin("generic").unwrap();
        let answers = |dirs: &[&str]| Answers {
            name: Some("app".into()),
            image: Some("registry.example.com/team/app:1.0.0".into()),
            writable_dirs: Some(dirs.iter().map(|d| d.to_string()).collect()),
            ..Answers::default()
        };
        assert!(answers(&["/data", "/cache/"])
            .resolve(&preset, &mut vec![])
            .is_ok());
        for bad in [&["/tmp"][..], &["/data", "/data/"], &["//"]] {
            let e = answers(bad).resolve(&preset, &mut vec![]).unwrap_err();
            assert_eq!(e.0.len(), 1, "{bad:?}: {e}");
            assert_eq!(e.0[0].field, "writableDirs");
        }
    }

    #[test]
    fn label_values() {
        assert!(check_label_value("1.4.2").is_ok());
        assert!(check_label_value("v1_2-rc.1").is_ok());
        assert!(check_label_value(".x").is_err());
        assert!(check_label_value("a b").is_err());
    }
}
