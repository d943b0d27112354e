// End-to-end scenarios of the msmigrate extension in a real VS Code (code-server) driven by headless
// Chromium through playwright-core. Run by tests/e2e/test_vscode_extension.py, which prepares the
// workspace and the expectations, and asserts on the JSON this script writes:
//
//   node vscode_e2e.mjs CONFIG.json   ->   CONFIG.outDir/results.json
//
// CONFIG: { toolsDir, vsix, python, workspace, outDir, expectedProblems: [{code, line, column}],
//           quickFix: {code, line, column, title, before, after}, ruleHover: {line, column},
//           apiHover: {file, line, column}, equivalence: {file, line},
//           notebook: {file, expectedProblems: [{code, line, column}]} }
// Each scenario records what it saw, so a failing assertion in pytest shows the evidence; a screenshot
// per scenario (and one more on failure) lands in outDir.

import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { chromium } = createRequire(path.join(config.toolsDir, "package.json"))("playwright-core");
const codeServerBin = path.join(config.toolsDir, "node_modules", ".bin", "code-server");
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DIAGNOSTICS_TIMEOUT_MS = 60_000;
const EQUIVALENCE_TIMEOUT_MS = 300_000;
const RESTRICTED_MESSAGE = "disabled in Restricted Mode";

const results = { scenarios: {}, timings: {}, logs: {} };
const started = Date.now();

