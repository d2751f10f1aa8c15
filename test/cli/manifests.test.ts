import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import { toYaml } from '../../src/model/api/serialize.js';
import { fixturePath, fixtureText } from '../model/fixtures.js';
import { cli, snapshot, tempStore } from './harness.js';

describe('create -f, get -o yaml, replace -f', () => {
  it.each(['minimal', 'kops-fields'])('accepts the kops manifest %s and gives it back whole', async (name) => {
    const s = tempStore();
    const created = await cli(['create', '-f', fixturePath(name), '--state', s.url]);
    expect(created.code).toBe(0);
    const clusterName = parseManifests(fixtureText(name)).objects[0]!.metadata.name;
    const c = await cli(['get', 'cluster', clusterName, '-o', 'yaml', '--state', s.url]);
    const igs = await cli(['get', 'ig', '--name', clusterName, '-o', 'yaml', '--state', s.url]);
    const back = parseManifests(`${c.stdout}\n---\n${igs.stdout}`).objects;
    const original = parseManifests(fixtureText(name)).objects;
    // The store adds what kops adds (creationTimestamp, the cluster label); nothing is lost.
    for (const o of original) {
      const b = back.find((x) => x.kind === o.kind && x.metadata.name === o.metadata.name)!;
      expect(b.spec).toEqual(o.spec);
    }
    if (name === 'kops-fields') {
      // Inside a struct kops-ts types, each kept field is named; the acted-on auditLogMaxAge is not.
      expect(created.stderr).toContain('warning: spec.kubeAPIServer.watchCache: a kops field that kops-ts does not act on yet');
      expect(created.stderr).not.toContain('spec.kubeAPIServer.auditLogMaxAge: a kops field');
    }
  });

  it('refuses an invalid manifest with every problem, one line each, and writes nothing', async () => {
    const s = tempStore();
    const bad = fixtureText('minimal').replace('networkCIDR: 172.20.0.0/16', 'netwrokCIDR: 172.20.0.0/16').replace('maxSize: 1\n  minSize: 1\n  role: Node', 'maxSize: 1\n  minSize: 3\n  role: Node');
    const file = `${s.dir}.bad.yaml`;
    writeFileSync(file, bad);
    const r = await cli(['create', '-f', file, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: spec.netwrokCIDR: unknown field (${file}): did you mean "networkCIDR"?`);
    // The unknown field does not hide the invalid sizes: both are reported in the one run.
    expect(r.stderr).toContain(`error: InstanceGroup/nodes-us-east-1a spec.maxSize: maxSize 1 is smaller than minSize 3 (${file}): make maxSize >= minSize`);
    expect(snapshot(s.dir)).toEqual({});
  });

  it("prints validation's warnings, not only the parser's: kops's own fileAssets example names Bastion among its roles", async () => {
    const s = tempStore();
    const withAsset = fixtureText('minimal').replace('  networkCIDR: 172.20.0.0/16\n', '  networkCIDR: 172.20.0.0/16\n  fileAssets:\n  - name: iptable-restore\n    path: /var/lib/iptables/rules-save\n    roles: [Master,Node,Bastion]\n    content: |\n      some file content\n');
    const file = `${s.dir}.assets.yaml`;
    writeFileSync(file, withAsset);
    const warning = "warning: spec.fileAssets[0].roles: names Bastion: kops-ts's bastions run no node bootstrap, so it is applied to the other roles only";
    const created = await cli(['create', '-f', file, '--state', s.url]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(warning);
    const nodes = withAsset.split('\n---\n').find((d) => d.includes('name: nodes-us-east-1a'))!.replace('maxSize: 1', 'maxSize: 2');
    writeFileSync(file, nodes);
    // An instance group alone: the warning of the cluster it joins still shows.
    const replaced = await cli(['replace', '-f', file, '--state', s.url]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('Replaced InstanceGroup/nodes-us-east-1a');
    expect(replaced.stderr).toContain(warning);
  });

  it('replace -f replaces conditionally on what it read, and --force creates', async () => {
    const s = tempStore();
    const missing = await cli(['replace', '-f', fixturePath('minimal'), '--state', s.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cluster "minimal.example.com" not found.*--force/);
    expect((await cli(['replace', '-f', fixturePath('minimal'), '--force', '--state', s.url])).code).toBe(0);
    const changed = fixtureText('minimal').replace('kubernetesVersion: 1.34.1', 'kubernetesVersion: 1.35.0');
    const file = `${s.dir}.v2.yaml`;
    writeFileSync(file, changed);
    const r = await cli(['replace', '-f', file, '--state', s.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Replaced Cluster/minimal.example.com');
    expect(readFileSync(`${s.dir}/minimal.example.com/config`, 'utf8')).toContain('kubernetesVersion: 1.35.0');
    expect(readFileSync(`${s.dir}/minimal.example.com/config`, 'utf8')).toContain('generation: 1');
  });
});

describe('create -f and replace -f of instance groups alone: all or nothing', () => {
  const NAME = 'minimal.example.com';
  const nodes = fixtureText('minimal').split('\n---\n').find((d) => d.includes('name: nodes-us-east-1a'))!;
  const renamed = (name: string) => nodes.replace('name: nodes-us-east-1a', `name: ${name}`);

  async function created() {
    const s = tempStore();
    expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
    return s;
  }

  it('create -f writes no group when a later one is refused', async () => {
    const s = await created();
    const file = `${s.dir}.igs.yaml`;
    writeFileSync(file, `${renamed('gpu-a')}\n---\n${renamed('gpu-b').replace('- us-east-1a', '- us-east-1q')}`);
    const before = snapshot(s.dir);
    const r = await cli(['create', '-f', file, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('InstanceGroup/gpu-b spec.subnets[0]: subnet us-east-1q is not defined in the cluster');
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('refuses a group given twice in one manifest, before anything is written', async () => {
    const s = await created();
    const file = `${s.dir}.twice.yaml`;
    writeFileSync(file, `${renamed('gpu')}\n---\n${renamed('gpu').replace('maxSize: 1', 'maxSize: 3')}`);
    const before = snapshot(s.dir);
    const create = await cli(['create', '-f', file, '--state', s.url]);
    expect(create.code).toBe(2);
    expect(create.stderr).toBe(`error: InstanceGroup/gpu metadata.name: instance group gpu is given more than once in the manifest (${file}): keep one of them\n`);
    expect(snapshot(s.dir)).toEqual(before);

    writeFileSync(file, `${nodes}\n---\n${nodes.replace('maxSize: 1', 'maxSize: 3')}`);
    const replace = await cli(['replace', '-f', file, '--state', s.url]);
    expect(replace.code).toBe(2);
    expect(replace.stderr).toContain('instance group nodes-us-east-1a is given more than once in the manifest');
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('create -f of a group that exists says so and names the commands that change it', async () => {
    const s = await created();
    const file = `${s.dir}.exists.yaml`;
    writeFileSync(file, nodes);
    const before = snapshot(s.dir);
    const r = await cli(['create', '-f', file, '--state', s.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: instance group "nodes-us-east-1a" already exists in cluster "${NAME}": change it with kops-ts replace -f ${file}, or kops-ts edit instancegroup nodes-us-east-1a --name ${NAME}\n`,
    );
    expect(snapshot(s.dir)).toEqual(before);
  });
});

describe('edit', () => {
  async function created() {
    const s = tempStore();
    await cli(['create', '-f', fixturePath('minimal'), '--state', s.url]);
    return s;
  }

  it('cancels when nothing changed, and saves a valid change', async () => {
    const s = await created();
    const before = snapshot(s.dir);
    const cancel = await cli(['edit', 'cluster', 'minimal.example.com', '--state', s.url], { editor: () => 0 });
    expect(cancel.stdout).toBe('Edit cancelled: no changes made.\n');
    expect(snapshot(s.dir)).toEqual(before);
    const save = await cli(['edit', 'cluster', 'minimal.example.com', '--state', s.url], {
      editor: (p) => {
        writeFileSync(p, readFileSync(p, 'utf8').replace('kubernetesVersion: 1.34.1', 'kubernetesVersion: 1.35.1'));
        return 0;
      },
    });
    expect(save.code).toBe(0);
    expect(readFileSync(`${s.dir}/minimal.example.com/config`, 'utf8')).toContain('kubernetesVersion: 1.35.1');
  });

  it('re-opens the editor with the errors as comments, then saves the fix', async () => {
    const s = await created();
    const seen: string[] = [];
    const r = await cli(['edit', 'ig', 'nodes-us-east-1a', '--name', 'minimal.example.com', '--state', s.url], {
      editor: (p) => {
        const text = readFileSync(p, 'utf8');
        seen.push(text);
        writeFileSync(p, seen.length === 1 ? text.replace('minSize: 1', 'minSize: 5') : text.replace('minSize: 5', 'minSize: 1').replace('maxSize: 1', 'maxSize: 4'));
        return 0;
      },
    });
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toMatch(/^# error: InstanceGroup\/nodes-us-east-1a spec.maxSize: maxSize 1 is smaller than minSize 5/m);
    expect(readFileSync(`${s.dir}/minimal.example.com/instancegroup/nodes-us-east-1a`, 'utf8')).toContain('maxSize: 4');
  });

  it('an invalid edit saved again unchanged is an error, not "no changes made", and the edit is kept', async () => {
    const s = await created();
    const before = snapshot(s.dir);
    let opened = 0;
    const r = await cli(['edit', 'ig', 'nodes-us-east-1a', '--name', 'minimal.example.com', '--state', s.url], {
      editor: (p) => {
        opened++;
        // the user's change, invalid; re-opened with the error on top, then saved as it is
        if (opened === 1) writeFileSync(p, readFileSync(p, 'utf8').replace('minSize: 1', 'minSize: 5'));
        return 0;
      },
    });
    expect(opened).toBe(2);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const m = /^error: Edit cancelled: no valid changes were saved: your edit is kept in (\S+): fix it there and save it with kops-ts replace -f \1\n$/.exec(r.stderr);
    expect(m).not.toBeNull();
    const kept = readFileSync(m![1]!, 'utf8');
    expect(kept).toContain('minSize: 5');
    expect(kept).toContain('# error: InstanceGroup/nodes-us-east-1a spec.maxSize: maxSize 1 is smaller than minSize 5');
    expect(snapshot(s.dir)).toEqual(before);
    rmSync(dirname(m![1]!), { recursive: true });
  });

  it('does not overwrite a change made while the editor was open', async () => {
    const s = await created();
    const r = await cli(['edit', 'cluster', 'minimal.example.com', '--state', s.url], {
      editor: (p) => {
        const cfg = `${s.dir}/minimal.example.com/config`;
        writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('channel: stable', 'channel: alpha'));
        writeFileSync(p, readFileSync(p, 'utf8').replace('kubernetesVersion: 1.34.1', 'kubernetesVersion: 1.35.1'));
        return 0;
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/changed since it was read/);
    expect(readFileSync(`${s.dir}/minimal.example.com/config`, 'utf8')).toContain('channel: alpha');
  });
});

describe('delete ig, sshpublickey, version', () => {
  it('deletes an instance group only with --yes, and refuses one holding etcd members', async () => {
    const s = tempStore();
    await cli(['create', '-f', fixturePath('minimal'), '--state', s.url]);
    const dry = await cli(['delete', 'ig', 'nodes-us-east-1a', '--name', 'minimal.example.com', '--state', s.url]);
    expect(dry.stdout).toContain('Must specify --yes to delete instancegroup');
    expect(Object.keys(snapshot(s.dir))).toContain('minimal.example.com/instancegroup/nodes-us-east-1a');
    const cp = await cli(['delete', 'ig', 'control-plane-us-east-1a', '--name', 'minimal.example.com', '--yes', '--state', s.url]);
    expect(cp.code).toBe(1);
    expect(cp.stderr).toMatch(/holds etcd members/);
    writeFileSync(`${s.dir}.ig.yaml`, fixtureText('minimal').split('\n---\n').find((d) => d.includes('name: nodes-us-east-1a'))!);
    const deleted = await cli(['delete', 'ig', 'nodes-us-east-1a', '--name', 'minimal.example.com', '--yes', '--state', s.url]);
    expect(deleted.code).toBe(0);
    // Never applied (no cluster-completed.spec): nothing of the group was built, and it is not said to be.
    expect(deleted.stdout).toBe(
      'InstanceGroup "nodes-us-east-1a" deleted from the spec.\nCluster minimal.example.com has not been applied yet (no update cluster --yes has completed), so nothing of the group was created in the cloud.\n',
    );
    expect(Object.keys(snapshot(s.dir))).not.toContain('minimal.example.com/instancegroup/nodes-us-east-1a');
    // Applied: the next update --yes removes what it built (update cluster deletes orphaned groups).
    writeFileSync(`${s.dir}/minimal.example.com/cluster-completed.spec`, readFileSync(`${s.dir}/minimal.example.com/config`));
    expect((await cli(['create', '-f', `${s.dir}.ig.yaml`, '--state', s.url])).code).toBe(0);
    const applied = await cli(['delete', 'ig', 'nodes-us-east-1a', '--name', 'minimal.example.com', '--yes', '--state', s.url]);
    expect(applied.stdout).toContain('Its autoscaling group and launch template still exist if an update created them');
    expect(applied.stdout).toContain('`kops-ts update cluster --name minimal.example.com --yes` deletes them');
  });

  it('adds an SSH key under pki/ssh/public/admin and lists it', async () => {
    const s = tempStore();
    await cli(['create', '-f', fixturePath('minimal'), '--state', s.url]);
    const add = await cli(['create', 'sshpublickey', '-i', new URL('../../scripts/demo-key.pub', import.meta.url).pathname, '--name', 'minimal.example.com', '--state', s.url]);
    expect(add.code).toBe(0);
    const id = /key ([0-9a-f:]+)/.exec(add.stdout)?.[1];
    expect(id).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(Object.keys(snapshot(s.dir))).toContain(`minimal.example.com/pki/ssh/public/admin/${id!.replace(/:/g, '')}`);
    const list = await cli(['get', 'sshpublickeys', '--name', 'minimal.example.com', '-o', 'json', '--state', s.url]);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id })]);
  });

  it('prints the version, as JSON on request', async () => {
    const r = await cli(['version', '-o', 'json']);
    expect(JSON.parse(r.stdout).clientVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('round-trips a manifest through toYaml as the store writes it', () => {
    const objs = parseManifests(fixtureText('ha')).objects;
    expect(parseManifests(toYaml(objs)).objects).toEqual(objs);
  });
});
