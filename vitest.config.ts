/**
 * @fileoverview vitest configuration: every `*.test.ts` under tests/, with the global setup that
 * provisions PostgreSQL 17 and 18 and starts one throwaway cluster per major (see
 * tests/setup/global-setup.ts; `PGTRICKLE_TEST_PG=none` skips it for unit-only runs).
 *
 * Test files run in at most two worker processes: integration files share the clusters but each
 * works in a database of its own (tests/setup/pg.ts), and the machines this runs on have two cores.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/setup/global-setup.ts"],
    // A refresh against an assert-enabled server, or a first build of the native addon, is slow.
    testTimeout: 120_000,
    // Provisioning PostgreSQL from source on a fresh machine runs inside the global setup.
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
