/**
 * End to end on the emulator: `update cluster --yes` with the node customisations. The node
 * group's launch template carries a MIME multipart user data (kops-ts's cloud-config, then the
 * group's additionalUserData) whose bootstrap.sh names the sha256 of the node-extras.sh written to
 * the group's igconfig; the control plane's stays a plain cloud-config; a second plan sees no
 * change; a changed file asset changes only the launch templates whose script changed, and the plan
 * does not print the file's content.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../src/cloudup/new-cluster.js';
import { updateCluster } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import { renderPlanText } from '../../src/cloudup/render/text.js';
import { testAws } from '../helpers/aws.js';
import { changeLines } from '../cloudup/update-helpers.js';
import { readFileSync } from 'node:fs';

const NAME = 'extras.example.com';
const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();
const NODES_LT = `nodes-us-east-1a.${NAME}`;
const CP_LT = `control-plane-us-east-1a.masters.${NAME}`;

describe('node customisations on the emulator', () => {
  it('the user data carries the parts and the script\'s sha256, the igconfig the script; it converges; a change shows without the content', async () => {
    const aws = testAws();
    const cs = new Clientset(openStateStore(`memory://extras-${aws.account}`));
    const built = newCluster({ name: NAME, zones: ['us-east-1a'] });
    Object.assign(built.cluster.spec, { fileAssets: [{ name: 'token', path: '/etc/app/token', roles: ['Node'], content: 'FIRST-SECRET' }] });
    const nodes = built.instanceGroups.find((g) => g.spec.role === 'Node')!;
    Object.assign(nodes.spec, {
      sysctlParameters: ['vm.max_map_count=262144'],
      additionalUserData: [{ name: 'extra.sh', type: 'text/x-shellscript', content: '#!/bin/bash\necho extra\n' }],
    });
    await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
    const { region: _r, ...awsOpts } = aws.options;
    const update = (yes: boolean) => updateCluster({ clientset: cs, clusterName: NAME, aws: awsOpts, yes });

    const applied = await update(true);
    expect(applied.applied?.ok).toBe(true);
    const userData = async (lt: string) => {
      const out = await aws.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: lt, Versions: ['$Latest'] }));
      return gunzipSync(Buffer.from(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.UserData ?? '', 'base64')).toString('utf8');
    };
    const text = await userData(NODES_LT);
    const py = 'import email,json,sys\nm=email.message_from_string(sys.stdin.read())\nprint(json.dumps([[p.get_content_type(),p.get_filename(),p.get_payload(decode=True).decode()] for p in m.get_payload()]))';
    const parts = JSON.parse(execFileSync('python3', ['-c', py], { input: text, encoding: 'utf8' })) as [string, string, string][];
    expect(parts.map(([t, f]) => `${t} ${f}`)).toEqual(['text/cloud-config kops-ts.cfg', 'text/x-shellscript extra.sh']);
    expect(parts[1]![2]).toBe('#!/bin/bash\necho extra\n');
    expect(text).not.toContain('FIRST-SECRET');
    const sha = /NODE_EXTRAS_SHA256='([0-9a-f]{64})'/.exec(parts[0]![2])?.[1];
    const script = await cs.store.read(`${NAME}/igconfig/node/nodes-us-east-1a/node-extras.sh`);
    expect(script).toBeDefined();
    expect(createHash('sha256').update(Buffer.from(script!.data)).digest('hex')).toBe(sha);
    // Every content travels base64 in the script: the group's sysctl file and the cluster's file asset.
    expect(Buffer.from(script!.data).toString('utf8')).toContain(`put '/etc/sysctl.d/99-kops-ts.spec.conf' 0644 <<'EOF'\n${Buffer.from('# sysctlParameters of the instance group spec\nvm.max_map_count=262144\n').toString('base64').slice(0, 76)}\n`);
    expect(Buffer.from(script!.data).toString('utf8')).toContain(`put '/etc/app/token' 0440 <<'EOF'\n${Buffer.from('FIRST-SECRET').toString('base64')}\nEOF`);
    // The cluster's file asset is for nodes only: the control plane has no script and a plain cloud-config.
    const cp = await userData(CP_LT);
    expect(cp.startsWith('#cloud-config\n')).toBe(true);
    expect(cp).not.toContain('NODE_EXTRAS_SHA256');
    expect(await cs.store.read(`${NAME}/igconfig/control-plane/control-plane-us-east-1a/node-extras.sh`)).toBeUndefined();

    expect(changeLines((await update(false)).plan)).toEqual([]);

    const stored = await cs.getCluster(NAME);
    const edited = structuredClone(stored.object);
    Object.assign(edited.spec, { fileAssets: [{ name: 'token', path: '/etc/app/token', roles: ['Node'], content: 'SECOND-SECRET' }] });
    await cs.updateCluster(edited, stored.version);
    const plan = (await update(false)).plan;
    expect(changeLines(plan)).toEqual([`LaunchTemplate/${NODES_LT}: update userData`]);
    const shown = renderPlanText(plan);
    expect(shown).toContain('NODE_EXTRAS_SHA256');
    expect(shown).not.toMatch(/FIRST-SECRET|SECOND-SECRET/);
  });
});
