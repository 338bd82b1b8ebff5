// The CLI's one funnel: the exit code an action returns, 1 for anything it throws, and the stack in debug mode only
// for errors whose message was not written for the user.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/adapters/config/errors.js';
import { TemplateError } from '../../src/adapters/jobspec/template.js';
import { NomadError } from '../../src/adapters/nomad/errors.js';
import { run } from '../../src/cli/run.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { writtenForUsers } from '../../src/cli/user-errors.js';
import { WaitError } from '../../src/machines/wait.js';
import { WorkspaceError } from '../../src/workspace/errors.js';

describe('run', () => {
  let stderr: string[];
  beforeEach(() => {
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  });

  it.each([
    ['nothing', undefined, 0],
    ['0', 0, 0],
    ["the remote command's code", 42, 42],
    ['255 for output cut short', 255, 255],
  ])('exits with the code the action returns: %s', async (_, returned, code) => {
    await run(async () => returned)();
    expect(process.exitCode).toBe(code);
    expect(stderr).toEqual([]);
  });

  it('exits 1 with the message on stderr when the action throws', async () => {
    await run(async () => {
      throw new UsageError('--output "x" is not valid: expected plain or json');
    })();
    expect(process.exitCode).toBe(1);
    expect(stderr).toEqual(['error: --output "x" is not valid: expected plain or json\n']);
  });

  it('exits 1 for a thrown value that is not an Error', async () => {
    await run(async () => {
      throw 'plain string';
    })();
    expect(process.exitCode).toBe(1);
    expect(stderr).toEqual(['error: plain string\n']);
  });

  it('adds the stack of an unexpected error in debug mode only', async () => {
    const boom = async () => {
      throw new TypeError('x is undefined');
    };
    await run(boom)();
    expect(stderr).toHaveLength(1);
    vi.stubEnv('DEVPOD_DEBUG', 'true');
    stderr.length = 0;
    await run(boom)();
    expect(stderr).toHaveLength(2);
    expect(stderr[1]).toContain('TypeError: x is undefined');
  });

  it('never adds the stack of an error written for the user', async () => {
    vi.stubEnv('DEVSY_DEBUG', 'true');
    await run(async () => {
      throw new WorkspaceError('workspace devpod-a is stopped; start it first (devpod up).');
    })();
    expect(stderr).toEqual(['error: workspace devpod-a is stopped; start it first (devpod up).\n']);
    expect(process.exitCode).toBe(1);
  });
});

describe('writtenForUsers', () => {
  it.each([
    ['UsageError', new UsageError('u'), true],
    ['NomadError', new NomadError('forbidden', 'n'), true],
    ['WaitError', new WaitError('w', 'failed', {} as never, false), true],
    ['WorkspaceError', new WorkspaceError('w'), true],
    ['ConfigError', new ConfigError(['NOMAD_CPU="x" is not valid: expected MHz']), true],
    ['TemplateError, a ConfigError', new TemplateError({ path: 'job.hcl' }, ['it has 2 task groups']), true],
    ['a TypeError', new TypeError('t'), false],
    ['a plain Error', new Error('e'), false],
  ])('%s: %s', (_, err, expected) => {
    expect(writtenForUsers(err)).toBe(expected);
  });
});
