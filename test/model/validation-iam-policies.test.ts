/** validation-iam-policies.ts: spec.additionalPolicies and spec.externalPolicies, checked as kops checks them and as IAM would refuse them. */
import { describe, expect, it } from 'vitest';
import { parseManifests } from '../../src/model/api/parse.js';
import type { ClusterSpec, InstanceGroup } from '../../src/model/api/types.js';
import { validateCluster } from '../../src/model/validation.js';
import { errorLines, ig, userCluster, userIGs } from './helpers.js';

const ZONES = ['us-east-1a'];
const NAME = 'test.example.com';
const GRANT = '[{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::artifacts/*"]}]';

function diagnostics(spec: Partial<ClusterSpec>, igs: InstanceGroup[] = userIGs(ZONES), cloud = 'aws') {
  const c = userCluster(ZONES);
  c.spec = { ...c.spec, cloudProvider: cloud, ...spec };
  if (cloud === 'gce') c.spec.project = 'my-project';
  return validateCluster(c, igs).filter((d) => /^spec\.(additional|external)Policies|^spec\.iam\.permissionsBoundary/.test(d.path ?? ''));
}
const errors = (spec: Partial<ClusterSpec>) => errorLines(diagnostics(spec));
const warnings = (spec: Partial<ClusterSpec>, igs?: InstanceGroup[]) => diagnostics(spec, igs).filter((d) => d.severity === 'warning').map((d) => `${d.code} ${d.path}: ${d.summary}`);

