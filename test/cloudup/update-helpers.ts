/**
 * Shared setup for the end-to-end `update cluster` tests: a cluster spec in a `memory://` store,
 * the emulator account's options for the code under test, and raw-SDK readers for assertions.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { DescribeSecurityGroupsCommand, type IpPermission, type SecurityGroup, type Tag } from '@aws-sdk/client-ec2';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import type { ClusterSpec } from '../../src/model/api/types.js';
import { updateCluster, type UpdateClusterOptions, type UpdateClusterResult } from '../../src/cloudup/update-cluster.js';
import { Clientset } from '../../src/statestore/clientset.js';
import { openStateStore } from '../../src/statestore/open.js';
import type { Plan } from '../../src/tasks/plan.js';
import { testAws, type TestAws } from '../helpers/aws.js';

const KEY = readFileSync(new URL('../../scripts/demo-key.pub', import.meta.url), 'utf8').trim();

export interface E2ECluster {
  readonly aws: TestAws;
  readonly cs: Clientset;
  readonly name: string;
  /** Plan (and with `yes`, apply) against the emulator account; `extra`: more of updateCluster's options. */
  update(yes?: boolean, extra?: Partial<UpdateClusterOptions>): Promise<UpdateClusterResult>;
}

/** Stores the spec `newCluster(opts)` builds in a fresh store, bound to a fresh emulator account. */
export async function setupCluster(opts: NewClusterOptions): Promise<E2ECluster> {
  const aws = testAws();
  const cs = new Clientset(openStateStore(`memory://e2e-${aws.account}`));
  const built = newCluster(opts);
  await cs.createCluster(built.cluster, built.instanceGroups, { sshPublicKeys: [KEY] });
  const { region: _region, ...awsOpts } = aws.options;
  const name = built.cluster.metadata.name;
  return { aws, cs, name, update: (yes = false, extra = {}) => updateCluster({ clientset: cs, clusterName: name, aws: awsOpts, yes, ...extra }) };
}

/** `key: action fields` lines, so a failing expectation shows what changed and why. */
/** Rewrites the cluster's spec in the store, conditional on the version just read. */
export async function editSpec(c: E2ECluster, edit: (spec: ClusterSpec) => ClusterSpec): Promise<void> {
  const current = await c.cs.getCluster(c.name);
  await c.cs.updateCluster({ ...current.object, spec: edit(structuredClone(current.object.spec)) }, current.version);
}

export function changeLines(plan: Plan): string[] {
  return plan.changes.map((c) => `${c.key}: ${c.action} ${c.fields.map((f) => f.field).join(',')}`);
}

/** Applies, asserting success, then asserts that a fresh plan has no changes. */
export async function applyAndConverge(c: E2ECluster): Promise<UpdateClusterResult> {
  const applied = await c.update(true);
  expect(applied.applied?.ok).toBe(true);
  const again = await c.update(false);
  expect(changeLines(again.plan)).toEqual([]);
  return applied;
}

export function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

/** The ownership tags kops puts on every taggable resource of a cluster. */
export function expectOwned(tags: readonly Tag[] | undefined, cluster: string, what: string): void {
  const m = tagMap(tags);
  expect(m['KubernetesCluster'], `${what}: KubernetesCluster`).toBe(cluster);
  expect(m[`kubernetes.io/cluster/${cluster}`], `${what}: kubernetes.io/cluster/${cluster}`).toBe('owned');
}

/** A filter on the ownership tag: every resource of the cluster in the account. */
export function ownedFilter(cluster: string) {
  return [{ Name: `tag:kubernetes.io/cluster/${cluster}`, Values: ['owned'] }];
}

export async function securityGroupsByName(c: E2ECluster): Promise<Map<string, SecurityGroup>> {
  const out = await c.aws.clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: ownedFilter(c.name) }));
  return new Map((out.SecurityGroups ?? []).map((g) => [g.GroupName ?? '', g]));
}

/** Ingress permissions of a group flattened to `proto from-to <source>` strings (source: CIDR or group name). */
export function ingressLines(group: SecurityGroup, groupNames: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const ports = (p: IpPermission) => `${p.IpProtocol} ${p.FromPort ?? ''}-${p.ToPort ?? ''}`;
  for (const p of group.IpPermissions ?? []) {
    for (const r of p.IpRanges ?? []) lines.push(`${ports(p)} ${r.CidrIp}`);
    for (const r of p.Ipv6Ranges ?? []) lines.push(`${ports(p)} ${r.CidrIpv6}`);
    for (const g of p.UserIdGroupPairs ?? []) lines.push(`${ports(p)} ${groupNames.get(g.GroupId ?? '') ?? g.GroupId}`);
  }
  return lines.sort();
}

/** Group id → group name, for `ingressLines`. */
export function groupNamesById(groups: ReadonlyMap<string, SecurityGroup>): Map<string, string> {
  return new Map([...groups.values()].map((g) => [g.GroupId ?? '', g.GroupName ?? '']));
}
