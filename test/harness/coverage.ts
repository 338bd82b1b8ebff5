// Records every step any workspace machine takes in this test worker (the provider's actors publish them on the step
// channel), and appends them to a file per worker; the global teardown (machine-coverage.ts) merges them into the
// coverage report.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Step } from '../../src/machines/steps.js';
import { subscribeSteps } from '../../src/workspace/lifecycle/step-channel.js';
import { STEPS_DIR } from './machine-coverage.js';

const steps: Pick<Step, 'from' | 'event' | 'to'>[] = [];
subscribeSteps((s) => steps.push({ from: s.from, event: s.event, to: s.to }));

afterAll(() => {
  if (steps.length === 0) return;
  mkdirSync(STEPS_DIR, { recursive: true });
  appendFileSync(join(STEPS_DIR, `steps-${process.pid}.ndjson`), `${steps.map((s) => JSON.stringify(s)).join('\n')}\n`);
  steps.length = 0;
});
