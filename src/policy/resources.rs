//! Resources: requests the scheduler and HPA rely on, limits that stop one pod from starving a
//! node (Kubernetes docs, "Resource Management for Pods and Containers"); the heap and memory-limit
//! variables that fit runtimes to the limit are in [`super::runtime`].

use crate::plan::{decide, Decision, ResourceValues};
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
