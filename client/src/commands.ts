// Arguments of the server's commands, completed from the editor before they are sent.
// Pure: no `vscode` import. The wire shapes are those of /server/msmigrate/lsp/commands/.

export const RUN_EQUIVALENCE_CHECK = "msmigrate.runEquivalenceCheck";
export const SHOW_MIGRATION_REPORT = "msmigrate.showMigrationReport";

export const RESTRICTED_MODE_MESSAGE =
  "msmigrate: the equivalence check runs this workspace's PyTorch and MindSpore code, " +
  "so it is disabled in Restricted Mode. Trust the workspace to run it.";

export const NO_CELL_MESSAGE =
  "msmigrate: open the MindSpore file and put the cursor in the Cell class to check " +
  "(or use the CodeLens above the class).";

/** Where the cursor is in the active editor: an LSP position (0-based line and UTF-16 character). */
export interface CursorLocation {
  readonly uri: string;
  readonly languageId: string;
  readonly line: number;
  readonly character: number;
}

export type CompletedArguments = { readonly arguments: unknown[] } | { readonly refusal: string };

type ArgumentObject = Record<string, unknown>;

/**
 * Arguments for `msmigrate.runEquivalenceCheck`: what the caller gave (a CodeLens gives uri and
 * position; the command palette gives nothing), the cursor when no target was given, and the report
 * directory. The `msmigrate.equivalence.*` settings reach the server with the rest of its settings.
 */
export function equivalenceArguments(
  given: readonly unknown[],
  cursor: CursorLocation | undefined,
  outputDir: string,
): CompletedArguments {
  const request = { ...firstObject(given) };
  const hasTarget = typeof request.uri === "string" || (request.torch !== undefined && request.mindspore !== undefined);
  if (!hasTarget) {
    if (cursor === undefined || cursor.languageId !== "python") {
      return { refusal: NO_CELL_MESSAGE };
    }
    request.uri = cursor.uri;
    request.position = { line: cursor.line, character: cursor.character };
  }
  return { arguments: [withDefaults(request, { outputDir }), ...given.slice(1)] };
}

/** Arguments for `msmigrate.showMigrationReport`: the workspace folder and the report directory. */
export function migrationReportArguments(
  given: readonly unknown[],
  rootUri: string | undefined,
  outputDir: string,
): unknown[] {
  return [withDefaults({ ...firstObject(given) }, { rootUri, outputDir }), ...given.slice(1)];
}

/** The Markdown report to open for a command's result: none when there is none, or the user cancelled the run. */
export function reportMarkdownPath(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null) {
    return undefined;
  }
  const { reportMarkdown, error } = result as ArgumentObject;
  if (typeof error === "object" && error !== null && (error as ArgumentObject).kind === "cancelled") {
    return undefined;
  }
  return typeof reportMarkdown === "string" && reportMarkdown !== "" ? reportMarkdown : undefined;
}

function firstObject(given: readonly unknown[]): ArgumentObject {
  const first = given[0];
  return typeof first === "object" && first !== null && !Array.isArray(first) ? (first as ArgumentObject) : {};
}

function withDefaults(request: ArgumentObject, defaults: ArgumentObject): ArgumentObject {
  for (const [key, value] of Object.entries(defaults)) {
    if (value !== undefined && (request[key] === undefined || request[key] === null)) {
      request[key] = value;
    }
  }
  return request;
}
