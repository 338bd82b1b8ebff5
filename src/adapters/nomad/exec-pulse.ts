// The pulse of an exec websocket: is the connection alive, and has every frame Nomad sent arrived?
//
// Nomad writes nothing on a quiet exec (its own client's heartbeats go one way, to the server), but its websocket
// library (gorilla/websocket 1.5, whose default ping handler Nomad keeps) answers a ping with a pong written on the
// same connection after the frames it already wrote. So we ping every `pingMs`: a frame or a pong proves the
// connection (and so does our stdin moving out while more waits behind it, see exec-session.ts), and `deadMs` with
// none of these while we read the socket ends the session (a NAT or proxy that dropped the connection without
// closing it, a server that stopped answering). A pong also proves that what Nomad wrote before
// it has arrived, which the output hold-back waits for (exec-output.ts).
//
// Nomad answers pings from the loop that reads our frames and passes stdin on to the task
// (command/agent/alloc_endpoint.go, forwardExecInput), so while a task leaves its stdin unread and the pipes to it
// are full, no pong comes: such a command looks dead after `deadMs` too.
import WebSocket from 'ws';

export interface PulseTiming {
  /** How often to ping (and to check for silence). */
  pingMs: number;
  /** Silence (no frame, no pong) after which the connection is taken for dead. */
  deadMs: number;
  /** How long to wait for a pong before asking again (gorilla drops a pong it cannot write within 1 s). */
  retryMs: number;
}

export class Pulse {
  private heardAt = performance.now();
  private sent = 0;
  private answered = 0;
  private waiter: { after: number; fn: () => void; retry: NodeJS.Timeout } | undefined;
  private readonly ticker: NodeJS.Timeout;

  /**
   * @param reading false while we do not read the socket (our own stdout is full), when silence proves nothing
   * @param onDead told once, with how long nothing came
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly timing: PulseTiming,
    reading: () => boolean,
    onDead: (silentMs: number) => void,
  ) {
    ws.on('pong', (data: Buffer) => {
      this.heard();
      this.answered = Math.max(this.answered, Number(data.toString()) || 0);
      if (this.waiter && this.answered >= this.waiter.after) {
        const { fn } = this.waiter;
        this.cancel();
        fn();
      }
    });
    this.ticker = setInterval(() => {
      if (!reading()) return this.heard();
      const silent = performance.now() - this.heardAt;
      if (silent >= timing.deadMs) {
        this.stop();
        onDead(silent);
      } else {
        this.ping();
      }
    }, timing.pingMs);
  }

  /** Something came from Nomad. */
  heard(): void {
    this.heardAt = performance.now();
  }

  /** Calls `fn` once a pong shows that every frame Nomad wrote before now has arrived, unless cancelled first. */
  afterRoundTrip(fn: () => void): void {
    this.cancel();
    const after = this.ping();
    this.waiter = { after, fn, retry: setInterval(() => this.ping(), this.timing.retryMs) };
  }

  cancel(): void {
    if (!this.waiter) return;
    clearInterval(this.waiter.retry);
    this.waiter = undefined;
  }

  stop(): void {
    clearInterval(this.ticker);
    this.cancel();
  }

  private ping(): number {
    this.sent++;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping(String(this.sent));
    return this.sent;
  }
}
