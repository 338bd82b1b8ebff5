// The two bits of sh the native scripts share (dockerless.ts, named-volumes.ts, `native run`'s copy).

/** Single-quoted for sh: any string, as one word. */
export const shQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** A devcontainer id as a file name in the workspace's volume: anything but letters, digits, `_ . -` becomes `_`. */
export const fileSafe = (id: string) => id.replace(/[^A-Za-z0-9_.-]/g, '_');
