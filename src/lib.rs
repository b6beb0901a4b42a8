//! zerodown: turns a few answers about a service into a complete, zero-downtime Kubernetes bundle.
//!
//! Data flows one way: flags or a spec file -> [`spec::Spec`] (validated answers) ->
//! [`plan::Plan`] (every tuned value with its reason, by the pure [`policy`]) ->
//! [`bundle::Bundle`] (files, by [`render`]) -> disk or stdout.

pub mod adopt;
pub mod bundle;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod image;
pub mod keda;
pub mod plan;
pub mod policy;
pub mod preset;
pub mod render;
pub mod route;
pub mod runtime;
pub mod spec;
pub mod spec_errors;
pub mod specfile;
pub mod wizard;

#[cfg(test)]
pub(crate) mod test_support {
    use crate::preset::Preset;
    use crate::spec::{Answers, Spec};

    /// The spec a preset resolves to with only a name and an image given.
    pub fn spec_for(preset: &str) -> Spec {
        let p = Preset::builtin(preset).unwrap();
        Answers {
            name: Some("app".into()),
            image: Some("registry.example.com/team/app:1.0.0".into()),
            ..Answers::default()
        }
        .resolve(&p, &mut vec![])
        .unwrap()
    }
}
