// The server's work-done progress as a notification with a Cancel button.
//
// vscode-languageclient shows server-created progress at ProgressLocation.Window: a status-bar spinner
// whose notification stays hidden until clicked. msmigrate's only such progress is the equivalence
// check, which a person started and may want to stop after a minute, so it belongs in a visible
// notification. Registered after the built-in features, this feature's `initialize` takes over the
// `window/workDoneProgress/create` handler, also after every restart of the server.

import * as vscode from "vscode";
import {
  type BaseLanguageClient,
  type ClientCapabilities,
  type FeatureState,
  type ProgressToken,
  type StaticFeature,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressReport,
} from "vscode-languageclient/node";

export class NotificationProgressFeature implements StaticFeature {
  private readonly active = new Set<NotificationProgress>();

  constructor(private readonly client: BaseLanguageClient) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = { ...capabilities.window, workDoneProgress: true };
  }

  initialize(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const progress = new NotificationProgress(this.client, token, () => this.active.delete(progress));
      this.active.add(progress);
    });
  }

  getState(): FeatureState {
    return { kind: "static" };
  }

  clear(): void {
    for (const progress of this.active) {
      progress.finish();
    }
    this.active.clear();
  }
}

class NotificationProgress {
  private readonly listener: vscode.Disposable;
  private progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  private resolve: (() => void) | undefined;
  private reported = 0;
  private finished = false;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly token: ProgressToken,
    private readonly onFinished: () => void,
  ) {
    this.listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
      switch (value.kind) {
        case "begin":
          this.begin(value);
          break;
        case "report":
          this.report(value);
          break;
        case "end":
          this.finish();
          break;
      }
    });
  }

  finish(): void {
    if (this.finished) {
      return;
    }
    this.finished = true;
    this.listener.dispose();
    this.resolve?.();
    this.onFinished();
  }

  private begin(value: WorkDoneProgressBegin): void {
    const options = {
      location: vscode.ProgressLocation.Notification,
      title: value.title,
      cancellable: value.cancellable ?? false,
    };
    void vscode.window.withProgress(options, (progress, cancellation) => {
      if (this.finished) {
        return Promise.resolve();
      }
      this.progress = progress;
      cancellation.onCancellationRequested(() => {
        void this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token: this.token });
      });
      this.report(value);
      return new Promise<void>((resolve) => {
        this.resolve = resolve;
      });
    });
  }

  private report(value: WorkDoneProgressBegin | WorkDoneProgressReport): void {
    const percentage = value.percentage === undefined ? undefined : Math.max(0, Math.min(value.percentage, 100));
    const increment = percentage === undefined ? undefined : Math.max(0, percentage - this.reported);
    this.reported += increment ?? 0;
    this.progress?.report({ message: value.message, increment });
  }
}
