#!/usr/bin/env bash
# Installs what the VS Code end-to-end test (run.mjs) needs into editors/vscode-e2e/node_modules:
# code-server (VS Code in the browser) and playwright-core, at the versions package-lock.json pins.
# Debian's chromium, ripgrep and the build tools for code-server's native modules are installed
# by scripts/test.sh. Skipped when node_modules already matches the lockfile (the native builds
# take minutes).
#
# What code-server's install needs here, each found by trying:
# - its postinstall (and those of VS Code's own dependencies, installed by nested `npm install`s)
#   must run: npm 11 blocks dependency scripts unless allowed, so they are allowed for this
#   install only; `unsafe_perm` because code-server's postinstall refuses to run as root without;
#   `yes` because node-pty's postinstall runs `npx node-gyp`, which otherwise waits at a prompt;
# - @vscode/ripgrep's postinstall downloads ripgrep from GitHub unless its cache holds the
#   archive: one holding Debian's `rg` is placed there.
set -euo pipefail
cd "$(dirname "$0")"

stamp=node_modules/.backline-lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1) $(node --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/.bin/code-server ]; then
  echo "editors/vscode-e2e: node_modules matches package-lock.json"
  exit 0
fi

rg_bin="$(command -v rg || true)"
[ -n "$rg_bin" ] || { echo "ripgrep (rg) is missing: scripts/test.sh installs Debian's ripgrep" >&2; exit 1; }
tmp="$(node -p 'require("os").tmpdir()')"
# @vscode/ripgrep 1.15.11 (what code-server 4.99.4 pins) fetches ripgrep v13.0.0-10.
cache="$tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
staging="$(mktemp -d)"
cp "$rg_bin" "$staging/rg"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$staging" rg
rm -rf "$staging"

npm_config_dangerously_allow_all_scripts=true npm_config_unsafe_perm=true npm_config_yes=true \
  npm ci --no-audit --no-fund --loglevel=error
[ -x node_modules/.bin/code-server ] || { echo "code-server did not install" >&2; exit 1; }
[ -e node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg ] ||
  { echo "code-server's ripgrep did not install" >&2; exit 1; }
echo "$want" >"$stamp"
