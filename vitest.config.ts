/** @fileoverview vitest configuration: every `*.test.ts` under tests/. */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
  },
});
