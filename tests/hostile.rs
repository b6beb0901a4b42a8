//! Hostile input, as a catalogue: each row is one bad (or merely strange) input to the real binary,
//! where it enters (`zerodown new` flags, a spec file for `render -f`, a `--preset-file`, or a file
//! for `zerodown check`), the exit code it must get and the message fragments that must name the
//! field or value. A refused input must leave the folder exactly as it was (nothing written). An
//! input zerodown legitimately accepts (a `{{ }}` or a Unicode line separator inside an exec
//! argument, ...) must come out as one scalar: every output file is parsed, the exact string is
//! found as a whole scalar, and no object or `kind` appears beyond the bundle's own.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde::Deserialize;

const IMAGE: &str = "registry.example.com/team/app:1.0.0";

/// `zerodown.yaml` as `zerodown new app --image IMAGE` writes it (generic preset).
const SPEC: &str = "name: app
namespace: app
preset: generic
appType: generic
image: registry.example.com/team/app:1.0.0
port: 8080
readiness:
  httpGet:
    path: /readyz
liveness:
  httpGet:
    path: /livez
startupSeconds: 5
maxStartupSeconds: 30
drainSeconds: 10
traffic: steady
cost: balanced
exposure: internal
resources:
  cpuRequestMillicores: 100
  cpuLimitMillicores: 500
  memoryMiB: 256
  ephemeralStorageMiB: 512
imageHasShell: false
runAsUser: 10001
partOf: app
kubeVersion: '1.35'
";

const PRESET: &str = include_str!("../presets/generic.yaml");

/// A small valid Deployment for `zerodown check` rows.
const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
";

