// Coalesces bursts of restart requests (a settings edit fires one event per key, the Python
// extension fires one per folder) into one run, and never runs two restarts at once.
// Pure: no `vscode` import.

export class CoalescedTask {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private requestedWhileRunning = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly task: () => Promise<void>,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Run the task `delayMs` after the last request. A request during a run makes one more run after
   * it. The promise settles when a run that started after this request has finished.
   */
  request(delayMs: number = this.delayMs): Promise<void> {
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fire();
    }, delayMs);
    return done;
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  // A method, not a field read, because the field changes while `task` is awaited.
  private runAgain(): boolean {
    return this.requestedWhileRunning;
  }

  private async fire(): Promise<void> {
    if (this.running) {
      this.requestedWhileRunning = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.requestedWhileRunning = false;
        const served = this.waiters;
        this.waiters = [];
        try {
          await this.task();
        } catch (error) {
          this.onError(error);
        } finally {
          for (const resolve of served) {
            resolve();
          }
        }
      } while (this.runAgain());
    } finally {
      this.running = false;
    }
  }
}
