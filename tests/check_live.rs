//! `kubectl get ... -A -o yaml|json | zerodown check -`: objects read from a cluster are judged as
//! the user applied them (tests/fixtures/live/README.md says how the dumps were made).

use zerodown::check::{check_sources, check_sources_with, InputErrorKind, InputOptions, Source};

fn fixture(name: &str) -> Source {
    let path = format!("{}/tests/fixtures/live/{name}", env!("CARGO_MANIFEST_DIR"));
    Source::new(name, std::fs::read_to_string(&path).expect("fixture"))
}

/// (rule, severity, namespace/name, line) of every finding.
fn findings(src: &Source, opts: &InputOptions) -> Vec<(String, String, String, usize)> {
    check_sources_with(std::slice::from_ref(src), opts)
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.severity.to_string(),
                format!("{}/{}", f.namespace, f.name),
                f.line,
            )
        })
        .collect()
}

fn line_of(src: &Source, needle: &str, nth: usize) -> usize {
    src.text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == needle)
        .nth(nth)
        .map(|(i, _)| i + 1)
        .expect("needle")
}

#[test]
fn a_replica_count_the_hpa_set_is_no_conflict_and_one_the_user_applied_is() {
    let dump = fixture("dump.yaml");
    // web: the last-applied manifest has no replicas (the server shows 3, set by its HPA);
    // worker: Helm 3, no record (not judged); cart: the applied manifest sets replicas: 2.
    // cart's is the second Deployment, so its `replicas: 2` is the dump's first one.
    let cart_replicas = line_of(&dump, "replicas: 2", 0);
    assert_eq!(
        findings(&dump, &InputOptions::default()),
        vec![(
            "hpa-replicas-conflict".to_string(),
            "warning".to_string(),
            "shop/cart".to_string(),
            cart_replicas
        )]
    );
    assert_eq!(cart_replicas, 120);
}

#[test]
fn kubectl_json_output_gives_the_same_verdicts_with_lines_into_the_json() {
    let json = fixture("dump.json");
    let got = findings(&json, &InputOptions::default());
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].2, "shop/cart");
    assert_eq!(got[0].3, line_of(&json, "\"replicas\": 2,", 0));
    let report = check_sources(&[json]);
    assert_eq!(report.findings[0].object_line, 143);
}

#[test]
fn server_side_apply_ownership_decides_who_set_spec_replicas() {
    let dump = fixture("dump-managed.yaml");
    // api: replicas owned by kube-controller-manager through /scale only; ledger: by the
    // kubectl Apply manager.
    let got = findings(&dump, &InputOptions::default());
    assert_eq!(
        got,
        vec![(
            "hpa-replicas-conflict".to_string(),
            "warning".to_string(),
            "pay/ledger".to_string(),
            line_of(&dump, "replicas: 2", 0)
        )]
    );
    let report = check_sources(&[dump]);
    assert!(
        !report
            .input_errors
            .iter()
            .any(|e| e.kind == InputErrorKind::LiveObject),
        "{:?}",
        report.input_errors
    );
}

#[test]
fn the_notes_say_which_judgements_are_limited_and_what_was_skipped() {
    let report = check_sources(&[fixture("dump.yaml")]);
    let notes: Vec<(InputErrorKind, Option<usize>, &str)> = report
        .input_errors
        .iter()
        .map(|e| (e.kind, e.line, e.message.as_str()))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].0, InputErrorKind::LiveObject);
    assert_eq!(notes[0].1, Some(201));
    assert!(
        notes[0].2.starts_with(
            "1 workload read from a cluster without kubectl.kubernetes.io/last-applied-configuration \
             or server-side-apply managedFields (first: Deployment ops/worker): values equal to \
             API-server defaults"
        ),
        "{}",
        notes[0].2
    );
    assert!(notes[0]
        .2
        .contains("spec.replicas beside an HPA or ScaledObject is not judged"));
    assert_eq!(
        notes[1],
        (
            InputErrorKind::OwnedObject,
            None,
            "2 objects made by a controller skipped (2 Pod): their owner is what was applied and \
             is audited; --include-owned audits them too"
        )
    );
    // The ReplicaSet is not an audited kind; the two Pods, and every other item, are read.
    assert_eq!(report.objects, 15);
}

