// Which Python runs the language server, and how to tell a person when msmigrate is missing there.
// Pure: no `vscode` import, so the unit tests run under plain node.

import { execFile } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

export const DEFAULT_INTERPRETER = process.platform === "win32" ? "python" : "python3";
export const SERVER_ARGUMENTS: readonly string[] = ["-m", "msmigrate", "serve"];
const IMPORT_CHECK_TIMEOUT_MS = 30_000;

export type InterpreterSource = "setting" | "python-extension" | "default";

export interface InterpreterChoice {
  readonly command: string;
  readonly source: InterpreterSource;
}

/**
 * The interpreter: the `msmigrate.interpreter` setting, else the Python extension's active
 * environment, else `python3`. The setting may use `${workspaceFolder}` and a leading `~`.
 */
export function chooseInterpreter(
  setting: string | undefined,
  pythonExtensionInterpreter: string | undefined,
  workspaceFolder: string | undefined,
): InterpreterChoice {
  const configured = setting?.trim();
  if (configured) {
    return { command: expandPath(configured, workspaceFolder), source: "setting" };
  }
  const active = pythonExtensionInterpreter?.trim();
  if (active) {
    return { command: active, source: "python-extension" };
  }
  return { command: DEFAULT_INTERPRETER, source: "default" };
}

function expandPath(value: string, workspaceFolder: string | undefined): string {
  let expanded = value;
  if (workspaceFolder !== undefined) {
    expanded = expanded.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (expanded === "~" || expanded.startsWith("~/")) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  return expanded;
}

export type ImportCheck =
  | { readonly ok: true; readonly version: string }
  | {
      readonly ok: false;
      readonly reason: "interpreter-not-found" | "not-importable" | "timeout";
      readonly detail: string;
    };

/**
 * Whether `import msmigrate` works in `python`. Runs in `cwd`, which must not be the workspace:
 * `python -c` puts the working directory first on sys.path, and a workspace folder named
 * `msmigrate` would then be imported (and run) instead of the installed package.
 */
export function checkMsmigrateImport(python: string, cwd: string): Promise<ImportCheck> {
  const script = "import sys, msmigrate; sys.stdout.write(msmigrate.__version__)";
  return new Promise((resolve) => {
    execFile(
      python,
      ["-c", script],
      { cwd, timeout: IMPORT_CHECK_TIMEOUT_MS, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ ok: true, version: stdout.trim() });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EACCES") {
          resolve({ ok: false, reason: "interpreter-not-found", detail: error.message });
        } else if (error.killed) {
          resolve({ ok: false, reason: "timeout", detail: `no answer in ${IMPORT_CHECK_TIMEOUT_MS / 1000} s` });
        } else {
          resolve({ ok: false, reason: "not-importable", detail: lastLine(stderr) });
        }
      },
    );
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return lines[lines.length - 1] ?? "";
}

/** A shell word for `value`, quoted only when it needs to be. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, "\\$1")}"`;
}

export function installCommand(python: string): string {
  return `${shellQuote(python)} -m pip install msmigrate`;
}

/** The one notification a person gets when the server cannot start in `choice`. */
export function launchProblemMessage(choice: InterpreterChoice, check: Exclude<ImportCheck, { ok: true }>): string {
  const where = describeSource(choice);
  switch (check.reason) {
    case "interpreter-not-found":
      return (
        `msmigrate: the Python interpreter "${choice.command}" (${where}) was not found. ` +
        `Set "msmigrate.interpreter" to a Python that has msmigrate installed.`
      );
    case "timeout":
      return `msmigrate: "${choice.command}" (${where}) did not answer while checking for msmigrate (${check.detail}).`;
    case "not-importable":
      return (
        `msmigrate is not installed for ${choice.command} (${where}). Install it with ` +
        `\`${installCommand(choice.command)}\` (or \`pip install -e <msmigrate checkout>\`), then restart the server.`
      );
  }
}

export function describeSource(choice: InterpreterChoice): string {
  switch (choice.source) {
    case "setting":
      return "from the msmigrate.interpreter setting";
    case "python-extension":
      return "the Python extension's active environment";
    case "default":
      return "the default interpreter on PATH";
  }
}
