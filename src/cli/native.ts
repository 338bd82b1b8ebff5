// `native <find|run|start|stop|delete|command|target-architecture>`: DevPod's custom-driver commands, run by
// DevPod's local agent with DEVCONTAINER_ID (and DEVCONTAINER_RUN_OPTIONS, DEVCONTAINER_USER, DEVCONTAINER_COMMAND).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { commandArgv, taskDriver } from '../adapters/jobspec/drivers/index.js';
import { execInWorkspace } from '../workspace/exec.js';
import { buildDevcontainerJob, nativeJobId } from '../native/devcontainer.js';
import { findDevcontainer, targetArchitecture } from '../native/details.js';
import { builtCheck, clearBuildInfoScript, stashScript } from '../native/dockerless.js';
import { devcontainerPorts } from '../native/forward-ports.js';
import { readDevcontainerMeta } from '../native/meta.js';
import { assertRunnable, isDockerless, parseRunOptions, skippedMounts } from '../native/run-options.js';
import { linkPrelude, namedVolumePlan } from '../native/named-volumes.js';
import { shQuote } from '../native/sh.js';
import { commandAs, shellFor } from '../native/user-switch.js';
import { runningAllocation } from '../workspace/observe.js';
import { announcePorts } from '../workspace/ports.js';
import { createWorkspace, deleteWorkspace, startWorkspace, stopWorkspace } from '../workspace/operations.js';
import type { Workspace } from '../workspace/types.js';
import { commandContext, log, requireEnv } from './context.js';
import { describe } from './describe.js';
import { debugOn } from './run.js';
import { version } from './version.js';

function nativeContext(env: NodeJS.ProcessEnv = process.env) {
  const id = requireEnv(env, 'DEVCONTAINER_ID', "DevPod's agent sets it when it runs the custom driver");
  const ctx = commandContext({ ...env, MACHINE_ID: `dc-${id}` });
  const workspace: Workspace = { ...ctx.workspace, jobId: nativeJobId(id), machineId: `dc-${id}` };
  return { ...ctx, id, workspace };
}

type NativeContext = ReturnType<typeof nativeContext>;
const shellOf = (ctx: NativeContext) => shellFor(taskDriver(ctx.config.driver).usesImage);

