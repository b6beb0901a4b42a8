//! `zerodown adopt`: an existing Deployment (with its Service, PDB, HPA or KEDA ScaledObject,
//! Ingress or HTTPRoute) -> the [`Spec`] that reproduces it as closely as the spec can say, the
//! inverse of policy + render, with what the bundle would change and what could not be carried.
//!
//! The manifests are read by the check parser ([`crate::check::manifests`]); live-cluster dumps
//! are read from their last-applied-configuration. Direct fields (image, port, probe handlers,
//! resources, env, mounts, placement, route) are copied; the answers the policy turns into many
//! fields (preset, runtime, traffic, cost, exposure) are found by planning every candidate and
//! keeping the one whose plan matches the input best ([`infer`]). The differences between the
//! input and the bundle rendered from the result are listed by [`report`].

pub mod infer;
pub mod report;

use serde_json::Value;

use crate::check::manifests::{read_manifests, Manifest};
use crate::check::Source;
use crate::error::Error;
use crate::plan::Plan;
use crate::preset::Preset;
use crate::spec::Spec;

pub use report::{Change, ChangeKind, Report};

/// The result of one adoption.
#[derive(Debug, Clone)]
pub struct Adopted {
    /// The spec, validated (as `zerodown render` would read it back).
    pub spec: Spec,
    /// The preset it names.
    pub preset: Preset,
    /// The plan of `spec`.
    pub plan: Plan,
    /// Input object -> bundle differences, and what was not carried over.
    pub report: Report,
    /// Warnings of the inference and the validation (a selector that differs, a namespace made
    /// up, a value clamped, ...).
    pub warnings: Vec<String>,
}

/// The objects of the input that belong to the adopted Deployment.
#[derive(Debug, Clone, Default)]
pub struct App<'a> {
    /// The Deployment.
    pub deployment: Option<&'a Manifest>,
    /// Services whose selector matches the pod labels.
    pub services: Vec<&'a Manifest>,
    /// PodDisruptionBudgets whose selector matches the pod labels.
    pub pdbs: Vec<&'a Manifest>,
    /// The HorizontalPodAutoscaler targeting the Deployment.
    pub hpa: Option<&'a Manifest>,
    /// The KEDA ScaledObject targeting the Deployment.
    pub scaled_object: Option<&'a Manifest>,
    /// Ingresses with a backend on one of the Services.
    pub ingresses: Vec<&'a Manifest>,
    /// HTTPRoutes with a backendRef on one of the Services.
    pub http_routes: Vec<&'a Manifest>,
    /// NetworkPolicies whose podSelector matches the pod labels.
    pub network_policies: Vec<&'a Manifest>,
    /// The pods' ServiceAccount, when in the input.
    pub service_account: Option<&'a Manifest>,
    /// The Namespace object, when in the input.
    pub namespace: Option<&'a Manifest>,
}

/// Options of one adoption.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The Deployment to adopt (`name` or `namespace/name`) when the input has several.
    pub name: Option<String>,
    /// The namespace of the spec, instead of the input's (required when that is `default`).
    pub namespace: Option<String>,
    /// Values only the team knows (`--choose`, as `check --fix` takes them):
    /// `image-tag-mutable=IMAGE` pins a mutable tag instead of accepting it
    /// (`allowMutableTag`), `shell-pid1-drops-sigterm='APP ARGS'` replaces a shell wrapper
    /// with the app's own command. Others answer nothing here (an error).
    pub choices: Vec<crate::check::Choice>,
    /// `--command-execs`: the input's shell wrapper script ends by exec'ing the app
    /// (`commandExecs: true` in the spec).
    pub command_execs: bool,
}

/// Adopts the Deployment of `sources`. Errors (exit 2): no Deployment, several without
/// `--name`, a `--name` that matches none, or a spec that does not validate.
pub fn adopt(sources: &[Source], options: &Options) -> Result<Adopted, Error> {
    let (manifests, _input_errors) = read_manifests(sources);
    let app = select(&manifests, options.name.as_deref())?;
    let mut warnings = Vec::new();
    let (spec, preset, dropped) = infer::infer(&app, options, &mut warnings)?;
    let plan = crate::policy::plan(&spec, &preset);
    let required = app
        .deployment
        .and_then(|d| {
            d.value
                .pointer("/spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution")
        })
        .and_then(serde_json::Value::as_array)
        .is_some_and(|t| {
            t.iter().any(|term| {
                term.get("topologyKey").and_then(serde_json::Value::as_str)
                    == Some("kubernetes.io/hostname")
            })
        });
    if required && !plan.spread.hard_anti_affinity.value {
        // Measured on the cluster/ control plane (scenario `fix`): the running pods' required
        // terms keep every new pod off their nodes, so the first rollout of the preferred terms
        // stalls when there are as many nodes as pods.
        warnings.push(format!(
            "the running Deployment requires one pod per node (required podAntiAffinity) and the bundle only prefers it: the running pods' required terms keep each new pod off their nodes, so with as many schedulable nodes as pods the first rollout of this bundle stalls Pending; apply it with a spare node, or once with `kubectl -n {} patch deployment/{} -p '{{\"spec\":{{\"strategy\":{{\"rollingUpdate\":{{\"maxSurge\":0,\"maxUnavailable\":1}}}}}}}}'` before the apply",
            spec.namespace, spec.name
        ));
    }
    let bundle = crate::render::bundle(&spec, &plan)?;
    let report = report::compare(&app, &bundle, &plan, dropped, &mut warnings);
    Ok(Adopted {
        spec,
        preset,
        plan,
        report,
        warnings,
    })
}

