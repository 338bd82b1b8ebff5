// Types for native-provider.mjs, so the unit tests can check the native provider file without a release build.
export interface ProviderOption {
  description?: string;
  password?: boolean;
  command?: string;
  default?: string;
  type?: string;
}
export interface ProviderFile {
  name: string;
  options: Record<string, ProviderOption>;
  optionGroups: Array<{ name: string; options: string[] }>;
  [key: string]: unknown;
}
export function nativeProvider(doc: ProviderFile): ProviderFile;
