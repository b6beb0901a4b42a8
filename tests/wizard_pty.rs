//! The wizard, driven in a real pseudo-terminal as a person would: keys in, screen out. The bundle
//! it writes must be byte-identical to the one its printed replay command writes.

use std::fs;
use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";

fn spawn(dir: &Path, args: &str) -> PtySession {
    let bin = assert_cmd::cargo::cargo_bin("zerodown");
    let mut cmd = Command::new("sh");
    // An 80x24 terminal, as the wizard promises to fit in.
    cmd.arg("-c").arg(format!(
        "stty rows 24 cols 80; exec {} new {args}",
        bin.display()
    ));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    spawn_command(cmd, Some(20_000)).unwrap()
}

fn answer(p: &mut PtySession, prompt: &str, keys: &str) {
    p.exp_string(prompt)
        .unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
    p.send(keys).unwrap();
    p.send(ENTER).unwrap();
    p.flush().unwrap();
}

/// A yes/no question: dialoguer takes the key itself, no Enter.
fn confirm(p: &mut PtySession, prompt: &str, key: &str) {
    p.exp_string(prompt)
        .unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
    p.send(key).unwrap();
    p.flush().unwrap();
}

/// A choice whose options must say `shows` (what the choice changes).
fn choose(p: &mut PtySession, prompt: &str, shows: &str, keys: &str) {
    p.exp_string(prompt)
        .unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
    p.exp_string(shows)
        .unwrap_or_else(|e| panic!("waiting for {shows:?}: {e}"));
    p.send(keys).unwrap();
    p.send(ENTER).unwrap();
    p.flush().unwrap();
}

fn exit_code(p: &mut PtySession) -> i32 {
    let _ = p.exp_eof();
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    }
}

