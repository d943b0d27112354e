// The Python extension's public environments API (ms-python.python), when it is installed.
// Typed here with the few members used, so the extension does not depend on @vscode/python-extension.

import * as vscode from "vscode";

const PYTHON_EXTENSION_ID = "ms-python.python";

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface ResolvedEnvironment {
  readonly executable: { readonly uri: vscode.Uri | undefined };
}

interface EnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
  readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  readonly environments?: EnvironmentsApi;
}

async function environmentsApi(log: vscode.LogOutputChannel): Promise<EnvironmentsApi | undefined> {
  // A failed activation leaves `exports` undefined.
  const extension = vscode.extensions.getExtension<PythonExtensionApi | undefined>(PYTHON_EXTENSION_ID);
  if (extension === undefined) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    await api?.ready;
    return api?.environments;
  } catch (error) {
    log.warn(`The Python extension's API is not usable: ${String(error)}`);
    return undefined;
  }
}

/** The executable of the active environment for `resource`, or undefined without the Python extension. */
export async function activeInterpreter(
  resource: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<string | undefined> {
  const environments = await environmentsApi(log);
  if (environments === undefined) {
    return undefined;
  }
  try {
    const active = environments.getActiveEnvironmentPath(resource);
    // `path` is a folder for some environment kinds (conda without python); the resolved executable is not.
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch (error) {
    log.warn(`The Python extension did not give an active environment: ${String(error)}`);
    return undefined;
  }
}

/** Calls `listener` when the Python extension's active environment changes; a no-op without it. */
export async function onActiveInterpreterChange(
  listener: () => void,
  log: vscode.LogOutputChannel,
): Promise<vscode.Disposable> {
  const environments = await environmentsApi(log);
  return environments?.onDidChangeActiveEnvironmentPath(listener) ?? new vscode.Disposable(() => undefined);
}
