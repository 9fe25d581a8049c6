#!/usr/bin/env python3
"""Validates deploy/kubernetes: each overlay rendered, every resource against the Kubernetes
schemas (kubernetes-validate, strict: unknown fields are errors), then what the deployment promises
(probes, non-root, read-only root filesystem, resources, secrets by reference, the disruption
budget, Prometheus annotations, one replica on SQLite, several on PostgreSQL), and the
backline.toml of the ConfigMap read by the real binary.

Usage: scripts/validate-kubernetes.py BACKLINE_BINARY
Overlays are rendered with `kubectl kustomize` when kubectl is installed; otherwise with the small
merge below, which understands exactly what these overlays use (resources, a namespace, a
configMapGenerator of files, strategic-merge patches of the Deployment).
"""

import copy
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KUBE = os.path.join(ROOT, "deploy", "kubernetes")
KUBERNETES_VERSION = "1.32.0"
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


# --- rendering ------------------------------------------------------------------------------------


def render(overlay):
    path = os.path.join(KUBE, "overlays", overlay)
    if shutil.which("kubectl"):
        out = subprocess.run(["kubectl", "kustomize", path], check=True, capture_output=True, text=True).stdout
        return [d for d in yaml.safe_load_all(out) if d]
    return render_by_hand(path)


