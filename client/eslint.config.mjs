// Lint of the VS Code client (run from the repository root: `npm run lint`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["client/out/**", "client/dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    files: ["client/**/*.ts"],
    languageOptions: {
      parserOptions: { project: "client/tsconfig.json", tsconfigRootDir: import.meta.dirname + "/.." },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      eqeqeq: "error",
      // node:test's describe/it return promises that the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "it"] }] },
      ],
      "no-console": "error",
    },
  },
  {
    files: ["client/eslint.config.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
