#!/usr/bin/env python3
"""Usage: .ci/crd-validate.py MODULE@VERSION CRD_PATH FILE_OR_DIR...

Validates custom resources against the CRD their project publishes, strictly: unknown fields are
errors, as `kubectl apply --validate=strict` would report them on a cluster with the CRD.

  MODULE@VERSION  a Go module that ships the CRD, pinned, e.g. github.com/kedacore/keda/v2@v2.21.0
  CRD_PATH        the CRD's path inside the module zip, e.g. config/crd/bases/keda.sh_scaledobjects.yaml
  FILE_OR_DIR     manifests (*.yaml / *.yml, folders searched recursively, zerodown.yaml and
                  kustomization.yaml skipped); every document of the CRD's group and kind is checked

The module is fetched with `go mod download -json` (the Go module proxy) into the tools cache
(${ZERODOWN_TOOLS:-$HOME/.cache/zerodown-tools}/go), never into the repository. The CRD's
openAPIV3Schema for the object's version becomes a JSON schema (draft 7) in which every object
that lists `properties` gets `additionalProperties: false` unless it has its own
`additionalProperties` or `x-kubernetes-preserve-unknown-fields: true`, and
`x-kubernetes-int-or-string` becomes integer-or-string. Validation uses the `jsonschema` package
(pinned in .ci/install-tools.sh); run it with the tools venv's python.

Prints one "[crd] PASS|FAIL FILE KIND/NAME" line per object, errors indented below.
Exit 0 when every object is valid, 1 on any error or when no object of the kind was found,
2 on usage or setup errors.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover - setup error
    print(f"crd-validate: {e}; run with the tools venv's python (.ci/install-tools.sh)", file=sys.stderr)
    sys.exit(2)


def module_dir(module_at_version: str, tools: Path) -> Path:
    gopath = tools / "go"
    env = dict(os.environ, GOPATH=str(gopath), GOMODCACHE=str(gopath / "mod"), GOFLAGS="-modcacherw",
               GO111MODULE="on")
    out = subprocess.run(["go", "mod", "download", "-json", module_at_version], env=env, cwd=str(tools),
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"crd-validate: go mod download {module_at_version} failed:\n{out.stdout}{out.stderr}",
              file=sys.stderr)
        sys.exit(2)
    info = json.loads(out.stdout)
    if info.get("Error"):
        print(f"crd-validate: {module_at_version}: {info['Error']}", file=sys.stderr)
        sys.exit(2)
    return Path(info["Dir"])


def strict(node):
    """The openAPIV3Schema `node` as a strict JSON schema (draft 7)."""
    if isinstance(node, list):
        return [strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k in ("properties", "patternProperties", "definitions"):
            out[k] = {name: strict(s) for name, s in v.items()}
        elif k in ("items", "additionalProperties", "not") and isinstance(v, dict):
            out[k] = strict(v)
        elif k in ("allOf", "anyOf", "oneOf"):
            out[k] = [strict(s) for s in v]
        elif k.startswith("x-kubernetes-") or k == "nullable":
            continue
        else:
            out[k] = v
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = out.get("anyOf", []) + [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        t = out["type"]
        out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
    if ("properties" in node and "additionalProperties" not in node
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def in_chart(f: Path, root: Path) -> bool:
    """Whether `f` is a Helm chart source below `root` (Go templates, not manifests)."""
    return any((d / "Chart.yaml").is_file() for d in f.parents if d == root or root in d.parents)


def manifests(paths):
    for p in map(Path, paths):
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if (f.is_file() and f.suffix in (".yaml", ".yml") and f.name not in ("zerodown.yaml", "kustomization.yaml")
                    and not (p.is_dir() and in_chart(f, p))):
                yield f


def main(argv):
    if len(argv) < 4:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    module, crd_path, targets = argv[1], argv[2], argv[3:]
    tools = Path(os.environ.get("ZERODOWN_TOOLS", Path.home() / ".cache" / "zerodown-tools"))
    tools.mkdir(parents=True, exist_ok=True)
    crd_file = module_dir(module, tools) / crd_path
    if not crd_file.is_file():
        print(f"crd-validate: {crd_path} is not in {module}", file=sys.stderr)
        return 2
    crd = yaml.safe_load(crd_file.read_text())
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    schemas = {f"{group}/{v['name']}": strict(v["schema"]["openAPIV3Schema"]) for v in crd["spec"]["versions"]
               if v.get("served", True)}
    failed, seen = False, 0
    for f in manifests(targets):
        try:
            docs = list(yaml.safe_load_all(f.read_text()))
        except yaml.YAMLError as e:
            print(f"[crd] FAIL {f}\n    not YAML: {e}")
            failed = True
            continue
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != kind or not str(doc.get("apiVersion", "")).startswith(group + "/"):
                continue
            seen += 1
            name = (doc.get("metadata") or {}).get("name", "<unnamed>")
            schema = schemas.get(doc["apiVersion"])
            if schema is None:
                print(f"[crd] FAIL {f} {kind}/{name}\n    apiVersion {doc['apiVersion']} is not served by {module} (served: {', '.join(schemas)})")
                failed = True
                continue
            errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
            if errors:
                failed = True
                print(f"[crd] FAIL {f} {kind}/{name}")
                for e in errors:
                    where = ".".join(str(p) for p in e.absolute_path) or "(root)"
                    print(f"    {where}: {e.message}")
            else:
                print(f"[crd] PASS {f} {kind}/{name} ({module} {crd_path})")
    if seen == 0:
        print(f"[crd] FAIL no {group} {kind} found in {' '.join(targets)}")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