/// Reads the replay command the wizard printed and runs it without a terminal into `replay_dir`.
fn replay(p: &mut PtySession, replay_dir: &Path) {
    p.exp_string("To create the same bundle from a script or CI:")
        .unwrap();
    let line = p.read_line().unwrap();
    let line = if line.trim().is_empty() {
        p.read_line().unwrap()
    } else {
        line
    };
    let argv = shlex::split(line.trim()).unwrap();
    assert_eq!(argv[..2], ["zerodown", "new"], "{line}");
    assert!(argv.contains(&"--no-input".to_string()));
    assert_eq!(exit_code(p), 0);
    fs::create_dir_all(replay_dir).unwrap();
    let out = assert_cmd::Command::cargo_bin("zerodown")
        .unwrap()
        .args(&argv[1..])
        .current_dir(replay_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file below `dir`, as paths relative to it, sorted.
fn tree(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn assert_same_bundle(a: &Path, b: &Path) {
    let files = tree(a);
    assert_eq!(files, tree(b));
    for f in files {
        assert_eq!(
            fs::read(a.join(&f)).unwrap(),
            fs::read(b.join(&f)).unwrap(),
            "{} differs between wizard and replay",
            f.display()
        );
    }
}

#[test]
fn enter_through_the_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "");
    for prompt in [
        "App type",
        "Name (",
        "Namespace (",
        "Image (",
        "Port the app listens on",
        "Readiness endpoint",
        "Liveness endpoint",
        "Typical startup, seconds",
        "Worst-case startup, seconds",
        "Drain time after SIGTERM",
        "Traffic",
        "Cost tolerance",
        "Exposure",
        "Add Secrets, config files",
        "Add a Helm chart",
    ] {
        answer(&mut p, prompt, "");
    }
    confirm(&mut p, "Write the bundle to my-service/?", "y");
    replay(&mut p, &tmp.path().join("replay"));
    let spec = fs::read_to_string(tmp.path().join("my-service/zerodown.yaml")).unwrap();
    assert!(spec.contains("preset: generic"), "{spec}");
    assert_same_bundle(
        &tmp.path().join("my-service"),
        &tmp.path().join("replay/my-service"),
    );
}

#[test]
fn a_jvm_service() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "");
    answer(&mut p, "App type", DOWN); // spring-boot
    answer(&mut p, "Name (", "checkout");
    answer(&mut p, "Namespace (", "shop");
    answer(
        &mut p,
        "Image (",
        "registry.example.com/shop/checkout:1.4.2",
    );
    answer(&mut p, "Port the app listens on", "");
    answer(&mut p, "Readiness endpoint", "");
    answer(&mut p, "Liveness endpoint", "");
    p.exp_string("Started ... in N seconds").unwrap();
    answer(&mut p, "Typical startup, seconds", "45");
    answer(&mut p, "Worst-case startup, seconds", "150");
    answer(&mut p, "Drain time after SIGTERM", "");
    choose(
        &mut p,
        "Traffic",
        "spiky   HPA 3-15 pods, CPU target 60%, fast",
        DOWN,
    );
    choose(
        &mut p,
        "Cost tolerance",
        "resilient 3 pods at rest, up to 15 at peak, one pod per node",
        DOWN,
    );
    choose(
        &mut p,
        "Exposure",
        "ingress       behind an ingress controller or Gateway: preStop 10s",
        DOWN,
    );
    choose(
        &mut p,
        "Route object",
        "httproute  a Gateway API HTTPRoute",
        DOWN,
    );
    answer(
        &mut p,
        "Host names the route answers for",
        "checkout.example.com",
    );
    answer(&mut p, "Gateway name", "public");
    answer(&mut p, "Gateway namespace", "gateways");
    answer(&mut p, "Gateway listener", "https");
    confirm(&mut p, "Add Secrets, config files", "y");
    answer(
        &mut p,
        "Env vars from Secret keys",
        "SPRING_DATASOURCE_PASSWORD=checkout-db:password",
    );
    answer(&mut p, "Whole Secrets as env vars", "checkout-db");
    answer(&mut p, "Config files", "/config=checkout-config");
    p.exp_string("eks.amazonaws.com/role-arn").unwrap();
    answer(
        &mut p,
        "ServiceAccount annotations",
        "eks.amazonaws.com/role-arn=arn:aws:iam::123456789012:role/checkout",
    );
    confirm(&mut p, "Add a Helm chart", "y");
    p.exp_string("3 at rest, HPA up to 15 at 60% CPU").unwrap();
    p.exp_string("required one pod per node").unwrap();
    confirm(&mut p, "Write the bundle to checkout/?", "y");
    replay(&mut p, &tmp.path().join("replay"));
    let d = fs::read_to_string(tmp.path().join("checkout/deployment.yaml")).unwrap();
    assert!(d.contains("requiredDuringSchedulingIgnoredDuringExecution"));
    assert!(d.contains("seconds: 10\n"), "ingress preStop");
    let route = fs::read_to_string(tmp.path().join("checkout/httproute.yaml")).unwrap();
    assert!(
        route.contains("\"checkout.example.com\"")
            && route.contains("namespace: \"gateways\"")
            && route.contains("sectionName: \"https\""),
        "{route}"
    );
    assert!(d.contains("initialDelaySeconds: 45\n"));
    assert!(
        d.contains("name: \"checkout-db\"") && d.contains("mountPath: \"/config\""),
        "{d}"
    );
    let sa = fs::read_to_string(tmp.path().join("checkout/serviceaccount.yaml")).unwrap();
    assert!(
        sa.contains("arn:aws:iam::123456789012:role/checkout"),
        "{sa}"
    );
    assert!(
        tmp.path().join("checkout/chart/values.yaml").is_file(),
        "the chart was asked for"
    );
    assert_same_bundle(
        &tmp.path().join("checkout"),
        &tmp.path().join("replay/checkout"),
    );
}

