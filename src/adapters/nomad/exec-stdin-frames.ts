// Framed stdin, for task drivers whose exec never passes stdin's end on to the process. nomad-driver-podman v0.4.1
// (the one release built on MPL Nomad) copies the exec's stdin into podman's attach socket and never half-closes it
// (api/exec_start.go), so a command that reads to EOF (`cat > file`, DevPod's agent injection) waits forever.
//
// So stdin goes in-band: each chunk as `<length>\n<bytes>`, and `0\n` for its end. In the task, under the exec
// wrapper (exec-trailer.ts), a feeder decodes it into a FIFO that is the command's stdin, and closes the FIFO at the
// end: the command sees EOF. The feeder reads lengths with sh's `read` (a byte at a time from a pipe) and each chunk
// with `dd bs=<length> count=1 iflag=fullblock` (exact: busybox's `head -c` reads ahead, dd never past its count);
// both are in busybox and coreutils. The wrapper waits for the command only, not for the feeder, so a command that
// exits before its stdin ends still ends the exec; the feeder is killed then.

/** A stdin chunk as the feeder reads it. */
export const frameChunk = (data: Buffer): Buffer => Buffer.concat([Buffer.from(`${data.length}\n`), data]);

/** The frame that ends stdin. */
export const FRAMED_END = Buffer.from('0\n');

/** The exit code when the task cannot make the feeder's FIFO (no mktemp/mkfifo, no writable temp dir). */
export const NO_FIFO_EXIT = 126;

/**
 * sh that runs "$@" with the decoded stdin and leaves its exit code in $rc. fd 3 keeps the exec's stdin: an
 * asynchronous list in a non-interactive shell gets /dev/null as its stdin otherwise.
 */
export const FRAMED_RUN =
  `exec 3<&0; d=$(mktemp -d "\${TMPDIR:-/tmp}/devpod-stdin.XXXXXX") && mkfifo "$d/in" || ` +
  `{ echo 'devpod-provider-nomad: cannot make a FIFO in the task (mktemp -d, mkfifo) to pass stdin on' >&2; exit ${NO_FIFO_EXIT}; }; ` +
  `(while IFS= read -r n && [ "$n" != 0 ]; do dd bs="$n" count=1 iflag=fullblock 2>/dev/null || break; done > "$d/in") <&3 3<&- & ` +
  `feeder=$!; "$@" < "$d/in" 3<&-; rc=$?; kill "$feeder" 2>/dev/null; rm -rf "$d"`;
