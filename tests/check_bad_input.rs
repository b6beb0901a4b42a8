//! Bad inputs are reported as input problems with file and line, never panic, and never stop the
//! other documents or files from being checked.

mod common;
use common::*;
use std::path::PathBuf;
use zerodown::check::{check_paths, check_sources, load_paths, InputErrorKind, Severity, Source};

fn kinds(r: &zerodown::check::Report) -> Vec<InputErrorKind> {
    r.input_errors.iter().map(|e| e.kind).collect()
}

#[test]
fn invalid_yaml_document_does_not_hide_the_others() {
    let text = format!(
        "{DEPLOY}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n---\n{}",
        edit(SERVICE, "name: web", "name: web2")
    );
    let r = check(&text);
    let e = r
        .input_errors
        .iter()
        .find(|e| e.kind == InputErrorKind::InvalidYaml)
        .expect("invalid yaml reported");
    assert_eq!(e.level, Severity::Error);
    assert_eq!(e.file, "test.yaml");
    let line = e.line.unwrap();
    let deploy_lines = DEPLOY.lines().count();
    assert!(
        line > deploy_lines + 1 && line <= deploy_lines + 6,
        "line {line}"
    );
    // The Deployment and the second Service were still checked.
    assert!(r.findings.iter().any(|f| f.kind == "Deployment"));
    assert_eq!(r.exit_code(Severity::Error), 2);
}

#[test]
fn whole_file_invalid_yaml() {
    let r = check_sources(&[
        Source::new("bad.yaml", "key: [unclosed\n  other: {\n"),
        Source::new("good.yaml", sample("image-tag-mutable")),
    ]);
    assert_eq!(kinds(&r), vec![InputErrorKind::InvalidYaml]);
    assert_eq!(r.input_errors[0].file, "bad.yaml");
    one(&r, "image-tag-mutable");
    assert_eq!(r.exit_code(Severity::Error), 2);
}

#[test]
fn helm_template_is_an_input_error() {
    let tpl = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n";
    let r = check_sources(&[
        Source::new("templates/deploy.yaml", tpl),
        Source::new("ok.yaml", clean()),
    ]);
    let helm: Vec<_> = r
        .input_errors
        .iter()
        .filter(|e| e.kind == InputErrorKind::HelmTemplate)
        .collect();
    assert_eq!(helm.len(), 1, "{:?}", r.input_errors);
    assert_eq!(helm[0].line, Some(4));
    assert!(helm[0].message.contains("helm template"));
    assert_eq!(r.exit_code(Severity::Error), 2);
    // A quoted template that happens to be valid YAML is still recognised.
    let quoted = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"{{ .Release.Name }}\"\nspec:\n  selector: {app: x}\n";
    let r = check(quoted);
    assert_eq!(kinds(&r), vec![InputErrorKind::HelmTemplate]);
    assert!(r.findings.is_empty());
}

#[test]
fn go_templates_inside_unaudited_kinds_are_fine() {
    // Alertmanager/Prometheus configs legitimately carry {{ }} in ConfigMaps.
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts}\ndata:\n  rule: 'summary: {{ $labels.instance }} down'\n";
    let r = check(&format!("{cm}---\n{}", clean()));
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    assert_eq!(r.objects, 5);
}

#[test]
fn crds_and_unknown_kinds_are_skipped_with_a_note() {
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {}\n";
    let cr = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {replicas: 1}\n";
    let builtin = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    let r = check(&bundle(&[crd, cr, builtin, DEPLOY, SERVICE, PDB, HPA]));
    assert_eq!(
        kinds(&r),
        vec![
            InputErrorKind::CustomResourceDefinition,
            InputErrorKind::UnknownKind
        ]
    );
    assert!(r.input_errors.iter().all(|e| e.level == Severity::Info));
    assert_eq!(r.input_errors[1].line, Some(6));
    assert_eq!(r.exit_code(Severity::Warning), 0, "{}", human(&r));
}

#[test]
fn empty_documents_lists_scalars_and_missing_kinds() {
    let text = "---\n# only a comment\n---\n- a\n- b\n---\njust a string\n---\nreplicaCount: 2\nimage: x\n---\nkind: Service\nmetadata: {name: x}\n---\n~\n---\n";
    let r = check(text);
    let got: Vec<(InputErrorKind, Option<usize>, Severity)> = r
        .input_errors
        .iter()
        .map(|e| (e.kind, e.line, e.level))
        .collect();
    assert_eq!(
        got,
        vec![
            (InputErrorKind::EmptyDocument, Some(1), Severity::Info),
            (InputErrorKind::NotAMapping, Some(4), Severity::Warning),
            (InputErrorKind::NotAMapping, Some(7), Severity::Warning),
            (InputErrorKind::MissingKind, Some(9), Severity::Warning),
            (InputErrorKind::MissingKind, Some(12), Severity::Warning),
            (InputErrorKind::EmptyDocument, Some(15), Severity::Info),
        ]
    );
    assert!(r.input_errors[3].message.contains("kind and apiVersion"));
    assert!(r.input_errors[4].message.contains("no apiVersion"));
    assert_eq!(r.exit_code(Severity::Warning), 0);
}