#[test]
fn include_owned_audits_the_pods_of_the_replicaset() {
    let dump = fixture("dump.yaml");
    let opts = InputOptions {
        include_owned: true,
    };
    let pods: Vec<_> = findings(&dump, &opts)
        .into_iter()
        .filter(|f| f.2.starts_with("shop/web-5d9c7b8f4-"))
        .collect();
    // They are served from a cluster (nodeName, defaults) and belong to a ReplicaSet: no
    // bare-pod; each is one replica of web, so what its Deployment gets it gets too.
    assert!(pods.iter().all(|f| f.0 != "bare-pod"), "{pods:?}");
    let report = check_sources_with(&[dump], &opts);
    // The Pods are audited now: with worker, three workloads without a record of what was applied.
    assert!(
        report.input_errors[0]
            .message
            .starts_with("3 workloads read from a cluster"),
        "{:?}",
        report.input_errors
    );
    assert!(!report
        .input_errors
        .iter()
        .any(|e| e.kind == InputErrorKind::OwnedObject));
}

#[test]
fn the_human_report_of_a_dump_groups_findings_by_namespace() {
    // Both dumps in one run: findings in shop and pay, listed namespace by namespace.
    let report = check_sources(&[fixture("dump.yaml"), fixture("dump-managed.yaml")]);
    let text = report.render(&zerodown::check::CheckOptions::default());
    let pay = text.find("namespace pay\n").expect(&text);
    let shop = text.find("namespace shop\n").expect(&text);
    assert!(pay < shop, "{text}");
    assert!(text[pay..shop].contains("Deployment pay/ledger  (dump-managed.yaml:256)"));
    assert!(text[shop..].contains("Deployment shop/cart  (dump.yaml:102)"));
}

/// Captured from a real API server (cluster/: kube-apiserver, controller-manager with the HPA
/// controller, kwok nodes, kubectl 1.37.1; tests/fixtures/live/README.md): five HPA-managed
/// Deployments, each scaled by its HPA to minReplicas 3. Only `cart` is a conflict: its manifest
/// (client-side `kubectl apply`, so recorded in last-applied) sets `replicas: 2` beside the HPA.
/// `web` (no replicas, client-side apply), `api` and `ledger` (server-side apply; `kubectl get`
/// hides managedFields) and `worker` (`kubectl create`) all show the server's `replicas: 3` and must
/// not be a false conflict.
#[test]
fn a_real_cluster_dump_gives_no_false_replicas_conflict() {
    for name in ["real-dump.yaml", "real-dump.json"] {
        let src = fixture(name);
        let found = findings(&src, &InputOptions::default());
        let needle = if name.ends_with("json") {
            "\"replicas\": 3,"
        } else {
            "replicas: 3"
        };
        // the spec.replicas of the cart Deployment: the first `replicas: 3` after its name
        let lines: Vec<&str> = src.text.lines().collect();
        let name_at = lines
            .iter()
            .position(|l| {
                l.trim().trim_end_matches(',') == r#""name": "cart""# || l.trim() == "name: cart"
            })
            .expect("cart");
        let cart_line = name_at
            + 1
            + lines[name_at..]
                .iter()
                .position(|l| l.trim() == needle)
                .expect("its replicas");
        assert_eq!(
            found,
            [(
                "hpa-replicas-conflict".to_string(),
                "error".to_string(),
                "shop/cart".to_string(),
                cart_line
            )],
            "{name}"
        );
    }
}

/// The same cluster read with `--show-managed-fields`: `api` and `ledger` were server-side
/// applied, `ledger` with `replicas: 2`. When the HPA scaled `ledger` to 3 through `/scale`, the
/// API server moved the ownership of `f:spec.f:replicas` from kubectl's Apply entry to the HPA
/// controller's `Update` (subresource `scale`), so the dump no longer records that the manifest
/// sets it: neither is judged a conflict (the next `kubectl apply --server-side` of ledger's
/// manifest is refused as a field conflict with kube-controller-manager, which is how the API
/// reports it).
#[test]
fn a_real_server_side_apply_dump_judges_who_owns_spec_replicas() {
    let src = fixture("real-dump-managed.yaml");
    assert!(src.text.contains("subresource: scale"));
    assert_eq!(findings(&src, &InputOptions::default()), []);
}
