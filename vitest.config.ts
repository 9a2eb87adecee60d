import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // Native boundary tests may crash a process on a bug; a forked worker turns that into a failed file.
    pool: "forks",
    include: ["test/**/*.test.ts"],
    testTimeout: 30000,
    hookTimeout: 30000
  }
})
