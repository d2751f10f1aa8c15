/**
 * `delete instance -o json|yaml` and the rerun of a finished deletion, on the AWS emulator with a
 * fake Kubernetes API (as delete-instance.test.ts, on a smaller cluster: one control plane, two
 * nodes). In json mode stdout holds exactly one document (the whole of stdout parses), the head
 * and the progress go to stderr, errors are one line on stderr with nothing on stdout. A rerun by
 * the id of an instance already replaced finds it terminated in EC2 and says so (exit 0).
 */
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseKopsYaml } from '../../src/model/api/yaml.js';
import type { DeleteInstanceDocument } from '../../src/cli/commands/delete-instance-output.js';
import { FakeKubeApiServer, ec2InstanceSource } from '../fakes/kube-apiserver.js';
import { testAws } from '../helpers/aws.js';
import { operatorEnv } from '../helpers/operator-env.js';
import { writeScratchKubeconfig } from '../helpers/kubeconfig.js';
import { KEY, cli, tempStore } from './harness.js';

const NAME = 'deljson.example.com';
const GROUP = 'nodes-us-east-1a';
const FAST = ['--validate-count', '1', '--post-drain-delay', '0s', '--drain-timeout', '1m', '--validation-timeout', '2m'];
let env: Record<string, string>;
let url: string;
let fake: FakeKubeApiServer;
let ec2: EC2Client;

interface Vm {
  readonly id: string;
  readonly state: string;
  readonly dns: string;
}
async function nodesVms(): Promise<Vm[]> {
  const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:KubernetesCluster', Values: [NAME] }, { Name: 'tag:kops.k8s.io/instancegroup', Values: [GROUP] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => ({ id: i.InstanceId!, state: i.State?.Name ?? '', dns: i.PrivateDnsName ?? '' }));
}
const live = async () => (await nodesVms()).filter((v) => v.state === 'running' || v.state === 'pending');

const del = (args: string[]) => cli(['--state', url, 'delete', 'instance', ...args, '--name', NAME], { env });
const parse = (stdout: string): DeleteInstanceDocument => JSON.parse(stdout) as DeleteInstanceDocument;

beforeAll(async () => {
  const aws = testAws();
  env = await operatorEnv(aws);
  url = tempStore().url;
  const create = await cli(['--state', url, 'create', 'cluster', '--name', NAME, '--zones', 'us-east-1a', '--node-count', '2', '--ssh-public-key', KEY], { env });
  expect(create.code, create.stderr).toBe(0);
  const update = await cli(['--state', url, 'update', 'cluster', '--name', NAME, '--yes', '--create-kube-config=false'], { env });
  expect(update.code, update.stderr).toBe(0);
  ec2 = aws.clients.ec2;
  fake = await FakeKubeApiServer.start({ instances: ec2InstanceSource(ec2) });
  env.KUBECONFIG = writeScratchKubeconfig(fake.kubeconfig(NAME));
}, 240_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await fake?.close();
});

describe('delete instance -o json|yaml (AWS emulator, fake Kubernetes API)', () => {
  it('without --yes: the preview as one JSON document (what would be done), nothing else on stdout or stderr, nothing changed', async () => {
    const before = await live();
    const [victim] = before;
    const r = await del([victim!.id, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(parse(r.stdout)).toEqual({
      cluster: NAME,
      outcome: 'preview',
      instance: { id: victim!.id, node: victim!.dns, group: GROUP, role: 'Node', state: 'InService' },
      surge: true,
      cloudOnly: false,
      steps: ['detach', 'validate', 'drain', 'terminate', 'wait-replacement', 'replaced'],
      replaced: false,
      validated: false,
      warnings: [],
    });
    // The same document as YAML; without surge the plan drains first and validates last.
    const y = await del([victim!.id, '-o', 'yaml', '--surge=false', '--cloudonly']);
    expect(y.code, y.stderr).toBe(0);
    const doc = parseKopsYaml(y.stdout) as DeleteInstanceDocument;
    expect(doc.outcome).toBe('preview');
    expect(doc.surge).toBe(false);
    expect(doc.cloudOnly).toBe(true);
    expect(doc.steps).toEqual(['terminate', 'wait-replacement', 'replaced']);
    expect((await del([victim!.id, '-o', 'json', '--surge=false'])).stdout).toContain('"steps": [\n    "drain",\n    "terminate",\n    "wait-replacement",\n    "replaced",\n    "validate"\n  ]');
    expect(await live()).toEqual(before);
  });

  it('an unknown output format is a usage error (exit 2); an error in json mode leaves stdout empty', async () => {
    const bad = await del(['i-0123456789abcdef0', '-o', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown output format "xml"');
    const r = await del(['i-0123456789abcdef0', '--yes', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^error: instance "i-0123456789abcdef0" not found/);
  });

  it('--yes -o json: the run as one document (steps in order, replaced, validated), the head and progress on stderr; a rerun says it is already terminated (exit 0)', async () => {
    const [victim, other] = await live();
    const r = await del([victim!.id, '--yes', '-o', 'json', ...FAST]);
    expect(r.code, r.stderr).toBe(0);
    const doc = parse(r.stdout);
    expect(doc).toMatchObject({ cluster: NAME, outcome: 'deleted', instance: { id: victim!.id, node: victim!.dns, group: GROUP, role: 'Node' }, surge: true, replaced: true, validated: true });
    const at = (s: string) => doc.steps.indexOf(s);
    expect(at('detach')).toBe(0);
    expect(at('validate')).toBeGreaterThan(at('detach'));
    expect(at('drain')).toBeGreaterThan(at('validate'));
    expect(at('terminate')).toBeGreaterThan(at('drain'));
    expect(doc.steps.at(-1)).toBe('replaced');
    expect(r.stderr).toContain(`Instance ${victim!.id} (${victim!.dns}) found for deletion in instance group ${GROUP} (Node)`);
    expect(r.stderr).toMatch(new RegExp(`${victim!.id} .*terminating`));
    const after = await live();
    expect(after.map((v) => v.id)).not.toContain(victim!.id);
    expect(after.map((v) => v.id)).toContain(other!.id);
    expect((await nodesVms()).find((v) => v.id === victim!.id)?.state).toBe('terminated');

    // The rerun (as after an interrupt that came after the terminate): nothing to do, exit 0.
    const again = await del([victim!.id, '--yes', ...FAST]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Instance ${victim!.id} of instance group ${GROUP} is already terminated (AWS state terminated): nothing to delete.`);
    expect(again.stdout).toContain(`check the cluster with 'kops-ts validate cluster --name ${NAME}'`);
    const json = await del([victim!.id, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(parse(json.stdout)).toEqual({
      cluster: NAME,
      outcome: 'already-terminated',
      instance: { id: victim!.id, group: GROUP, role: 'Node', state: 'terminated' },
      surge: false,
      cloudOnly: false,
      steps: [],
      replaced: false,
      validated: false,
      warnings: [],
    });
    // Nothing more was terminated by the reruns.
    expect((await live()).map((v) => v.id).sort()).toEqual(after.map((v) => v.id).sort());
  }, 120_000);
});
