//! App-type presets: data files in `presets/`, embedded at build time, or a user's preset file.
//! A preset supplies the defaults for every answer the user did not give, plus README notes.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::spec::{AppType, Cost, Exposure, HealthCheck, Resources, Traffic};

/// The built-in presets as `(name, YAML text)`, in the order `zerodown presets` lists them.
pub const BUILTIN: [(&str, &str); 9] = [
    ("generic", include_str!("../presets/generic.yaml")),
    ("spring-boot", include_str!("../presets/spring-boot.yaml")),
    ("quarkus", include_str!("../presets/quarkus.yaml")),
    ("node", include_str!("../presets/node.yaml")),
    ("go", include_str!("../presets/go.yaml")),
    (
        "python-gunicorn",
        include_str!("../presets/python-gunicorn.yaml"),
    ),
    ("dotnet", include_str!("../presets/dotnet.yaml")),
    ("nginx-static", include_str!("../presets/nginx-static.yaml")),
    ("worker", include_str!("../presets/worker.yaml")),
];

/// The preset used when none is named.
pub const DEFAULT_PRESET: &str = "generic";

/// Defaults for one kind of app. Seconds for times, millicores and MiB for resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Preset {
    /// Preset name (a DNS-1123 label).
    pub name: String,
    /// One line for `zerodown presets` and the wizard.
    pub description: String,
    /// Runtime family.
    pub app_type: AppType,
    /// The runtime or framework whose shutdown and memory the bundle configures by environment
    /// (absent: the one the app type implies, if any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<crate::runtime::Runtime>,
    /// Default serving port; absent for workers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Default readiness check.
    #[serde(with = "serde_yaml_ng::with::singleton_map")]
    #[schemars(with = "HealthCheck")]
    pub readiness: HealthCheck,
    /// Default liveness check.
    #[serde(with = "serde_yaml_ng::with::singleton_map")]
    #[schemars(with = "HealthCheck")]
    pub liveness: HealthCheck,
    /// Typical startup in seconds.
    pub startup_seconds: u32,
    /// Worst-case startup in seconds.
    pub max_startup_seconds: u32,
    /// Seconds to finish in-flight work after SIGTERM.
    pub drain_seconds: u32,
    /// Default traffic profile.
    #[serde(default = "default_traffic")]
    pub traffic: Traffic,
    /// Default cost tolerance.
    #[serde(default = "default_cost")]
    pub cost: Cost,
    /// Default exposure.
    #[serde(default = "default_exposure")]
    pub exposure: Exposure,
    /// Default resources.
    pub resources: Resources,
    /// Whether the usual image for this app type has `/bin/sh`.
    pub image_has_shell: bool,
    /// UID and GID to run as.
    pub run_as_user: u32,
    /// Writable directories besides `/tmp`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writable_dirs: Vec<String>,
    /// Advice the bundle README repeats (how to make the app itself shut down cleanly).
    #[serde(default)]
    pub notes: Vec<String>,
}

fn default_traffic() -> Traffic {
    Traffic::Steady
}
fn default_cost() -> Cost {
    Cost::Balanced
}
fn default_exposure() -> Exposure {
    Exposure::Internal
}

impl Preset {
    /// A built-in preset by name. Errors name the preset and list the built-in ones, with a
    /// "did you mean" when one is close.
    pub fn builtin(name: &str) -> Result<Preset, Error> {
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Preset::parse(text, &format!("presets/{name}.yaml")),
            None => {
                let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                let mut help = format!("built-in presets: {}", names.join(", "));
                if let Some(close) = did_you_mean(name, &names) {
                    help = format!("did you mean `{close}`? {help}");
                }
                Err(Error::usage(format!("unknown preset `{name}`"), help))
            }
        }
    }

    /// Every built-in preset.
    pub fn all_builtin() -> Vec<Preset> {
        BUILTIN
            .iter()
            .filter_map(|(n, t)| Preset::parse(t, &format!("presets/{n}.yaml")).ok())
            .collect()
    }

    /// Reads a user's preset file (same format as `presets/*.yaml`).
    pub fn from_file(path: &Path) -> Result<Preset, Error> {
        let text = crate::specfile::read_text(path)?;
        Preset::parse(&text, &path.display().to_string())
    }

    /// Parses and checks a preset. `origin` names the file in errors (`file:line:column`).
    pub fn parse(text: &str, origin: &str) -> Result<Preset, Error> {
        let p: Preset = crate::specfile::parse_yaml(text, origin)?;
        let bad = |field: &str, msg: String| Error::File {
            location: format!("{origin}:{}:1", crate::specfile::line_of_key(text, field)),
            message: format!("invalid value for `{field}`: {msg}"),
        };
        if let Err(why) = crate::spec::check_dns_label(&p.name) {
            return Err(bad("name", format!("{:?} {why}", p.name)));
        }
        if p.app_type.is_worker() != p.port.is_none() {
            return Err(bad(
                "port",
                "a worker preset has no port; every other preset needs one".into(),
            ));
        }
        if let Some(r) = p.runtime.filter(|r| !r.fits(p.app_type)) {
            return Err(bad(
                "runtime",
                format!(
                    "`{}` does not fit app type `{}`",
                    crate::spec::enum_name(&r),
                    crate::spec::enum_name(&p.app_type)
                ),
            ));
        }
        if p.port == Some(0) {
            return Err(bad("port", "must be from 1 to 65535".into()));
        }
        Ok(p)
    }
}

/// The closest candidate, if it is close enough to be a typo (a small edit distance, or a
/// shared prefix as in `nginx` for `nginx-static`).
pub fn did_you_mean<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .filter(|c| {
            strsim::levenshtein(given, c) <= 2.max(c.len() / 3)
                || strsim::jaro_winkler(given, c) >= 0.85
        })
        .max_by(|a, b| strsim::jaro_winkler(given, a).total_cmp(&strsim::jaro_winkler(given, b)))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_preset_parses_and_is_named_after_its_file() {
        for (name, text) in BUILTIN {
            let p = Preset::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.name, name);
            assert!(p.max_startup_seconds >= p.startup_seconds, "{name}");
            assert!(!p.notes.is_empty(), "{name} has README notes");
        }
        assert_eq!(Preset::all_builtin().len(), BUILTIN.len());
    }

    #[test]
    fn unknown_preset_suggests_the_close_one() {
        let e = Preset::builtin("sprng-boot").unwrap_err().to_string();
        assert!(e.contains("unknown preset `sprng-boot`"), "{e}");
        assert!(e.contains("did you mean `spring-boot`?"), "{e}");
        assert_eq!(
            did_you_mean("nginx", &["go", "nginx-static"]),
            Some("nginx-static")
        );
        assert_eq!(did_you_mean("rust", &["go", "nginx-static", "node"]), None);
    }
}
