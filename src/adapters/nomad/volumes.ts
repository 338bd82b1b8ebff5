// /v1/volume(s): dynamic host volumes (Nomad ≥ 1.10) and CSI volumes, the ones the provider creates per workspace.
// Reads can block (Nomad's blocking queries): given the index of the last answer, Nomad holds the request until the
// volume changes or `waitMs` passes, so waiting for a volume to turn ready is a long poll, never a sleep loop.
import { orUndefined, type NomadHttp, type Result } from './http.js';
import type { CsiVolume, CsiVolumeSpec, HostVolume, HostVolumeSpec } from './types.js';

const enc = encodeURIComponent;

export interface BlockingOptions {
  /** Answer only once the volume's index is past this (X-Nomad-Index of the previous answer). */
  index?: number;
  /** How long Nomad may hold the request (it adds up to 1/16 of jitter). */
  waitMs?: number;
}

const blocking = (o: BlockingOptions) => ({
  query: o.index ? { index: o.index, wait: `${o.waitMs ?? 30_000}ms` } : {},
  // The HTTP timeout must outlast Nomad's hold, its jitter included.
  timeoutMs: (o.index ? (o.waitMs ?? 30_000) * 1.1 : 0) + 30_000,
});

export class HostVolumes {
  constructor(private readonly http: NomadHttp) {}

  /** Places the volume on a node and runs the plugin there; answers at once, usually with State "pending". */
  create(volume: HostVolumeSpec): Promise<Result<{ Volume: HostVolume; Warnings?: string }>> {
    return this.http.request('PUT', '/v1/volume/host/create', { body: { Volume: volume }, capability: 'host-volume-create', timeoutMs: 150_000 });
  }

  /** The namespace's host volumes (rows without HostPath and allocations); blocking until any changes, given an index. */
  list(opts: BlockingOptions = {}): Promise<Result<HostVolume[]>> {
    const { query, timeoutMs } = blocking(opts);
    return this.http.request('GET', '/v1/volumes', { query: { type: 'host', ...query }, timeoutMs, capability: 'host-volume-read' });
  }

  /** The volume, or undefined when Nomad has none by that id. */
  read(id: string, opts: BlockingOptions = {}): Promise<Result<HostVolume | undefined>> {
    const { query, timeoutMs } = blocking(opts);
    return orUndefined(this.http.request<HostVolume>('GET', `/v1/volume/host/${enc(id)}`, { query, timeoutMs, capability: 'host-volume-read' }));
  }

  /** Runs the plugin's delete on the volume's node, then deregisters it. Refused while an allocation uses it. */
  delete(id: string): Promise<Result<unknown>> {
    return this.http.request('DELETE', `/v1/volume/host/${enc(id)}`, { capability: 'host-volume-delete', timeoutMs: 150_000 });
  }
}

export class CsiVolumes {
  constructor(private readonly http: NomadHttp) {}

  /** Creates the volume through its plugin's controller (which must support CREATE_DELETE_VOLUME) and registers it. */
  create(volume: CsiVolumeSpec): Promise<Result<{ Volumes: CsiVolume[] }>> {
    return this.http.request('PUT', `/v1/volume/csi/${enc(volume.ID)}/create`, {
      body: { Volumes: [volume] },
      capability: 'csi-write-volume',
      timeoutMs: 150_000,
    });
  }

  read(id: string, opts: BlockingOptions = {}): Promise<Result<CsiVolume | undefined>> {
    const { query, timeoutMs } = blocking(opts);
    return orUndefined(this.http.request<CsiVolume>('GET', `/v1/volume/csi/${enc(id)}`, { query, timeoutMs, capability: 'csi-read-volume' }));
  }

  /** Deletes the volume in the storage provider through the plugin, and deregisters it. */
  delete(id: string): Promise<Result<unknown>> {
    return this.http.request('DELETE', `/v1/volume/csi/${enc(id)}/delete`, { capability: 'csi-write-volume', timeoutMs: 150_000 });
  }
}
