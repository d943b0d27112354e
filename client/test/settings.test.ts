import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { LAUNCH_SETTINGS, toWireSettings } from "../src/settings";

// As `workspace.getConfiguration("msmigrate")` returns it with nothing set (package.json defaults).
const DEFAULT_SECTION = {
  interpreter: "",
  jitSyntaxLevel: "fromFile",
  select: [],
  ignore: [],
  showSyntaxErrors: true,
  equivalence: { interpreter: "", timeoutSeconds: 300, device: "auto", atol: null, rtol: null, inputs: [] },
};

describe("toWireSettings", () => {
  it("maps VS Code's defaults to the server's: the file's level, every rule, syntax errors shown", () => {
    assert.deepEqual(toWireSettings(DEFAULT_SECTION), {
      jitSyntaxLevel: null,
      select: [],
      ignore: [],
      showSyntaxErrors: true,
      equivalence: DEFAULT_SECTION.equivalence,
    });
  });

  it("passes a chosen level, code lists and equivalence settings through", () => {
    const equivalence = {
      interpreter: "/envs/fw/bin/python",
      timeoutSeconds: 60,
      device: "cpu",
      atol: 1e-4,
      rtol: null,
      inputs: ["2,3,8,8:float32"],
    };
    const wire = toWireSettings({
      ...DEFAULT_SECTION,
      jitSyntaxLevel: "strict",
      select: ["MSG", "MSA001"],
      ignore: ["MSD"],
      showSyntaxErrors: false,
      equivalence,
    });
    assert.deepEqual(wire, {
      jitSyntaxLevel: "strict",
      select: ["MSG", "MSA001"],
      ignore: ["MSD"],
      showSyntaxErrors: false,
      equivalence,
    });
  });

  it("keeps the launch-only interpreter out of what the server receives", () => {
    const wire = toWireSettings({ ...DEFAULT_SECTION, interpreter: "/venv/bin/python" });
    assert.ok(!("interpreter" in wire));
    assert.ok(!JSON.stringify(wire).includes("/venv/bin/python"));
  });

  it("leaves wrong values for the server to report rather than hiding them", () => {
    const wire = toWireSettings({ jitSyntaxLevel: "medium", select: "MSG", showSyntaxErrors: "yes" });
    assert.equal(wire.jitSyntaxLevel, "medium");
    assert.equal(wire.select, "MSG");
    assert.equal(wire.showSyntaxErrors, "yes");
  });

  it("treats a missing or malformed section as all defaults", () => {
    for (const section of [undefined, null, 3, ["MSG"], {}]) {
      assert.deepEqual(toWireSettings(section), {
        jitSyntaxLevel: null,
        select: [],
        ignore: [],
        showSyntaxErrors: true,
        equivalence: {},
      });
    }
  });
});

describe("LAUNCH_SETTINGS", () => {
  it("restarts only for the interpreter; analysis settings reach the running server", () => {
    assert.deepEqual(LAUNCH_SETTINGS, ["msmigrate.interpreter"]);
  });
});
