import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  type CursorLocation,
  equivalenceArguments,
  migrationReportArguments,
  NO_CELL_MESSAGE,
  reportMarkdownPath,
} from "../src/commands";

const CURSOR: CursorLocation = { uri: "file:///ws/ms_model.py", languageId: "python", line: 41, character: 8 };
const OUTPUT = "/storage/equivalence";

describe("equivalenceArguments", () => {
  it("targets the cell under the cursor when the command palette gives no arguments", () => {
    assert.deepEqual(equivalenceArguments([], CURSOR, OUTPUT), {
      arguments: [
        {
          uri: "file:///ws/ms_model.py",
          position: { line: 41, character: 8 },
          outputDir: OUTPUT,
        },
      ],
    });
  });

  it("keeps a CodeLens's own target and values, adding only what is missing", () => {
    const lens = { uri: "file:///ws/other.py", position: { line: 3, character: 0 }, device: "gpu" };
    const completed = equivalenceArguments([lens], CURSOR, OUTPUT);
    assert.deepEqual(completed, {
      arguments: [{ ...lens, outputDir: OUTPUT }],
    });
    assert.deepEqual(lens, { uri: "file:///ws/other.py", position: { line: 3, character: 0 }, device: "gpu" });
  });

  it("keeps an explicit torch/mindspore pair without needing an editor", () => {
    const pair = { torch: "t.py:Net", mindspore: "m.py:Net", inputs: ["1,4:float32"] };
    const completed = equivalenceArguments([pair], undefined, OUTPUT);
    assert.ok("arguments" in completed);
    assert.deepEqual(completed.arguments[0], { ...pair, outputDir: OUTPUT });
  });

  it("refuses without a Python editor to take the cell from", () => {
    assert.deepEqual(equivalenceArguments([], undefined, OUTPUT), { refusal: NO_CELL_MESSAGE });
    assert.deepEqual(equivalenceArguments([], { ...CURSOR, languageId: "markdown" }, OUTPUT), {
      refusal: NO_CELL_MESSAGE,
    });
    assert.deepEqual(equivalenceArguments([{ torch: "t.py:Net" }], undefined, OUTPUT), {
      refusal: NO_CELL_MESSAGE,
    });
  });
});

describe("migrationReportArguments", () => {
  it("fills the workspace folder and the report directory", () => {
    assert.deepEqual(migrationReportArguments([], "file:///ws", "/storage/report"), [
      { rootUri: "file:///ws", outputDir: "/storage/report" },
    ]);
  });

  it("keeps what the caller gave and leaves rootUri to the server without a folder", () => {
    assert.deepEqual(migrationReportArguments([{ rootUri: "file:///other" }], "file:///ws", "/r"), [
      { rootUri: "file:///other", outputDir: "/r" },
    ]);
    assert.deepEqual(migrationReportArguments([], undefined, "/r"), [{ outputDir: "/r" }]);
  });
});

describe("reportMarkdownPath", () => {
  it("reads the report path of a command result", () => {
    assert.equal(reportMarkdownPath({ status: "equivalent", reportMarkdown: "/r/report.md" }), "/r/report.md");
    for (const result of [undefined, null, "x", {}, { reportMarkdown: "" }, { reportMarkdown: 3 }]) {
      assert.equal(reportMarkdownPath(result), undefined);
    }
  });

  it("opens the report of a run that failed, but not of one the user cancelled", () => {
    const failed = { status: "error", reportMarkdown: "/r/report.md", error: { kind: "user_code_raised" } };
    assert.equal(reportMarkdownPath(failed), "/r/report.md");
    assert.equal(reportMarkdownPath({ ...failed, error: { kind: "cancelled" } }), undefined);
  });
});
