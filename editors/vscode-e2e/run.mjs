// The Backline extension in a real VS Code: code-server (VS Code in the browser) with the freshly
// built .vsix installed, driven by headless Chromium through playwright-core like a user would.
//
// It opens a workspace of two catalog files and checks, in the editor's own UI:
//   1. diagnostics of the language server in the Problems panel;
//   2. completion of an owner that another file defines;
//   3. a quick fix applied to the buffer;
//   4. the extension's commands (Show Owner, Check Workspace, Restart Server).
// A screenshot of the window is kept at the end (and at a failure) under target/vscode-e2e/.
//
//   node run.mjs            # uses target/debug/backline and editors/vscode/backline.vsix
//   BACKLINE_BIN=... BACKLINE_VSIX=... CHROMIUM=... node run.mjs
//
// Everything it needs is installed by scripts/test.sh: `npm ci` here (code-server, playwright-core)
// and Debian's chromium. A missing piece is an error, never a skip.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const binary = path.resolve(process.env.BACKLINE_BIN ?? path.join(repo, 'target', 'debug', 'backline'));
const vsix = path.resolve(process.env.BACKLINE_VSIX ?? path.join(repo, 'editors', 'vscode', 'backline.vsix'));
const browser = process.env.CHROMIUM ?? '/usr/bin/chromium';
const codeServer = path.join(here, 'node_modules', '.bin', 'code-server');
const artefacts = path.join(repo, 'target', 'vscode-e2e');
/** How long one UI expectation may take (the first one includes VS Code's and the server's start). */
const STEP_MS = 60_000;

const ORG = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  title: Team A
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-b
spec:
  type: team
  children: []
`;

// Line 7 holds a lifecycle typo (a warning with a quick fix), line 8 an owner being typed.
const SERVICE = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: prodution
  owner: tea
`;

function fail(message) {
  throw new Error(message);
}

