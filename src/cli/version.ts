// The provider's version, stamped in at bundle time (esbuild define) and read from package.json under tsx.
declare const __PROVIDER_VERSION__: string | undefined;

export const version: string = typeof __PROVIDER_VERSION__ === 'string' ? __PROVIDER_VERSION__ : '0.0.0-dev';
