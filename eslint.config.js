// The TypeScript linter and formatter, as the Effect repository runs them: typescript-eslint's recommended rules and
// dprint (through @effect/eslint-plugin) with Effect's formatting options. `npm run lint` checks, `npm run lint:fix`
// rewrites; `npm test` runs the check.
import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "dist/**",
      "native/build/**",
      "native/prebuilds/**",
      "docs/.vitepress/cache/**",
      "docs/.vitepress/dist/**",
      "docs/api/**",
      ".tsdoc-examples/**",
      "**/*.bundle.*"
    ]
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts", "**/*.js", "**/*.mjs"],
    plugins: { "@effect": effect },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/consistent-type-imports": "error",
      // The compiler checks these (noUnusedLocals, noUnusedParameters), with the project's conventions.
      "@typescript-eslint/no-unused-vars": "off",
      // Effect's own types are written with `any` in variance positions; our casts at the native boundary too.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-namespace": "off",
      // A `let` assigned once, after a closure that reads it is made (a finalizer, a self-referring future).
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["effect/internal/*", "@effect/*/internal/*"],
          message: "Effect's internals are private: use the public modules."
        }]
      }]
    }
  }
)