function requireFile(file, hint) {
  if (!fs.existsSync(file)) {
    fail(`${file} is missing: ${hint}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, log) {
  const until = Date.now() + STEP_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null) {
      fail(`code-server exited with ${child.exitCode}:\n${log()}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`code-server did not answer at ${url}:\n${log()}`);
}

/** Waits until `probe()` returns a truthy value; fails with `what` and the last value seen. */
async function eventually(what, probe, timeout = STEP_MS) {
  const until = Date.now() + timeout;
  let last;
  while (Date.now() < until) {
    last = await probe();
    if (last) {
      return last;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${what} (last seen: ${JSON.stringify(last)})`);
}

/** The text of every visible line of the active editor. */
async function editorText(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor .view-lines');
    if (!editor) {
      return '';
    }
    const lines = [...editor.querySelectorAll('.view-line')].map((l) => ({
      top: parseFloat(l.style.top || '0'),
      text: l.textContent.replace(/\u00a0/g, ' '),
    }));
    return lines
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text)
      .join('\n');
  });
}

async function texts(page, selector) {
  return page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent.replace(/\u00a0/g, ' ')));
}

async function goTo(page, line, column) {
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget .quick-input-box input', { state: 'visible' });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget .quick-input-box input', { state: 'visible' });
  await page.keyboard.type(title);
  await eventually(`"${title}" in the command palette`, async () =>
    (await texts(page, '.quick-input-list .monaco-list-row')).some((t) => t.includes(title)),
  );
  await page.keyboard.press('Enter');
}

/** Moves the focus of an open list (quick fixes, suggestions) to the row showing `label`, then
 * accepts it with Enter, as a keyboard user does. */
async function choose(page, rows, label) {
  for (let i = 0; i < 30; i++) {
    const focused = await page.$$eval(`${rows}.focused`, (n) => n.map((r) => r.textContent));
    if (focused.some((t) => t.includes(label))) {
      await page.keyboard.press('Enter');
      return;
    }
    await page.keyboard.press('ArrowDown');
    await new Promise((r) => setTimeout(r, 50));
  }
  fail(`"${label}" could not be selected in ${rows}`);
}

async function notifications(page) {
  return texts(page, '.notifications-toasts .notification-list-item-message');
}

async function clearNotifications(page) {
  // "Clear all notifications" has no default key binding in the browser; closing each toast does.
  for (const close of await page.$$('.notifications-toasts .codicon-notifications-clear')) {
    await close.click().catch(() => {});
  }
}

async function main() {
  requireFile(codeServer, 'run `npm ci` in editors/vscode-e2e (scripts/test.sh does)');
  requireFile(browser, 'install Debian\'s chromium (scripts/test.sh does) or set CHROMIUM');
  requireFile(binary, 'build it with `cargo build --bin backline` or set BACKLINE_BIN');
  requireFile(vsix, 'build it with `npm --prefix editors/vscode run package` or set BACKLINE_VSIX');
  fs.mkdirSync(artefacts, { recursive: true });

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'backline-vscode-e2e-'));
  const workspace = path.join(scratch, 'workspace');
  const userData = path.join(scratch, 'user-data');
  const extensions = path.join(scratch, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'org.yaml'), ORG);
  fs.writeFileSync(path.join(workspace, 'catalog-info.yaml'), SERVICE);
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'backline.path': binary,
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'telemetry.telemetryLevel': 'off',
        'editor.quickSuggestions': { other: false, comments: false, strings: false },
        'editor.acceptSuggestionOnEnter': 'on',
        'files.autoSave': 'off',
      },
      null,
      2,
    ),
  );
  const env = {
    ...process.env,
    XDG_DATA_HOME: path.join(scratch, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'),
  };
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];

  const install = spawnSync(codeServer, [...common, '--install-extension', vsix], { env, encoding: 'utf8' });
  if (install.status !== 0 || !fs.readdirSync(extensions).some((d) => d.startsWith('backline.backline-'))) {
    fail(`installing ${vsix} failed (${install.status}):\n${install.stdout}\n${install.stderr}`);
  }
  console.log(`installed ${path.basename(vsix)} into code-server`);

  const port = await freePort();
  let serverLog = '';
  const server = spawn(
    codeServer,
    [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', workspace],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  let chrome;
  let page;
  let step = 'start';
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, server, () => serverLog);
    chrome = await chromium.launch({
      executablePath: browser,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await chrome.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: STEP_MS });

    step = 'open catalog-info.yaml';
    await eventually('the explorer shows the workspace', async () =>
      (await texts(page, '.explorer-folders-view .monaco-list-row')).some((t) => t.includes('catalog-info.yaml')),
    );
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget .quick-input-box input', { state: 'visible' });
    await page.keyboard.type('catalog-info.yaml');
    await eventually('catalog-info.yaml in quick open', async () =>
      (await texts(page, '.quick-input-list .monaco-list-row')).some((t) => t.includes('catalog-info.yaml')),
    );
    await page.keyboard.press('Enter');
    await eventually('the editor shows catalog-info.yaml', async () => (await editorText(page)).includes('owner: tea'));

    step = 'diagnostics in the Problems panel';
    await page.keyboard.press('Control+Shift+M');
    const problems = await eventually('the lifecycle and owner findings in the Problems panel', async () => {
      const rows = await texts(page, '.markers-panel .monaco-tl-row');
      const lifecycle = rows.some((r) => r.includes('prodution'));
      const owner = rows.some((r) => r.includes('tea'));
      return lifecycle && owner ? rows : false;
    });
    console.log(`ok: Problems panel shows ${problems.length} rows, e.g. ${JSON.stringify(problems.find((r) => r.includes('prodution')))}`);

    step = 'quick fix';
    await page.click('.editor-instance .monaco-editor .view-lines');
    await goTo(page, 7, 16);
    await page.keyboard.press('Control+.');
    await eventually('"Change lifecycle to production" offered', async () =>
      (await texts(page, '.action-widget .monaco-list-row')).some((t) => t.includes('Change lifecycle to production')),
    );
    await choose(page, '.action-widget .monaco-list-row', 'Change lifecycle to production');
    await eventually('the buffer says `lifecycle: production`', async () =>
      (await editorText(page)).includes('lifecycle: production'),
    );
    console.log('ok: quick fix applied: lifecycle: production');

    step = 'completion of an owner defined in another file';
    await goTo(page, 8, 13);
    await page.keyboard.press('End');
    await page.keyboard.press('Control+Space');
    // Pressed while the editor is still settling after the quick fix, Ctrl+Space can be swallowed
    // (VS Code then sends no completion request at all); a user presses it again, and so do we.
    let lastPress = Date.now();
    const offered = await eventually('team-a and team-b (from org.yaml) offered', async () => {
      const rows = await texts(page, '.suggest-widget .monaco-list-row');
      if (rows.some((r) => r.includes('team-a')) && rows.some((r) => r.includes('team-b'))) {
        return rows;
      }
      if (rows.length === 0 && Date.now() - lastPress > 2_000) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Space');
        lastPress = Date.now();
      }
      return false;
    });
    await choose(page, '.suggest-widget .monaco-list-row', 'team-a');
    await eventually('the buffer says `owner: team-a`', async () => (await editorText(page)).includes('owner: team-a'));
    console.log(`ok: completion offered ${offered.length} items and inserted owner: team-a`);
    await eventually('the owner finding is gone from the Problems panel', async () => {
      const rows = await texts(page, '.markers-panel .monaco-tl-row');
      return !rows.some((r) => r.includes('tea'));
    });

    step = 'command: Show Owner';
    await clearNotifications(page);
    await goTo(page, 4, 10);
    await runCommand(page, 'Backline: Show Owner of Entity Under Cursor');
    const owner = await eventually('the owner notification', async () =>
      (await notifications(page)).find((t) => t.includes('is owned by')),
    );
    if (!owner.includes('payments') || !owner.includes('team-a')) {
      fail(`Show Owner said ${JSON.stringify(owner)}`);
    }
    console.log(`ok: Show Owner: ${owner}`);

    step = 'command: Check Workspace';
    await clearNotifications(page);
    await runCommand(page, 'Backline: Check Workspace');
    const checked = await eventually('the check notification', async () =>
      (await notifications(page)).find((t) => t.includes('Backline checked')),
    );
    if (!checked.includes('2 catalog files')) {
      fail(`Check Workspace said ${JSON.stringify(checked)}`);
    }
    console.log(`ok: Check Workspace: ${checked}`);

    step = 'command: Restart Server';
    await clearNotifications(page);
    await runCommand(page, 'Backline: Restart Server');
    await eventually('the restart message in the status bar', async () =>
      (await texts(page, '.statusbar-item')).some((t) => t.includes('Backline: server restarted')),
    );
    console.log('ok: Restart Server');
    // The restarted server answers again.
    await clearNotifications(page);
    await goTo(page, 4, 10);
    await runCommand(page, 'Backline: Show Owner of Entity Under Cursor');
    await eventually('the owner notification from the restarted server', async () =>
      (await notifications(page)).find((t) => t.includes('is owned by')),
    );

    step = 'done';
    await page.screenshot({ path: path.join(artefacts, 'vscode.png') });
    console.log(`screenshot: ${path.join(artefacts, 'vscode.png')}`);
  } catch (err) {
    if (page) {
      await page.screenshot({ path: path.join(artefacts, 'failure.png') }).catch(() => {});
      console.error(`screenshot of the failure: ${path.join(artefacts, 'failure.png')}`);
    }
    console.error(`code-server log:\n${serverLog.slice(-4000)}`);
    throw new Error(`step "${step}": ${err.message}`);
  } finally {
    await chrome?.close().catch(() => {});
    server.kill('SIGTERM');
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().then(
  () => console.log('VS Code end-to-end test passed'),
  (err) => {
    console.error(`VS Code end-to-end test FAILED: ${err.message}`);
    process.exit(1);
  },
);
