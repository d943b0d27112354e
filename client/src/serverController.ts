// Starts, restarts and stops the msmigrate language server, and shows its state in the status bar.

import * as vscode from "vscode";
import {
  type ExecuteCommandSignature,
  LanguageClient,
  type LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import { CoalescedTask } from "./coalesce";
import {
  type CursorLocation,
  equivalenceArguments,
  migrationReportArguments,
  reportMarkdownPath,
  RESTRICTED_MODE_MESSAGE,
  RUN_EQUIVALENCE_CHECK,
  SHOW_MIGRATION_REPORT,
} from "./commands";
import {
  checkMsmigrateImport,
  chooseInterpreter,
  describeSource,
  type ImportCheck,
  installCommand,
  type InterpreterChoice,
  launchProblemMessage,
  SERVER_ARGUMENTS,
} from "./interpreter";
import { NotificationProgressFeature } from "./notificationProgress";
import { activeInterpreter } from "./pythonExtension";
import { SECTION, toWireSettings } from "./settings";

export const SHOW_LOG_COMMAND = "msmigrate.showLog";
const RESTART_DELAY_MS = 300;
const SERVER_COMMANDS = [RUN_EQUIVALENCE_CHECK, SHOW_MIGRATION_REPORT];

type ServerState = "starting" | "running" | "stopped" | "error";

const STATUS_ICONS: Record<ServerState, string> = {
  starting: "$(loading~spin)",
  running: "$(check)",
  stopped: "$(circle-slash)",
  error: "$(error)",
};

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private interpreter: InterpreterChoice | undefined;
  private serverVersion = "";
  private notRunningReason = "msmigrate: the server has not started yet.";
  private readonly restarts: CoalescedTask;
  private readonly status: vscode.StatusBarItem;
  private readonly notifiedProblems = new Set<string>();
  // While the client is not running, the server's command ids are not registered; these say why.
  private fallbackCommands: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.restarts = new CoalescedTask(
      () => this.restartNow(),
      RESTART_DELAY_MS,
      (error) => {
        this.log.error(`Restarting the server failed: ${String(error)}`);
      },
    );
    this.status = vscode.window.createStatusBarItem("msmigrate.status", vscode.StatusBarAlignment.Right, 100);
    this.status.name = "msmigrate";
    this.status.command = SHOW_LOG_COMMAND;
    this.status.show();
    this.showState("stopped");
    this.registerFallbackCommands();
  }

  /** Restart after a short quiet period; bursts of requests make one restart. */
  requestRestart(reason: string, delayMs?: number): Promise<void> {
    this.log.info(`Server restart requested: ${reason}`);
    return this.restarts.request(delayMs);
  }

  async dispose(): Promise<void> {
    this.restarts.dispose();
    await this.stopClient();
    this.disposeFallbackCommands();
    this.status.dispose();
  }

  private async restartNow(): Promise<void> {
    await this.stopClient();
    await this.startClient();
  }

  private async startClient(): Promise<void> {
    this.showState("starting");
    const workingDirectory = await this.serverWorkingDirectory();
    const interpreter = await this.chooseInterpreter();
    this.interpreter = interpreter;
    this.log.info(`Interpreter: ${interpreter.command} (${describeSource(interpreter)})`);
    const check = await checkMsmigrateImport(interpreter.command, workingDirectory);
    if (!check.ok) {
      this.reportLaunchProblem(interpreter, check);
      return;
    }
    this.serverVersion = check.version;
    const serverOptions: ServerOptions = {
      command: interpreter.command,
      args: [...SERVER_ARGUMENTS],
      transport: TransportKind.stdio,
      options: { cwd: workingDirectory },
    };
    const client = new LanguageClient(
      "msmigrate",
      "MindSpore Migration Assistant",
      serverOptions,
      this.clientOptions(),
    );
    client.registerFeature(new NotificationProgressFeature(client));
    client.onDidChangeState((event) => {
      this.onClientState(event.newState);
    });
    this.client = client;
    try {
      await client.start();
      this.log.info(`msmigrate ${check.version} is running: ${interpreter.command} ${SERVER_ARGUMENTS.join(" ")}`);
    } catch (error) {
      this.client = undefined;
      this.notRunningReason = `msmigrate: the server did not start: ${String(error)}`;
      this.log.error(`The server did not start: ${String(error)}`);
      this.showState("error");
      this.registerFallbackCommands();
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      await client.stop();
    } catch (error) {
      this.log.warn(`Stopping the server: ${String(error)}`);
    }
  }

  private clientOptions(): LanguageClientOptions {
    return {
      // Python files, and the Python cells of any notebook: the server advertises notebook sync, so the
      // cells reach it as notebook documents (one module, in order), and hovers and actions in a cell ask it.
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
        { notebook: "*", language: "python" },
      ],
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { settings: toWireSettings(vscode.workspace.getConfiguration(SECTION)) },
      middleware: {
        executeCommand: (command, args: unknown[], next) => this.executeServerCommand(command, args, next),
        workspace: {
          // The server pulls the `msmigrate` section; it gets the wire form (e.g. "fromFile" becomes null).
          configuration: async (params, token, next): Promise<unknown[] | ResponseError> => {
            const answers = (await next(params, token)) as unknown[] | ResponseError;
            if (answers instanceof ResponseError) {
              return answers;
            }
            return answers.map((answer, index) =>
              params.items[index]?.section === SECTION ? toWireSettings(answer) : answer,
            );
          },
        },
      },
    };
  }

  private async executeServerCommand(
    command: string,
    args: unknown[],
    next: ExecuteCommandSignature,
  ): Promise<unknown> {
    switch (command) {
      case RUN_EQUIVALENCE_CHECK:
        return this.runEquivalenceCheck(args, next);
      case SHOW_MIGRATION_REPORT: {
        const folder = activeWorkspaceFolder();
        const outputDir = await this.reportDirectory("migration-report");
        const result: unknown = await next(command, migrationReportArguments(args, folder?.uri.toString(), outputDir));
        await openReport(result);
        return result;
      }
      default:
        return next(command, args);
    }
  }

  private async runEquivalenceCheck(args: unknown[], next: ExecuteCommandSignature): Promise<unknown> {
    if (!vscode.workspace.isTrusted) {
      const manage = "Manage Workspace Trust";
      void vscode.window.showWarningMessage(RESTRICTED_MODE_MESSAGE, manage).then((choice) => {
        if (choice === manage) {
          void vscode.commands.executeCommand("workbench.trust.manage");
        }
      });
      return undefined;
    }
    const completed = equivalenceArguments(args, cursorLocation(), await this.reportDirectory("equivalence"));
    if ("refusal" in completed) {
      void vscode.window.showInformationMessage(completed.refusal);
      return undefined;
    }
    const result: unknown = await next(RUN_EQUIVALENCE_CHECK, completed.arguments);
    await openReport(result);
    return result;
  }

  private async chooseInterpreter(): Promise<InterpreterChoice> {
    const folder = activeWorkspaceFolder();
    // In Restricted Mode VS Code ignores the workspace's value of this restricted setting (package.json);
    // the Python extension's environment, possibly a .venv of the workspace, is not used either.
    const configured = vscode.workspace.getConfiguration(SECTION, folder?.uri).get<string>("interpreter");
    const fromPythonExtension =
      vscode.workspace.isTrusted && !configured?.trim() ? await activeInterpreter(folder?.uri, this.log) : undefined;
    return chooseInterpreter(configured, fromPythonExtension, folder?.uri.fsPath);
  }

  private reportLaunchProblem(interpreter: InterpreterChoice, check: Exclude<ImportCheck, { ok: true }>): void {
    const message = launchProblemMessage(interpreter, check);
    this.notRunningReason = message;
    this.log.error(`${message} (${check.detail})`);
    this.showState("error");
    this.registerFallbackCommands();
    const key = `${interpreter.command}\n${check.reason}`;
    if (this.notifiedProblems.has(key)) {
      return;
    }
    this.notifiedProblems.add(key);
    const copy = "Copy Install Command";
    const settings = "Open Settings";
    const actions = check.reason === "not-importable" ? [copy, settings] : [settings];
    void vscode.window.showErrorMessage(message, ...actions).then(async (choice) => {
      if (choice === copy) {
        await vscode.env.clipboard.writeText(installCommand(interpreter.command));
      } else if (choice === settings) {
        await vscode.commands.executeCommand("workbench.action.openSettings", "msmigrate.interpreter");
      }
    });
  }

  private onClientState(state: State): void {
    switch (state) {
      case State.Starting:
        // vscode-languageclient registers the server's commands during initialize.
        this.disposeFallbackCommands();
        this.showState("starting");
        break;
      case State.Running:
        this.showState("running");
        break;
      case State.Stopped:
        this.notRunningReason = "msmigrate: the server stopped (see the msmigrate output).";
        this.showState("stopped");
        this.registerFallbackCommands();
        break;
    }
  }

  private showState(state: ServerState): void {
    this.status.text = `${STATUS_ICONS[state]} msmigrate`;
    this.status.backgroundColor =
      state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    const interpreter = this.interpreter ? `\n\n${this.interpreter.command} (${describeSource(this.interpreter)})` : "";
    const version = state === "running" && this.serverVersion ? ` ${this.serverVersion}` : "";
    const reason = state === "error" ? `\n\n${this.notRunningReason}` : "";
    this.status.tooltip = `msmigrate${version}: ${state}${interpreter}${reason}\n\nClick to show the log.`;
  }

  private registerFallbackCommands(): void {
    if (this.fallbackCommands.length > 0) {
      return;
    }
    this.fallbackCommands = SERVER_COMMANDS.map((command) =>
      vscode.commands.registerCommand(command, async () => {
        const restart = "Restart Server";
        const choice = await vscode.window.showWarningMessage(this.notRunningReason, restart, "Show Log");
        if (choice === restart) {
          await this.requestRestart("restart from a command while the server was not running", 0);
        } else if (choice !== undefined) {
          this.log.show();
        }
      }),
    );
  }

  private disposeFallbackCommands(): void {
    for (const command of this.fallbackCommands) {
      command.dispose();
    }
    this.fallbackCommands = [];
  }

  /** Outside the workspace: `python -m` puts its working directory first on sys.path. */
  private async serverWorkingDirectory(): Promise<string> {
    await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
    return this.context.globalStorageUri.fsPath;
  }

  private async reportDirectory(name: string): Promise<string> {
    const directory = vscode.Uri.joinPath(this.context.storageUri ?? this.context.globalStorageUri, name);
    await vscode.workspace.fs.createDirectory(directory);
    return directory.fsPath;
  }
}

function activeWorkspaceFolder(): vscode.WorkspaceFolder | undefined {
  const document = vscode.window.activeTextEditor?.document;
  const folder = document ? vscode.workspace.getWorkspaceFolder(document.uri) : undefined;
  return folder ?? vscode.workspace.workspaceFolders?.[0];
}

function cursorLocation(): CursorLocation | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return undefined;
  }
  const { line, character } = editor.selection.active;
  return { uri: editor.document.uri.toString(), languageId: editor.document.languageId, line, character };
}

async function openReport(result: unknown): Promise<void> {
  const report = reportMarkdownPath(result);
  if (report !== undefined) {
    await vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.file(report));
  }
}
