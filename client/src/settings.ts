// VS Code's `msmigrate.*` settings mapped to what the server reads (server/msmigrate/lsp/settings.py).
// Pure: no `vscode` import.

export const SECTION = "msmigrate";

/** Settings that decide how the server is launched: changing one restarts it. The others are pushed live. */
export const LAUNCH_SETTINGS: readonly string[] = ["msmigrate.interpreter"];

/** The value of `msmigrate.jitSyntaxLevel` that leaves the level to the file (`null` on the wire). */
export const LEVEL_FROM_FILE = "fromFile";

export interface EquivalenceSettings {
  readonly interpreter: string | null;
  readonly timeoutSeconds: number;
  readonly device: string;
  readonly atol: number | null;
  readonly rtol: number | null;
  readonly inputs: string[];
}

/** The `msmigrate` section as the server receives it (camelCase, as `ServerSettings.from_wire` reads it). */
export interface WireSettings {
  readonly jitSyntaxLevel: unknown;
  readonly select: unknown[];
  readonly ignore: unknown[];
  readonly showSyntaxErrors: unknown;
  readonly equivalence: EquivalenceSettings;
}

export const DEFAULT_EQUIVALENCE: EquivalenceSettings = {
  interpreter: null,
  timeoutSeconds: 300,
  device: "auto",
  atol: null,
  rtol: null,
  inputs: [],
};

type Section = Readonly<Record<string, unknown>>;

/**
 * The wire form of the `msmigrate` section (`workspace.getConfiguration("msmigrate")` or a
 * `workspace/configuration` answer). Values of a wrong type pass through unchanged where the server
 * checks them itself (it logs the problem and uses its default); the launch-only `interpreter` is dropped.
 */
export function toWireSettings(section: unknown): WireSettings {
  const values = asSection(section);
  const level = values.jitSyntaxLevel;
  return {
    jitSyntaxLevel: level === undefined || level === LEVEL_FROM_FILE ? null : level,
    select: listValue(values.select),
    ignore: listValue(values.ignore),
    showSyntaxErrors: values.showSyntaxErrors ?? true,
    equivalence: toEquivalenceSettings(values.equivalence),
  };
}

export function toEquivalenceSettings(section: unknown): EquivalenceSettings {
  const values = asSection(section);
  const interpreter = typeof values.interpreter === "string" ? values.interpreter.trim() : "";
  return {
    interpreter: interpreter || DEFAULT_EQUIVALENCE.interpreter,
    timeoutSeconds: positiveNumber(values.timeoutSeconds) ?? DEFAULT_EQUIVALENCE.timeoutSeconds,
    device: typeof values.device === "string" && values.device ? values.device : DEFAULT_EQUIVALENCE.device,
    atol: nonNegativeNumber(values.atol),
    rtol: nonNegativeNumber(values.rtol),
    inputs: Array.isArray(values.inputs)
      ? values.inputs.filter((item): item is string => typeof item === "string" && item.trim() !== "")
      : [],
  };
}

function asSection(value: unknown): Section {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Section) : {};
}

function listValue(value: unknown): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

function nonNegativeNumber(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}
