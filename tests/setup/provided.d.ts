/** @fileoverview Types of the values tests/setup/global-setup.ts provides to tests through vitest's inject(). */
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** libpq URIs of the throwaway test clusters, keyed by PostgreSQL major ("17", "18"). */
    pgUris: Record<string, string>;
  }
}