function seconds(since) {
  return Math.round((Date.now() - since) / 100) / 10;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited ${code}: ${output}`))));
  });
}

/** A VS Code profile: its own user-data-dir (settings) and extensions dir with the vsix installed. */
async function prepareProfile(name, settings) {
  const root = path.join(config.outDir, "profiles", name);
  const userData = path.join(root, "user-data");
  const extensions = path.join(root, "extensions");
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(root, "config.yaml"), "");
  const since = Date.now();
  await run(codeServerBin, [
    "--config", path.join(root, "config.yaml"),
    "--user-data-dir", userData,
    "--extensions-dir", extensions,
    "--install-extension", config.vsix,
  ]);
  results.timings[`install-extension-${name}`] = seconds(since);
  return { name, root, userData, extensions };
}

async function startCodeServer(profile) {
  const port = await freePort();
  const log = fs.openSync(path.join(profile.root, "code-server.log"), "w");
  const child = spawn(
    codeServerBin,
    [
      "--config", path.join(profile.root, "config.yaml"),
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--user-data-dir", profile.userData,
      "--extensions-dir", profile.extensions,
    ],
    { stdio: ["ignore", log, log], detached: true, env: { ...process.env } },
  );
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, url };
}

function stopCodeServer(server) {
  try {
    process.kill(-server.child.pid, "SIGTERM"); // its own process group: extension host and msmigrate too
  } catch {
    // already gone
  }
}

// -- driving the workbench ---------------------------------------------------------------------------

async function openWorkbench(page, url) {
  await page.goto(`${url}?folder=${encodeURIComponent(config.workspace)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  await page.waitForSelector(".statusbar", { timeout: 60_000 });
}

async function quickInput(page, key, text) {
  await page.keyboard.press(key);
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(text);
  return input;
}

/** Wait until the quick input's first row (the one Enter picks) shows `text`, then pick it. */
async function pickFirst(page, text) {
  await page.waitForFunction(
    (text) => {
      const first = document.querySelector('.quick-input-widget .monaco-list-row[data-index="0"]');
      return first !== null && first.textContent.includes(text);
    },
    text,
    { timeout: 10_000 },
  );
  await page.keyboard.press("Enter");
}

async function runCommand(page, title) {
  await quickInput(page, "F1", `>${title}`);
  await pickFirst(page, title);
}

async function openFile(page, relativePath) {
  await quickInput(page, "Control+P", relativePath);
  const name = path.basename(relativePath);
  await pickFirst(page, name);
  await page.locator(`.tab.active[data-resource-name="${name}"]`).waitFor({ timeout: 15_000 });
  await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor({ timeout: 15_000 });
}

async function goToPosition(page, line, column) {
  await quickInput(page, "Control+G", `:${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (expected) => [...document.querySelectorAll(".statusbar-item")].some((item) => item.textContent.trim() === expected),
    `Ln ${line}, Col ${column}`,
    { timeout: 10_000 },
  );
}

/** The Problems panel's rows: code, 1-based line and column, source, and the code's documentation link. */
async function problems(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".markers-panel .monaco-list-row")]
      .map((row) => {
        const code = row.querySelector(".marker-code")?.textContent?.trim();
        const at = /\[Ln (\d+), Col (\d+)\]/.exec(row.querySelector(".marker-line")?.textContent ?? "");
        if (!code || !at) return null; // the file's header row
        return {
          code,
          line: Number(at[1]),
          column: Number(at[2]),
          source: row.querySelector(".marker-source")?.textContent?.trim(),
          link: row.querySelector("a.monaco-link")?.getAttribute("href") ?? null,
        };
      })
      .filter((row) => row !== null),
  );
}

async function showProblems(page) {
  await runCommand(page, "View: Focus Problems");
  await page.locator(".markers-panel").waitFor({ timeout: 10_000 });
}

/** Show only the Problems rows matching `text` (the list is virtual: rows out of view are not rendered). */
async function filterProblems(page, text) {
  const filter = page.locator('input[aria-label="Filter Problems"]');
  await filter.fill(text);
  await page.waitForTimeout(300);
}

const key = (problem) => `${problem.code}@${problem.line}:${problem.column}`;

/** Poll the Problems panel until `done(rows)` holds; return the last rows seen. */
async function waitForProblems(page, done, timeoutMs = DIAGNOSTICS_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await problems(page);
    if (done(rows)) return { rows, settled: true };
    await page.waitForTimeout(500);
  }
  return { rows, settled: false };
}

/** Poll the Problems panel until its rows are exactly `expectedProblems` ({code, line, column}). */
async function waitForExactly(page, expectedProblems) {
  const expected = new Set(expectedProblems.map(key));
  return waitForProblems(page, (rows) => {
    const got = new Set(rows.map(key));
    return got.size === expected.size && [...expected].every((item) => got.has(item));
  });
}

/** The squiggle classes on the rendered editor line that contains `fragment` (null: no such line). */
async function squigglesOnLine(page, fragment) {
  return page.evaluate((fragment) => {
    const editor = document.querySelector(".editor-instance .monaco-editor");
    const line = [...editor.querySelectorAll(".view-lines .view-line")].find((element) =>
      element.textContent.replace(/\u00a0/g, " ").includes(fragment),
    );
    if (!line) return null;
    return [...editor.querySelectorAll(".view-overlays > div")]
      .filter((overlay) => overlay.style.top === line.style.top)
      .flatMap((overlay) => [...overlay.querySelectorAll("[class*='squiggly']")].map((s) => s.className.trim()));
  }, fragment);
}

async function hoverAt(page, line, column, name) {
  await goToPosition(page, line, column);
  await page.keyboard.press("Control+K");
  await page.keyboard.press("Control+I");
  const hover = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content").first();
  await hover.waitFor({ state: "visible", timeout: 15_000 });
  await page.waitForTimeout(300); // markdown renders in steps
  const seen = await hover.evaluate((element) => ({
    text: element.innerText,
    links: [...element.querySelectorAll("a")].map((a) => a.getAttribute("data-href") ?? a.getAttribute("href") ?? ""),
  }));
  await screenshot(page, `${name}-open`);
  await page.keyboard.press("Escape");
  return seen;
}

async function notifications(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".notifications-toasts .notification-toast, .notifications-center .notification-list-item")]
      .map((item) => item.innerText.replace(/\s+/g, " ").trim()),
  );
}

/** Text and image count of every webview frame (the Markdown preview renders in one). */
async function webviewContents(page) {
  const contents = [];
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    try {
      contents.push(
        await frame.evaluate(() => ({
          text: document.body?.innerText ?? "",
          images: [...document.querySelectorAll("img")].map((img) => ({
            src: img.getAttribute("src") ?? "",
            loaded: img.complete && img.naturalWidth > 0,
          })),
        })),
      );
    } catch {
      // a frame that went away
    }
  }
  return contents.filter((content) => content.text.trim() !== "");
}

async function screenshot(page, name) {
  const file = path.join(config.outDir, `${name}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
  return file;
}

async function scenario(page, name, body) {
  const since = Date.now();
  const record = { ok: false, seen: {} };
  results.scenarios[name] = record;
  try {
    await body(record.seen);
    record.ok = true;
  } catch (error) {
    record.error = String(error?.stack ?? error);
    record.failureScreenshot = await screenshot(page, `failure-${name}`);
  }
  record.screenshot = await screenshot(page, name);
  record.seconds = seconds(since);
}

// -- scenarios ---------------------------------------------------------------------------------------

async function trustedScenarios(page) {
  await scenario(page, "problems", async (seen) => {
    await openFile(page, "mindspore_model.py");
    await showProblems(page);
    await runCommand(page, "View: Toggle Maximized Panel"); // every row rendered (the list is virtual)
    const since = Date.now();
    const { rows, settled } = await waitForExactly(page, config.expectedProblems);
    seen.rows = rows;
    seen.secondsToDiagnostics = seconds(since);
    seen.statusBar = await page.evaluate(
      () => [...document.querySelectorAll(".statusbar-item")].map((item) => item.getAttribute("aria-label") ?? "").find((label) => label.includes("msmigrate")) ?? "",
    );
    await runCommand(page, "View: Toggle Maximized Panel");
    if (!settled) throw new Error("the Problems panel never showed exactly the expected findings");
  });

  await scenario(page, "notebook", async (seen) => {
    // A Jupyter notebook: its Python cells reach the server as one notebook document; findings show in
    // the cell they are in, at lines counted within that cell, and a hover over one shows its rule.
    const { file, expectedProblems } = config.notebook;
    // Closed files' diagnostics are cleared, so the Problems panel then lists the notebook's alone.
    await runCommand(page, "View: Close All Editors");
    await quickInput(page, "Control+P", file);
    await pickFirst(page, path.basename(file));
    await page.locator(".notebook-editor .cell-editor-container .view-lines").first().waitFor({ timeout: 30_000 });
    await showProblems(page);
    const since = Date.now();
    const { rows, settled } = await waitForExactly(page, expectedProblems);
    seen.rows = rows;
    seen.secondsToDiagnostics = seconds(since);
    seen.resources = await page.evaluate(() =>
      [...document.querySelectorAll(".markers-panel .monaco-list-row")]
        .filter((row) => row.querySelector(".marker-code") === null)
        .map((row) => row.innerText.replace(/\s+/g, " ").trim()),
    );
    if (!settled) throw new Error("the Problems panel never showed exactly the notebook's findings");
    const squiggle = page.locator(".notebook-editor .cell-editor-container [class*='squiggly-error']").first();
    await squiggle.waitFor({ timeout: 15_000 });
    // The squiggle layer takes no pointer events: click the text under it, then ask for the hover.
    const box = await squiggle.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    const hover = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content").first();
    await hover.waitFor({ state: "visible", timeout: 15_000 });
    await page.waitForTimeout(300);
    seen.hover = await hover.innerText();
    await screenshot(page, "notebook-hover");
    await page.mouse.move(0, 0);
    await runCommand(page, "View: Close All Editors");
    await openFile(page, "mindspore_model.py"); // where the next scenarios start
  });

  await scenario(page, "rule_hover", async (seen) => {
    const { line, column } = config.ruleHover;
    Object.assign(seen, await hoverAt(page, line, column, "rule_hover"));
  });

  await scenario(page, "api_hover", async (seen) => {
    const { file, line, column } = config.apiHover;
    await openFile(page, file);
    Object.assign(seen, await hoverAt(page, line, column, "api_hover"));
  });

  await scenario(page, "quick_fix", async (seen) => {
    const fix = config.quickFix;
    await openFile(page, "mindspore_model.py");
    await showProblems(page);
    await filterProblems(page, fix.code);
    seen.rowsBefore = (await waitForProblems(page, (rows) => rows.some((row) => row.code === fix.code))).rows;
    await goToPosition(page, fix.line, fix.column);
    seen.squigglesBefore = await squigglesOnLine(page, fix.before);
    await page.keyboard.press("Control+.");
    const actions = page.locator(".action-widget .monaco-list-row.action");
    await actions.first().waitFor({ state: "visible", timeout: 15_000 });
    seen.offered = await actions.evaluateAll((rows) => rows.map((row) => row.getAttribute("aria-label")));
    // The list sits under a pointer-blocking layer: choose with the keyboard, as people do.
    for (let step = 0; step < seen.offered.length; step++) {
      const focused = await page.locator(".action-widget .monaco-list-row.action.focused").getAttribute("aria-label");
      if (focused === fix.title) break;
      await page.keyboard.press("ArrowDown");
    }
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (after) => [...document.querySelectorAll(".editor-instance .monaco-editor .view-line")].some((line) => line.textContent.replace(/\u00a0/g, " ").includes(after)),
      fix.after,
      { timeout: 15_000 },
    );
    const { rows, settled } = await waitForProblems(page, (rows) => !rows.some((row) => row.code === fix.code));
    seen.rowsAfter = rows;
    seen.problemGone = settled;
    await filterProblems(page, "");
    await page.waitForTimeout(500);
    seen.squigglesAfter = await squigglesOnLine(page, fix.after);
    await page.keyboard.press("Control+S");
  });

  await scenario(page, "equivalence_cancel", async (seen) => {
    const { file, line } = config.equivalence;
    await openFile(page, file);
    await page.locator(".codelens-decoration").first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    seen.codeLenses = await page.locator(".codelens-decoration").allInnerTexts();
    await goToPosition(page, line, 1);
    await runCommand(page, "msmigrate: Run Equivalence Check");
    // Native progress: a notification titled by the server, with a Cancel button while it runs.
    const progress = page.locator(".notifications-toasts .notification-toast", { hasText: "equivalence check" });
    await progress.first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(700); // the toast fades in
    seen.progress = await notifications(page);
    seen.progressScreenshot = await screenshot(page, "equivalence-progress");
    await progress.first().locator(".monaco-button", { hasText: "Cancel" }).click();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      seen.notifications = await notifications(page);
      if (seen.notifications.some((text) => /cancel/i.test(text) && !text.includes("Cancel msmigrate"))) break;
      await page.waitForTimeout(300);
    }
    await page.waitForTimeout(2_000); // a report would have opened by now
    seen.previewTabs = await page.locator(".tab", { hasText: "Preview" }).count();
    await runCommand(page, "Notifications: Clear All Notifications");
  });

  await scenario(page, "equivalence", async (seen) => {
    const { file, line } = config.equivalence;
    await openFile(page, file);
    await goToPosition(page, line, 1);
    const since = Date.now();
    await runCommand(page, "msmigrate: Run Equivalence Check");
    const preview = page.locator(".tab", { hasText: "Preview" }).first();
    await preview.waitFor({ timeout: EQUIVALENCE_TIMEOUT_MS });
    seen.secondsToReport = seconds(since);
    seen.previewTab = await preview.getAttribute("aria-label");
    await page.waitForTimeout(2_000); // the preview's images load after its text
    seen.webviews = await webviewContents(page);
    seen.notifications = await notifications(page);
    // The first diverging line of the Cell gets a diagnostic of its own.
    await showProblems(page);
    await filterProblems(page, "Equivalence check");
    seen.divergence = (await waitForProblems(page, (rows) => rows.length > 0, 15_000)).rows;
    await filterProblems(page, "");
  });

  await scenario(page, "migration_report", async (seen) => {
    await openFile(page, "mindspore_model.py");
    await runCommand(page, "msmigrate: Show Migration Report");
    const tab = page.locator(".tab", { hasText: "Preview" }).filter({ hasText: /report/i }).first();
    await tab.waitFor({ timeout: 120_000 });
    seen.previewTab = await tab.getAttribute("aria-label");
    await page.waitForTimeout(1_000);
    seen.webviews = await webviewContents(page);
  });
}

