//! Per-container facts that the runtime rules (sidecars, process, memory) share: literal
//! environment values, the memory limit, the words a container's command runs, and which
//! well-known sidecar a container is.
//!
//! These extend the [`Container`] view of `model.rs` (workload -> pod template -> every container,
//! main, native sidecar and init) without changing it.

use super::model::{memory_mib, Container, Pointer};
use super::shutdown::{basename, dash_c_script, is_shell};
use serde_json::Value;

impl<'a> Container<'a> {
    /// The literal value of environment variable `name` (`env[].value`). A later entry of the
    /// same name wins, as the kubelet applies them in order; `valueFrom` and absent values are
    /// `None` (unknown from the manifest).
    pub fn env_value(&self, name: &str) -> Option<&'a str> {
        let items = self.v.get("env").and_then(Value::as_array)?;
        items
            .iter()
            .rev()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|e| e.get("value"))
            .and_then(Value::as_str)
    }

    /// Names and literal values of every `env[]` entry with a `value`, in order.
    pub fn env_pairs(&self) -> Vec<(&'a str, &'a str)> {
        let Some(items) = self.v.get("env").and_then(Value::as_array) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|e| {
                Some((
                    e.get("name").and_then(Value::as_str)?,
                    e.get("value").and_then(Value::as_str)?,
                ))
            })
            .collect()
    }

    /// `resources.limits.memory` in MiB (rounded up), when set and parseable.
    pub fn memory_limit_mib(&self) -> Option<i64> {
        self.v.at("/resources/limits/memory").and_then(memory_mib)
    }

    /// Every word the container's command runs: `command` + `args`, with a shell's `-c` script
    /// split on whitespace, and `$(VAR)` references to literal env values expanded (the kubelet
    /// expands them before the process starts).
    pub fn words(&self) -> Vec<String> {
        let argv = self.argv();
        let mut out = Vec::new();
        let script = argv
            .first()
            .filter(|a| is_shell(a))
            .and_then(|_| dash_c_script(&argv));
        let parts: Vec<&str> = match script {
            Some(s) => std::iter::once(argv[0].as_str())
                .chain(s.split_whitespace())
                .collect(),
            None => argv.iter().flat_map(|a| a.split_whitespace()).collect(),
        };
        for p in parts {
            match p
                .strip_prefix("$(")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|var| self.env_value(var))
            {
                Some(value) => out.extend(value.split_whitespace().map(str::to_string)),
                None => out.push(p.to_string()),
            }
        }
        out
    }
}

/// A sidecar whose shutdown the rules know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SidecarKind {
    /// Google's Cloud SQL Auth Proxy (v1 `cloud_sql_proxy`, v2 `cloud-sql-proxy`).
    CloudSqlProxy,
    /// Envoy or Istio's `istio-proxy` (pilot-agent + Envoy).
    Envoy,
    /// Linkerd's `linkerd-proxy`.
    LinkerdProxy,
}

impl SidecarKind {
    /// Name used in messages.
    pub fn label(self) -> &'static str {
        match self {
            SidecarKind::CloudSqlProxy => "the Cloud SQL Auth Proxy",
            SidecarKind::Envoy => "Envoy",
            SidecarKind::LinkerdProxy => "the Linkerd proxy",
        }
    }
}

/// Which known sidecar `c` is, from its image, command or name.
pub(crate) fn sidecar_kind(c: &Container<'_>) -> Option<SidecarKind> {
    let image = c.image.unwrap_or("").to_ascii_lowercase();
    let cmd = c.command.first().map(|s| basename(s)).unwrap_or("");
    if image.contains("cloud-sql-proxy")
        || image.contains("cloudsql-docker/gce-proxy")
        || matches!(cmd, "cloud_sql_proxy" | "cloud-sql-proxy")
    {
        return Some(SidecarKind::CloudSqlProxy);
    }
    if c.name == "istio-proxy"
        || image.contains("istio/proxyv2")
        || image.contains("envoyproxy/envoy")
        || cmd == "envoy"
    {
        return Some(SidecarKind::Envoy);
    }
    if c.name == "linkerd-proxy" || image.contains("linkerd/proxy") {
        return Some(SidecarKind::LinkerdProxy);
    }
    None
}

/// Parses a Go duration such as `30s`, `1m30s`, `2m`, `500ms` or a bare number of seconds into
/// whole seconds (rounded down); `None` when it is not one.
pub(crate) fn go_duration_seconds(s: &str) -> Option<i64> {
    let s = s.trim().trim_matches('"');
    if let Ok(n) = s.parse::<f64>() {
        return (n >= 0.0).then_some(n as i64);
    }
    let mut total = 0.0;
    let mut rest = s;
    let mut any = false;
    while !rest.is_empty() {
        let split = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(split);
        let num: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let mult = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += num * mult;
        any = true;
        rest = next;
    }
    any.then_some(total.floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_seconds("30s"), Some(30));
        assert_eq!(go_duration_seconds("1m30s"), Some(90));
        assert_eq!(go_duration_seconds("\"45s\""), Some(45));
        assert_eq!(go_duration_seconds("500ms"), Some(0));
        assert_eq!(go_duration_seconds("20"), Some(20));
        assert_eq!(go_duration_seconds("soon"), None);
    }
}
