/**
 * End to end on the emulator: `update cluster --yes` stores each launch template's user-data
 * gzipped (AWS counts the 16 KB before base64), it decodes to the group's cloud-config, and a
 * second plan sees no change (the gzip is deterministic).
 */
import { gunzipSync } from 'node:zlib';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { USER_DATA_LIMIT } from '../../src/tasks/aws/launch-template.js';
import { applyAndConverge, setupCluster } from '../cloudup/update-helpers.js';

describe('user-data on the emulator', () => {
  it('is stored gzipped, under 16 KB, decodes to the cloud-config, and converges', async () => {
    const c = await setupCluster({ name: 'ud.example.com', zones: ['us-east-1a'] });
    await applyAndConverge(c);
    for (const [template, role] of [['control-plane-us-east-1a.masters.ud.example.com', 'control-plane'], ['nodes-us-east-1a.ud.example.com', 'node']] as const) {
      const out = await c.aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: template, Versions: ['$Default'] }));
      const raw = Buffer.from(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? '', 'base64');
      expect([raw[0], raw[1]], template).toEqual([0x1f, 0x8b]);
      expect(raw.length).toBeLessThan(USER_DATA_LIMIT);
      const text = gunzipSync(raw).toString('utf8');
      expect(text.startsWith('#cloud-config\n')).toBe(true);
      expect(text).toContain(`role: ${role}\n`);
      expect(text).toContain("KUBERNETES_VERSION='1.36.3'");
    }
  });
});