/// Picks the Deployment and the objects that belong to it.
pub fn select<'a>(manifests: &'a [Manifest], name: Option<&str>) -> Result<App<'a>, Error> {
    let deployments: Vec<&Manifest> = manifests
        .iter()
        .filter(|m| m.kind == "Deployment")
        .collect();
    let listed = || {
        deployments
            .iter()
            .map(|d| format!("{}/{}", d.namespace, d.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let deployment = match name {
        Some(want) => {
            let hits: Vec<&&Manifest> = deployments
                .iter()
                .filter(|d| d.name == want || format!("{}/{}", d.namespace, d.name) == want)
                .collect();
            match hits.as_slice() {
                [one] => **one,
                [] => {
                    return Err(Error::Usage {
                        message: format!(
                            "`--name`: {want:?} names no Deployment of the input (it has: {})",
                            if deployments.is_empty() { "none".into() } else { listed() }
                        ),
                        help: Some("pass one of the listed names".into()),
                    })
                }
                _ => {
                    return Err(Error::Usage {
                        message: format!(
                            "`--name`: {want:?} names Deployments in several namespaces ({})",
                            listed()
                        ),
                        help: Some("pass it as NAMESPACE/NAME".into()),
                    })
                }
            }
        }
        None => match deployments.as_slice() {
            [one] => *one,
            [] => {
                return Err(Error::Usage {
                    message: "the input has no Deployment: `adopt` reads a Deployment (with its Service, PDB, HPA or ScaledObject)".into(),
                    help: Some("pass the files or folder of the app's manifests, `helm template ... | zerodown adopt -`, or `kubectl get deploy,svc,pdb,hpa,ingress -o yaml | zerodown adopt -`".into()),
                })
            }
            _ => {
                return Err(Error::Usage {
                    message: format!(
                        "the input has {} Deployments ({}); `adopt` makes the spec of one",
                        deployments.len(),
                        listed()
                    ),
                    help: Some("pick one with --name NAME (or NAMESPACE/NAME)".into()),
                })
            }
        },
    };
    let ns = deployment.namespace.as_str();
    let pod_labels = string_map(deployment.value.pointer("/spec/template/metadata/labels"));
    let in_ns = |k: &'static str| {
        manifests
            .iter()
            .filter(move |m| m.kind == k && m.namespace == ns)
    };
    let selects = |sel: Option<&Value>| {
        let sel = string_map(sel);
        !sel.is_empty() && sel.iter().all(|(k, v)| pod_labels.get(k) == Some(v))
    };
    let services: Vec<&Manifest> = in_ns("Service")
        .filter(|s| selects(s.value.pointer("/spec/selector")))
        .collect();
    let pdbs = in_ns("PodDisruptionBudget")
        .filter(|p| selects(p.value.pointer("/spec/selector/matchLabels")))
        .collect();
    let targets = |m: &&Manifest| {
        let r = m.value.pointer("/spec/scaleTargetRef");
        r.and_then(|r| r.get("name")).and_then(Value::as_str) == Some(deployment.name.as_str())
            && r.and_then(|r| r.get("kind"))
                .and_then(Value::as_str)
                .is_none_or(|k| k == "Deployment")
    };
    let hpa = in_ns("HorizontalPodAutoscaler").find(targets);
    let scaled_object = in_ns("ScaledObject").find(targets);
    let service_names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let ingresses = in_ns("Ingress")
        .filter(|i| {
            strings_at_all(&i.value, "service")
                .iter()
                .any(|n| service_names.contains(&n.as_str()))
        })
        .collect();
    let http_routes = in_ns("HTTPRoute")
        .filter(|r| {
            r.value
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|rule| {
                    rule.get("backendRefs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                })
                .any(|b| {
                    b.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| service_names.contains(&n))
                })
        })
        .collect();
    let network_policies = in_ns("NetworkPolicy")
        .filter(|n| selects(n.value.pointer("/spec/podSelector/matchLabels")))
        .collect();
    let sa_name = deployment
        .value
        .pointer("/spec/template/spec/serviceAccountName")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let service_account = in_ns("ServiceAccount").find(|s| s.name == sa_name);
    let namespace = manifests
        .iter()
        .find(|m| m.kind == "Namespace" && m.name == ns);
    Ok(App {
        deployment: Some(deployment),
        services,
        pdbs,
        hpa,
        scaled_object,
        ingresses,
        http_routes,
        network_policies,
        service_account,
        namespace,
    })
}

/// The service names of an Ingress's backends (`backend.service.name` anywhere in its spec).
fn strings_at_all(v: &Value, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, key: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == key {
                        if let Some(n) = x.get("name").and_then(Value::as_str) {
                            out.push(n.to_string());
                        }
                    }
                    walk(x, key, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            _ => {}
        }
    }
    walk(v.get("spec").unwrap_or(&Value::Null), key, &mut out);
    out
}

/// A string map (labels, selectors); non-string values as JSON.
pub(crate) fn string_map(v: Option<&Value>) -> std::collections::BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads sources for `adopt` from paths (`-` for stdin), as `check` does.
pub fn load(
    paths: &[std::path::PathBuf],
    stdin: &mut dyn std::io::Read,
) -> Result<Vec<Source>, Error> {
    let (sources, errors) = crate::check::load_paths(paths, stdin);
    let fatal: Vec<String> = errors
        .iter()
        .filter(|e| e.level == crate::check::Severity::Error)
        .map(|e| match e.line {
            Some(l) => format!("{}:{l}: error: {}", e.file, e.message),
            None => format!("{}: error: {}", e.file, e.message),
        })
        .collect();
    if !fatal.is_empty() && sources.is_empty() {
        return Err(Error::Located(fatal));
    }
    Ok(sources)
}
