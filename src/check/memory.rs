//! Runtime memory models against the container's memory limit: the JVM heap plus its non-heap
//! memory, the V8 old space plus what Node keeps outside it, and Go's soft limit (`GOMEMLIMIT`).
//!
//! The kernel enforces `resources.limits.memory` on the whole process (RSS), while each runtime
//! only collects garbage against its own heap ceiling; a ceiling that leaves too little room under
//! the limit ends in an OOM kill (exit 137) under load, with no heap error and no heap dump.

use super::index::Ctx;
use super::model::{Container, Finding, Severity, Workload};

/// Non-heap headroom a JVM needs under its limit, in MiB: a quarter of the limit, at least
/// 128 MiB (metaspace, code cache and thread stacks of even a small service) and at most 512 MiB
/// (beyond that the quarter overstates what a large heap's native memory needs).
pub(crate) fn jvm_headroom_floor_mib(limit_mib: i64) -> i64 {
    (limit_mib / 4).clamp(128, 512)
}

/// Headroom Node needs under its limit beside the V8 old space, in MiB: a quarter of the limit,
/// at least 64 MiB (new space, code space and the process's own RSS) and at most 512 MiB.
pub(crate) fn node_headroom_floor_mib(limit_mib: i64) -> i64 {
    (limit_mib / 4).clamp(64, 512)
}

/// The heap share zerodown's own policy gives a runtime (`policy/runtime.rs`: 75% of the limit
/// for the JVM and for V8). A heap at or below it is never flagged, so every bundle zerodown
/// renders stays clean; below 512 MiB (JVM) or 256 MiB (Node) that share leaves less than the
/// headroom floor, which is a gap in the policy, reported rather than hidden here.
const POLICY_HEAP_PERCENT: i64 = 75;

/// The verdict on a heap ceiling of `heap` MiB under a `limit` MiB memory limit: an error when the
/// heap alone reaches the limit; a warning when it is above the policy's 75% share and leaves less
/// than `floor`; else none.
fn verdict(heap: i64, limit: i64, floor: i64) -> Option<Severity> {
    if heap >= limit {
        Some(Severity::Error)
    } else if heap * 100 > limit * POLICY_HEAP_PERCENT && limit - heap < floor {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// Where a runtime setting was read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting {
    /// The option as written (`-Xmx512m`, `-XX:MaxRAMPercentage=80`, `--max-old-space-size=600`).
    text: String,
    /// `JAVA_TOOL_OPTIONS`, `NODE_OPTIONS`, ... or `the command`.
    origin: String,
    /// `true` when read from the command or args (for the line of the finding).
    in_command: bool,
}

/// The JVM's maximum heap as configured.
#[derive(Debug, Clone, PartialEq)]
enum JvmHeap {
    /// `-Xmx` / `-XX:MaxHeapSize`, in MiB.
    Absolute(i64),
    /// `-XX:MaxRAMPercentage`, in percent of the limit.
    Percent(f64),
}

/// A JVM size (`512m`, `2g`, `1024K`, `536870912`) in MiB, rounded down.
fn jvm_size_mib(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1.0 / 1024.0),
        'm' | 'M' => (&s[..s.len() - 1], 1.0),
        'g' | 'G' => (&s[..s.len() - 1], 1024.0),
        't' | 'T' => (&s[..s.len() - 1], 1024.0 * 1024.0),
        _ => (s, 1.0 / (1024.0 * 1024.0)),
    };
    let n: f64 = num.parse().ok()?;
    Some((n * mult).floor() as i64)
}

/// Environment variables the JVM (or the usual start scripts) read options from, in the order the
/// options are applied: the launcher prepends `JAVA_TOOL_OPTIONS`, then `JDK_JAVA_OPTIONS`
/// (JDK 9+); start scripts put `JAVA_OPTS` (and `<APP>_JAVA_OPTS`) on the command line.
fn jvm_option_vars<'a>(c: &Container<'a>) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    for name in ["JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"] {
        if let Some(v) = c.env_value(name) {
            out.push((name, v));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (name, value) in c.env_pairs().into_iter().rev() {
        if name.ends_with("JAVA_OPTS") && seen.insert(name) {
            out.push((name, value));
        }
    }
    out
}

/// The last heap setting that applies (a later option overrides an earlier one; `-Xmx` wins over
/// `MaxRAMPercentage` wherever it appears, as the JVM ignores the percentage once a size is set).
fn jvm_heap(c: &Container<'_>) -> Option<(JvmHeap, Setting)> {
    let mut sources: Vec<(String, Vec<String>, bool)> = jvm_option_vars(c)
        .into_iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                v.split_whitespace().map(str::to_string).collect(),
                false,
            )
        })
        .collect();
    sources.push(("the command".to_string(), c.words(), true));
    let mut absolute: Option<(JvmHeap, Setting)> = None;
    let mut percent: Option<(JvmHeap, Setting)> = None;
    for (origin, words, in_command) in sources {
        for w in words {
            let w = w.trim_matches(|ch| ch == '"' || ch == '\'');
            let setting = || Setting {
                text: w.to_string(),
                origin: origin.clone(),
                in_command,
            };
            if let Some(size) = w
                .strip_prefix("-Xmx")
                .or_else(|| w.strip_prefix("-XX:MaxHeapSize="))
                .and_then(jvm_size_mib)
            {
                absolute = Some((JvmHeap::Absolute(size), setting()));
            } else if let Some(p) = w
                .strip_prefix("-XX:MaxRAMPercentage=")
                .and_then(|p| p.parse::<f64>().ok())
            {
                percent = Some((JvmHeap::Percent(p), setting()));
            }
        }
    }
    absolute.or(percent)
}

