/**
 * The user's grants on the instance roles (src/model/aws/iam.ts, iam-spec-policies.ts): the tasks
 * built from spec.additionalPolicies and spec.externalPolicies, and, with a real IAM policy
 * evaluator, that a node role with an additional statement allows what it grants and still
 * refuses what it does not.
 */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import type { ClusterSpec } from '../../../src/model/api/types.js';
import { buildAwsTasks } from '../../../src/model/aws/index.js';
import { nodePolicy, policyFacts, type StateStoreLocation } from '../../../src/model/aws/iam-policies.js';
import { additionalStatements, externalPolicyArns } from '../../../src/model/aws/iam-spec-policies.js';
import { completeCluster } from '../../../src/model/completion.js';
import type { Task } from '../../../src/tasks/types.js';
import { ACCOUNT, evaluate } from '../../helpers/iam-sim.js';

const C = 'grants.example.com';
const STATE: StateStoreLocation = { bucket: 'state-bucket', prefix: 'kops' };
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/jobs`;
const DYNAMO = [{ Sid: 'Jobs', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: TABLE }];
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

function tasks(extra: Partial<ClusterSpec>, bastion = false): Task[] {
  const built = newCluster({ name: C, zones: ['us-east-1a'], ...(bastion ? { topology: 'private' as const, bastion: true } : {}) });
  const done = completeCluster({ ...built.cluster, spec: { ...built.cluster.spec, ...extra } }, built.instanceGroups);
  return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, stateStore: STATE });
}

const desired = (all: Task[], key: string) => all.find((t) => `${t.kind}/${t.name}` === key)?.desired as Record<string, unknown> | undefined;

describe('the tasks of the user\'s grants', () => {
  it('puts additional.<role> on each role with statements, the statements as given, and master means the control plane', () => {
    const all = tasks({ additionalPolicies: { node: JSON.stringify(DYNAMO), master: '[{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]', bastion: JSON.stringify(DYNAMO) } }, true);
    const keys = all.filter((t) => t.name.startsWith('additional.')).map((t) => `${t.kind}/${t.name}`).sort();
    expect(keys).toEqual([`IAMRolePolicy/additional.bastions.${C}`, `IAMRolePolicy/additional.masters.${C}`, `IAMRolePolicy/additional.nodes.${C}`]);
    expect(desired(all, `IAMRolePolicy/additional.nodes.${C}`)).toEqual({
      role: { $ref: true, kind: 'IAMRole', name: `nodes.${C}`, output: 'name' },
      document: { Version: '2012-10-17', Statement: DYNAMO },
    });
  });

  it('attaches each managed policy once per role; control-plane and master name the same role', () => {
    const all = tasks({ externalPolicies: { node: [SSM, SSM, 'arn:aws:iam::123456789012:policy/b'], 'control-plane': [SSM] } });
    expect(all.filter((t) => t.kind === 'IAMRolePolicyAttachment').map((t) => t.name).sort()).toEqual([
      `masters.${C}/${SSM}`, `nodes.${C}/arn:aws:iam::123456789012:policy/b`, `nodes.${C}/${SSM}`,
    ]);
    expect(desired(all, `IAMRolePolicyAttachment/masters.${C}/${SSM}`)).toMatchObject({ policyArn: SSM, specField: 'spec.externalPolicies.control-plane' });
    expect(externalPolicyArns({ externalPolicies: { master: [SSM] } }, 'masters')).toEqual([SSM]);
  });

  it('builds nothing for an empty or absent entry, or a role no instance group has', () => {
    const all = tasks({ additionalPolicies: { node: '  ', apiserver: JSON.stringify(DYNAMO) }, externalPolicies: { node: [], bastion: [SSM] } });
    expect(all.filter((t) => t.name.startsWith('additional.') || t.kind === 'IAMRolePolicyAttachment')).toEqual([]);
    expect(additionalStatements({}, 'nodes')).toEqual([]);
  });

  it('builds nothing from a value validation refuses (delete cluster models the stored spec unvalidated and must not be blocked); strict refuses it', () => {
    const all = tasks({ additionalPolicies: { node: '{}', master: 'not json' } });
    expect(all.filter((t) => t.name.startsWith('additional.'))).toEqual([]);
    expect(() => additionalStatements({ additionalPolicies: { master: '[{"Effect": "Allow"}]' } }, 'masters', { strict: true })).toThrow('spec.additionalPolicies.master[0].Action: Action (or NotAction) is required');
  });
});

describe('a node role with an additional statement, evaluated', () => {
  const facts = policyFacts(newCluster({ name: C, zones: ['us-east-1a'] }).cluster, { region: 'us-east-1', state: STATE });
  const builtIn = nodePolicy(facts);
  const all = tasks({ additionalPolicies: { node: JSON.stringify(DYNAMO) } });
  const additional = desired(all, `IAMRolePolicy/additional.nodes.${C}`)?.['document'] as { Statement: unknown[] };
  // The role's permissions: both of its inline policies.
  const role = { Version: '2012-10-17', Statement: [...builtIn.Statement, ...additional.Statement] };

  it('allows what the statement grants, on what it names', async () => {
    expect(await evaluate(role, { action: 'dynamodb:GetItem', resource: TABLE })).toBe('Allowed');
    expect(await evaluate(role, { action: 'dynamodb:PutItem', resource: TABLE })).toBe('Allowed');
    // The built-in grant is still there.
    expect(await evaluate(role, { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/igconfig/node/nodeup.yaml` })).toBe('Allowed');
  });

  it('still refuses what it does not grant: other actions, other tables, the state store beyond the join material', async () => {
    expect(await evaluate(role, { action: 'dynamodb:DeleteTable', resource: TABLE })).toBe('ImplicitlyDenied');
    expect(await evaluate(role, { action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/billing` })).toBe('ImplicitlyDenied');
    expect(await evaluate(role, { action: 's3:GetObject', resource: `arn:aws:s3:::state-bucket/kops/${C}/pki/private/ca/keyset.yaml` })).toBe('ImplicitlyDenied');
    expect(await evaluate(role, { action: 'iam:AttachRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/nodes.${C}` })).toBe('ImplicitlyDenied');
  });

  it('a Deny statement takes a grant back', async () => {
    const deny = [...DYNAMO, { Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: '*' }];
    const doc = desired(tasks({ additionalPolicies: { node: JSON.stringify(deny) } }), `IAMRolePolicy/additional.nodes.${C}`)?.['document'];
    expect(await evaluate(doc, { action: 'dynamodb:PutItem', resource: TABLE })).toBe('ExplicitlyDenied');
    expect(await evaluate(doc, { action: 'dynamodb:GetItem', resource: TABLE })).toBe('Allowed');
  });
});
