// VS Code's `msmigrate.*` settings mapped to what the server reads (server/msmigrate/lsp/settings.py).
// Pure: no `vscode` import. The server checks every value itself and logs what is wrong, so values
// pass through unchanged; only what VS Code spells differently is mapped.

export const SECTION = "msmigrate";

/** Settings that decide how the server is launched: changing one restarts it. The others are pushed live. */
export const LAUNCH_SETTINGS: readonly string[] = ["msmigrate.interpreter"];

/** The value of `msmigrate.jitSyntaxLevel` that leaves the level to the file (`null` on the wire). */
export const LEVEL_FROM_FILE = "fromFile";

/** The `msmigrate` section as `ServerSettings.from_wire` reads it (camelCase). */
export interface WireSettings {
  readonly jitSyntaxLevel: unknown;
  readonly select: unknown;
  readonly ignore: unknown;
  readonly showSyntaxErrors: unknown;
  readonly equivalence: unknown; // interpreter, timeoutSeconds, device, atol, rtol, inputs
}

/**
 * The wire form of the `msmigrate` section (`workspace.getConfiguration("msmigrate")` or a
 * `workspace/configuration` answer). The launch-only `interpreter` stays in the client.
 */
export function toWireSettings(section: unknown): WireSettings {
  const values: Readonly<Record<string, unknown>> =
    typeof section === "object" && section !== null && !Array.isArray(section)
      ? (section as Record<string, unknown>)
      : {};
  const level = values.jitSyntaxLevel;
  return {
    jitSyntaxLevel: level === undefined || level === LEVEL_FROM_FILE ? null : level,
    select: values.select ?? [],
    ignore: values.ignore ?? [],
    showSyntaxErrors: values.showSyntaxErrors ?? true,
    equivalence: values.equivalence ?? {},
  };
}
