// The live inspector, end to end: our binary serves it against the real dev agent, headless Chromium (Debian's
// package, driven by playwright-core) shows a workspace that another process creates and stops, and `watch`
// prints the same transitions from the SSE feed. A screenshot is kept as a test artifact.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { ARTIFACTS } from '../harness/machine-coverage.js';
import { cli, devpodEnv, providerCommand } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';

const CHROMIUM = '/usr/bin/chromium';
const nomad = sharedClient();
let browser: Browser;
const children: ChildProcess[] = [];

/** Starts a long-running subcommand and resolves with it once its first stdout line (the URL, for inspect) arrives. */
function start(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; firstLine: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(...providerCommand(args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      const before = out;
      out += c.toString();
      if (!before.includes('\n') && out.includes('\n')) resolve({ child, firstLine: out.split('\n')[0]!, output: () => out });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${args[0]} exited early with ${code}`)));
  });
}

beforeAll(() => {
  // The test installs its browser from Debian's packages when the machine lacks it.
  if (!existsSync(CHROMIUM))
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGINT');
});

describe('live inspector', () => {
  it('shows pending → running → stopped in order for a workspace created and stopped by another process', async () => {
    const machine = uniqueId('insp');
    const env = devpodEnv(machine);
    const inspector = await start(['inspect', machine], env);
    expect(inspector.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const watcher = await start(['watch', machine, '--url', inspector.firstLine], env);
    expect(watcher.firstLine).toBe(`${jobIdFor(machine)} is notFound (Nomad has no job "${jobIdFor(machine)}")`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 960, height: 720 } });
    await page.goto(inspector.firstLine);
    await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    const current = page.locator(`section[data-job="${jobIdFor(machine)}"] .state`);
    await expect.poll(() => current.textContent(), { timeout: 10_000 }).toBe('notFound');

    expect((await cli(['create'], env)).code).toBe(0);
    await expect.poll(() => current.textContent(), { timeout: 20_000 }).toBe('running');
    expect((await cli(['stop'], env)).code).toBe(0);
    await expect.poll(() => current.textContent(), { timeout: 20_000 }).toBe('stopped');

    const reached = await page.locator(`section[data-job="${jobIdFor(machine)}"] tr.step td.to`).allTextContents();
    const order = ['pending', 'running', 'stopped'].map((s) => reached.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await page.locator(`section[data-job="${jobIdFor(machine)}"] g.current[data-state="stopped"]`).count()).toBe(1);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inspector.png'), fullPage: true });

    await expect.poll(() => watcher.output(), { timeout: 10_000 }).toMatch(/running → stopping .*\n.*stopping → stopped/);
    expect(watcher.output()).toMatch(/notFound → pending[\s\S]*scheduled → running/);
    await nomad.jobs.purge(jobIdFor(machine));
  });
});