/// A Deployment whose fields have the wrong types everywhere a rule looks.
const WRONG_TYPES: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: [a, b]
spec:
  replicas: \"two\"
  minReadySeconds: {a: 1}
  strategy: []
  selector: {matchLabels: [app, web]}
  template:
    metadata:
      labels: \"app=web\"
    spec:
      terminationGracePeriodSeconds: \"30s\"
      affinity: 7
      containers:
        - \"not a container\"
        - name: [web]
          image: 42
          ports: {http: 8080}
          readinessProbe: {httpGet: {path: 5, port: {}}, timeoutSeconds: \"2\"}
          lifecycle: {preStop: [sleep]}
          resources: {requests: [cpu], limits: 1}
";

/// Where the input goes.
#[derive(Debug, Clone)]
enum Input {
    /// `zerodown new ARGS --no-input` in an empty folder.
    Flags(Vec<String>),
    /// `zerodown render -f zerodown.yaml` with this file.
    Spec(Vec<u8>),
    /// `zerodown new app --image IMAGE --preset-file preset.yaml --no-input ARGS` with this file.
    Preset(Vec<u8>, Vec<String>),
    /// `zerodown check input.yaml ARGS` with this file (`-` in ARGS: the file is given on stdin).
    Check(Vec<u8>, Vec<String>),
    /// `zerodown check ARGS` without a file.
    CheckArgs(Vec<String>),
}

/// What must happen.
#[derive(Debug, Clone)]
enum Expect {
    /// Refused: this exit code, every fragment in stderr, nothing written.
    Refused(i32, Vec<String>),
    /// Accepted (exit 0): the bundle holds `scalar` exactly, as one scalar, and nothing else new.
    Quoted(String),
    /// `zerodown check`: this exit code, every fragment in the output, no `absent` string in it.
    Checked(i32, Vec<String>, Vec<String>),
}

struct Case {
    name: &'static str,
    input: Input,
    expect: Expect,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn flags(name: &'static str, args: &[&str], exit: i32, fragments: &[&str]) -> Case {
    Case {
        name,
        input: Input::Flags(s(args)),
        expect: Expect::Refused(exit, s(fragments)),
    }
}

fn new_app(name: &'static str, extra: &[&str], fragments: &[&str]) -> Case {
    let mut args = vec!["app", "--image", IMAGE];
    args.extend_from_slice(extra);
    flags(name, &args, 2, fragments)
}

fn quoted_flags(name: &'static str, extra: &[&str], scalar: &str) -> Case {
    let mut args = vec!["app", "--image", IMAGE];
    args.extend_from_slice(extra);
    Case {
        name,
        input: Input::Flags(s(&args)),
        expect: Expect::Quoted(scalar.to_string()),
    }
}

/// The base spec with the line starting `from` replaced by `to` (which may be several lines).
fn spec_with(from: &str, to: &str) -> Vec<u8> {
    let mut done = false;
    let mut out = String::new();
    for line in SPEC.lines() {
        if !done && line.starts_with(from) {
            out.push_str(to);
            done = true;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(done, "the base spec has no line `{from}`");
    out.into_bytes()
}

fn spec(name: &'static str, from: &str, to: &str, fragments: &[&str]) -> Case {
    Case {
        name,
        input: Input::Spec(spec_with(from, to)),
        expect: Expect::Refused(2, s(fragments)),
    }
}

fn spec_text(name: &'static str, text: Vec<u8>, fragments: &[&str]) -> Case {
    Case {
        name,
        input: Input::Spec(text),
        expect: Expect::Refused(2, s(fragments)),
    }
}

fn preset_with(from: &str, to: &str) -> Vec<u8> {
    let text = PRESET.replacen(from, to, 1);
    assert_ne!(text, PRESET, "the generic preset has no `{from}`");
    text.into_bytes()
}

fn preset(name: &'static str, from: &str, to: &str, fragments: &[&str]) -> Case {
    Case {
        name,
        input: Input::Preset(preset_with(from, to), vec![]),
        expect: Expect::Refused(2, s(fragments)),
    }
}

fn check(
    name: &'static str,
    text: Vec<u8>,
    args: &[&str],
    exit: i32,
    has: &[&str],
    absent: &[&str],
) -> Case {
    Case {
        name,
        input: Input::Check(text, s(args)),
        expect: Expect::Checked(exit, s(has), s(absent)),
    }
}

/// The classic "billion laughs": nine levels of nine aliases (9^9 = 387,420,489 strings).
fn billion_laughs(prefix: &str, indent: &str) -> String {
    let mut out =
        format!("{prefix}\n{indent}- &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        out.push_str(&format!(
            "{indent}- &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    out
}

const TEN_MB: usize = 10 * 1024 * 1024;

fn cases() -> Vec<Case> {
    let mut c = vec![
        // ---- flags: wrong types, overflow, negative, empty ------------------------------------
        new_app("port: u32 overflow", &["--port", "99999999999"], &["invalid value '99999999999' for '--port <PORT>'"]),
        new_app("port: out of range", &["--port", "70000"], &["`port` (--port)", "70000", "from 1 to 65535"]),
        new_app("port: zero", &["--port", "0"], &["`port` (--port)", "\"0\"", "from 1 to 65535"]),
        new_app("port: negative", &["--port=-1"], &["invalid value '-1' for '--port <PORT>'"]),
        new_app("port: wrong type", &["--port", "http"], &["invalid value 'http' for '--port <PORT>'"]),
        new_app("startup: 1e308", &["--startup-seconds", "1e308"], &["invalid value '1e308' for '--startup-seconds <SECONDS>'"]),
        new_app("startup: zero", &["--startup-seconds", "0"], &["`startupSeconds` (--startup-seconds)", "from 1 to 3600"]),
        new_app("startup: u32 max", &["--startup-seconds", "4294967295"], &["`startupSeconds` (--startup-seconds)", "4294967295", "from 1 to 3600"]),
        new_app("startup: worst below typical", &["--startup-seconds", "60", "--max-startup-seconds", "30"], &["`maxStartupSeconds` (--max-startup-seconds)", "\"30\"", "at least the typical startup (60 s)"]),
        new_app("drain: u32 overflow", &["--drain-seconds", "4294967296"], &["invalid value '4294967296' for '--drain-seconds <SECONDS>'"]),
        new_app("drain: above an hour", &["--drain-seconds", "3601"], &["`drainSeconds` (--drain-seconds)", "3601", "from 0 to 3600"]),
        new_app("cpu: 1e308 cores", &["--cpu-request", "1e308"], &["`--cpu-request`", "1e308", "not a CPU quantity"]),
        new_app("cpu: negative millicores", &["--cpu-request=-250m"], &["`--cpu-request`", "-250m", "not a CPU quantity"]),
        new_app("cpu: u32 overflow", &["--cpu-limit", "99999999999m"], &["`--cpu-limit`", "99999999999m"]),
        new_app("cpu: limit below request", &["--cpu-request", "2", "--cpu-limit", "500m"], &["`resources.cpuLimitMillicores` (--cpu-limit)", "at least the CPU request (2000 millicores)"]),
        new_app("memory: 1e308Mi", &["--memory", "1e308Mi"], &["`--memory`", "1e308Mi", "not a size in Mi or Gi"]),
        new_app("memory: NaN", &["--memory", "NaNGi"], &["`--memory`", "NaNGi"]),
        new_app("memory: no unit", &["--memory", "512"], &["`--memory`", "\"512\"", "e.g. 512Mi or 1Gi"]),
        new_app("memory: above 1 TiB", &["--memory", "2000Gi"], &["`resources.memoryMiB` (--memory)", "2048000", "from 16 to 1048576 MiB"]),
        // ---- flags: the route in -----------------------------------------------------------------
        new_app("host: YAML injection", &["--exposure", "ingress", "--host", "a.example.com\nkind: Secret"], &["`route.hosts` (--host)", "must be a DNS name"]),
        new_app("host: Helm template", &["--exposure", "ingress", "--host", "{{ .Release.Name }}"], &["`route.hosts` (--host)", "must be a DNS name"]),
        new_app("path: comment and braces", &["--exposure", "ingress", "--host", "a.example.com", "--path", "/a # {{ x }}"], &["`route.path` (--path)", "must be a URL path"]),
        new_app("gateway: quote", &["--exposure", "ingress", "--route", "httproute", "--host", "a.example.com", "--gateway", "gw\"x"], &["`route.gateway.name` (--gateway)", "DNS-1123 subdomain"]),
        new_app("cidr: not a network", &["--exposure", "load-balancer", "--allow-cidr", "0.0.0.0/0\n- ipBlock"], &["`networkPolicy.allowCidrs` (--allow-cidr)", "must be a CIDR"]),
        // ---- flags: names, namespaces, images ---------------------------------------------------
        flags("name: empty", &["", "--image", IMAGE], 2, &["`name` (NAME)", "\"\"", "must not be empty"]),
        flags("name: YAML injection", &["a\nkind: Secret", "--image", IMAGE], 2, &["`name` (NAME)", "\"a\\nkind: Secret\"", "DNS-1123"]),
        flags("name: Helm template", &["{{ .Release.Name }}", "--image", IMAGE], 2, &["`name` (NAME)", "\"{{ .Release.Name }}\"", "DNS-1123"]),
        flags("name: Unicode", &["café", "--image", IMAGE], 2, &["`name` (NAME)", "\"café\"", "DNS-1123"]),
        flags("name: 64 characters", &[&"a".repeat(64), "--image", IMAGE], 2, &["`name` (NAME)", "64 characters long"]),
        flags("name: escape sequence", &["a\u{1b}[2Jb", "--image", IMAGE], 2, &["`name` (NAME)", "\"a\\u{1b}[2Jb\""]),
        new_app("namespace: default", &["-n", "default"], &["`namespace` (--namespace)", "\"default\"", "not one every other workload shares"]),
        new_app("namespace: bidi override", &["-n", "ns\u{202e}"], &["`namespace` (--namespace)", "\"ns\\u{202e}\"", "DNS-1123"]),
        flags("image: empty", &["app", "--image", ""], 2, &["`image` (--image)", "must not be empty"]),
        flags("image: YAML injection", &["app", "--image", "registry.example.com/a:1.0\nkind: Secret"], 2, &["`image` (--image)", "\\nkind: Secret", "without spaces or control characters"]),
        flags("image: Helm template", &["app", "--image", "registry.example.com/a:{{.Values.tag}}"], 2, &["`image` (--image)", "malformed tag `{{.Values.tag}}`"]),
        flags("image: Unicode registry", &["app", "--image", "régistry.example.com/a:1.0"], 2, &["`image` (--image)", "régistry.example.com"]),
        flags("image: latest", &["app", "--image", "registry.example.com/a:latest"], 2, &["`image` (--image)", "has the mutable tag `latest`", "--allow-mutable-tag"]),
        // ---- flags: paths, commands, labels, enums, typos ---------------------------------------
        new_app("readiness path: relative", &["--readiness-path", "readyz"], &["`readiness`", "\"readyz\"", "starting with '/'"]),
        new_app("readiness path: YAML injection", &["--readiness-path", "/readyz\nkind: Secret"], &["`readiness`", "\"/readyz\\nkind: Secret\"", "without spaces or control characters"]),
        new_app("readiness path: Helm with spaces", &["--readiness-path", "/{{ .Release.Name }}"], &["`readiness`", "without spaces"]),
        new_app("liveness path: same as readiness", &["--readiness-path", "/health", "--liveness-path", "/health"], &["`liveness`", "must differ from readiness", "help: give liveness its own"]),
        flags("command: newline inside a quoted argument", &["app", "--preset", "worker", "--image", IMAGE, "--readiness-command", "cat \"/tmp/a\nkind: Secret\""], 2, &["`readiness`", "without control characters"]),
        flags("command: unbalanced quotes", &["app", "--preset", "worker", "--image", IMAGE, "--readiness-command", "cat \"/tmp/ready"], 2, &["`--readiness-command`", "balanced quotes"]),
        flags("command: empty", &["app", "--preset", "worker", "--image", IMAGE, "--liveness-command", ""], 2, &["`--liveness-command`", "\"\""]),
        flags("command: 65 words", &["app", "--preset", "worker", "--image", IMAGE, "--readiness-command", &"x ".repeat(65)], 2, &["`readiness`", "at most 64 words"]),
        new_app("part-of: Helm template", &["--part-of", "{{ .Release.Name }}"], &["`partOf` (--part-of)", "\"{{ .Release.Name }}\"", "label value"]),
        new_app("part-of: YAML injection", &["--part-of", "shop\nkind: Secret"], &["`partOf` (--part-of)", "\"shop\\nkind: Secret\""]),
        new_app("kube version: unknown", &["--kube-version", "1.99"], &["`kubeVersion` (--kube-version)", "\"1.99\"", "1.33, 1.34, 1.35, 1.36, 1.37"]),
        new_app("traffic: typo", &["--traffic", "spikey"], &["invalid value 'spikey' for '--traffic <TRAFFIC>'", "spiky"]),
        new_app("preset: typo", &["--preset", "sprng-boot"], &["unknown preset `sprng-boot`", "did you mean `spring-boot`?"]),
        new_app("flag: typo", &["--imagee", "x"], &["unexpected argument '--imagee'", "--image"]),
        // ---- spec files: unknown keys, types, numbers -------------------------------------------
        spec("spec: unknown key", "namespace:", "namespce: app", &["zerodown.yaml:2:1: error: unknown field `namespce` (did you mean `namespace`?)"]),
        spec("spec: unknown nested key", "  memoryMiB:", "  memoryMB: 256", &["zerodown.yaml:22:3: error: unknown field `memoryMB` in `resources` (did you mean `memoryMiB`?)"]),
        spec("spec: wrong type", "port:", "port: eighty", &["zerodown.yaml:6:1: error: invalid value for `port`: `eighty` is not an integer"]),
        spec("spec: u16 overflow", "port:", "port: 4294967296", &["invalid value for `port`: 4294967296 is above the maximum of 65535"]),
        spec("spec: u32 overflow", "startupSeconds:", "startupSeconds: 4294967296", &["startupSeconds", "4294967296", "expected u32"]),
        spec("spec: 1e308", "maxStartupSeconds:", "maxStartupSeconds: 1e308", &["zerodown.yaml:14:20", "maxStartupSeconds: invalid type: floating point", "expected u32"]),
        spec("spec: negative", "drainSeconds:", "drainSeconds: -5", &["invalid value for `drainSeconds`: -5 is below the minimum of 0"]),
        // A plain scalar is read as its text (`kubeVersion: 1.35` is the string "1.35"), then validated.
        spec("spec: number for a version", "kubeVersion:", "kubeVersion: 1.4", &["zerodown.yaml:27:1", "`kubeVersion`", "\"1.4\"", "supported versions are"]),
        spec("spec: string for a bool", "imageHasShell:", "imageHasShell: \"yes\"", &["invalid value for `imageHasShell`: `yes` is not true or false"]),
        spec("spec: unknown enum value", "traffic:", "traffic: bursty", &["invalid value for `traffic`: `bursty` is not one of `steady`, `spiky` or `low`"]),
        spec("spec: two probe handlers", "readiness:", "readiness:\n  httpGet: {path: /a}\n  tcpSocket: {}", &["zerodown.yaml", "readiness"]),
        spec("spec: root user", "runAsUser:", "runAsUser: 0", &["zerodown.yaml:25:1", "`runAsUser`", "must not be root"]),
        // ---- spec files: names, paths, injection ------------------------------------------------
        spec("spec: empty name", "name:", "name: \"\"", &["zerodown.yaml:1:1", "`name`", "must not be empty"]),
        spec("spec: name YAML injection", "name:", "name: \"a\\nkind: Secret\"", &["zerodown.yaml:1:1", "`name`", "\"a\\nkind: Secret\""]),
        spec("spec: name Helm template", "name:", "name: \"{{ .Release.Name }}\"", &["`name`", "\"{{ .Release.Name }}\""]),
        spec("spec: name Unicode", "name:", "name: \"ćheckout\"", &["`name`", "\"ćheckout\""]),
        spec("spec: image injection", "image:", "image: \"registry.example.com/team/app:1.0.0\\nkind: Secret\"", &["zerodown.yaml:5:1", "`image`", "without spaces or control characters"]),
        spec("spec: image Helm template", "image:", "image: \"registry.example.com/team/app:{{ .Values.tag }}\"", &["`image`", "{{ .Values.tag }}"]),
        spec("spec: path injection", "    path: /readyz", "    path: \"/readyz\\nkind: Secret\"", &["`readiness`", "\"/readyz\\nkind: Secret\""]),
        spec("spec: part-of Helm template", "partOf:", "partOf: \"{{ .Release.Name }}\"", &["zerodown.yaml:26:1", "`partOf`", "label value"]),
        spec("spec: env-like injection in part-of", "partOf:", "partOf: \"x\\n  env:\\n  - name: A\"", &["`partOf`"]),
        spec("spec: writable dir injection", "partOf:", "partOf: app\nwritableDirs: [\"/data\\nkind: Secret\"]", &["`writableDirs`", "\"/data\\nkind: Secret\"", "without spaces or control characters"]),
        spec("spec: writable dir /tmp", "partOf:", "partOf: app\nwritableDirs: [/tmp]", &["`writableDirs`", "\"/tmp\"", "mounted already"]),
        spec("spec: writable dir twice", "partOf:", "partOf: app\nwritableDirs: [/data, /data/]", &["`writableDirs`", "\"/data/\"", "mountPath must be unique"]),
        spec("spec: preset path traversal", "preset:", "preset: ../../etc/passwd", &["zerodown.yaml:3", "unknown preset `../../etc/passwd`", "built-in presets"]),
        spec("spec: preset file with control characters", "preset:", "preset: generic\npresetFile: \"pre\\u0007set.yaml\"", &["pre\\u{7}set.yaml", "cannot read"]),
        spec("spec: app type of another preset", "appType:", "appType: worker", &["`appType`", "preset `generic` is for app type `generic`"]),
        // ---- spec files: whole-file hostility ---------------------------------------------------
        spec_text("spec: billion laughs", billion_laughs("name: app\nwritableDirs:", "  ").into_bytes(), &["zerodown.yaml", "writableDirs"]),
        spec_text("spec: 10 MB file", { let mut t = SPEC.as_bytes().to_vec(); t.resize(TEN_MB, b' '); t }, &["zerodown.yaml", "larger than 1024 KiB"]),
        spec_text("spec: not UTF-8", b"name: \xff\xfe\n".to_vec(), &["zerodown.yaml", "not UTF-8 text"]),
        spec_text("spec: a list, not a mapping", b"- name: app\n".to_vec(), &["zerodown.yaml:1:1: error: the file must be a mapping of answers"]),
        spec_text("spec: empty file", Vec::new(), &["zerodown.yaml"]),
        spec_text("spec: nested 100,000 deep", format!("name: {}", "[".repeat(100_000)).into_bytes(), &["zerodown.yaml:1", "nested deeper than 1000 levels"]),
        spec_text("spec: duplicate key", spec_with("namespace:", "namespace: app\nname: other"), &["zerodown.yaml", "duplicate"]),
        spec_text("spec: two documents", format!("{SPEC}---\n{SPEC}").into_bytes(), &["zerodown.yaml", "more than one document"]),
        // ---- preset files -----------------------------------------------------------------------
        preset("preset: unknown key", "startupSeconds:", "startupSecond:", &["preset.yaml:10:1", "unknown field `startupSecond`", "expected one of", "`startupSeconds`"]),
        preset("preset: port 0", "port: 8080", "port: 0", &["preset.yaml:5", "invalid value for `port`", "from 1 to 65535"]),
        preset("preset: name injection", "name: generic", "name: \"a\\nkind: Secret\"", &["preset.yaml:2", "invalid value for `name`", "\"a\\nkind: Secret\""]),
        preset("preset: unknown app type", "appType: generic", "appType: kubernetes", &["preset.yaml", "unknown variant `kubernetes`", "`generic`"]),
        preset("preset: 1e308 MiB", "memoryMiB: 256", "memoryMiB: 1e308", &["preset.yaml:13", "resources.memoryMiB: invalid type: floating point", "expected u32"]),
        preset("preset: negative drain", "drainSeconds: 10", "drainSeconds: -1", &["preset.yaml", "drainSeconds", "-1"]),
        preset("preset: startup above an hour", "startupSeconds: 5", "startupSeconds: 99999", &["`startupSeconds`", "99999", "from 1 to 3600"]),
        preset("preset: exec argument with a newline", "httpGet: {path: /readyz}", "exec: {command: [cat, \"a\\nkind: Secret\"]}", &["`readiness`", "without control characters"]),
        Case {
            name: "preset: billion laughs in notes",
            input: Input::Preset(format!("{PRESET}{}", billion_laughs("laughs:", "  ")).into_bytes(), vec![]),
            expect: Expect::Refused(2, s(&["preset.yaml", "unknown field `laughs`"])),
        },
        Case {
            name: "preset: 10 MB file",
            input: Input::Preset({ let mut t = PRESET.as_bytes().to_vec(); t.resize(TEN_MB, b'#'); t }, vec![]),
            expect: Expect::Refused(2, s(&["preset.yaml", "larger than 1024 KiB"])),
        },
        // ---- accepted, and quoted ---------------------------------------------------------------
        quoted_flags("accepted: Helm braces in a readiness path", &["--readiness-path", "/{{.Release.Name}}"], "/{{.Release.Name}}"),
        quoted_flags("accepted: bidi override in a path", &["--readiness-path", "/ready\u{202e}z"], "/ready\u{202e}z"),
        quoted_flags("accepted: Helm template in a command", &["--preset", "worker", "--readiness-command", "cat \"/tmp/{{ .Release.Name }}\""], "/tmp/{{ .Release.Name }}"),
        quoted_flags("accepted: YAML in a command argument", &["--preset", "worker", "--liveness-command", "test \"kind: Secret\" \"a: b # c\""], "kind: Secret"),
        quoted_flags("accepted: U+FFFE in a command", &["--preset", "worker", "--readiness-command", "cat /tmp/a\u{fffe}b"], "/tmp/a\u{fffe}b"),
        quoted_flags("accepted: line separator in a command", &["--preset", "worker", "--readiness-command", "cat \"/tmp/a\u{2028}kind: Secret\""], "/tmp/a\u{2028}kind: Secret"),
        Case {
            name: "accepted: Helm braces in a writable dir (spec file)",
            input: Input::Spec(spec_with("partOf:", "partOf: app\nwritableDirs: [\"/{{.Release.Name}}\"]")),
            expect: Expect::Quoted("/{{.Release.Name}}".into()),
        },
        Case {
            name: "accepted: paragraph separator and BOM in an exec argument (spec file)",
            input: Input::Spec(drop_old_liveness(spec_with("    path: /readyz", "    path: /readyz\nliveness:\n  exec:\n    command: [cat, \"x\\u2029\\uFEFFkind: Secret\"]"))),
            expect: Expect::Quoted("x\u{2029}\u{feff}kind: Secret".into()),
        },
    ];
    // ---- zerodown check ----------------------------------------------------------------------
    let esc_name = DEPLOYMENT.replace(
        "name: web\n  namespace",
        "name: \"web\\e]0;pwned\\a\\e[31m\"\n  namespace",
    );
    c.extend([
        check("check: billion laughs", billion_laughs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  x:", "    ").into_bytes(), &[], 2, &["input.yaml:1", "invalid YAML", "repetition limit exceeded"], &[]),
        check("check: merge-key bomb", format!("{}spec: {{<<: *l9}}\n", billion_laughs("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nlols:", "  ")).into_bytes(), &[], 2, &["input.yaml", "invalid YAML"], &[]),
        check("check: 10 MB scalar", vec![b'a'; TEN_MB], &[], 0, &["document is a string, not a Kubernetes object"], &[]),
        check("check: 10 MB binary", (0..TEN_MB).map(|i| (i * 7919 % 251) as u8 | 0x80).collect(), &[], 2, &["input.yaml", "not UTF-8 text"], &[]),
        check("check: nested 200,000 deep", format!("spec: {}", "[".repeat(200_000)).into_bytes(), &[], 2, &["input.yaml:1", "invalid YAML", "nested deeper than 1000 levels"], &[]),
        check("check: nested 200 deep", format!("spec: {}", "[".repeat(200)).into_bytes(), &[], 2, &["input.yaml:1", "invalid YAML", "recursion limit exceeded"], &[]),
        check("check: terminal escapes in names", esc_name.into_bytes(), &[], 1, &["web\\u{1b}]0;pwned\\u{7}\\u{1b}[31m"], &["\u{1b}", "\u{7}"]),
        check("check: YAML injection in a name", DEPLOYMENT.replace("name: web\n  namespace", "name: \"web\\nkind: Secret\"\n  namespace").into_bytes(), &[], 1, &["shop/web\\u{a}kind: Secret"], &["\nkind: Secret"]),
        check("check: escapes in a suppression reason", DEPLOYMENT.replace("  namespace: shop\n", "  namespace: shop\n  annotations:\n    ignore-check.zerodown.dev/hpa-missing: \"fixed \\e[8m\"\n").into_bytes(), &["--fail-on", "info"], 1, &["suppressed[hpa-missing] fixed \\u{1b}[8m"], &["\u{1b}"]),
        check("check: unrendered Helm template", DEPLOYMENT.replace("name: web\n  namespace", "name: {{ .Release.Name }}\n  namespace").into_bytes(), &[], 2, &["input.yaml:4", "Helm template syntax", "helm template"], &[]),
check("check: 1e308 and negative numbers", DEPLOYMENT.replace("replicas: 2", "replicas: 1e308\n  minReadySeconds: -5\n  progressDeadlineSeconds: -1e308\n  strategy: {rollingUpdate: {maxSurge: -1, maxUnavailable: -2147483649}}").replace("      containers:", "      terminationGracePeriodSeconds: -9223372036854775808\n      containers:").into_bytes(), &[], 1, &["Deployment shop/web"], &["panicked"]),
        // Kubernetes itself refuses integers beyond 64 bits: an input error naming the field.
        check("check: integer beyond 64 bits", DEPLOYMENT.replace("replicas: 2", "replicas: 99999999999999999999").into_bytes(), &[], 2, &["input.yaml:7", "invalid YAML: spec.replicas", "99999999999999999999"], &[]),
        check("check: wrong types", WRONG_TYPES.as_bytes().to_vec(), &[], 1, &["Deployment shop/web"], &["panicked"]),
        check("check: stdin", DEPLOYMENT.as_bytes().to_vec(), &["-"], 1, &["<stdin>", "Deployment shop/web"], &[]),
        Case { name: "check: unknown rule", input: Input::CheckArgs(s(&["--explain", "prestop-mising"])), expect: Expect::Checked(2, s(&["unknown rule `prestop-mising`", "did you mean `prestop-missing`?"]), vec![]) },
        Case { name: "check: unknown format", input: Input::CheckArgs(s(&["--format", "jsn", "x.yaml"])), expect: Expect::Checked(2, s(&["invalid value 'jsn' for '--format <FORMAT>'", "json"]), vec![]) },
        Case { name: "check: missing Unicode path", input: Input::CheckArgs(s(&["nöpe/ü.yaml"])), expect: Expect::Checked(2, s(&["cannot read nöpe/ü.yaml: no such file or directory"]), vec![]) },
    ]);
    c
}

/// Removes the base spec's own `liveness:` block after a replacement added another one.
fn drop_old_liveness(text: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(text).unwrap();
    text.replacen("liveness:\n  httpGet:\n    path: /livez\n", "", 1)
        .into_bytes()
}

fn zerodown(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zerodown").unwrap();
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    c
}

/// Every string scalar (keys included) of a YAML value.
fn scalars(v: &serde_yaml_ng::Value, out: &mut Vec<String>) {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::String(s) => out.push(s.clone()),
        Y::Sequence(items) => items.iter().for_each(|i| scalars(i, out)),
        Y::Mapping(m) => m.iter().for_each(|(k, v)| {
            scalars(k, out);
            scalars(v, out);
        }),
        Y::Tagged(t) => scalars(&t.value, out),
        _ => {}
    }
}

/// Checks an accepted bundle in `dir`: one document per file, the bundle's kinds and no other,
/// and `scalar` present exactly as one scalar (in the manifests and in zerodown.yaml).
fn assert_quoted(dir: &Path, scalar: &str) -> Result<(), String> {
    let mut kinds = BTreeSet::new();
    let mut manifests_have_it = false;
    let mut spec_has_it = false;
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let docs: Vec<serde_yaml_ng::Value> = serde_yaml_ng::Deserializer::from_str(&text)
            .map(serde_yaml_ng::Value::deserialize)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if docs.len() != 1 {
            return Err(format!("{} has {} documents", path.display(), docs.len()));
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(k) = docs[0].get("kind").and_then(|k| k.as_str()) {
            kinds.insert(k.to_string());
        } else if file != "zerodown.yaml" {
            return Err(format!("{file} has no kind"));
        }
        let mut all = Vec::new();
        scalars(&docs[0], &mut all);
        // The answer is one whole scalar: never part of a larger one, never split across lines.
        let odd: Vec<&String> = all
            .iter()
            .filter(|s| (s.contains(scalar) && *s != scalar) || s.contains("\nkind:"))
            .collect();
        if !odd.is_empty() {
            return Err(format!(
                "{file}: the answer is not one whole scalar: {odd:?}"
            ));
        }
        let found = all.iter().any(|s| s == scalar);
        if file == "zerodown.yaml" {
            spec_has_it |= found;
        } else {
            manifests_have_it |= found;
        }
    }
    let expected: BTreeSet<String> = [
        "Deployment",
        "HorizontalPodAutoscaler",
        "Kustomization",
        "Namespace",
        "PodDisruptionBudget",
        "ServiceAccount",
    ]
    .iter()
    .map(|k| k.to_string())
    .chain(
        dir.join("service.yaml")
            .exists()
            .then(|| "Service".to_string()),
    )
    .chain(
        dir.join("networkpolicy.yaml")
            .exists()
            .then(|| "NetworkPolicy".to_string()),
    )
    .collect();
    if kinds != expected {
        return Err(format!("kinds {kinds:?}, expected {expected:?}"));
    }
    if !manifests_have_it || !spec_has_it {
        return Err(format!(
            "{scalar:?} not found as one scalar (manifests: {manifests_have_it}, zerodown.yaml: {spec_has_it})"
        ));
    }
    Ok(())
}

/// Runs one case; `Err` says what went wrong.
fn run(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = tmp.path();
    let mut cmd = zerodown(dir);
    match &case.input {
        Input::Flags(args) => {
            cmd.arg("new").args(args).arg("--no-input");
        }
        Input::Spec(text) => {
            fs::write(dir.join("zerodown.yaml"), text).unwrap();
            cmd.args(["render", "-f", "zerodown.yaml"]);
        }
        Input::Preset(text, args) => {
            fs::write(dir.join("preset.yaml"), text).unwrap();
            cmd.args([
                "new",
                "app",
                "--image",
                IMAGE,
                "--preset-file",
                "preset.yaml",
                "--no-input",
            ])
            .args(args);
        }
        Input::Check(text, args) => {
            cmd.arg("check");
            if args.iter().any(|a| a == "-") {
                cmd.write_stdin(text.clone());
            } else {
                fs::write(dir.join("input.yaml"), text).unwrap();
                cmd.arg("input.yaml");
            }
            cmd.args(args);
        }
        Input::CheckArgs(args) => {
            cmd.arg("check").args(args);
        }
    }
    let before = support::tree(dir);
    let started = Instant::now();
    let out = cmd.output().map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let shown = || format!("exit {code} in {took:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    if took > Duration::from_secs(20) {
        return Err(format!("took {took:?}: {}", shown()));
    }
    match &case.expect {
        Expect::Refused(exit, fragments) => {
            if code != *exit {
                return Err(format!("expected exit {exit}, got {}", shown()));
            }
            if let Some(f) = fragments.iter().find(|f| !stderr.contains(f.as_str())) {
                return Err(format!("stderr lacks {f:?}: {}", shown()));
            }
            if !stdout.is_empty() {
                return Err(format!("stdout is not empty: {}", shown()));
            }
            if stderr.contains('\u{1b}') {
                return Err(format!("raw escape sequence on stderr: {}", shown()));
            }
            let after = support::tree(dir);
            if after != before {
                let new: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
                return Err(format!("files changed or written: {new:?}"));
            }
        }
        Expect::Quoted(scalar) => {
            if code != 0 {
                return Err(format!("expected acceptance, got {}", shown()));
            }
            let bundle = if dir.join("app").is_dir() {
                dir.join("app")
            } else {
                dir.to_path_buf()
            };
            assert_quoted(&bundle, scalar)?;
        }
        Expect::Checked(exit, has, absent) => {
            let all = format!("{stdout}{stderr}");
            if code != *exit {
                return Err(format!("expected exit {exit}, got {}", shown()));
            }
            if let Some(f) = has.iter().find(|f| !all.contains(f.as_str())) {
                return Err(format!("output lacks {f:?}: {}", shown()));
            }
            if let Some(f) = absent.iter().find(|f| all.contains(f.as_str())) {
                return Err(format!("output contains {f:?}: {}", shown()));
            }
            if support::tree(dir) != before {
                return Err("check wrote files".into());
            }
        }
    }
    Ok(())
}

#[test]
fn every_hostile_input_is_refused_clearly_or_quoted_safely() {
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut names = BTreeMap::new();
    for c in &cases {
        assert!(
            names.insert(c.name, ()).is_none(),
            "duplicate row name {}",
            c.name
        );
    }
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run(c).err().map(|e| format!("[{}] {e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} hostile inputs misbehaved:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
