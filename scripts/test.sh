#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs or starts what the machine lacks, then runs
# every test (Rust workspace, differential test against Backstage's npm package, headless Neovim,
# the container image, the release archive, CI integrations and Kubernetes manifests, the VS Code
# extension). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "system packages"
# neovim: headless Neovim drives the language server like a user's editor (tests/nvim.rs).
# podman, buildah, debootstrap: the container image is built and run (tests/image.rs), its Debian
# base made locally (scripts/base-images.sh). python3-venv: the Python tools of
# scripts/test-integrations.sh (pre-commit, actionlint, kubernetes-validate) go into a venv.
missing=()
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
# chromium, ripgrep and the build tools of code-server's native modules: the VS Code extension in
# a real VS Code (editors/vscode-e2e).
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
for pkg in build-essential libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
nvim --version | head -1
podman --version

step "PostgreSQL on 127.0.0.1:5432"
postgres_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! postgres_up; then
  if [ -d /etc/postgresql ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
fi
if postgres_up; then echo "PostgreSQL is up"; else echo "PostgreSQL is NOT reachable (tests fail when CI is set)"; fi

step "npm packages (Backstage's reference implementation, a real Backstage backend; the VS Code extension)"
npm ci --prefix tests/differential --no-audit --no-fund --loglevel=error
# tests/backstage_source.rs runs this backend (catalog plugin, on the PostgreSQL above); psql
# drops the database each run creates.
npm ci --prefix tests/backstage --no-audit --no-fund --loglevel=error
command -v psql >/dev/null 2>&1 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql-client >/dev/null; }
npm ci --prefix editors/vscode --no-audit --no-fund --loglevel=error
./editors/vscode-e2e/install.sh

step "Rust: the workspace's tests (tests/image.rs builds and runs the container image)"
cargo test --workspace

step "Release archive, pre-commit hook, GitHub Action, Kubernetes manifests"
./scripts/test-integrations.sh target/debug/backline

step "VS Code extension: compile, lint, unit tests, package"
npm --prefix editors/vscode run compile
npm --prefix editors/vscode run lint
npm --prefix editors/vscode test
npm --prefix editors/vscode run package
vsix_bytes=$(stat -c %s editors/vscode/backline.vsix)
echo "backline.vsix: $vsix_bytes bytes (one bundled file, no node_modules)"
[ "$vsix_bytes" -lt 1048576 ] || { echo "backline.vsix is over 1 MiB: is node_modules packaged again?"; exit 1; }

step "VS Code extension in a real VS Code (code-server + headless Chromium)"
# Installs the .vsix just built, opens a workspace and checks diagnostics, completion, a quick fix
# and the commands in the editor's UI; the screenshot is kept in target/vscode-e2e/.
BACKLINE_BIN=target/debug/backline BACKLINE_VSIX=editors/vscode/backline.vsix node editors/vscode-e2e/run.mjs