#[test]
fn empty_file_and_list_kind() {
    let r = check_sources(&[
        Source::new("empty.yaml", ""),
        Source::new("ws.yaml", "\n# nothing\n"),
    ]);
    assert_eq!(
        kinds(&r),
        vec![InputErrorKind::EmptyDocument, InputErrorKind::EmptyDocument]
    );
    // kubectl get -o yaml output: a v1 List is expanded.
    let items: String = [DEPLOY, SERVICE]
        .iter()
        .map(|d| {
            let mut s = String::new();
            for (i, l) in d.lines().enumerate() {
                s.push_str(if i == 0 { "- " } else { "  " });
                s.push_str(l);
                s.push('\n');
            }
            s
        })
        .collect();
    let list = format!("apiVersion: v1\nkind: List\nitems:\n{items}");
    let r = check(&list);
    assert_eq!(r.objects, 2);
    one(&r, "replicas-below-two");
    absent(&r, "readiness-probe-missing");
}

#[test]
fn weird_yaml_does_not_panic() {
    let inputs = [
        "a: &x [*x]\n",
        "? [complex, key]\n: value\nkind: Deployment\napiVersion: apps/v1\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: many\n  template: 5\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: {a: b}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - 42\n        - name: c\n          image: 7\n          ports: oops\n          livenessProbe: [1]\n          resources: {requests: {cpu: lots}}\n",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: \"x%\", selector: {matchExpressions: [{key: a, operator: Gt, values: [\"1\"]}]}}\n",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {metrics: [{type: Resource}, 5], minReplicas: -3}\n",
        "base: &b {kind: Service, apiVersion: v1}\n<<: *b\nmetadata: {name: merged}\n",
        "\u{feff}apiVersion: v1\nkind: Service\nmetadata: {name: bom}\n",
        "apiVersion: v1\nkind: Service\n...\nkind: Pod\n",
        "%YAML 1.2\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
        "--- {apiVersion: v1, kind: Service, metadata: {name: inline}}\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 99999999999999999999\n",
        "\t\t\0\u{1}",
    ];
    for text in inputs {
        let r = check(text);
        let _ = human(&r);
    }
}

#[test]
fn ten_thousand_line_file() {
    // ~10k lines: 150 copies of the clean bundle, one broken document in the middle.
    let mut docs: Vec<String> = Vec::new();
    for i in 0..150 {
        let ns = format!("namespace: ns{i}");
        docs.push(clean().replace("namespace: shop", &ns));
        if i == 75 {
            docs.push("apiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n".to_string());
        }
    }
    let text = docs.join("---\n");
    assert!(text.lines().count() >= 10_000, "{}", text.lines().count());
    let start = std::time::Instant::now();
    let r = check(&text);
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(r.objects, 600);
    assert_eq!(kinds(&r), vec![InputErrorKind::InvalidYaml]);
    no_warnings(&r);
}

#[test]
fn load_paths_reads_files_dirs_and_stdin() {
    let tmp = std::env::temp_dir().join(format!("zerodown-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("sub/.hidden")).unwrap();
    std::fs::write(tmp.join("a.yaml"), clean()).unwrap();
    std::fs::write(tmp.join("sub/b.YML"), BARE_POD).unwrap();
    std::fs::write(tmp.join("sub/notes.txt"), "not yaml").unwrap();
    std::fs::write(tmp.join("sub/.hidden/c.yaml"), "bad: [").unwrap();
    std::fs::write(tmp.join("bin.yaml"), [0xff, 0xfe, 0x00]).unwrap();
    std::fs::create_dir_all(tmp.join("empty")).unwrap();
    let paths = vec![
        tmp.clone(),
        tmp.join("missing.yaml"),
        PathBuf::from("-"),
        tmp.join("empty"),
    ];
    let mut stdin = SERVICE.as_bytes();
    let (sources, errors) = load_paths(&paths, &mut stdin);
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[0].ends_with("a.yaml"));
    assert!(names[1].ends_with("b.YML"));
    assert_eq!(names[2], "<stdin>");
    let ek: Vec<InputErrorKind> = errors.iter().map(|e| e.kind).collect();
    assert_eq!(
        ek,
        vec![
            InputErrorKind::NotUtf8,
            InputErrorKind::Unreadable,
            InputErrorKind::NoManifests
        ]
    );
    assert!(errors[1].message.contains("no such file"));
    let mut stdin = SERVICE.as_bytes();
    let r = check_paths(&paths, &mut stdin);
    assert_eq!(r.exit_code(Severity::Error), 2);
    assert_eq!(r.files, 3);
    one(&r, "bare-pod");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The same object in several files (per-environment copies, a folder of field cases) is one
/// object to the API server: no duplicate-HPA or overlapping-PDB error for it.
#[test]
fn the_same_object_in_two_files_is_not_a_duplicate() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/clean-bundle.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let report = zerodown::check::check_sources(&[
        zerodown::check::Source::new("a/bundle.yaml", text.clone()),
        zerodown::check::Source::new("b/bundle.yaml", text),
    ]);
    let rules: Vec<&str> = report.active().map(|f| f.rule).collect();
    assert!(
        !rules.contains(&"hpa-duplicate-target") && !rules.contains(&"pdb-overlapping"),
        "{rules:?}"
    );
}

#[test]
fn an_unclosed_brace_pair_in_a_value_is_not_a_template() {
    // Found by tests/properties.rs: a probe path `/{{.!` (a valid spec answer, quoted by zerodown)
    // made `zerodown check` refuse zerodown's own bundle as an unrendered Helm chart.
    let d = clean().replace("path: /readyz", "path: \"/{{.!\"");
    assert!(d.contains("/{{.!"), "the sample has a readiness path");
    let r = check(&d);
    assert!(r.input_errors.is_empty(), "{:?}", r.input_errors);
    // A closed action in a quoted value is still a template.
    let r = check(&clean().replace("path: /readyz", "path: \"/{{ .Values.path }}\""));
    assert_eq!(kinds(&r), vec![InputErrorKind::HelmTemplate]);
}

#[cfg(unix)]
#[test]
fn a_pipe_in_a_folder_is_skipped_not_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), DEPLOY).unwrap();
    let fifo = dir.path().join("x.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    // Reading the pipe would block forever: run the walk on a thread and give it 20 s.
    let (tx, rx) = std::sync::mpsc::channel();
    let root = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(load_paths(&[root], &mut std::io::empty()));
    });
    let (sources, errors) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the folder walk waited on the pipe");
    assert_eq!(sources.len(), 1);
    assert!(sources[0].name.ends_with("app.yaml"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].level, Severity::Warning);
    assert!(
        errors[0].message.contains("is not a regular file"),
        "{errors:?}"
    );
}

