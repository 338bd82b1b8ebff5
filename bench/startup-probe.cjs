// Preloaded into the provider executable by bench/startup.ts (NODE_OPTIONS=--require, which a Node SEA honours):
// timestamps of one run, from Node's own clock, written to stderr as one line when the process exits. Nothing in the
// provider changes: the marks come from performance.nodeTiming and Node's built-in HTTP diagnostics channels.
'use strict';
const dc = require('node:diagnostics_channel');
const { performance } = require('node:perf_hooks');

const preload = performance.now();
const requests = [];
const byRequest = new WeakMap();

dc.subscribe('http.client.request.start', ({ request }) => {
  const r = { start: performance.now(), path: String(request.path).split('?')[0] };
  requests.push(r);
  byRequest.set(request, r);
  request.once('response', () => (r.headers = performance.now()));
  // A websocket handshake ends in 'upgrade', which a request without an 'upgrade' listener would treat as an error.
  if (String(request.getHeader('upgrade') ?? '').toLowerCase() === 'websocket') request.once('upgrade', () => (r.upgraded = performance.now()));
});
dc.subscribe('http.client.response.finish', ({ request }) => {
  const r = byRequest.get(request);
  if (r) r.finish = performance.now();
});

process.on('exit', () => {
  const t = performance.nodeTiming;
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  const mark = { timeOrigin: performance.timeOrigin, nodeStart: t.nodeStart, v8Start: t.v8Start, environment: t.environment, preload, loopStart: t.loopStart, requests, builtins, exit: performance.now() };
  process.stderr.write(`startup-probe ${JSON.stringify(mark)}\n`);
});
