import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

import {
  checkMsmigrateImport,
  chooseInterpreter,
  type ImportCheck,
  DEFAULT_INTERPRETER,
  installCommand,
  launchProblemMessage,
  shellQuote,
} from "../src/interpreter";

function failure(check: ImportCheck): Exclude<ImportCheck, { ok: true }> {
  if (check.ok) {
    assert.fail(`expected a failed import check, got msmigrate ${check.version}`);
  }
  return check;
}

// The interpreter that has msmigrate installed (the test runner's); CI exports it, else python3.
const PYTHON = process.env.MSMIGRATE_TEST_PYTHON ?? "python3";

describe("chooseInterpreter", () => {
  it("prefers the msmigrate.interpreter setting over the Python extension", () => {
    assert.deepEqual(chooseInterpreter("/opt/py/bin/python", "/venv/bin/python", "/ws"), {
      command: "/opt/py/bin/python",
      source: "setting",
    });
  });

  it("takes the Python extension's environment when the setting is empty or blank", () => {
    for (const setting of [undefined, "", "   "]) {
      assert.deepEqual(chooseInterpreter(setting, "/venv/bin/python", "/ws"), {
        command: "/venv/bin/python",
        source: "python-extension",
      });
    }
  });

  it("falls back to python3 without a setting and without the Python extension", () => {
    assert.deepEqual(chooseInterpreter("", undefined, undefined), { command: DEFAULT_INTERPRETER, source: "default" });
    assert.deepEqual(chooseInterpreter(undefined, " ", "/ws"), { command: DEFAULT_INTERPRETER, source: "default" });
  });

  it("expands ${workspaceFolder} and a leading ~ in the setting", () => {
    assert.equal(
      chooseInterpreter("${workspaceFolder}/.venv/bin/python", undefined, "/ws").command,
      "/ws/.venv/bin/python",
    );
    assert.equal(
      chooseInterpreter("~/envs/ms/bin/python", undefined, "/ws").command,
      path.join(os.homedir(), "envs/ms/bin/python"),
    );
    assert.equal(chooseInterpreter("/a~b/python", undefined, "/ws").command, "/a~b/python");
  });

  it("leaves ${workspaceFolder} alone when no folder is open", () => {
    assert.equal(
      chooseInterpreter("${workspaceFolder}/python", undefined, undefined).command,
      "${workspaceFolder}/python",
    );
  });
});

describe("install advice", () => {
  it("quotes an interpreter path only when the shell needs it", () => {
    assert.equal(shellQuote("/usr/bin/python3"), "/usr/bin/python3");
    assert.equal(shellQuote("/home/me/My Envs/python"), '"/home/me/My Envs/python"');
    assert.equal(installCommand("/home/me/My Envs/python"), '"/home/me/My Envs/python" -m pip install msmigrate');
  });

  it("says which interpreter lacks msmigrate, where it came from, and how to install it", () => {
    const message = launchProblemMessage(
      { command: "/venv/bin/python", source: "python-extension" },
      { ok: false, reason: "not-importable", detail: "ModuleNotFoundError: No module named 'msmigrate'" },
    );
    assert.match(message, /msmigrate is not installed for \/venv\/bin\/python/);
    assert.match(message, /Python extension's active environment/);
    assert.match(message, /`\/venv\/bin\/python -m pip install msmigrate`/);
    assert.match(message, /pip install -e/);
    assert.doesNotMatch(message, /Traceback|ModuleNotFoundError/);
  });

  it("names the setting to change when the interpreter does not exist", () => {
    const message = launchProblemMessage(
      { command: "/nowhere/python", source: "setting" },
      { ok: false, reason: "interpreter-not-found", detail: "spawn /nowhere/python ENOENT" },
    );
    assert.match(message, /"\/nowhere\/python" \(from the msmigrate.interpreter setting\) was not found/);
    assert.match(message, /msmigrate\.interpreter/);
  });
});

describe("checkMsmigrateImport (real interpreters)", () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "msmigrate-client-test-"));

  it("finds msmigrate and its version in the interpreter that has it installed", async () => {
    const expected = execFileSync(PYTHON, ["-c", "import msmigrate; print(msmigrate.__version__)"], { cwd: workDir })
      .toString()
      .trim();
    assert.deepEqual(await checkMsmigrateImport(PYTHON, workDir), { ok: true, version: expected });
  });

  it("reports an interpreter that does not exist", async () => {
    const check = failure(await checkMsmigrateImport(path.join(workDir, "no-such-python"), workDir));
    assert.equal(check.reason, "interpreter-not-found");
  });

  it("reports a Python where msmigrate is not importable, with the import error's last line", async () => {
    // `-I` would be the clean way to hide site-packages, but the check passes no flags; a wrapper
    // script that runs the same interpreter without site-packages stands in for a bare virtualenv.
    const bare = path.join(workDir, "bare-python");
    fs.writeFileSync(bare, `#!/bin/sh\nexec "${PYTHON}" -S -s "$@"\n`, { mode: 0o755 });
    const check = failure(await checkMsmigrateImport(bare, workDir));
    assert.equal(check.reason, "not-importable");
    assert.match(check.detail, /No module named 'msmigrate'/);
  });

  it("does not import a msmigrate folder from the working directory's parent workspace", async () => {
    // The check runs in `cwd`; a package planted elsewhere (the workspace) must not shadow the real one.
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "msmigrate-client-ws-"));
    fs.mkdirSync(path.join(workspace, "msmigrate"));
    fs.writeFileSync(path.join(workspace, "msmigrate", "__init__.py"), "__version__ = 'planted'\n");
    const fromWorkDir = await checkMsmigrateImport(PYTHON, workDir);
    const fromWorkspace = await checkMsmigrateImport(PYTHON, workspace);
    assert.ok(fromWorkDir.ok && fromWorkDir.version !== "planted");
    assert.deepEqual(fromWorkspace, { ok: true, version: "planted" }); // why the server must not start there
  });
});
