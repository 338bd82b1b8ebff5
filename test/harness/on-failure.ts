// When a test fails, show what the shared Nomad agent was doing: its log is the first thing one needs.
import { readFileSync } from 'node:fs';
import { afterEach, inject } from 'vitest';

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  let tail = '(no log)';
  try {
    tail = readFileSync(inject('nomadLogPath'), 'utf8').split('\n').slice(-60).join('\n');
  } catch {
    // the agent never started; the setup error says why
  }
  process.stderr.write(`\n[harness] last lines of the nomad agent log for "${ctx.task.name}":\n${tail}\n`);
});