#[test]
fn a_worker_skips_port_and_exposure() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "");
    answer(&mut p, "App type", &DOWN.repeat(8)); // worker
    answer(&mut p, "Name (", "mailer");
    answer(&mut p, "Namespace (", "ops");
    answer(&mut p, "Image (", "registry.example.com/ops/mailer:2.0.1");
    answer(&mut p, "Readiness command", "");
    answer(&mut p, "Liveness command", "/app/healthcheck --live");
    answer(&mut p, "Typical startup, seconds", "");
    answer(&mut p, "Worst-case startup, seconds", "");
    p.exp_string("finishes (or nacks) the current").unwrap();
    answer(&mut p, "Drain time after SIGTERM", "900");
    answer(&mut p, "Traffic", "");
    let (before, _) = p.exp_regex("Cost tolerance").unwrap();
    assert!(!before.contains("Port the app"), "{before}");
    p.send(ENTER).unwrap();
    p.flush().unwrap();
    choose(
        &mut p,
        "Scale on",
        "kafka      BOOTSTRAP,TOPIC,GROUP,LAG",
        DOWN,
    );
    answer(&mut p, "KEDA kafka trigger", "kafka:9092,mail,mailer,50");
    answer(&mut p, "TriggerAuthentication", "kafka-sasl");
    confirm(&mut p, "Add Secrets, config files", "n");
    confirm(&mut p, "Add a Helm chart", "n");
    let (before, _) = p.exp_regex("Write the bundle to mailer/\\?").unwrap();
    assert!(!before.contains("Exposure"), "{before}");
    p.send("y").unwrap();
    p.flush().unwrap();
    replay(&mut p, &tmp.path().join("replay"));
    assert!(!tmp.path().join("mailer/service.yaml").exists());
    assert!(
        !tmp.path().join("mailer/hpa.yaml").exists(),
        "KEDA replaces the HPA"
    );
    let so = fs::read_to_string(tmp.path().join("mailer/scaledobject.yaml")).unwrap();
    assert!(
        so.contains("\"bootstrapServers\": \"kafka:9092\"") && so.contains("name: \"kafka-sasl\""),
        "{so}"
    );
    let spec = fs::read_to_string(tmp.path().join("mailer/zerodown.yaml")).unwrap();
    assert!(spec.contains("drainSeconds: 900\n"), "{spec}");
    assert_same_bundle(
        &tmp.path().join("mailer"),
        &tmp.path().join("replay/mailer"),
    );
}

#[test]
fn an_invalid_name_is_asked_again_and_latest_gets_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "--preset go");
    answer(&mut p, "Name (", "Bad_Name");
    p.exp_string("may contain only lowercase letters").unwrap();
    p.send("\x15").unwrap(); // clear the line
    answer(&mut p, "Name (", "api");
    answer(&mut p, "Namespace (", "");
    answer(&mut p, "Image (", "ghcr.io/acme/api:latest");
    p.exp_string("that tag is mutable").unwrap();
    confirm(&mut p, "Use this mutable tag anyway?", "n");
    // asked again with what was typed as the default, not a made-up image
    p.exp_string("Image (").unwrap();
    p.exp_string("ghcr.io/acme/api:latest").unwrap();
    answer(&mut p, "", "ghcr.io/acme/api:3.1.0");
    for prompt in [
        "Port the app",
        "Readiness endpoint",
        "Liveness endpoint",
        "Typical startup",
        "Worst-case startup",
        "Drain time after SIGTERM",
        "Traffic",
        "Cost tolerance",
        "Exposure",
        "Add Secrets, config files",
        "Add a Helm chart",
    ] {
        answer(&mut p, prompt, "");
    }
    confirm(&mut p, "Write the bundle", "y");
    replay(&mut p, &tmp.path().join("replay"));
    let spec = fs::read_to_string(tmp.path().join("api/zerodown.yaml")).unwrap();
    assert!(spec.contains("image: ghcr.io/acme/api:3.1.0"), "{spec}");
    assert!(!spec.contains("allowMutableTag"));
}

