// Entry point of the VS Code extension: wires settings, the Python extension and commands to the server.

import * as vscode from "vscode";

import { onActiveInterpreterChange } from "./pythonExtension";
import { ServerController, SHOW_LOG_COMMAND } from "./serverController";
import { LAUNCH_SETTINGS } from "./settings";

const RESTART_COMMAND = "msmigrate.restartServer";

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("msmigrate", { log: true });
  const server = new ServerController(context, log);
  controller = server;
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(RESTART_COMMAND, () => server.requestRestart("restart command", 0)),
    vscode.commands.registerCommand(SHOW_LOG_COMMAND, () => {
      log.show();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const changed = LAUNCH_SETTINGS.filter((setting) => event.affectsConfiguration(setting));
      if (changed.length > 0) {
        void server.requestRestart(`${changed.join(", ")} changed`);
      }
    }),
    // Trust makes the workspace's interpreter settings and the Python extension's environment count.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server.requestRestart("the workspace is trusted now")),
    await onActiveInterpreterChange(
      () => void server.requestRestart("the Python extension's active environment changed"),
      log,
    ),
  );
  void server.requestRestart("activation", 0);
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