#[test]
fn the_same_objects_twice_in_one_stream_are_checked_once() {
    let once = check(&clean());
    let twice_text = format!("{}---\n{}", clean(), clean());
    let twice = check(&twice_text);
    // The copy is not an object of its own (a Deployment "without" its HPA...): the same findings.
    let rules = |r: &zerodown::check::Report| -> Vec<String> {
        r.findings.iter().map(|f| f.rule.to_string()).collect()
    };
    assert_eq!(rules(&twice), rules(&once), "{}", human(&twice));
    let dups: Vec<_> = twice
        .input_errors
        .iter()
        .filter(|e| e.kind == InputErrorKind::DuplicateObject)
        .collect();
    assert_eq!(dups.len(), 4, "{dups:?}");
    let deploy = dups
        .iter()
        .find(|e| e.message.starts_with("Deployment shop/web"))
        .expect("the Deployment copy is named");
    assert_eq!(deploy.level, Severity::Warning);
    assert_eq!(deploy.line, Some(1));
    let second_at = clean().lines().count() + 2;
    assert!(
        deploy
            .message
            .contains(&format!("defined again at test.yaml:{second_at}")),
        "{}",
        deploy.message
    );
    // In two files (other clusters, other environments) both copies are checked.
    let r = check_sources(&[
        Source::new("prod/app.yaml", clean()),
        Source::new("staging/app.yaml", clean()),
    ]);
    assert!(
        !r.input_errors
            .iter()
            .any(|e| e.kind == InputErrorKind::DuplicateObject),
        "{:?}",
        r.input_errors
    );
    assert_eq!(r.objects, 2 * once.objects);
    // ...each with its own HPA: no copy "without an HPA" or "at 1 replica".
    let mut expected = rules(&once);
    expected.extend(rules(&once));
    expected.sort();
    let mut got = rules(&r);
    got.sort();
    assert_eq!(got, expected, "{}", human(&r));
    // A file with the Deployment alone next to the whole bundle: its HPA is in the other file.
    let deploy_only = check_sources(&[
        Source::new("a/deployment.yaml", DEPLOY),
        Source::new("b/bundle.yaml", clean()),
    ]);
    assert!(
        find(&deploy_only, "hpa-missing").is_empty(),
        "{}",
        human(&deploy_only)
    );
}

#[test]
fn a_key_given_twice_is_invalid_yaml_as_kubectl_says() {
    // kubectl refuses such a manifest ("mapping key ... already defined"); serde_json's map would
    // keep the last value, and --fix would edit the wrong line (found by a breaker's trial).
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.0.0\n          command: [\"/bin/bash\", \"-c\", \"cd /app && python app.py\"]\n          command: [\"/bin/bash\", \"-c\", \"cd /x && python y.py\"]\n";
    let r = check_sources(&[Source::new("dup.yaml", text)]);
    assert_eq!(kinds(&r), [InputErrorKind::InvalidYaml]);
    let e = &r.input_errors[0];
    assert!(
        e.message.contains("duplicate entry with key \"command\""),
        "{}",
        e.message
    );
    assert_eq!(e.level, Severity::Error);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}
