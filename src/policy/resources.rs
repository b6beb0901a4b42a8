//! Resources: requests the scheduler and HPA rely on, limits that stop one pod from starving a
//! node, and heap flags that keep runtimes under the memory limit (Kubernetes docs, "Resource
//! Management for Pods and Containers").

use crate::plan::{decide, Decision, EnvVar, ResourceValues};
use crate::spec::{AppType, Spec};

/// The container's requests and limits as quantities. Memory request = limit (memory cannot be
/// throttled, only OOM-killed, so a pod must not count on memory it was not promised).
pub fn resources(spec: &Spec, warnings: &mut Vec<String>) -> Decision<ResourceValues> {
    let r = spec.resources;
    if spec.app_type == AppType::Jvm && r.cpu_limit_millicores < 1000 {
        warnings.push(format!(
            "a JVM with a CPU limit of {}m starts slowly (JIT and class loading are CPU-bound); consider at least 1000m",
            r.cpu_limit_millicores
        ));
    }
    let eph_request = (r.ephemeral_storage_mib / 2).max(64);
    let values = ResourceValues {
        cpu_request: format!("{}m", r.cpu_request_millicores),
        cpu_limit: format!("{}m", r.cpu_limit_millicores),
        memory_request: format!("{}Mi", r.memory_mib),
        memory_limit: format!("{}Mi", r.memory_mib),
        ephemeral_storage_request: format!("{eph_request}Mi"),
        ephemeral_storage_limit: format!("{}Mi", r.ephemeral_storage_mib),
        tmp_size_limit: format!("{}Mi", (r.ephemeral_storage_mib / 2).max(32)),
    };
    decide(
        values,
        format!(
            "CPU request {}m is what the scheduler reserves and the HPA measures against; limit {}m allows bursts (x{:.1}); memory request = limit {}Mi, so the pod never relies on memory it was not promised; ephemeral storage is bounded so logs and /tmp cannot fill the node",
            r.cpu_request_millicores,
            r.cpu_limit_millicores,
            r.cpu_limit_millicores as f64 / r.cpu_request_millicores.max(1) as f64,
            r.memory_mib
        ),
    )
}

/// Environment variables that fit the runtime's heap to the memory limit.
pub fn env(spec: &Spec) -> Vec<Decision<EnvVar>> {
    match spec.app_type {
        AppType::Jvm => vec![decide(
            EnvVar { name: "JAVA_TOOL_OPTIONS".into(), value: "-XX:MaxRAMPercentage=75.0".into() },
            "heap at 75% of the memory limit leaves headroom for metaspace, threads and direct buffers, so the JVM does not outgrow the limit and get OOM-killed",
        )],
        AppType::Node => {
            let heap = spec.resources.memory_mib * 3 / 4;
            vec![decide(
                EnvVar { name: "NODE_OPTIONS".into(), value: format!("--max-old-space-size={heap}") },
                format!("V8 heap {heap} MiB = 75% of the {} MiB limit, so Node collects garbage before the kernel OOM-kills the pod", spec.resources.memory_mib),
            )]
        }
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spec_for;

    #[test]
    fn spring_boot_resources_and_heap() {
        let spec = spec_for("spring-boot");
        let r = resources(&spec, &mut vec![]).value;
        assert_eq!(
            (r.cpu_request.as_str(), r.cpu_limit.as_str()),
            ("500m", "1500m")
        );
        assert_eq!(
            (r.memory_request.as_str(), r.memory_limit.as_str()),
            ("1024Mi", "1024Mi")
        );
        assert_eq!(
            (
                r.ephemeral_storage_request.as_str(),
                r.ephemeral_storage_limit.as_str()
            ),
            ("512Mi", "1024Mi")
        );
        let env = env(&spec);
        assert_eq!(env[0].value.value, "-XX:MaxRAMPercentage=75.0");
    }

    #[test]
    fn node_heap_is_three_quarters_of_the_limit() {
        let mut spec = spec_for("node");
        spec.resources.memory_mib = 1000;
        assert_eq!(env(&spec)[0].value.value, "--max-old-space-size=750");
    }

    #[test]
    fn slow_jvm_cpu_limit_warns() {
        let mut spec = spec_for("spring-boot");
        spec.resources.cpu_limit_millicores = 500;
        let mut w = vec![];
        resources(&spec, &mut w);
        assert!(w[0].contains("CPU limit of 500m"), "{w:?}");
    }
}