describe('additionalPolicies', () => {
  it("accepts kops's role keys, master as control-plane's older name, and statements with NotAction, NotResource, Condition and Sid", () => {
    const rich = JSON.stringify([
      { Sid: 'Read1', Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
      { Effect: 'Deny', NotAction: ['iam:*'], NotResource: 'arn:aws:s3:::x' },
    ]);
    expect(diagnostics({ additionalPolicies: { node: GRANT, 'control-plane': rich } })).toEqual([]);
    expect(diagnostics({ additionalPolicies: { master: GRANT } })).toEqual([]);
  });

  it('refuses a key that is not a role, and master with control-plane (the same role), naming the field', () => {
    const d = diagnostics({ additionalPolicies: { nodes: GRANT, master: GRANT, 'control-plane': GRANT } });
    expect(errorLines(d)).toEqual([
      'spec.additionalPolicies.nodes: "nodes" is not an instance role',
      'spec.additionalPolicies.master: master and control-plane name the same role (kops reads master as control-plane); only one may be given',
    ]);
    expect(d.find((x) => x.code === 'InvalidPolicyRole')?.hint).toBe('use one of control-plane, master, node, bastion, apiserver');
  });

  it('refuses what is not JSON, not an array, or a whole document, each at spec.additionalPolicies.<role>', () => {
    expect(errors({ additionalPolicies: { node: '{"Effect": "Allow",' } })[0]).toMatch(/^spec\.additionalPolicies\.node: not valid JSON: /);
    expect(errors({ additionalPolicies: { node: '{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}' } })).toEqual(['spec.additionalPolicies.node: must be a JSON array of IAM statements, not an object']);
    const doc = diagnostics({ additionalPolicies: { node: `{"Version": "2012-10-17", "Statement": ${GRANT}}` } });
    expect(errorLines(doc)).toEqual(['spec.additionalPolicies.node: must be a JSON array of IAM statements, not a whole policy document']);
    expect(doc[0]?.hint).toBe("give the document's Statement array only (kops-ts adds the Version)");
  });

  it('refuses a statement without Effect, with a lower-case effect, without Action or Resource, or with both forms', () => {
    expect(errors({ additionalPolicies: { bastion: '[{"Action": "s3:GetObject", "Resource": "*"}, {"Effect": "allow", "Action": [], "NotResource": "*", "Resource": "*"}, "s3:*"]' } })).toEqual([
      'spec.additionalPolicies.bastion[0].Effect: Effect is required',
      'spec.additionalPolicies.bastion[1].Effect: "allow" is not an effect',
      'spec.additionalPolicies.bastion[1].Action: Action must be a string or a non-empty list of strings, not an empty list',
      'spec.additionalPolicies.bastion[1].NotResource: a statement has Resource or NotResource, not both',
      'spec.additionalPolicies.bastion[2]: a statement must be a JSON object, not a string ("s3:*")',
    ]);
    expect(errors({ additionalPolicies: { node: '[{"Effect": "Allow"}]' } })).toEqual([
      'spec.additionalPolicies.node[0].Action: Action (or NotAction) is required',
      'spec.additionalPolicies.node[0].Resource: Resource (or NotResource) is required',
    ]);
  });

  it('refuses a Principal, an unknown field, a bad Condition or Sid', () => {
    expect(errors({ additionalPolicies: { node: '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": {"AWS": "*"}, "Actions": "x", "Condition": "no", "Sid": "my-sid"}]' } })).toEqual([
      "spec.additionalPolicies.node[0].Principal: an instance role's policy names no principal (the role is the principal); IAM refuses it",
      'spec.additionalPolicies.node[0].Actions: "Actions" is not a field of an IAM statement',
      'spec.additionalPolicies.node[0].Condition: Condition must be an object of operators, not a string ("no")',
      'spec.additionalPolicies.node[0].Sid: Sid "my-sid" may hold only letters and digits',
    ]);
  });

  it("refuses a document larger than IAM's inline policy limit", () => {
    const many = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-number-${i}/*` })));
    expect(errors({ additionalPolicies: { node: many } })[0]).toMatch(/^spec\.additionalPolicies\.node: the policy is \d+ characters; IAM allows 10240/);
  });

  it('warns, without refusing, about a statement granting every action on every resource, naming the role', () => {
    const w = warnings({ additionalPolicies: { node: '[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Effect": "Allow", "Action": ["*"], "Resource": "*"}]', master: '[{"Effect": "Allow", "Action": "*:*", "Resource": ["*"]}]' } });
    expect(w).toEqual([
      `WildcardIAMGrant spec.additionalPolicies.node[1]: grants every action on every resource to the role nodes.${NAME}: anything running on those instances (any pod that reaches the instance metadata) can do anything in the account`,
      `WildcardIAMGrant spec.additionalPolicies.master[0]: grants every action on every resource to the role masters.${NAME}: anything running on those instances (any pod that reaches the instance metadata) can do anything in the account`,
    ]);
    // A Deny, or a wildcard on some resources, is not that.
    expect(warnings({ additionalPolicies: { node: '[{"Effect": "Deny", "Action": "*", "Resource": "*"}, {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]' } })).toEqual([]);
  });

  it('warns when no instance group has the role', () => {
    expect(warnings({ additionalPolicies: { bastion: GRANT }, externalPolicies: { apiserver: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } })).toEqual([
      'PolicyRoleUnused spec.additionalPolicies.bastion: no instance group has the bastion role, so no role gets this; kept for when one does',
      'PolicyRoleUnused spec.externalPolicies.apiserver: no instance group has the apiserver role, so no role gets this; kept for when one does',
    ]);
    expect(warnings({ additionalPolicies: { bastion: GRANT } }, [...userIGs(ZONES), ig('bastions', 'Bastion', ['us-east-1a'])])).toEqual([]);
  });
});

describe('externalPolicies', () => {
  it("accepts AWS managed policies and an account's, with paths, in the three partitions", () => {
    const arns = [
      'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM',
      'arn:aws:iam::123456789012:policy/team/external-dns+route53', 'arn:aws-cn:iam::123456789012:policy/x', 'arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess',
    ];
    expect(diagnostics({ externalPolicies: { node: arns, 'control-plane': arns.slice(0, 1) } })).toEqual([]);
  });

  it('refuses what is not a policy ARN, and an ARN listed twice, at its index', () => {
    const d = diagnostics({
      externalPolicies: {
        node: ['AmazonSSMManagedInstanceCore', 'arn:aws:iam::aws:role/admin', 'arn:aws:iam::12345:policy/x', 'arn:aws:s3:::bucket', 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
        workers: [],
      },
    });
    expect(errorLines(d)).toEqual([
      'spec.externalPolicies.workers: "workers" is not an instance role',
      'spec.externalPolicies.node[0]: "AmazonSSMManagedInstanceCore" is not a managed policy\'s ARN',
      'spec.externalPolicies.node[1]: "arn:aws:iam::aws:role/admin" is not a managed policy\'s ARN',
      'spec.externalPolicies.node[2]: "arn:aws:iam::12345:policy/x" is not a managed policy\'s ARN',
      'spec.externalPolicies.node[3]: "arn:aws:s3:::bucket" is not a managed policy\'s ARN',
      'spec.externalPolicies.node[5]: arn:aws:iam::aws:policy/ReadOnlyAccess is listed twice',
    ]);
    expect(d.find((x) => x.code === 'InvalidPolicyArn')?.hint).toBe('use arn:aws:iam::<account id or "aws">:policy/<name>, e.g. arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
  });
});

describe('externalPolicies: IAM quota', () => {
  it("warns, without refusing, when a role gets more managed policies than IAM's default quota of 10", () => {
    const arns = (n: number) => Array.from({ length: n }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    expect(warnings({ externalPolicies: { node: arns(10) } })).toEqual([]);
    expect(errors({ externalPolicies: { node: arns(11) } })).toEqual([]);
    expect(warnings({ externalPolicies: { node: arns(11) } })).toEqual([
      "ManagedPolicyQuota spec.externalPolicies.node: 11 managed policies for one role: IAM attaches at most 10 to a role unless the account's quota is raised, so update --yes fails with LimitExceeded on the ones past it",
    ]);
  });
});

describe('iam.permissionsBoundary', () => {
  it("accepts a managed policy's ARN (a path, AWS's own, another partition)", () => {
    for (const arn of ['arn:aws:iam::123456789012:policy/boundaries/kops', 'arn:aws:iam::aws:policy/PowerUserAccess', 'arn:aws-us-gov:iam::123456789012:policy/b']) {
      expect(diagnostics({ iam: { permissionsBoundary: arn } }), arn).toEqual([]);
    }
  });

  it("refuses what is not a managed policy's ARN, naming the field", () => {
    const d = diagnostics({ iam: { permissionsBoundary: 'arn:aws:iam::123456789012:role/boundary' } });
    expect(errorLines(d)).toEqual(['spec.iam.permissionsBoundary: "arn:aws:iam::123456789012:role/boundary" is not a managed policy\'s ARN (the permissions boundary of every IAM role the cluster makes)']);
    expect(d[0]?.code).toBe('InvalidPolicyArn');
  });

  it('is kept on GCE with a FieldNotActedOn warning', () => {
    const d = diagnostics({ iam: { permissionsBoundary: 'x' } }, userIGs(['us-central1-a']), 'gce');
    expect(d.map((x) => `${x.severity} ${x.code} ${x.path}`)).toEqual(['warning FieldNotActedOn spec.iam.permissionsBoundary']);
  });
});

describe('on GCE and in manifests', () => {
  it('keeps both fields on GCE with a FieldNotActedOn warning each, unchecked', () => {
    const d = diagnostics({ additionalPolicies: { node: 'not json' }, externalPolicies: { node: ['x'] } }, userIGs(['us-central1-a']), 'gce');
    expect(d.map((x) => `${x.severity} ${x.code} ${x.path}`)).toEqual(['warning FieldNotActedOn spec.additionalPolicies', 'warning FieldNotActedOn spec.externalPolicies']);
  });

  it('reads both fields from a kops manifest without a "not acted on" warning; a wrong type is refused', () => {
    const yaml = (body: string) => `apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  name: ${NAME}\nspec:\n${body}`;
    const ok = parseManifests(yaml(`  additionalPolicies:\n    node: |\n      ${GRANT}\n  externalPolicies:\n    node:\n    - arn:aws:iam::aws:policy/ReadOnlyAccess\n`), 'c.yaml');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.objects[0]?.spec).toMatchObject({ externalPolicies: { node: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } });
    const wrong = parseManifests(yaml('  externalPolicies:\n    node: arn:aws:iam::aws:policy/ReadOnlyAccess\n'), 'c.yaml');
    expect(wrong.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`)).toEqual(['error InvalidFieldType spec.externalPolicies.node']);
  });
});
