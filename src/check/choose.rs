//! `zerodown check --fix --choose RULE[@WORKLOAD[/CONTAINER]]=VALUE`: the value a user chose for
//! a finding that has no safe automatic fix, so `--fix` can write it with the rest.
//!
//! Only rules whose fix is one value the manifest cannot tell take a choice: the pinned image of a
//! mutable tag (the registry, not the manifest, knows the digest), the exec-form command that
//! replaces a shell wrapper script (the script is not in the manifest), the replica count, and
//! how to unblock a rollout under required anti-affinity. Anything else is refused with the list
//! of what can be chosen (exit 2 at the CLI).

use super::image::{floating_tag, image_tag};
use super::shutdown::{basename, image_repo, is_shell};

/// Choices that answer the same rule for the same workload and container with different values:
/// the pairs as given, for an error.
pub fn conflicts(choices: &[Choice]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, a) in choices.iter().enumerate() {
        for b in &choices[i + 1..] {
            if a.rule == b.rule
                && a.workload == b.workload
                && a.container == b.container
                && a.value != b.value
            {
                out.push((a.given.clone(), b.given.clone()));
            }
        }
    }
    out
}
use std::str::FromStr;

/// How `--fix` unblocks a rollout that required one-pod-per-node anti-affinity holds Pending
/// (`required-anti-affinity-blocks-rollout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AntiAffinityFix {
    /// `preferredDuringSchedulingIgnoredDuringExecution`, weight 100, with the same terms: what
    /// the generator emits unless the cost tolerance is `resilient` (the default fix of
    /// `zone-anti-affinity-caps-replicas`). Its first rollout over running pods needs a free
    /// node ([`crate::check::ANTI_AFFINITY_NOTE`]).
    Preferred,
    /// Keep the requirement; `maxSurge: 0, maxUnavailable: 1`, so a rollout frees a node before
    /// it places a new pod (capacity drops by one pod while it rolls): the default fix of
    /// `required-anti-affinity-blocks-rollout`, which works from the first apply.
    MaxUnavailable,
}

/// A chosen value, by the rule it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceValue {
    /// `image-tag-mutable`: an image reference with a version tag or a digest.
    Image(String),
    /// `shell-pid1-drops-sigterm`: the app's own argv (exec form), e.g. `java -jar /app/app.jar`.
    Command(Vec<String>),
    /// `replicas-below-two`: `spec.replicas`, at least 2.
    Replicas(u32),
    /// `required-anti-affinity-blocks-rollout`.
    AntiAffinity(AntiAffinityFix),
}

/// One `--choose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The rule id it answers.
    pub rule: &'static str,
    /// `metadata.name` of the workload it is for (None: every finding of the rule; an image
    /// choice then applies to the containers whose image has the same repository).
    pub workload: Option<String>,
    /// Container name within that workload (None: every container).
    pub container: Option<String>,
    /// The value.
    pub value: ChoiceValue,
    /// The text as given, for messages.
    pub given: String,
}

/// The rules that take a choice and what their value is, for `--help` and errors.
pub const CHOOSABLE: &[(&str, &str)] = &[
    (
        "image-tag-mutable",
        "the image with a version tag or digest, e.g. registry.example.com/app@sha256:<64 hex> (same repository as the manifest's)",
    ),
    (
        "shell-pid1-drops-sigterm",
        "the app's command in exec form, as shell words, e.g. 'java -jar /app/app.jar' (replaces command and args)",
    ),
    ("replicas-below-two", "spec.replicas, an integer of at least 2"),
    (
        "required-anti-affinity-blocks-rollout",
        "'max-unavailable' (the default: keep one pod per node; maxSurge 0, maxUnavailable 1) or 'preferred' (preferred anti-affinity; its first rollout needs a spare node)",
    ),
];

