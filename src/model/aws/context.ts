/**
 * What every AWS model builder reads: the completed spec and the facts derived from it once
 * (region, zones, subnets by name, tags). Builders read this; tasks never see the spec.
 */
import { normalizeRole, type Cluster, type ClusterSubnetSpec, type InstanceGroup } from '../api/types.js';
import { regionOfZone } from '../validation-util.js';
import { ownershipTags, type Tags } from '../../tasks/aws/context.js';
import type { Task } from '../../tasks/types.js';
import type { StateStoreLocation } from './iam-policies.js';
import { fitAwsName } from './names.js';

export interface AwsModelInput {
  /** The completed cluster and instance groups. */
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  /**
   * Every instance group of the spec when `instanceGroups` is a selection (`update cluster
   * --instance-group`): what depends on groups outside the selection (the zones of the etcd
   * volumes, which follow their control-plane groups) is still built from the whole spec.
   */
  readonly allInstanceGroups?: readonly InstanceGroup[];
  /** The admin SSH public key (authorized_keys line) and its MD5 fingerprint, if any. */
  readonly sshPublicKey?: { readonly key: string; readonly fingerprint: string };
  /** The S3 state store, so control planes may read their cluster's prefix. */
  readonly stateStore?: StateStoreLocation;
  readonly partition?: string;
}

export class AwsModelContext {
  readonly name: string;
  readonly region: string;
  readonly cluster: Cluster;
  readonly instanceGroups: readonly InstanceGroup[];
  /** The spec's instance groups, selected or not. */
  readonly allInstanceGroups: readonly InstanceGroup[];
  readonly input: AwsModelInput;
  readonly subnets: readonly ClusterSubnetSpec[];
  private readonly tasks: Task[] = [];

  constructor(input: AwsModelInput) {
    this.input = input;
    this.cluster = input.cluster;
    this.name = input.cluster.metadata.name;
    this.instanceGroups = input.instanceGroups;
    this.allInstanceGroups = input.allInstanceGroups ?? input.instanceGroups;
    this.subnets = input.cluster.spec.subnets ?? [];
    const zone = this.subnets.find((s) => s.zone)?.zone ?? '';
    this.region = regionOfZone(zone);
  }

  /** `Name`, the ownership tags and the cluster's cloudLabels, plus `extra`. `Name` fits a tag value (256). */
  tags(name: string, extra: Tags = {}): Tags {
    return { ...(this.cluster.spec.cloudLabels ?? {}), ...ownershipTags(this.name), Name: fitAwsName('tagValue', name), ...extra };
  }

  add<D>(task: Task<D>): void {
    this.tasks.push(task as Task);
  }

  built(): Task[] {
    return [...this.tasks];
  }

  get sharedVpc(): boolean {
    return Boolean(this.cluster.spec.networkID);
  }

  /** The zones subnets of a type live in, sorted. */
  zonesOf(type: ClusterSubnetSpec['type']): string[] {
    return [...new Set(this.subnets.filter((s) => s.type === type).map((s) => s.zone ?? ''))].sort();
  }

  subnet(name: string): ClusterSubnetSpec | undefined {
    return this.subnets.find((s) => s.name === name);
  }

  role(ig: InstanceGroup) {
    return normalizeRole(ig.spec.role);
  }

  get hasBastion(): boolean {
    return this.instanceGroups.some((ig) => this.role(ig) === 'Bastion');
  }

  get privateTopology(): boolean {
    return this.subnets.some((s) => s.type === 'Private');
  }
}
