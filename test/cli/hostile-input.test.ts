/**
 * Hostile, oversized and malformed input on the command line: each is refused quickly with exit 2
 * and one line `error: <field>: <what> (<file>): <what to do>`, and nothing is written.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBounded } from '../../src/cli/input.js';
import { run } from '../../src/cli/main.js';
import { KopsError } from '../../src/diagnostics.js';
import { fixturePath, fixtureText } from '../model/fixtures.js';
import { cli, snapshot, tempStore } from './harness.js';

const minimal = fixtureText('minimal');

function file(name: string, text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'kops-ts-hostile-')), name);
  writeFileSync(p, text);
  return p;
}

function labels(n: number, value: string): string {
  return Array.from({ length: n }, (_, i) => `    label-${i}: ${value}-${i}\n`).join('');
}

describe('oversized and unbounded manifests', () => {
  it('refuses a 5.5 MB spec of 100,000 cloudLabels with exit 2, the file, the field and the limit, and writes nothing', async () => {
    const s = tempStore();
    const big = file('big.yaml', minimal.replace('\nspec:\n', `\nspec:\n  cloudLabels:\n${labels(100_000, 'value-to-make-five-and-a-half-mb-x')}`));
    const r = await cli(['create', '-f', big, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error: spec\\.cloudLabels: the manifest is 5\\.5 MiB, more than the 1 MiB kops-ts reads \\(100001 of its \\d+ lines are here\\) \\(${big}\\): no kops spec is this large: shorten it \\(AWS allows 50 tags per resource; docs/spec\\.md, "Limits"\\)\\n$`),
    );
    expect(snapshot(s.dir)).toEqual({});
  });

  it('refuses a map of 1001 keys with its line', async () => {
    const s = tempStore();
    const f = file('keys.yaml', minimal.replace('\nspec:\n', `\nspec:\n  cloudLabels:\n${labels(1001, 'v')}`));
    const r = await cli(['replace', '-f', f, '--force', '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: spec.cloudLabels: a map of 1001 keys, more than the 1000 kops-ts reads at line 8, column 5 (${f}): keep at most 1000 keys (docs/spec.md, "Limits"; AWS allows 50 tags per resource)\n`);
    expect(snapshot(s.dir)).toEqual({});
  });

  it('refuses 51 tags on a resource at validation, naming the field', async () => {
    const s = tempStore();
    const f = file('tags.yaml', minimal.replace('\nspec:\n', `\nspec:\n  cloudLabels:\n${labels(45, 'v')}`));
    const r = await cli(['create', '-f', f, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: spec.cloudLabels: 45 cloud labels: with the 6 tags kops-ts adds, some resources would carry 51 tags, and AWS allows 50 per resource (${f}): keep at most 44 cloud labels\n`);
    expect(snapshot(s.dir)).toEqual({});
  });

  it('refuses sizes past int32 (99999999999999999999999, 1e12), naming the instance group and field', async () => {
    const s = tempStore();
    const f = file('sizes.yaml', minimal.replace('maxSize: 1\n  minSize: 1\n  role: Node', 'maxSize: 99999999999999999999999\n  minSize: 1e12\n  role: Node'));
    const r = await cli(['create', '-f', f, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `error: InstanceGroup/nodes-us-east-1a spec.maxSize: 1e+23 is out of range: expected a whole number from -2147483648 to 2147483647 (kops's int32) (${f}): give a value in range: kops cannot read this one`,
      `error: InstanceGroup/nodes-us-east-1a spec.minSize: 1000000000000 is out of range: expected a whole number from -2147483648 to 2147483647 (kops's int32) (${f}): give a value in range: kops cannot read this one`,
    ]);
    expect(snapshot(s.dir)).toEqual({});
    const flag = await cli(['create', 'cluster', '--name', 'a.example.com', '--zones', 'us-east-1a', '--node-count', '99999999999999999999999', '--state', s.url]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe("error: --node-count 99999999999999999999999: expected a whole number up to 2147483647 (kops's int32)\n");
  });

  it('names a size YAML reads as Infinity or NaN (1e400, .nan) as such, not as null', async () => {
    const s = tempStore();
    const f = file('inf.yaml', minimal.replace('maxSize: 1\n  minSize: 1\n  role: Node', 'maxSize: 1e400\n  minSize: .nan\n  role: Node'));
    const r = await cli(['create', '-f', f, '--state', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `error: InstanceGroup/nodes-us-east-1a spec.maxSize: expected a whole number, got number Infinity (${f}): fix the value in the manifest`,
      `error: InstanceGroup/nodes-us-east-1a spec.minSize: expected a whole number, got number NaN (${f}): fix the value in the manifest`,
    ]);
    expect(snapshot(s.dir)).toEqual({});
  });

  it('a file given as an SSH public key that is not one is a usage error naming the file (exit 2), nothing written', async () => {
    const s = tempStore();
    const notKey = file('id_ed25519', 'AAAAB3NzaC1yc2EAAAADAQABAAABAQ== this is no key\n');
    const why = `error: invalid SSH public key: expected "<type> <base64> [comment]", e.g. the contents of ~/.ssh/id_ed25519.pub (${notKey}): pass the public key file (ending in .pub), not the private key\n`;
    const create = await cli(['create', 'cluster', '--name', 'a.example.com', '--zones', 'us-east-1a', '--ssh-public-key', notKey, '--state', s.url]);
    expect(create.code).toBe(2);
    expect(create.stderr).toBe(why);
    expect(snapshot(s.dir)).toEqual({});
    expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
    const before = snapshot(s.dir);
    const add = await cli(['create', 'sshpublickey', '-i', notKey, '--name', 'minimal.example.com', '--state', s.url]);
    expect(add.code).toBe(2);
    expect(add.stderr).toBe(why);
    expect(snapshot(s.dir)).toEqual(before);
  });

  it('update cluster --out into a folder that does not exist (or onto a folder) is a usage error before anything is planned', async () => {
    const s = tempStore();
    expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'kops-ts-out-'));
    const missing = join(dir, 'no-such-folder', 'plan.json');
    // No AWS endpoint is reachable here: the refusal comes before any cloud call, or this would time out.
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };
    const r = await cli(['update', 'cluster', '--name', 'minimal.example.com', '--out', missing, '--state', s.url], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: --out: its directory ${join(dir, 'no-such-folder')} does not exist (${missing}): create the directory first, or give --out a file in an existing one\n`);
    const onDir = await cli(['update', 'cluster', '--name', 'minimal.example.com', '--out', dir, '--state', s.url], { env });
    expect(onDir.code).toBe(2);
    expect(onDir.stderr).toContain(`error: --out: it is a directory, not a file (${dir})`);
    const manifest = await cli(['update', 'cluster', '--name', 'minimal.example.com', '-f', fixturePath('minimal'), '--out', missing, '--state', s.url], { env });
    expect(manifest.code).toBe(2);
    expect(manifest.stderr).toContain(`error: --out: its directory ${join(dir, 'no-such-folder')} does not exist`);
  });

  it('refuses an alias bomb with exit 2 and the file name', async () => {
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    let prev = 'a';
    for (const n of 'bcdefghi') {
      bomb += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
      prev = n;
    }
    const f = file('bomb.yaml', bomb);
    const r = await cli(['create', '-f', f, '--state', tempStore().url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: its aliases expand more than 100 times (a YAML alias bomb?) (${f}): write the values out instead of nesting aliases; kops specs need none\n`);
  });

  it('refuses an edit that makes the object oversized, and saves nothing', async () => {
    const s = tempStore();
    expect((await cli(['create', '-f', fixturePath('minimal'), '--state', s.url])).code).toBe(0);
    const before = snapshot(s.dir);
    let opened = 0;
    const r = await cli(['edit', 'cluster', 'minimal.example.com', '--state', s.url], {
      editor: (p) => {
        opened++;
        writeFileSync(p, readFileSync(p, 'utf8').replace('\nspec:\n', `\nspec:\n  cloudLabels:\n${labels(40_000, 'value')}`));
        return 0;
      },
    });
    expect(r.code).toBe(2);
    expect(opened).toBe(1);
    expect(r.stderr).toBe('error: spec.cloudLabels: the manifest is 1.08 MiB, more than the 1 MiB kops-ts reads (40001 of its 40060 lines are here) (Cluster/minimal.example.com as edited): no kops spec is this large: shorten it (AWS allows 50 tags per resource; docs/spec.md, "Limits")\n');
    expect(snapshot(s.dir)).toEqual(before);
  });
});

describe('files named on the command line', () => {
  it('--plan /nonexistent and -f /nonexistent: one line, exit 2, the file and what to do', async () => {
    const s = tempStore();
    const plan = await cli(['update', 'cluster', '--name', 'a.example.com', '--plan', '/nonexistent', '--state', s.url]);
    expect([plan.code, plan.stderr]).toEqual([2, 'error: no such file (/nonexistent): check the path given to --plan\n']);
    const f = await cli(['create', '-f', '/nonexistent', '--state', s.url]);
    expect([f.code, f.stderr]).toEqual([2, 'error: no such file (/nonexistent): check the path given to -f\n']);
    const dir = await cli(['replace', '-f', s.dir, '--state', s.url]);
    expect([dir.code, dir.stderr]).toEqual([2, `error: it is a directory, not a file (${s.dir}): check the path given to -f\n`]);
  });

  it('refuses a plan file past its limit without parsing it', async () => {
    const f = file('plan.json', `{"x": "${'y'.repeat(16 * 1024 * 1024)}"}`);
    const r = await cli(['update', 'cluster', '--name', 'a.example.com', '--plan', f, '--state', tempStore().url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: the plan file is ${statSync(f).size} bytes, more than the 16777216 bytes kops-ts reads (${f}): no kops spec or plan is this large: check that this is the right file (docs/spec.md, "Limits")\n`);
  });

  it('reads a file past the read limit no further than its size', () => {
    const f = file('big.txt', 'x'.repeat(2048));
    const e = (() => {
      try {
        readBounded(f, 1024, 'manifest');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(KopsError.is(e, 'InputTooLarge')).toBe(true);
    expect((e as KopsError).diagnostics[0]).toMatchObject({ file: f, summary: 'the manifest is 2 KiB, more than the 1 KiB kops-ts reads' });
    expect(readBounded(f, 2048)).toBe('x'.repeat(2048));
  });
});

describe('global flags and names', () => {
  it.each([
    ['get', 'cluster', '../../etc'],
    ['get', 'clusters', '--name', '../../etc'],
    ['get', 'ig', '--name', '../../etc'],
    ['update', 'cluster', '--name', '../../etc'],
    ['edit', 'cluster', '--name', '../../etc'],
    ['create', 'cluster', '--name', '../../etc', '--zones', 'us-east-1a'],
    ['delete', 'ig', 'nodes', '--name', '../../etc', '--yes'],
  ])('a path-like cluster name is a usage error before the store is touched: %s %s', async (...args) => {
    const s = tempStore();
    const r = await cli([...args, '--state', s.url]);
    expect(r.code).toBe(2);
    const source = args[2] === '../../etc' ? 'the cluster argument' : '--name';
    expect(r.stderr).toBe(`error: ${source}: "../../etc" is not a valid cluster name: it must be a lower-case DNS name with at least one dot: use a name such as my-cluster.example.com\n`);
    expect(snapshot(s.dir)).toEqual({});
  });

  it("an instance group's cluster label is checked too, before the store is touched", async () => {
    const s = tempStore();
    const ig = minimal.slice(minimal.lastIndexOf('apiVersion:')).replace('kops.k8s.io/cluster: minimal.example.com', 'kops.k8s.io/cluster: ../../etc');
    const f = file('ig.yaml', ig);
    const r = await cli(['create', '-f', f, '--state', s.url]);
    expect([r.code, r.stderr]).toEqual([2, `error: InstanceGroup/nodes-us-east-1a metadata.labels["kops.k8s.io/cluster"]: "../../etc" is not a valid cluster name: it must be a lower-case DNS name with at least one dot (${f}): use the name of an existing cluster, such as my-cluster.example.com\n`]);
    expect(snapshot(s.dir)).toEqual({});
  });

  it('a name from KOPS_CLUSTER_NAME is checked too', async () => {
    const r = await cli(['get', 'ig', '--state', tempStore().url], { env: { KOPS_CLUSTER_NAME: 'UPPER.example.com' } });
    expect([r.code, r.stderr]).toEqual([2, 'error: KOPS_CLUSTER_NAME: "UPPER.example.com" is not a valid cluster name: it must be a lower-case DNS name with at least one dot: use a name such as my-cluster.example.com\n']);
  });

  it('--v abc is refused', async () => {
    const r = await cli(['--v', 'abc', 'get', 'clusters', '--state', tempStore().url]);
    expect([r.code, r.stderr]).toEqual([2, "error: option '-v, --v <level>' argument 'abc' is invalid. Expected a whole number, e.g. 0 or 2: see kops-ts --help\n"]);
    expect((await cli(['--v', '2', 'version'])).code).toBe(0);
  });

  it('the memory store is refused by the CLI, from --state or KOPS_STATE_STORE', async () => {
    const hint = 'the memory store is for tests and the library; for a local trial use file:// (e.g. --state file://$HOME/.kops-ts/state), else s3://bucket (AWS) or gs://bucket (GCE)';
    const flag = await cli(['create', 'cluster', '--name', 'a.example.com', '--zones', 'us-east-1a', '--state', 'memory://x']);
    expect([flag.code, flag.stderr]).toEqual([2, `error: --state: memory://x is an in-memory store, which lives only as long as one command: ${hint}\n`]);
    expect(flag.stdout).not.toContain('created');
    const env = await cli(['get', 'clusters'], { env: { KOPS_STATE_STORE: 'memory://x' } });
    expect([env.code, env.stderr]).toEqual([2, `error: KOPS_STATE_STORE: memory://x is an in-memory store, which lives only as long as one command: ${hint}\n`]);
    // A library caller running several commands in one process may use it.
    const io = { stdout: () => undefined, stderr: () => undefined, isTTY: false, env: {}, readFile: () => '', edit: () => 0 };
    expect(await run(['get', 'clusters', '--state', 'memory://lib-allowed', '-o', 'json'], io, { allowMemoryStore: true })).toBe(0);
  });
});
