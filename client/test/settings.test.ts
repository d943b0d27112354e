import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { DEFAULT_EQUIVALENCE, LAUNCH_SETTINGS, toEquivalenceSettings, toWireSettings } from "../src/settings";

describe("toWireSettings", () => {
  it("maps the defaults VS Code gives to the server's defaults", () => {
    // As `workspace.getConfiguration("msmigrate")` returns it with nothing set.
    const section = {
      interpreter: "",
      jitSyntaxLevel: "fromFile",
      select: [],
      ignore: [],
      showSyntaxErrors: true,
      equivalence: { interpreter: "", timeoutSeconds: 300, device: "auto", atol: null, rtol: null, inputs: [] },
    };
    assert.deepEqual(toWireSettings(section), {
      jitSyntaxLevel: null,
      select: [],
      ignore: [],
      showSyntaxErrors: true,
      equivalence: DEFAULT_EQUIVALENCE,
    });
  });

  it("passes a chosen level and code lists through, and drops the launch-only interpreter", () => {
    const wire = toWireSettings({
      interpreter: "/venv/bin/python",
      jitSyntaxLevel: "strict",
      select: ["MSG", "MSA001"],
      ignore: ["MSD"],
      showSyntaxErrors: false,
    });
    assert.equal(wire.jitSyntaxLevel, "strict");
    assert.deepEqual(wire.select, ["MSG", "MSA001"]);
    assert.deepEqual(wire.ignore, ["MSD"]);
    assert.equal(wire.showSyntaxErrors, false);
    assert.ok(!("interpreter" in wire));
  });

  it("leaves wrong values for the server to report rather than hiding them", () => {
    const wire = toWireSettings({ jitSyntaxLevel: "medium", select: "MSG", showSyntaxErrors: "yes" });
    assert.equal(wire.jitSyntaxLevel, "medium");
    assert.deepEqual(wire.select, ["MSG"]);
    assert.equal(wire.showSyntaxErrors, "yes");
  });

  it("treats a missing or malformed section as all defaults", () => {
    for (const section of [undefined, null, 3, ["MSG"], {}]) {
      const wire = toWireSettings(section);
      assert.equal(wire.jitSyntaxLevel, null);
      assert.deepEqual(wire.select, []);
      assert.equal(wire.showSyntaxErrors, true);
    }
  });

  it("holds every setting the server reads (server/msmigrate/lsp/settings.py WIRE_NAMES)", () => {
    const wire = toWireSettings({});
    for (const name of ["jitSyntaxLevel", "select", "ignore", "showSyntaxErrors"]) {
      assert.ok(name in wire, name);
    }
  });
});

describe("toEquivalenceSettings", () => {
  it("keeps valid tolerances, timeout, device, interpreter and inputs", () => {
    assert.deepEqual(
      toEquivalenceSettings({
        interpreter: " /envs/frameworks/bin/python ",
        timeoutSeconds: 60,
        device: "cpu",
        atol: 0,
        rtol: 1e-3,
        inputs: ["2,3,32,32:float32", "", 4],
      }),
      {
        interpreter: "/envs/frameworks/bin/python",
        timeoutSeconds: 60,
        device: "cpu",
        atol: 0,
        rtol: 1e-3,
        inputs: ["2,3,32,32:float32"],
      },
    );
  });

  it("replaces values that cannot be meant with the defaults", () => {
    assert.deepEqual(
      toEquivalenceSettings({ interpreter: 5, timeoutSeconds: -1, device: "", atol: -1, rtol: Number.NaN, inputs: "2,3" }),
      DEFAULT_EQUIVALENCE,
    );
  });
});

describe("LAUNCH_SETTINGS", () => {
  it("restarts only for the interpreter; analysis settings reach the running server", () => {
    assert.deepEqual(LAUNCH_SETTINGS, ["msmigrate.interpreter"]);
  });
});
