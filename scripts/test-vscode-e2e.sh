#!/usr/bin/env bash
# The VS Code extension in a real VS Code: code-server with the .vsix just built, driven by headless
# Chromium (editors/vscode-e2e/run.mjs). Checks diagnostics in the Problems panel, a quick fix,
# completion of an owner another file defines, and the extension's commands; keeps a screenshot
# in target/vscode-e2e/. Needs what scripts/test.sh installs (chromium, the extension's npm
# packages, a debug build) and code-server's packages (installed here).
#
# Not part of scripts/test.sh: on the current tree the completion step fails (VS Code sends no
# completion request after the quick fix; the server answers the same request from a plain LSP
# client); it stays out of the suite until that is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
./editors/vscode-e2e/install.sh
npm --prefix editors/vscode run package
BACKLINE_BIN=${BACKLINE_BIN:-target/debug/backline} BACKLINE_VSIX=editors/vscode/backline.vsix node editors/vscode-e2e/run.mjs
