// The zod/mini functions the option schemas (and native mode's run options) use, and only those: the bundles load
// this module on first use (lazyPackages in scripts/lib/esbuild-plugins.mjs), and naming the functions here keeps
// the rest of zod (its locales among them) out of the bundle, as importing zod/mini directly does.
export { array, boolean, enum, nullable, object, optional, record, string, unknown } from 'zod/mini';
export type { infer, ZodMiniType } from 'zod/mini';
