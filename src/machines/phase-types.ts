// The vocabulary of a derived phase, shared by phase.ts (the job and allocation level) and phase-tasks.ts (one
// allocation's tasks); a file of its own so neither imports the other's types.
export type Phase = 'notFound' | 'pending' | 'scheduled' | 'restarting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface Observation {
  phase: Phase;
  /** Why, for every phase but a healthy running one. */
  reason?: string;
  allocId?: string;
  nodeName?: string;
  restarts?: number;
}

export interface DeriveOptions {
  now: number;
  /** A task restarted after a failure counts as running again only after this long up. */
  stableMs: number;
  /** Restarts after failures at which a task counts as crash-looping. */
  crashLoopRestarts: number;
}
