/**
 * `create instancegroup` on AWS: a role whose instances kops-ts cannot bootstrap (APIServer, kops's
 * dedicated API server nodes) is refused with the field and what to do, and nothing is written;
 * the same spec read from a manifest is refused by `update cluster` before any cloud call.
 */
import { describe, expect, it } from 'vitest';
import { cli, cliOk, KEY, snapshot, tempStore } from './harness.js';

const CLUSTER = 'apis.example.com';

describe('create instancegroup --role APIServer', () => {
  const s = tempStore();
  const state = ['--state', s.url];

  it('is refused (exit 2, the field, a hint) and leaves the state store as it was', async () => {
    await cliOk(['create', 'cluster', '--name', CLUSTER, '--zones', 'us-east-1a', '--ssh-public-key', KEY, ...state]);
    const before = snapshot(s.dir);
    const r = await cli(['create', 'instancegroup', 'apis', '--name', CLUSTER, '--role', 'APIServer', '--subnet', 'us-east-1a', '--edit=false', ...state]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('InstanceGroup/apis spec.role: APIServer instance groups');
    expect(r.stderr).toContain('give it role Node, or remove the instance group');
    expect(snapshot(s.dir)).toEqual(before);
    // A Node group of the same name is accepted, so the refusal is the role's.
    await cliOk(['create', 'instancegroup', 'apis', '--name', CLUSTER, '--role', 'Node', '--subnet', 'us-east-1a', '--edit=false', ...state]);
  });

  it('an existing name is refused with an edit command that runs as printed (the cluster named)', async () => {
    const before = snapshot(s.dir);
    const r = await cli(['create', 'instancegroup', 'apis', '--name', CLUSTER, '--edit=false', ...state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: instance group "apis" already exists in cluster "${CLUSTER}": use 'kops-ts edit instancegroup apis --name ${CLUSTER}' to change it\n`);
    expect(snapshot(s.dir)).toEqual(before);
  });
});
