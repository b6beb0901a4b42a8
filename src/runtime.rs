//! The app's runtime or framework, where it decides what the bundle can configure by environment
//! (graceful-shutdown timeouts, heap and memory limits). A preset names it (`runtime:` in
//! `presets/*.yaml`); a spec may name another (`runtime:` in `zerodown.yaml`, `--runtime`), e.g. a
//! queue worker written in Go or Spring Boot.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::spec::AppType;

/// A runtime whose shutdown or memory the bundle configures through environment variables.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    /// A JVM without a known framework: heap sizing only (`JAVA_TOOL_OPTIONS`).
    Jvm,
    /// Spring Boot: heap sizing, plus graceful shutdown and its per-phase timeout.
    SpringBoot,
    /// Quarkus (JVM mode): heap sizing, plus the shutdown timeout.
    Quarkus,
    /// Node.js: V8 heap sizing (`NODE_OPTIONS`); SIGTERM handling is the app's own code.
    Node,
    /// A Go binary: the runtime's soft memory limit (`GOMEMLIMIT`).
    Go,
    /// Python under gunicorn: the graceful worker timeout (`GUNICORN_CMD_ARGS`).
    Gunicorn,
    /// .NET (Generic Host, ASP.NET Core): the host's shutdown timeout.
    Dotnet,
}

impl Runtime {
    /// The runtime an app type implies when neither the spec nor the preset names one
    /// (user preset files written before presets had `runtime`).
    pub fn implied_by(app_type: AppType) -> Option<Runtime> {
        match app_type {
            AppType::Jvm => Some(Runtime::Jvm),
            AppType::Node => Some(Runtime::Node),
            AppType::Go => Some(Runtime::Go),
            AppType::Dotnet => Some(Runtime::Dotnet),
            _ => None,
        }
    }

    /// Whether an app of `app_type` can run on this runtime: the HTTP app types are one
    /// family each; `generic` and `worker` can be any; nginx is none of these.
    pub fn fits(self, app_type: AppType) -> bool {
        match app_type {
            AppType::Generic | AppType::Worker => true,
            AppType::Jvm => matches!(self, Runtime::Jvm | Runtime::SpringBoot | Runtime::Quarkus),
            AppType::Node => self == Runtime::Node,
            AppType::Go => self == Runtime::Go,
            AppType::Python => self == Runtime::Gunicorn,
            AppType::Dotnet => self == Runtime::Dotnet,
            AppType::Nginx => false,
        }
    }

    /// The runtimes that fit `app_type`, as written in a spec (for error messages).
    pub fn names_fitting(app_type: AppType) -> Vec<String> {
        use clap::ValueEnum;
        Runtime::value_variants()
            .iter()
            .filter(|r| r.fits(app_type))
            .map(crate::spec::enum_name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_fit_their_app_type_family() {
        assert!(Runtime::SpringBoot.fits(AppType::Jvm));
        assert!(!Runtime::Go.fits(AppType::Jvm));
        assert!(Runtime::Go.fits(AppType::Worker));
        assert!(!Runtime::Node.fits(AppType::Nginx));
        assert_eq!(
            Runtime::names_fitting(AppType::Jvm),
            ["jvm", "spring-boot", "quarkus"]
        );
        assert!(Runtime::names_fitting(AppType::Nginx).is_empty());
        assert_eq!(Runtime::implied_by(AppType::Python), None);
    }
}