/// `--max-old-space-size` (MiB) from `NODE_OPTIONS` or the command (the command wins).
fn node_old_space(c: &Container<'_>) -> Option<(i64, Setting)> {
    let mut found = None;
    let mut scan = |words: Vec<String>, origin: &str, in_command: bool| {
        for w in words {
            let w = w.trim_matches(|ch| ch == '"' || ch == '\'');
            if let Some(n) = w
                .strip_prefix("--max-old-space-size=")
                .or_else(|| w.strip_prefix("--max_old_space_size="))
                .and_then(|n| n.parse::<i64>().ok())
            {
                found = Some((
                    n,
                    Setting {
                        text: w.to_string(),
                        origin: origin.to_string(),
                        in_command,
                    },
                ));
            }
        }
    };
    if let Some(v) = c.env_value("NODE_OPTIONS") {
        scan(
            v.split_whitespace().map(str::to_string).collect(),
            "NODE_OPTIONS",
            false,
        );
    }
    scan(c.words(), "the command", true);
    found
}

/// `GOMEMLIMIT` in MiB (Go `runtime` docs: bytes with an optional `B`, `KiB`, `MiB`, `GiB` or
/// `TiB` suffix), rounded down.
fn go_memlimit_mib(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mib = match unit {
        "" | "B" => n / (1024.0 * 1024.0),
        "KiB" => n / 1024.0,
        "MiB" => n,
        "GiB" => n * 1024.0,
        "TiB" => n * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(mib.floor() as i64)
}

fn setting_line(ctx: &Ctx<'_>, w: &Workload<'_>, c: &Container<'_>, s: &Setting) -> usize {
    let field = if !s.in_command {
        "env"
    } else if c.command.is_empty() {
        "args"
    } else {
        "command"
    };
    ctx.container_line(w, c, &[field])
}

/// Runs the memory rules.
pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    for w in ctx.workloads {
        for c in &w.containers {
            let Some(limit) = c.memory_limit_mib() else {
                continue;
            };
            check_jvm(ctx, w, c, limit, out);
            check_node(ctx, w, c, limit, out);
            check_go(ctx, w, c, limit, out);
        }
    }
}

fn check_jvm(
    ctx: &Ctx<'_>,
    w: &Workload<'_>,
    c: &Container<'_>,
    limit: i64,
    out: &mut Vec<Finding>,
) {
    let Some((heap, setting)) = jvm_heap(c) else {
        return;
    };
    let (heap_mib, how) = match heap {
        JvmHeap::Absolute(m) => (m, format!("{} in {}", setting.text, setting.origin)),
        JvmHeap::Percent(p) => (
            (limit as f64 * p / 100.0).floor() as i64,
            format!(
                "{} in {}, of the {limit} MiB limit",
                setting.text, setting.origin
            ),
        ),
    };
    let floor = jvm_headroom_floor_mib(limit);
    let f = ctx
        .finding("jvm-heap-exceeds-memory-limit", w.idx)
        .container(c.name)
        .at(setting_line(ctx, w, c, &setting));
    let verdict = verdict(heap_mib, limit, floor);
    if verdict == Some(Severity::Error) {
        out.push(f.message(format!(
            "container '{}' lets the JVM heap grow to {heap_mib} MiB ({how}) but its memory limit is {limit} MiB; the heap alone fills the limit and metaspace, threads and buffers come on top, so the pod is OOM-killed (exit 137) under load; keep the heap at most {} MiB",
            c.name,
            limit - floor
        )));
    } else if verdict == Some(Severity::Warning) {
        out.push(f.severity(Severity::Warning).message(format!(
            "container '{}' lets the JVM heap grow to {heap_mib} MiB ({how}), leaving {} MiB of its {limit} MiB limit for metaspace, code cache, thread stacks and direct buffers, which need about {floor} MiB; the pod is OOM-killed under load before the GC reacts; keep the heap at most {} MiB",
            c.name,
            limit - heap_mib,
            limit - floor
        )));
    }
}