async function restrictedScenarios(page) {
  await scenario(page, "restricted_mode", async (seen) => {
    await openFile(page, "mindspore_model.py");
    await showProblems(page);
    const { rows } = await waitForProblems(page, (rows) => rows.length > 0);
    seen.rows = rows;
    seen.restrictedBanner = await page.locator(".statusbar-item", { hasText: "Restricted Mode" }).count();
    await openFile(page, config.equivalence.file);
    await goToPosition(page, config.equivalence.line, 1);
    await runCommand(page, "msmigrate: Run Equivalence Check");
    const deadline = Date.now() + 20_000;
    seen.notifications = [];
    while (Date.now() < deadline) {
      seen.notifications = await notifications(page);
      if (seen.notifications.some((text) => text.includes(RESTRICTED_MESSAGE))) break;
      await page.waitForTimeout(300);
    }
    await page.waitForTimeout(2_000); // a report would have opened by now
    seen.previewTabs = await page.locator(".tab", { hasText: "Preview" }).count();
  });
}

async function missingServerScenarios(page) {
  await scenario(page, "msmigrate_not_installed", async (seen) => {
    await openFile(page, "mindspore_model.py");
    const notice = page.locator(".notifications-toasts .notification-toast", { hasText: "not installed" });
    await notice.first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(700); // the toast fades in
    seen.notifications = await notifications(page);
    seen.statusBar = await page.evaluate(
      () => [...document.querySelectorAll(".statusbar-item")].map((item) => item.getAttribute("aria-label") ?? "").find((label) => label.includes("msmigrate")) ?? "",
    );
    await page.screenshot({ path: path.join(config.outDir, "msmigrate_not_installed-notice.png") });
    await runCommand(page, "Notifications: Clear All Notifications");
    // The server's commands are not registered; the palette entry still answers, and says why.
    await runCommand(page, "msmigrate: Run Equivalence Check");
    await page.locator(".notifications-toasts .notification-toast", { hasText: "msmigrate" }).first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(700);
    seen.commandAnswer = await notifications(page);
  });

  await scenario(page, "interpreter_change_restarts", async (seen) => {
    // Point the workspace at a Python that has msmigrate (code-server does not watch the user settings
    // file for outside edits; it does watch the workspace's): the server starts without a reload.
    fs.mkdirSync(path.join(config.workspace, ".vscode"), { recursive: true });
    fs.writeFileSync(
      path.join(config.workspace, ".vscode", "settings.json"),
      JSON.stringify({ "msmigrate.interpreter": config.python }),
    );
    const since = Date.now();
    await page.waitForFunction(
      () => [...document.querySelectorAll(".statusbar-item")].some((item) => /msmigrate[^:]*: running/.test(item.getAttribute("aria-label") ?? "")),
      undefined,
      { timeout: 60_000 },
    );
    seen.secondsToRunning = seconds(since);
    await showProblems(page);
    seen.rows = (await waitForProblems(page, (rows) => rows.length > 0)).rows;
  });

  await scenario(page, "settings_reach_the_server", async (seen) => {
    fs.writeFileSync(
      path.join(config.workspace, ".vscode", "settings.json"),
      JSON.stringify({ "msmigrate.interpreter": config.python, "msmigrate.ignore": ["MSD"] }),
    );
    const { rows, settled } = await waitForProblems(
      page,
      (rows) => rows.length > 0 && !rows.some((row) => row.code.startsWith("MSD")),
      30_000,
    );
    seen.rows = rows;
    seen.settled = settled;
  });
}

