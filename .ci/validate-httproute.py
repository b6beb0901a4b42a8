#!/usr/bin/env python3
"""Validates Gateway API HTTPRoutes against the HTTPRoute CRD's own schema, made strict.

Usage: validate-httproute.py FILE.yaml [FILE.yaml ...]
       validate-httproute.py --split-builtin OUT_DIR FILE.yaml [...]   (the other objects of
       those files, for kubernetes-validate; relative FILEs, written under OUT_DIR)

kubernetes-validate knows only built-in kinds, so .ci/validate-bundle.sh hands every
gateway.networking.k8s.io object here. The CRD comes from the Go module sigs.k8s.io/gateway-api
at the pinned version below (`go mod download -json`, checksum-verified against the Go checksum
database, into ${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}/go/pkg/mod; nothing is copied into
the repository). Its v1 openAPIV3Schema is made strict the way `kubectl --validate=strict` treats
known fields: `additionalProperties: false` wherever `properties` is given and the schema does not
say x-kubernetes-preserve-unknown-fields; `nullable` becomes a null type; x-kubernetes-int-or-string
becomes integer-or-string. CEL rules (x-kubernetes-validations) are not evaluated. Every document
of kind HTTPRoute must validate; any other kind of that group is an error (it has no schema here).

A self-test runs first: the strict schema must accept a minimal route and refuse an unknown
field, or the check itself is broken.

Prints one line per file (`ok FILE: N HTTPRoute(s)` or the errors with their field paths) and
exits 0 when all are valid, 1 on invalid objects, 2 on setup errors (no go, download failed).
"""

import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import yaml

GATEWAY_API_MODULE = "sigs.k8s.io/gateway-api"
# v1.6.3: the newest release whose go.mod the Go here (1.26) accepts; v1.7.0 needs go >= 1.27
# even to download it.
GATEWAY_API_VERSION = "v1.6.3"
CRD_PATH = "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml"
GROUP = "gateway.networking.k8s.io"


def tools_root():
    return os.environ.get("ZERODOWN_TOOLS") or os.path.join(
        os.path.expanduser("~"), ".cache", "zerodown-tools"
    )


def download_crd():
    """The HTTPRoute CRD document from the pinned module (downloaded once, then cached)."""
    root = tools_root()
    env = dict(os.environ)
    env.update(
        GOPATH=os.path.join(root, "go"),
        GOMODCACHE=os.path.join(root, "go", "pkg", "mod"),
        GOFLAGS="-modcacherw",
        GOTELEMETRY="off",
    )
    spec = f"{GATEWAY_API_MODULE}@{GATEWAY_API_VERSION}"
    # Outside any module, so `go mod download` fetches exactly this module.
    with tempfile.TemporaryDirectory() as cwd:
        try:
            out = subprocess.run(
                ["go", "mod", "download", "-json", spec],
                cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
            )
        except FileNotFoundError:
            sys.exit("validate-httproute: go is not on PATH (needed to download " + spec + ")")
    try:
        info = json.loads(out.stdout)
    except ValueError:
        sys.exit(f"validate-httproute: go mod download {spec} failed: {out.stderr.strip()}")
    if info.get("Error") or not info.get("Dir"):
        sys.exit(f"validate-httproute: go mod download {spec}: {info.get('Error') or out.stderr}")
    with open(os.path.join(info["Dir"], CRD_PATH)) as f:
        return yaml.safe_load(f)


def strict(schema):
    """A copy of an OpenAPI v3 structural schema as a strict JSON schema."""
    s = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, list):
            for n in node:
                walk(n)
            return
        if not isinstance(node, dict):
            return
        if node.pop("x-kubernetes-int-or-string", False):
            node.pop("type", None)
            node["anyOf"] = node.get("anyOf") or [{"type": "integer"}, {"type": "string"}]
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        preserve = node.get("x-kubernetes-preserve-unknown-fields", False)
        if "properties" in node and not preserve and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for k, v in list(node.items()):
            if k.startswith("x-kubernetes-"):
                del node[k]
            else:
                walk(v)

    walk(s)
    return s


def httproute_schema(crd):
    for v in crd["spec"]["versions"]:
        if v["name"] == "v1":
            return strict(v["schema"]["openAPIV3Schema"])
    sys.exit("validate-httproute: the CRD has no v1 version")


def errors_of(validator, doc):
    return sorted(
        (
            "/".join(str(p) for p in e.absolute_path) or "(root)",
            e.message if len(e.message) < 300 else e.message[:297] + "...",
        )
        for e in validator.iter_errors(doc)
    )


def self_test(validator):
    good = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "a", "namespace": "n"},
        "spec": {
            "parentRefs": [{"name": "gw", "sectionName": "https"}],
            "hostnames": ["a.example.com"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": "a", "port": 80}],
                }
            ],
        },
    }
    assert not errors_of(validator, good), errors_of(validator, good)
    bad = copy.deepcopy(good)
    bad["spec"]["rules"][0]["backendRefs"][0]["portName"] = "http"
    assert errors_of(validator, bad), "an unknown field passed the strict schema"
    bad = copy.deepcopy(good)
    bad["spec"]["hostnames"] = ["Not_A_Host"]
    assert errors_of(validator, bad), "a bad hostname passed the schema"


def split_builtin(out_dir, paths):
    """Writes each file's documents outside the Gateway API group to OUT_DIR/FILE (for
    kubernetes-validate, which has no schema for them); prints the files written."""
    for path in paths:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        keep = [d for d in docs if not str(d.get("apiVersion", "")).startswith(GROUP + "/")]
        if keep:
            dest = os.path.join(out_dir, path)
            os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
            with open(dest, "w") as f:
                yaml.safe_dump_all(keep, f, sort_keys=False)
            print(dest)
    return 0


def main(paths):
    if not paths:
        print(__doc__.strip())
        return 2
    if paths[0] == "--split-builtin":
        return split_builtin(paths[1], paths[2:])
    schema = httproute_schema(download_crd())
    validator = jsonschema.Draft7Validator(schema)
    self_test(validator)
    failed = False
    for path in paths:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        n, bad = 0, []
        for d in docs:
            api = str(d.get("apiVersion", ""))
            if not api.startswith(GROUP + "/"):
                continue
            if d.get("kind") != "HTTPRoute" or api != f"{GROUP}/v1":
                bad.append(("(root)", f"{d.get('kind')} ({api}) has no schema here; only HTTPRoute v1"))
                continue
            n += 1
            name = (d.get("metadata") or {}).get("name", "?")
            bad.extend((f"HTTPRoute/{name}: {p}", m) for p, m in errors_of(validator, d))
        if bad:
            failed = True
            print(f"FAIL {path}:")
            for p, m in bad:
                print(f"    {p}: {m}")
        else:
            print(f"ok {path}: {n} HTTPRoute(s) valid against {GATEWAY_API_MODULE}@{GATEWAY_API_VERSION} (strict)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