fn check_node(
    ctx: &Ctx<'_>,
    w: &Workload<'_>,
    c: &Container<'_>,
    limit: i64,
    out: &mut Vec<Finding>,
) {
    let Some((old_space, setting)) = node_old_space(c) else {
        return;
    };
    let floor = node_headroom_floor_mib(limit);
    let f = ctx
        .finding("node-heap-exceeds-memory-limit", w.idx)
        .container(c.name)
        .at(setting_line(ctx, w, c, &setting));
    let verdict = verdict(old_space, limit, floor);
    if verdict == Some(Severity::Error) {
        out.push(f.message(format!(
            "container '{}' lets the V8 old space grow to {old_space} MiB ({} in {}) but its memory limit is {limit} MiB; V8 does not collect before the kernel OOM-kills the pod (exit 137) under load; set it to at most {} MiB",
            c.name, setting.text, setting.origin, limit - floor
        )));
    } else if verdict == Some(Severity::Warning) {
        out.push(f.severity(Severity::Warning).message(format!(
            "container '{}' lets the V8 old space grow to {old_space} MiB ({} in {}), leaving {} MiB of its {limit} MiB limit for new space, code, buffers and the process itself, which need about {floor} MiB; the pod is OOM-killed under load; set it to at most {} MiB",
            c.name, setting.text, setting.origin, limit - old_space, limit - floor
        )));
    }
}

fn check_go(
    ctx: &Ctx<'_>,
    w: &Workload<'_>,
    c: &Container<'_>,
    limit: i64,
    out: &mut Vec<Finding>,
) {
    let Some(raw) = c.env_value("GOMEMLIMIT") else {
        return;
    };
    let Some(soft) = go_memlimit_mib(raw) else {
        return;
    };
    if soft < limit {
        return;
    }
    let gc_off = c
        .env_value("GOGC")
        .is_some_and(|g| g.trim().eq_ignore_ascii_case("off"));
    let mut f = ctx
        .finding("go-memlimit-exceeds-memory-limit", w.idx)
        .container(c.name)
        .at(ctx.container_line(w, c, &["env"]))
        .message(format!(
            "container '{}' sets GOMEMLIMIT={raw} ({soft} MiB), not below its {limit} MiB memory limit; the Go GC never works harder before the kernel OOM-kills the pod, so the soft limit protects nothing; set it to about 90% of the limit ({} MiB)",
            c.name,
            limit * 9 / 10
        ));
    if gc_off {
        f = f.severity(Severity::Error).message(format!(
            "container '{}' sets GOGC=off with GOMEMLIMIT={raw} ({soft} MiB), not below its {limit} MiB memory limit; with the GC off it runs only at the soft limit, which the heap never reaches before the kernel OOM-kills the pod; set GOMEMLIMIT to about 90% of the limit ({} MiB)",
            c.name,
            limit * 9 / 10
        ));
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(jvm_size_mib("512m"), Some(512));
        assert_eq!(jvm_size_mib("2g"), Some(2048));
        assert_eq!(jvm_size_mib("2G"), Some(2048));
        assert_eq!(jvm_size_mib("1048576k"), Some(1024));
        assert_eq!(jvm_size_mib("536870912"), Some(512));
        assert_eq!(jvm_size_mib("big"), None);
        assert_eq!(go_memlimit_mib("115MiB"), Some(115));
        assert_eq!(go_memlimit_mib("2GiB"), Some(2048));
        assert_eq!(go_memlimit_mib("1073741824"), Some(1024));
        assert_eq!(go_memlimit_mib("1GB"), None);
    }

    #[test]
    fn verdicts_agree_with_zerodowns_own_heap_percentages() {
        use crate::policy::runtime::{JVM_HEAP_PERCENT, NODE_HEAP_PERCENT};
        assert_eq!(i64::from(JVM_HEAP_PERCENT), POLICY_HEAP_PERCENT);
        assert_eq!(i64::from(NODE_HEAP_PERCENT), POLICY_HEAP_PERCENT);
        // Every limit zerodown accepts (16 MiB up): its own 75% heap is never flagged.
        for limit in [16_i64, 128, 256, 400, 512, 1024, 2000, 16384] {
            let heap = limit * POLICY_HEAP_PERCENT / 100;
            assert_eq!(
                verdict(heap, limit, jvm_headroom_floor_mib(limit)),
                None,
                "{limit}"
            );
            assert_eq!(
                verdict(heap, limit, node_headroom_floor_mib(limit)),
                None,
                "{limit}"
            );
        }
        // virtualcell/vcell#1899: 80% of 2000 MiB leaves 400 MiB under a 500 MiB floor.
        assert_eq!(jvm_headroom_floor_mib(2000), 500);
        assert_eq!(verdict(1600, 2000, 500), Some(Severity::Warning));
        // 80% of 8 GiB leaves 1638 MiB, above the 512 MiB cap.
        assert_eq!(verdict(6553, 8192, jvm_headroom_floor_mib(8192)), None);
        assert_eq!(verdict(512, 512, 128), Some(Severity::Error));
        // The policy's gap: below 512 MiB its 75% leaves less than the JVM floor.
        assert!(256 - 256 * POLICY_HEAP_PERCENT / 100 < jvm_headroom_floor_mib(256));
    }
}
