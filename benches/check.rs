//! Throughput of `check_sources` on generated corpora of 1,000 and 10,000 documents (a mix of
//! Deployments, Services, PDBs and HPAs), spread over many namespaces and, as a worst case for
//! cross-object matching, all in one namespace with a label shared by every pod.

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use zerodown::check::{check_sources, Source};

/// Builds `docs` documents (4 per app) over `namespaces` namespaces, split into files of 200
/// documents. Every 7th app has faults (latest tag, no preStop, minAvailable PDB).
fn corpus(docs: usize, namespaces: usize) -> Vec<Source> {
    let apps = docs / 4;
    let mut files = Vec::new();
    let mut text = String::new();
    for i in 0..apps {
        let ns = format!("ns-{}", i % namespaces);
        let faulty = i % 7 == 0;
        let tag = if faulty { "latest" } else { "1.4.2" };
        let prestop = if faulty {
            ""
        } else {
            "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n"
        };
        let budget = if faulty {
            "minAvailable: 2"
        } else {
            "maxUnavailable: 1"
        };
        text.push_str(&format!(
            r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: {ns}
spec:
  strategy:
    rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-{i}
        app.kubernetes.io/part-of: shop
    spec:
      terminationGracePeriodSeconds: 45
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: app-{i}
      containers:
        - name: app
          image: registry.example.com/app-{i}:{tag}
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet: {{path: /readyz, port: http}}
            timeoutSeconds: 3
          livenessProbe:
            httpGet: {{path: /livez, port: http}}
            timeoutSeconds: 5
            failureThreshold: 6
{prestop}          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{memory: 512Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: {ns}
spec:
  selector:
    app.kubernetes.io/name: app-{i}
  ports:
    - {{name: http, port: 80, targetPort: http}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: app-{i}
  namespace: {ns}
spec:
  {budget}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchExpressions:
      - {{key: app.kubernetes.io/name, operator: In, values: [app-{i}]}}
      - {{key: app.kubernetes.io/part-of, operator: Exists}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: app-{i}
  namespace: {ns}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: app-{i}}}
  minReplicas: 2
  maxReplicas: 6
---
"#
        ));
        if (i + 1) % 50 == 0 || i + 1 == apps {
            files.push(Source::new(
                format!("corpus/{}.yaml", files.len()),
                std::mem::take(&mut text),
            ));
        }
    }
    files
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check_sources");
    group.sample_size(10);
    for (docs, namespaces, label) in [
        (1_000, 50, "50-namespaces"),
        (10_000, 500, "500-namespaces"),
        (10_000, 1, "1-namespace"),
    ] {
        let sources = corpus(docs, namespaces);
        let report = check_sources(&sources);
        assert_eq!(report.objects, docs);
        group.throughput(Throughput::Elements(docs as u64));
        group.bench_with_input(BenchmarkId::new(label, docs), &sources, |b, s| {
            b.iter(|| check_sources(black_box(s)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);

/// `ZERODOWN_CHECK_CORPUS=FILE cargo bench --bench check` writes the 10,000-document corpus (500
/// namespaces) to FILE instead of benchmarking: `scripts/bench-compare.sh` times zerodown,
/// kube-score and kube-linter on exactly the documents this benchmark uses.
/// `ZERODOWN_CHECK_CORPUS_DOCS=100000` makes it that many documents, 20 per namespace as in the
/// 10,000 (`scripts/bench-check-scale.sh` measures 100,000 in one stream).
fn main() {
    if let Some(path) = std::env::var_os("ZERODOWN_CHECK_CORPUS") {
        let docs: usize = std::env::var("ZERODOWN_CHECK_CORPUS_DOCS")
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(10_000);
        let text: String = corpus(docs, (docs / 20).max(1))
            .into_iter()
            .map(|s| s.text)
            .collect();
        std::fs::write(&path, text).expect("write the corpus");
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
