// A CSI volume per workspace (NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN) on the shared agent, which runs no CSI
// plugin: the exact requests the provider sends (through a recording proxy) and the answer Nomad gives for a plugin it
// lacks. With a real plugin, end to end: volumes-csi-plugin.test.ts.
import { describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../src/adapters/jobspec/workspace-job.js';
import { cli, devpodEnv } from '../helpers/cli.js';
import { sharedClient, uniqueId } from '../helpers/jobs.js';
import { startRecordingProxy } from '../helpers/recording-proxy.js';

const nomad = sharedClient();
const PLUGIN = 'devpod-test-csi';
const CSI = { NOMAD_DRIVER: 'docker', NOMAD_VOLUME_TYPE: 'csi', NOMAD_VOLUME_PLUGIN: PLUGIN, NOMAD_VOLUME_SIZE: '2GB' };

describe('NOMAD_VOLUME_TYPE=csi with NOMAD_VOLUME_PLUGIN, on an agent without that plugin', () => {
  it("create asks Nomad to create a CSI volume named after the workspace, fails with Nomad's reason, and registers nothing", async () => {
    const proxy = await startRecordingProxy(inject('nomadAddr'));
    try {
      const machine = uniqueId('csi');
      const jobId = jobIdFor(machine);
      const r = await cli(['create'], devpodEnv(machine, { ...CSI, NOMAD_ADDR: proxy.address }));
      expect(r.code).toBe(1);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toBe(
        `error: the volume of workspace ${jobId} cannot be created: no CSI plugin named: ${PLUGIN} could be found. ` +
          `It needs a running CSI plugin "${PLUGIN}" whose controller can create volumes (CREATE_DELETE_VOLUME); nomad plugin status ${PLUGIN} shows it. Nothing was registered.\n`,
      );
      // Everything sent: the servers' version, whether the volume exists (it does not), then the create request, and no job.
      expect(proxy.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual([
        'GET /v1/agent/members 200',
        `GET /v1/job/${jobId} 404`,
        `GET /v1/volume/csi/${jobId} 404`,
        `PUT /v1/volume/csi/${jobId}/create 500`,
      ]);
      expect(proxy.requests[3]!.body).toEqual({
        Volumes: [
          {
            ID: jobId,
            Name: jobId,
            PluginID: PLUGIN,
            RequestedCapacityMin: 2 * 1024 ** 3,
            RequestedCapacityMax: 2 * 1024 ** 3,
            RequestedCapabilities: [{ AccessMode: 'single-node-writer', AttachmentMode: 'file-system' }],
          },
        ],
      });
      expect(proxy.requests[3]!.answer).toBe(`no CSI plugin named: ${PLUGIN} could be found`);
      expect((await nomad.jobs.read(jobId)).data).toBeUndefined();
      expect((await nomad.csiVolumes.read(jobId)).data).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('delete of such a workspace finds neither job nor volume, sends no delete, and succeeds', async () => {
    const proxy = await startRecordingProxy(inject('nomadAddr'));
    try {
      const machine = uniqueId('csi-del');
      const r = await cli(['delete'], devpodEnv(machine, { ...CSI, NOMAD_ADDR: proxy.address }));
      expect(r.code, r.stderr).toBe(0);
      expect(proxy.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual([
        `GET /v1/job/${jobIdFor(machine)} 404`,
        `GET /v1/volume/csi/${jobIdFor(machine)} 404`,
      ]);
    } finally {
      await proxy.close();
    }
  });
});
