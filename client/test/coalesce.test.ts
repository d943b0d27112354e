import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { CoalescedTask } from "../src/coalesce";

const DELAY_MS = 20;

function recorder(runMs = 0): { runs: number[]; task: () => Promise<void>; errors: unknown[] } {
  const runs: number[] = [];
  const errors: unknown[] = [];
  return {
    runs,
    errors,
    task: async () => {
      runs.push(Date.now());
      await sleep(runMs);
    },
  };
}

describe("CoalescedTask", () => {
  it("runs once for a burst of requests", async () => {
    const { runs, task, errors } = recorder();
    const restarts = new CoalescedTask(task, DELAY_MS, (error) => errors.push(error));
    const all = [restarts.request(), restarts.request(), restarts.request()];
    await Promise.all(all);
    assert.equal(runs.length, 1);
    assert.deepEqual(errors, []);
  });

  it("runs once more, never concurrently, for a request made during a run", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const restarts = new CoalescedTask(
      async () => {
        runs += 1;
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(60);
        active -= 1;
      },
      DELAY_MS,
      () => undefined,
    );
    const first = restarts.request();
    await sleep(DELAY_MS + 20); // the first run is under way
    const second = restarts.request(0);
    const third = restarts.request(0);
    await Promise.all([first, second, third]);
    assert.equal(runs, 2);
    assert.equal(maxActive, 1);
  });

  it("settles a request only after a run that started after it", async () => {
    const events: string[] = [];
    const restarts = new CoalescedTask(
      async () => {
        events.push("start");
        await sleep(40);
        events.push("end");
      },
      0,
      () => undefined,
    );
    void restarts.request();
    await sleep(10);
    await restarts.request();
    assert.deepEqual(events, ["start", "end", "start", "end"]);
  });

  it("reports a failing run and keeps serving later requests", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const restarts = new CoalescedTask(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error("boom")) : Promise.resolve();
      },
      0,
      (error) => errors.push(error),
    );
    await restarts.request();
    await restarts.request();
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
  });

  it("cancels a pending run on dispose", async () => {
    const { runs, task } = recorder();
    const restarts = new CoalescedTask(task, DELAY_MS, () => undefined);
    void restarts.request();
    restarts.dispose();
    await sleep(DELAY_MS * 3);
    assert.equal(runs.length, 0);
  });
});
