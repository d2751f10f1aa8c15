/**
 * The cluster autoscaler's grants on the control-plane role (kops's AddClusterAutoscalerPermissions),
 * evaluated with a real IAM policy evaluator: it may scale and shrink this cluster's groups, not
 * another cluster's nor an untagged one; nothing is granted while the autoscaler is off.
 */
import { describe, expect, it } from 'vitest';
import { newCluster } from '../../../src/cloudup/new-cluster.js';
import type { Cluster, ClusterAutoscalerSpec } from '../../../src/model/api/types.js';
import { controlPlanePolicy, nodePolicy, policyFacts, type PolicyDocument } from '../../../src/model/aws/iam-policies.js';
import { completeCluster } from '../../../src/model/completion.js';
import { ec2Arn, evaluate, type SimRequest } from '../../helpers/iam-sim.js';

const C = 'c1.example.com';
const OTHER = 'c2.example.com';
const ASG = (name: string) => `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f0e0d0c-1111-2222-3333-444455556666:autoScalingGroupName/${name}`;

function cluster(ca?: ClusterAutoscalerSpec): Cluster {
  const built = newCluster({ name: C, zones: ['us-east-1a'] });
  const c = structuredClone(built.cluster);
  if (ca) c.spec.clusterAutoscaler = ca;
  return completeCluster(c, built.instanceGroups).cluster;
}

const policy = (ca?: ClusterAutoscalerSpec) => controlPlanePolicy(policyFacts(cluster(ca), { region: 'us-east-1', state: { bucket: 'b', prefix: 'kops' } }));

async function decisions(doc: PolicyDocument, cases: readonly [string, SimRequest][]): Promise<string[]> {
  return Promise.all(cases.map(async ([why, r]) => `${why}: ${await evaluate(doc, r)}`));
}

const scale = (ctx: Record<string, string>): SimRequest => ({ action: 'autoscaling:SetDesiredCapacity', resource: ASG('nodes-us-east-1a.c1.example.com'), context: ctx });
const terminate = (ctx: Record<string, string>): SimRequest => ({ action: 'autoscaling:TerminateInstanceInAutoScalingGroup', resource: ASG('nodes-us-east-1a.c1.example.com'), context: ctx });
const ours = { 'aws:ResourceTag/KubernetesCluster': C };
const theirs = { 'aws:ResourceTag/KubernetesCluster': OTHER };

describe('cluster autoscaler grants on the control-plane role', () => {
  it("scales and shrinks this cluster's groups, and reads what discovery and scale-from-zero need", async () => {
    const reads = ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLaunchConfigurations', 'autoscaling:DescribeScalingActivities', 'autoscaling:DescribeTags', 'ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions', 'ec2:GetInstanceTypesFromInstanceRequirements', 'ec2:DescribeInstanceTypes'];
    const cases: [string, SimRequest][] = [
      ['set the desired capacity of our group', scale(ours)],
      ['terminate an instance of our group', terminate(ours)],
      ...reads.map((action): [string, SimRequest] => [action, { action, resource: '*' }]),
    ];
    expect(await decisions(policy({ enabled: true }), cases)).toEqual(cases.map(([why]) => `${why}: Allowed`));
  });

  it("may not touch another cluster's group, an untagged group, or change a group's bounds", async () => {
    const cases: [string, SimRequest][] = [
      ["set the desired capacity of another cluster's group", scale(theirs)],
      ["terminate an instance of another cluster's group", terminate(theirs)],
      ['set the desired capacity of an untagged group', scale({})],
      ['change the bounds of our group', { action: 'autoscaling:UpdateAutoScalingGroup', resource: ASG('nodes'), context: ours }],
      ['delete our group', { action: 'autoscaling:DeleteAutoScalingGroup', resource: ASG('nodes'), context: ours }],
      ['terminate an instance directly', { action: 'ec2:TerminateInstances', resource: ec2Arn('instance', 'i-1'), context: ours }],
    ];
    expect(await decisions(policy({ enabled: true }), cases)).toEqual(cases.map(([why]) => `${why}: ImplicitlyDenied`));
  });

  it('grants nothing to scale while the autoscaler is off, nor to the nodes', async () => {
    const cases: [string, SimRequest][] = [['scale', scale(ours)], ['terminate', terminate(ours)]];
    expect(await decisions(policy(), cases)).toEqual(cases.map(([why]) => `${why}: ImplicitlyDenied`));
    expect(await decisions(policy({ enabled: false, expander: 'random' }), cases)).toEqual(cases.map(([why]) => `${why}: ImplicitlyDenied`));
    const node = nodePolicy(policyFacts(cluster({ enabled: true }), { region: 'us-east-1', state: { bucket: 'b', prefix: 'kops' } }));
    expect(await decisions(node, cases)).toEqual(cases.map(([why]) => `${why}: ImplicitlyDenied`));
  });

  it('adds exactly kops\'s autoscaler actions to the role (DescribeInstanceTypes is the EBS CSI driver\'s already)', () => {
    const actions = (doc: PolicyDocument) => new Set(doc.Statement.flatMap((st) => [st.Action].flat().map((a) => `${st.Sid}:${String(a)}`)));
    const off = actions(policy());
    for (const ca of [{ enabled: true }, { enabled: true, awsUseStaticInstanceList: true }]) {
      expect([...actions(policy(ca))].filter((a) => !off.has(a)).sort()).toEqual([
        'Describe:autoscaling:DescribeAutoScalingInstances',
        'Describe:autoscaling:DescribeLaunchConfigurations',
        'Describe:autoscaling:DescribeScalingActivities',
        'Describe:ec2:DescribeImages',
        'Describe:ec2:DescribeLaunchTemplateVersions',
        'Describe:ec2:GetInstanceTypesFromInstanceRequirements',
        'ManageOwnedResources:autoscaling:SetDesiredCapacity',
        'ManageOwnedResources:autoscaling:TerminateInstanceInAutoScalingGroup',
      ]);
    }
  });
});
