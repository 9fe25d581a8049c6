#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs or starts what the machine lacks, then runs
# every test (Rust workspace, differential test against Backstage's npm package, headless Neovim,
# the VS Code extension). `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "system packages"
if ! command -v nvim >/dev/null 2>&1; then
  # Headless Neovim drives the language server like a user's editor (tests/nvim.rs).
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq neovim >/dev/null
fi
nvim --version | head -1

step "PostgreSQL on 127.0.0.1:5432"
postgres_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! postgres_up; then
  if [ -d /etc/postgresql ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
fi
if postgres_up; then echo "PostgreSQL is up"; else echo "PostgreSQL is NOT reachable (tests fail when CI is set)"; fi

step "npm packages (Backstage's reference implementation; the VS Code extension)"
npm ci --prefix tests/differential --no-audit --no-fund --loglevel=error
npm ci --prefix editors/vscode --no-audit --no-fund --loglevel=error

step "Rust: the workspace's tests"
cargo test --workspace

step "VS Code extension: compile, lint, unit tests, package"
npm --prefix editors/vscode run compile
npm --prefix editors/vscode run lint
npm --prefix editors/vscode test
npm --prefix editors/vscode run package