/** Copies a local directory into the task once, through the exec tunnel (DevPod: bind mounts are copied once). */
async function copyIn(ctx: NativeContext, allocId: string, source: string, target: string): Promise<void> {
  const tar = spawn('tar', ['-c', '-C', source, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const code = await execInWorkspace(ctx.workspace, allocId, {
    tty: false,
    stdin: tar.stdout,
    stdout: process.stderr,
    stderr: process.stderr,
    command: [shellOf(ctx), '-c', `mkdir -p ${shQuote(target)} && tar -x -C ${shQuote(target)}`],
  });
  if (code !== 0) throw new Error(`copying ${source} into the workspace at ${target} failed (exit ${code})`);
}

/** Runs a short sh script in the task, its output on stderr; its exit code. */
const runScript = (ctx: NativeContext, allocId: string, script: string) =>
  execInWorkspace(ctx.workspace, allocId, {
    tty: false,
    stdin: null,
    stdout: process.stderr,
    stderr: process.stderr,
    command: [shellOf(ctx), '-c', script],
  });

/** Whether DevPod's dockerless build has run in the allocation (dockerless.ts). */
async function built(ctx: NativeContext, allocId: string): Promise<boolean> {
  const sink = new Writable({ write: (_c, _e, done) => done() });
  return (await execInWorkspace(ctx.workspace, allocId, { tty: false, stdin: null, stdout: sink, stderr: sink, command: builtCheck() })) === 0;
}

export async function nativeRun(): Promise<void> {
  const ctx = nativeContext();
  const opts = parseRunOptions(process.env.DEVCONTAINER_RUN_OPTIONS);
  assertRunnable(opts, ctx.config);
  for (const why of [...skippedMounts(opts), ...namedVolumePlan(ctx.id, opts, ctx.config).notKept]) log(`${ctx.workspace.jobId}: ${why}`);
  if (ctx.config.ports?.ports === 'devcontainer') {
    const { ports, skipped } = devcontainerPorts(opts);
    for (const why of skipped) log(`${ctx.workspace.jobId}: NOMAD_PORTS=devcontainer: ${why}`);
    log(
      `${ctx.workspace.jobId}: NOMAD_PORTS=devcontainer: ${ports.length ? `publishing ${ports.map((p) => `${p.label}=${p.port}`).join(', ')}` : 'the devcontainer has no forwardPorts; nothing published'}`,
    );
  }
  const job = await ctx.job((cluster) =>
    buildDevcontainerJob(ctx.id, opts, ctx.config, { providerVersion: version, workspaceId: process.env.WORKSPACE_ID || undefined }, cluster),
  );
  await createWorkspace(ctx.workspace, job);
  await announcePorts(ctx.workspace);
  const { dockerless } = readDevcontainerMeta(job);
  const mount = opts.workspaceMount;
  if (mount?.source && mount.target && statSync(mount.source, { throwIfNoEntry: false })?.isDirectory()) {
    const allocId = await runningAllocation(ctx.workspace);
    if (isDockerless(opts) && dockerless?.context) await runScript(ctx, allocId, clearBuildInfoScript(dockerless.context));
    log(`${ctx.workspace.jobId}: copying ${mount.source} to ${mount.target}`);
    await copyIn(ctx, allocId, mount.source, mount.target);
  }
  // DevPod builds this devcontainer in the task: keep its build info in the workspace's volume for the builds of
  // later allocations (dockerless.ts).
  if (isDockerless(opts)) {
    if (dockerless?.stash && dockerless.context) {
      const code = await runScript(ctx, await runningAllocation(ctx.workspace), stashScript(dockerless.context, dockerless.stash));
      if (code !== 0)
        log(
          `${ctx.workspace.jobId}: could not keep DevPod's build info at ${dockerless.stash} (exit ${code}); a stopped workspace then needs devpod up --recreate`,
        );
    } else {
      log(
        `${ctx.workspace.jobId}: DevPod builds this devcontainer in the task; without a writable NOMAD_VOLUME_TYPE its build info is not kept, and a stopped workspace needs devpod up --recreate`,
      );
    }
  }
}

export async function nativeFind(): Promise<void> {
  const ctx = nativeContext();
  const details = await findDevcontainer(ctx.nomad, ctx.config, ctx.workspace.jobId, ctx.workspace.machineId, (allocId) => built(ctx, allocId), log);
  if (details) process.stdout.write(`${JSON.stringify(details)}\n`);
}

// exec.describe runs without the custom driver's variables: the devcontainer is the workspace's.
export const nativeDescribe = () =>
  describe(nativeContext({ ...process.env, DEVCONTAINER_ID: process.env.DEVCONTAINER_ID || process.env.WORKSPACE_ID }).workspace);
export async function nativeStart(): Promise<void> {
  const { workspace } = nativeContext();
  await startWorkspace(workspace);
  await announcePorts(workspace);
}
export const nativeStop = () => stopWorkspace(nativeContext().workspace);
export const nativeDelete = () => deleteWorkspace(nativeContext().workspace);

export async function nativeTargetArchitecture(): Promise<void> {
  const ctx = nativeContext();
  process.stdout.write(`${await targetArchitecture(ctx.nomad, ctx.workspace.jobId)}\n`);
}

export async function nativeCommand(): Promise<number> {
  const command = requireEnv(process.env, 'DEVCONTAINER_COMMAND', "DevPod's agent sets it to the command to run in the devcontainer");
  const ctx = nativeContext();
  const allocId = await runningAllocation(ctx.workspace);
  const argv = commandArgv(ctx.config, commandAs(process.env.DEVCONTAINER_USER, command, shellOf(ctx), linkPrelude));
  if (debugOn()) log(`${ctx.workspace.jobId}: exec as ${JSON.stringify(process.env.DEVCONTAINER_USER ?? '')}: ${argv.slice(0, -1).join(' ')} …`);
  try {
    return await execInWorkspace(ctx.workspace, allocId, {
      tty: false,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      command: argv,
    });
  } finally {
    process.stdin.destroy();
  }
}