#[test]
fn ctrl_c_writes_nothing_and_exits_130() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "");
    answer(&mut p, "App type", "");
    p.exp_string("Name (").unwrap();
    p.send("half").unwrap();
    p.send_control('c').unwrap();
    let (rest, _) = p.exp_eof().map(|s| (s, ())).unwrap();
    assert_eq!(
        rest.matches("cancelled: nothing was written").count(),
        1,
        "said once: {rest:?}"
    );
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn esc_at_a_choice_writes_nothing_and_exits_130() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "");
    p.exp_string("App type").unwrap();
    p.send("\x1b").unwrap();
    p.flush().unwrap();
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn no_input_in_a_terminal_never_prompts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "checkout --no-input");
    p.exp_string("missing --image <IMAGE>").unwrap();
    assert_eq!(exit_code(&mut p), 2);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn from_prefills_an_existing_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("zerodown")
        .unwrap()
        .args([
            "new",
            "checkout",
            "--preset",
            "node",
            "--image",
            "registry.example.com/shop/checkout:1.0.0",
            "--port",
            "3001",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut p = spawn(tmp.path(), "--from checkout/zerodown.yaml -o checkout-v2");
    choose(&mut p, "App type", "> node", ""); // pre-selected from the spec
    answer(&mut p, "Name (", "");
    answer(&mut p, "Namespace (", "");
    answer(
        &mut p,
        "Image (",
        "registry.example.com/shop/checkout:2.0.0",
    );
    for prompt in [
        "Port the app",
        "Readiness endpoint",
        "Liveness endpoint",
        "Typical startup",
        "Worst-case startup",
        "Drain time after SIGTERM",
        "Traffic",
        "Cost tolerance",
        "Exposure",
        "Add Secrets, config files",
        "Add a Helm chart",
    ] {
        answer(&mut p, prompt, "");
    }
    confirm(&mut p, "Write the bundle", "y");
    replay(&mut p, &tmp.path().join("replay"));
    let spec = fs::read_to_string(tmp.path().join("checkout-v2/zerodown.yaml")).unwrap();
    assert!(
        spec.contains("port: 3001")
            && spec.contains("preset: node")
            && spec.contains("checkout:2.0.0"),
        "{spec}"
    );
}

fn new_bundle(dir: &Path, name: &str) {
    let out = assert_cmd::Command::cargo_bin("zerodown")
        .unwrap()
        .args([
            "new",
            name,
            "--image",
            &format!("registry.example.com/shop/{name}:1.0.0"),
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn an_existing_folder_is_refused_at_the_name_question() {
    let tmp = tempfile::tempdir().unwrap();
    new_bundle(tmp.path(), "orders");
    let before = fs::read_to_string(tmp.path().join("orders/deployment.yaml")).unwrap();
    let mut p = spawn(tmp.path(), "");
    answer(&mut p, "App type", "");
    answer(&mut p, "Name (", "orders");
    p.exp_string("./orders already exists").unwrap();
    p.send_control('c').unwrap();
    assert_eq!(exit_code(&mut p), 130);
    assert_eq!(
        fs::read_to_string(tmp.path().join("orders/deployment.yaml")).unwrap(),
        before
    );
}

#[test]
fn from_edits_the_bundle_it_came_from_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    new_bundle(tmp.path(), "orders");
    let mut p = spawn(tmp.path(), "--from orders/zerodown.yaml");
    answer(&mut p, "App type", "");
    answer(&mut p, "Name (", ""); // the spec's name: its folder is the one being edited
    answer(&mut p, "Namespace (", "");
    answer(&mut p, "Image (", "registry.example.com/shop/orders:1.1.0");
    for prompt in [
        "Port the app",
        "Readiness endpoint",
        "Liveness endpoint",
        "Typical startup",
        "Worst-case startup",
        "Drain time after SIGTERM",
        "Traffic",
        "Cost tolerance",
        "Exposure",
        "Add Secrets, config files",
        "Add a Helm chart",
    ] {
        answer(&mut p, prompt, "");
    }
    confirm(&mut p, "Update the bundle in orders/", "y");
    p.exp_string("To create the same bundle from a script or CI:")
        .unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let spec = fs::read_to_string(tmp.path().join("orders/zerodown.yaml")).unwrap();
    assert!(
        spec.contains("image: registry.example.com/shop/orders:1.1.0\n"),
        "{spec}"
    );
    let d = fs::read_to_string(tmp.path().join("orders/deployment.yaml")).unwrap();
    assert!(
        d.contains("image: \"registry.example.com/shop/orders:1.1.0\""),
        "{d}"
    );
    // and the result is exactly what `render` makes of the edited spec
    let check = assert_cmd::Command::cargo_bin("zerodown")
        .unwrap()
        .args(["render", "--check", "-f", "orders/zerodown.yaml"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn from_refuses_to_replace_a_hand_edited_file_of_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    new_bundle(tmp.path(), "orders");
    let pdb = tmp.path().join("orders/pdb.yaml");
    let edited = fs::read_to_string(&pdb).unwrap() + "# mine\n";
    fs::write(&pdb, &edited).unwrap();
    let spec_before = fs::read_to_string(tmp.path().join("orders/zerodown.yaml")).unwrap();
    let mut p = spawn(
        tmp.path(),
        "--from orders/zerodown.yaml --image registry.example.com/shop/orders:1.2.0",
    );
    answer(&mut p, "App type", "");
    answer(&mut p, "Name (", "");
    answer(&mut p, "Namespace (", "");
    for prompt in [
        "Port the app",
        "Readiness endpoint",
        "Liveness endpoint",
        "Typical startup",
        "Worst-case startup",
        "Drain time after SIGTERM",
        "Traffic",
        "Cost tolerance",
        "Exposure",
        "Add Secrets, config files",
        "Add a Helm chart",
    ] {
        answer(&mut p, prompt, "");
    }
    confirm(&mut p, "Update the bundle in orders/", "y");
    p.exp_string("was edited since zerodown wrote it").unwrap();
    assert_eq!(exit_code(&mut p), 2);
    assert_eq!(fs::read_to_string(&pdb).unwrap(), edited);
    assert_eq!(
        fs::read_to_string(tmp.path().join("orders/zerodown.yaml")).unwrap(),
        spec_before,
        "nothing written"
    );
}

#[test]
fn a_go_service_behind_an_aws_alb() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), "");
    answer(&mut p, "App type", &DOWN.repeat(4)); // go
    answer(&mut p, "Name (", "api");
    answer(&mut p, "Namespace (", "shop");
    answer(&mut p, "Image (", "registry.example.com/shop/api:1.2.3");
    for prompt in [
        "Port the app",
        "Readiness endpoint",
        "Liveness endpoint",
        "Typical startup",
        "Worst-case startup",
        "Drain time after SIGTERM",
        "Traffic",
        "Cost tolerance",
    ] {
        answer(&mut p, prompt, "");
    }
    choose(
        &mut p,
        "Exposure",
        "load-balancer behind a cloud load balancer",
        &format!("{DOWN}{DOWN}"),
    );
    choose(&mut p, "Load balancer", "aws-alb   AWS ALB", DOWN);
    answer(
        &mut p,
        "Host names the route answers for",
        "api.example.com",
    );
    answer(
        &mut p,
        "TLS: a Secret for the hosts turns HTTPS on",
        "api-tls",
    );
    confirm(&mut p, "Add Secrets, config files", "n");
    confirm(&mut p, "Add a Helm chart", "y");
    confirm(&mut p, "Write the bundle to api/?", "y");
    replay(&mut p, &tmp.path().join("replay"));
    let ing = fs::read_to_string(tmp.path().join("api/ingress.yaml")).unwrap();
    assert!(
        ing.contains("ingressClassName: \"alb\"") && ing.contains("\"api-tls\""),
        "{ing}"
    );
    let ns = fs::read_to_string(tmp.path().join("api/namespace.yaml")).unwrap();
    assert!(
        ns.contains("elbv2.k8s.aws/pod-readiness-gate-inject"),
        "{ns}"
    );
    assert_same_bundle(&tmp.path().join("api"), &tmp.path().join("replay/api"));
}