fn allowed() -> String {
    CHOOSABLE
        .iter()
        .map(|(r, v)| format!("{r} ({v})"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl FromStr for Choice {
    type Err = String;

    /// Parses `RULE[@WORKLOAD[/CONTAINER]]=VALUE`. Errors name the part that is wrong and what
    /// is allowed.
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((key, value)) = s.split_once('=') else {
            return Err(format!(
                "'{s}': expected RULE[@WORKLOAD[/CONTAINER]]=VALUE; rules that take a choice: {}",
                allowed()
            ));
        };
        let (rule, scope) = match key.split_once('@') {
            Some((r, sc)) => (r.trim(), Some(sc.trim())),
            None => (key.trim(), None),
        };
        let Some(&(rule, _)) = CHOOSABLE.iter().find(|(r, _)| *r == rule) else {
            return Err(format!(
                "'{s}': rule '{rule}' takes no choice; rules that take a choice: {}",
                allowed()
            ));
        };
        let (workload, container) = match scope {
            None => (None, None),
            Some(sc) => {
                let (w, c) = match sc.split_once('/') {
                    Some((w, c)) => (w.trim(), Some(c.trim())),
                    None => (sc, None),
                };
                if w.is_empty() || c.is_some_and(str::is_empty) {
                    return Err(format!(
                        "'{s}': the scope after '@' must be WORKLOAD or WORKLOAD/CONTAINER (metadata.name and container name), got '{sc}'"
                    ));
                }
                (Some(w.to_string()), c.map(str::to_string))
            }
        };
        let value = value.trim();
        let bad = |why: &str| {
            Err(format!(
                "'{s}': {rule} value '{value}' {why}; allowed: {}",
                CHOOSABLE
                    .iter()
                    .find(|(r, _)| *r == rule)
                    .map_or("", |(_, v)| v)
            ))
        };
        let value = match rule {
            "image-tag-mutable" => {
                // The generator's own reading of an image reference (the same errors as `new`).
                if let Err(why) = crate::image::ImageRef::parse(value) {
                    return bad(&format!("is not an image reference: it {why}"));
                }
                let (tag, digest) = image_tag(value);
                if !digest
                    && tag.is_none_or(|t| t.eq_ignore_ascii_case("latest") || floating_tag(t))
                {
                    return bad("is not pinned: it has no version tag or digest");
                }
                ChoiceValue::Image(value.to_string())
            }
            "shell-pid1-drops-sigterm" => {
                let Some(words) = shlex::split(value).filter(|w| !w.is_empty()) else {
                    return bad("is not a command line (empty, or an unclosed quote)");
                };
                if let Some(why) = not_exec_form(&words) {
                    return bad(&why);
                }
                ChoiceValue::Command(words)
            }
            "replicas-below-two" => match value.parse::<i32>() {
                Ok(n) if n >= 2 => ChoiceValue::Replicas(n.unsigned_abs()),
                _ => {
                    return bad(
                        "is not an integer from 2 to 2147483647 (spec.replicas is an int32)",
                    )
                }
            },
            _ => match value {
                "preferred" => ChoiceValue::AntiAffinity(AntiAffinityFix::Preferred),
                "max-unavailable" => ChoiceValue::AntiAffinity(AntiAffinityFix::MaxUnavailable),
                _ => return bad("is not one of the two fixes"),
            },
        };
        Ok(Choice {
            rule,
            workload,
            container,
            value,
            given: s.to_string(),
        })
    }
}

/// Why shell words are not an exec-form command, or None when they are: the kubelet runs the
/// argv as it is, with no shell, so an operator, an expansion other than Kubernetes' `$(VAR)`, a
/// leading assignment, an empty word or a shell (directly, through `env`, `busybox` or `tini`)
/// would not do what the words say, or would make a shell PID 1 again.
fn not_exec_form(words: &[String]) -> Option<String> {
    if let Some(w) = words.iter().find(|w| w.is_empty()) {
        return Some(format!("has an empty word ({w:?})"));
    }
    for w in words {
        if matches!(
            w.as_str(),
            ";" | "&&" | "||" | "|" | "&" | ">" | ">>" | "<" | "2>&1"
        ) || w.ends_with(';')
            || w.starts_with(['>', '<', '|'])
        {
            return Some(format!("has the shell operator '{w}', which an exec-form command passes to the app as a word"));
        }
        let mut rest = w.as_str();
        while let Some(at) = rest.find('$') {
            let after = &rest[at + 1..];
            // Kubernetes expands `$(VAR_NAME)` from the container's env; `$$` is a literal `$`.
            let k8s_ref = after
                .strip_prefix('(')
                .and_then(|a| a.split_once(')'))
                .is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if !(k8s_ref || after.starts_with('$')) {
                return Some(format!("has the shell expansion in '{w}', which only a shell performs (Kubernetes expands only $(VAR_NAME) from the container's env)"));
            }
            rest = after.strip_prefix('$').unwrap_or(after);
        }
        if w.contains('`') {
            return Some(format!(
                "has the command substitution in '{w}', which only a shell performs"
            ));
        }
    }
    if words[0].contains('=') && !words[0].starts_with('/') {
        return Some(format!(
            "starts with the assignment '{}'; set it in the spec's env instead",
            words[0]
        ));
    }
    let launcher = |w: &str| matches!(basename(w), "env" | "busybox" | "tini" | "dumb-init");
    let mut first = 0;
    while words.get(first).is_some_and(|w| {
        launcher(w) || w.starts_with('-') && first > 0 || (first > 0 && w.contains('='))
    }) {
        first += 1;
    }
    match words.get(first) {
        Some(w) if is_shell(w) && first == 0 => {
            Some("starts with a shell, which would be PID 1 again".into())
        }
        Some(w) if is_shell(w) => Some(format!(
            "runs the shell '{w}' under {}, so a shell runs the app as its child again",
            words[0]
        )),
        _ => None,
    }
}

impl Choice {
    /// Whether this choice answers `rule` for container `container` (None: a workload-level
    /// finding) of workload `workload`, whose image is `image`.
    pub fn applies(
        &self,
        rule: &str,
        workload: &str,
        container: Option<&str>,
        image: Option<&str>,
    ) -> bool {
        if self.rule != rule {
            return false;
        }
        if self.workload.as_deref().is_some_and(|w| w != workload) {
            return false;
        }
        if let (Some(want), Some(c)) = (self.container.as_deref(), container) {
            if want != c {
                return false;
            }
        }
        match &self.value {
            // Unscoped, an image choice is for the containers of the same repository.
            ChoiceValue::Image(i) if self.workload.is_none() => {
                image.is_some_and(|cur| image_repo(cur) == image_repo(i))
            }
            _ => true,
        }
    }
}

/// The first choice of `choices` that answers the finding (see [`Choice::applies`]), with its
/// index (to report choices that answered nothing).
pub fn find<'c>(
    choices: &'c [Choice],
    rule: &str,
    workload: &str,
    container: Option<&str>,
    image: Option<&str>,
) -> Option<(usize, &'c Choice)> {
    choices
        .iter()
        .enumerate()
        .find(|(_, c)| c.applies(rule, workload, container, image))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_rule_and_scope() {
        let c: Choice = "image-tag-mutable=registry.example.com/app:1.4.2"
            .parse()
            .unwrap();
        assert_eq!(
            c.value,
            ChoiceValue::Image("registry.example.com/app:1.4.2".into())
        );
        assert_eq!((c.workload, c.container), (None, None));
        let c: Choice = "shell-pid1-drops-sigterm@app/main=java -Dx='a b' -jar /app/app.jar"
            .parse()
            .unwrap();
        assert_eq!(
            c.value,
            ChoiceValue::Command(vec![
                "java".into(),
                "-Dx=a b".into(),
                "-jar".into(),
                "/app/app.jar".into()
            ])
        );
        assert_eq!(c.workload.as_deref(), Some("app"));
        assert_eq!(c.container.as_deref(), Some("main"));
        let c: Choice = "replicas-below-two@web=3".parse().unwrap();
        assert_eq!(c.value, ChoiceValue::Replicas(3));
        // Kubernetes' own $(VAR) expansion and $$ are fine in exec form.
        let c: Choice = "shell-pid1-drops-sigterm=java $(JAVA_OPTS) -Dcost=$$5 -jar /app/app.jar"
            .parse()
            .unwrap();
        assert_eq!(
            c.value,
            ChoiceValue::Command(
                ["java", "$(JAVA_OPTS)", "-Dcost=$$5", "-jar", "/app/app.jar"]
                    .map(String::from)
                    .to_vec()
            )
        );
        let c: Choice = "shell-pid1-drops-sigterm=tini -g -- java -jar /app/app.jar"
            .parse()
            .unwrap();
        assert!(matches!(c.value, ChoiceValue::Command(_)));
        let c: Choice = "required-anti-affinity-blocks-rollout=max-unavailable"
            .parse()
            .unwrap();
        assert_eq!(
            c.value,
            ChoiceValue::AntiAffinity(AntiAffinityFix::MaxUnavailable)
        );
    }

    #[test]
    fn refuses_what_is_not_allowed_and_says_so() {
        for (given, says) in [
            ("pdb-missing=1", "rule 'pdb-missing' takes no choice"),
            (
                "image-tag-mutable",
                "expected RULE[@WORKLOAD[/CONTAINER]]=VALUE",
            ),
            (
                "image-tag-mutable=registry.example.com/app:latest",
                "is not pinned",
            ),
            (
                "image-tag-mutable=registry.example.com/app",
                "is not pinned",
            ),
            (
                "image-tag-mutable=registry.example.com/app:stable",
                "is not pinned",
            ),
            ("image-tag-mutable=app@sha256:abc", "malformed digest"),
            ("image-tag-mutable=app@sha512:abc", "malformed digest"),
            (
                "image-tag-mutable=registry.example.com/APP:1.2.3",
                "is not an image reference",
            ),
            (
                "image-tag-mutable=registry.example.com/app:1.0\"",
                "is not an image reference",
            ),
            (
                "image-tag-mutable=registry.example.com/app:-1.0",
                "is not an image reference",
            ),
            (
                "image-tag-mutable=registry.example.com/app:LATEST",
                "is not pinned",
            ),
            (
                "shell-pid1-drops-sigterm=java -jar a.jar; rm -rf /",
                "shell operator 'a.jar;'",
            ),
            (
                "shell-pid1-drops-sigterm=java -jar a.jar && x",
                "shell operator '&&'",
            ),
            (
                "shell-pid1-drops-sigterm=java -jar a.jar > /log",
                "shell operator '>'",
            ),
            (
                "shell-pid1-drops-sigterm=java $JAVA_OPTS -jar a.jar",
                "shell expansion in '$JAVA_OPTS'",
            ),
            (
                "shell-pid1-drops-sigterm=java -jar $(cat x)",
                "shell expansion",
            ),
            ("shell-pid1-drops-sigterm=FOO=1 java", "assignment 'FOO=1'"),
            ("shell-pid1-drops-sigterm='' java", "empty word"),
            (
                "shell-pid1-drops-sigterm=busybox sh /app/start.sh",
                "runs the shell 'sh'",
            ),
            (
                "shell-pid1-drops-sigterm=/usr/bin/env bash",
                "runs the shell 'bash'",
            ),
            (
                "shell-pid1-drops-sigterm=env FOO=1 sh -c x",
                "runs the shell 'sh'",
            ),
            (
                "shell-pid1-drops-sigterm=tini -- sh /start.sh",
                "runs the shell 'sh'",
            ),
            ("replicas-below-two=2147483648", "int32"),
            (
                "shell-pid1-drops-sigterm=/bin/bash /start.sh",
                "starts with a shell",
            ),
            ("shell-pid1-drops-sigterm=java 'x", "unclosed quote"),
            ("replicas-below-two=1", "at least 2"),
            ("replicas-below-two=two", "at least 2"),
            (
                "required-anti-affinity-blocks-rollout=soft",
                "not one of the two fixes",
            ),
            ("replicas-below-two@=3", "the scope after '@'"),
            ("replicas-below-two@web/=3", "the scope after '@'"),
        ] {
            let e = given.parse::<Choice>().unwrap_err();
            assert!(e.contains(says), "{given}: {e}");
            assert!(e.starts_with(&format!("'{given}'")), "{e}");
        }
    }

    #[test]
    fn an_unscoped_image_choice_is_for_its_repository_only() {
        let c: Choice = "image-tag-mutable=registry.example.com/app:1.4.2"
            .parse()
            .unwrap();
        assert!(c.applies(
            "image-tag-mutable",
            "web",
            Some("app"),
            Some("registry.example.com/app:latest")
        ));
        assert!(c.applies(
            "image-tag-mutable",
            "web",
            Some("app"),
            Some("registry.example.com/app")
        ));
        assert!(!c.applies(
            "image-tag-mutable",
            "web",
            Some("side"),
            Some("registry.example.com/proxy:latest")
        ));
        assert!(!c.applies("replicas-below-two", "web", None, None));
        let c: Choice = "image-tag-mutable@web/app=other.example.com/app:2"
            .parse()
            .unwrap();
        assert!(c.applies(
            "image-tag-mutable",
            "web",
            Some("app"),
            Some("registry.example.com/app:latest")
        ));
        assert!(!c.applies(
            "image-tag-mutable",
            "web",
            Some("side"),
            Some("registry.example.com/app:latest")
        ));
        assert!(!c.applies(
            "image-tag-mutable",
            "api",
            Some("app"),
            Some("registry.example.com/app:latest")
        ));
    }
}
