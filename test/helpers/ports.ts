// Published ports (NOMAD_PORTS) as a person reaches them: the addresses `status --output json` reports, fetched
// over plain HTTP from the host with no exec or SSH session open, and the Nomad-native services that list them.
import { expect } from 'vitest';
import type { NomadClient } from '../../src/adapters/nomad/client.js';
import type { PublishedPort } from '../../src/workspace/ports.js';
import { cli } from './cli.js';

/** `status --output json`'s ports (and its state). */
export async function statusPorts(env: Record<string, string>): Promise<{ state: string; ports: PublishedPort[] }> {
  const r = await cli(['status', '--output', 'json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.toString());
}

/** GET http://<address>/, with an optional Host header; undefined when nothing answers within 2 s. */
export async function httpGet(address: string, host?: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://${address}/`, { signal: AbortSignal.timeout(2000), headers: host ? { Host: host } : {} });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/**
 * Retries `probe` every 200 ms until it returns something, for at most `ms`: a server started in the background
 * and a service registration (or deregistration) both arrive a moment after the command that caused them.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The addresses Nomad lists for a service (GET /v1/service/:name). */
export async function serviceAddresses(nomad: NomadClient, name: string): Promise<string[]> {
  return ((await nomad.services.read(name)).data ?? []).map((s) => `${s.Address}:${s.Port}`);
}

/** Waits until the service lists exactly `want` (an empty list: deregistered); returns what it listed last. */
export async function serviceListing(nomad: NomadClient, name: string, want: string[], ms = 20_000): Promise<string[]> {
  let last: string[] = [];
  await eventually(async () => {
    last = await serviceAddresses(nomad, name);
    return JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
  }, ms);
  return last;
}