def merge(base, patch):
    """Strategic merge as these patches use it: maps merge, `null` deletes, lists of named items
    merge by name, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(i, dict) and "name" in i for i in patch):
        out = [copy.deepcopy(i) for i in base]
        for item in patch:
            at = next((n for n, b in enumerate(out) if b.get("name") == item["name"]), None)
            if at is None:
                out.append(copy.deepcopy(item))
            else:
                out[at] = merge(out[at], item)
        return out
    return copy.deepcopy(patch)


def render_by_hand(path):
    with open(os.path.join(path, "kustomization.yaml")) as f:
        k = yaml.safe_load(f)
    docs = []
    for resource in k.get("resources", []):
        target = os.path.join(path, resource)
        if os.path.isdir(target):
            docs.extend(render_by_hand(target))
        else:
            with open(target) as f:
                docs.extend(d for d in yaml.safe_load_all(f) if d)
    for generator in k.get("configMapGenerator", []):
        data = {}
        for name in generator.get("files", []):
            with open(os.path.join(path, name)) as f:
                data[os.path.basename(name)] = f.read()
        suffix = hashlib.sha256(yaml.safe_dump(data).encode()).hexdigest()[:10]
        name = f"{generator['name']}-{suffix}"
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
        for d in docs:
            for volume in d.get("spec", {}).get("template", {}).get("spec", {}).get("volumes", []):
                if volume.get("configMap", {}).get("name") == generator["name"]:
                    volume["configMap"]["name"] = name
    for patch in k.get("patches", []):
        with open(os.path.join(path, patch["path"])) as f:
            p = yaml.safe_load(f)
        for n, d in enumerate(docs):
            if d["kind"] == p["kind"] and d["metadata"]["name"] == p["metadata"]["name"]:
                docs[n] = merge(d, p)
    for d in docs:
        if "namespace" in k:
            d["metadata"]["namespace"] = k["namespace"]
    return docs


# --- what the deployment promises -----------------------------------------------------------------


def one(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    check(len(found) == 1, f"expected one {kind}, found {len(found)}")
    return found[0] if found else {}


def promises(overlay, docs):
    where = f"overlays/{overlay}"
    check(not any(d["kind"] == "Secret" for d in docs), f"{where}: Secrets are referenced, never shipped")
    deployment = one(docs, "Deployment")
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    annotations = pod["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/scrape") == "true", f"{where}: prometheus.io/scrape")
    check(annotations.get("prometheus.io/path") == "/metrics", f"{where}: prometheus.io/path")
    check(spec["securityContext"].get("runAsNonRoot") is True, f"{where}: runAsNonRoot")
    check(spec["securityContext"].get("runAsUser") == 10001, f"{where}: the image's user 10001")
    backline = next(c for c in spec["containers"] if c["name"] == "backline")
    check(backline["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{where}: liveness on /healthz")
    check(backline["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{where}: readiness on /readyz")
    for c in spec["containers"]:
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True, f"{where}: {c['name']} read-only root filesystem")
        check(sc.get("allowPrivilegeEscalation") is False, f"{where}: {c['name']} no privilege escalation")
        check("memory" in c.get("resources", {}).get("limits", {}), f"{where}: {c['name']} memory limit")
        check("cpu" in c.get("resources", {}).get("requests", {}), f"{where}: {c['name']} cpu request")
        for env in c.get("env", []):
            secret = any(word in env["name"] for word in ("TOKEN", "SECRET", "KEY"))
            check(not (secret and "value" in env), f"{where}: {env['name']} must come from a Secret")
    env = {e["name"]: e for e in backline["env"]}
    mounts = {m["mountPath"]: m for m in backline["volumeMounts"]}
    check(mounts.get("/etc/backline", {}).get("readOnly") is True, f"{where}: configuration mounted read-only")
    check("/var/lib/backline" in mounts and "/tmp" in mounts, f"{where}: writable data and /tmp")
    config_volume = next(v for v in spec["volumes"] if v["name"] == "config")
    configmap = one(docs, "ConfigMap")
    check(config_volume["configMap"]["name"] == configmap["metadata"]["name"], f"{where}: the generated ConfigMap")
    check(backline["args"][-2:] == ["--config", "/etc/backline/backline.toml"], f"{where}: serve --config")
    pdb = one(docs, "PodDisruptionBudget")
    check(pdb.get("spec", {}).get("maxUnavailable") == 1, f"{where}: PDB maxUnavailable 1")
    selector = deployment["spec"]["selector"]["matchLabels"]
    check(pdb["spec"]["selector"]["matchLabels"] == selector, f"{where}: PDB selects the pods")
    check(one(docs, "Service")["spec"]["selector"] == selector, f"{where}: Service selects the pods")

    data = next(v for v in spec["volumes"] if v["name"] == "data")
    if overlay == "sqlite":
        check(deployment["spec"]["replicas"] == 1, "sqlite: exactly one replica")
        check(deployment["spec"]["strategy"]["type"] == "Recreate", "sqlite: Recreate, never two pods on the file")
        check(env["BACKLINE_STORE_URL"].get("value", "").startswith("sqlite:///var/lib/backline/"), "sqlite: store")
        claim = one(docs, "PersistentVolumeClaim")
        check(data.get("persistentVolumeClaim", {}).get("claimName") == claim["metadata"]["name"], "sqlite: PVC")
        check("emptyDir" not in data, "sqlite: the data volume is the claim only")
    else:
        check(deployment["spec"]["replicas"] >= 2, "postgres: several replicas")
        check("secretKeyRef" in env["BACKLINE_STORE_URL"].get("valueFrom", {}), "postgres: store URL from a Secret")
        check("emptyDir" in data, "postgres: data is scratch (search index only)")
    return configmap["data"]["backline.toml"]


def main():
    binary = sys.argv[1]
    for overlay in sorted(os.listdir(os.path.join(KUBE, "overlays"))):
        docs = render(overlay)
        for d in docs:
            name = f"overlays/{overlay}: {d['kind']}/{d['metadata']['name']}"
            try:
                kubernetes_validate.validate(d, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as e:
                failures.append(f"{name}: {e.message} at {'.'.join(str(p) for p in e.path)}")
        toml = promises(overlay, docs)
        # The configuration the pods get must be one the binary accepts (unknown keys are errors).
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write(toml)
            f.flush()
            run = subprocess.run(
                [binary, "--config", f.name, "check", os.path.join(ROOT, "examples", "catalog")],
                capture_output=True,
                text=True,
            )
            check(run.returncode == 0, f"overlays/{overlay}: backline.toml rejected: {run.stderr.strip()}")
        print(f"overlays/{overlay}: {len(docs)} resources valid against Kubernetes {KUBERNETES_VERSION}")
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