async function withWorkbench(browser, profile, body) {
  const server = await startCodeServer(profile);
  const context = await browser.newContext({ viewport: { width: 1600, height: 1200 } });
  const page = await context.newPage();
  try {
    const since = Date.now();
    await openWorkbench(page, server.url);
    results.timings[`workbench-${profile.name}`] = seconds(since);
    await body(page);
  } finally {
    await context.close();
    stopCodeServer(server);
    results.logs[profile.name] = collectLogs(profile);
  }
}

/** The extension's own log (the msmigrate output channel) and the extension host's, for failures. */
function collectLogs(profile) {
  const found = {};
  const walk = (directory) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/msmigrate|exthost/i.test(full) && entry.name.endsWith(".log")) found[path.relative(profile.userData, full)] = fs.readFileSync(full, "utf8").slice(-6_000);
    }
  };
  const logs = path.join(profile.userData, "logs");
  if (fs.existsSync(logs)) walk(logs);
  return found;
}

const baseSettings = {
  "msmigrate.interpreter": config.python,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "files.autoSave": "off",
  "git.enabled": false,
};

fs.mkdirSync(config.outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
try {
  const trusted = await prepareProfile("trusted", { ...baseSettings, "security.workspace.trust.enabled": false });
  await withWorkbench(browser, trusted, trustedScenarios);
  const restricted = await prepareProfile("restricted", {
    ...baseSettings,
    "security.workspace.trust.enabled": true,
    "security.workspace.trust.startupPrompt": "never",
  });
  // A workspace may name its own interpreter: Restricted Mode must not run it (package.json's
  // restrictedConfigurations), so the server starts from the user's setting all the same.
  const workspaceSettings = path.join(config.workspace, ".vscode");
  fs.mkdirSync(workspaceSettings, { recursive: true });
  fs.writeFileSync(path.join(workspaceSettings, "settings.json"), JSON.stringify({ "msmigrate.interpreter": "/workspace/venv/bin/python" }));
  await withWorkbench(browser, restricted, restrictedScenarios);
  fs.rmSync(workspaceSettings, { recursive: true, force: true });
  // An interpreter without msmigrate: the same Python with its site-packages turned off.
  const barePython = path.join(config.outDir, "python-without-msmigrate");
  // (PYTHONPATH is dropped too: a developer's PYTHONPATH pointing at a checkout would make msmigrate importable.)
  fs.writeFileSync(barePython, `#!/bin/sh\nunset PYTHONPATH\nexec "${config.python}" -S -s "$@"\n`, { mode: 0o755 });
  const missing = await prepareProfile("missing", {
    ...baseSettings,
    "msmigrate.interpreter": barePython,
    "security.workspace.trust.enabled": false,
  });
  await withWorkbench(browser, missing, missingServerScenarios);
} catch (error) {
  results.error = String(error?.stack ?? error);
} finally {
  await browser.close();
  results.timings.total = seconds(started);
  fs.writeFileSync(path.join(config.outDir, "results.json"), JSON.stringify(results, null, 2));
}
