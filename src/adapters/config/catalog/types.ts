// The shape of one entry of the options catalog (index.ts). provider.yaml and the native provider file are
// checked against the catalog, and docs/options.md is generated from it (scripts/options-doc.ts).

export interface OptionSpec {
  name: string;
  /** The value the provider uses when the option is unset, written as a user would set it. */
  default?: string;
  /** What unset means when there is no default value to write (e.g. "never", "the agent's own"). */
  unset?: string;
  /** What DevPod shows: provider.yaml's description, word for word. */
  description: string;
  /** More for docs/options.md (Markdown, relative links from docs/). */
  details?: string;
  /** One of the options a user sets most: the README's table lists it. */
  common?: true;
  /** A password: DevPod masks it, the provider never prints it. */
  secret?: true;
  /** provider.yaml fills it from the shell's variable of the same name when the provider is added. */
  fromShell?: true;
  /** DevPod reads it itself (agent settings): provider.yaml then carries its default and type. */
  devpodReads?: true;
  type?: 'boolean';
  /** Only in the machine provider (provider.yaml), not in the native one. */
  machineOnly?: true;
  /** Only in the native provider file (scripts/lib/native-provider.mjs adds it), not in provider.yaml. */
  nativeOnly?: true;
  /** The native provider file's description, where it differs. */
  nativeDescription?: string;
}

export interface OptionGroup {
  /** provider.yaml's optionGroups name. */
  name: string;
  /** Whether DevPod shows the group unfolded (provider.yaml's defaultVisible). */
  defaultVisible: boolean;
  options: OptionSpec[];
}
