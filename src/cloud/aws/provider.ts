/**
 * AWS as a `Cloud` (src/cloud/provider.ts): the SDK clients, pre-flight, the model builders and
 * task registry, error classification, endpoint health, what `delete cluster` finds by tag, the
 * dump's AWS sections and the rolling update's instance groups. Loaded by `loadProvider` only for
 * a cluster with `spec.cloudProvider: aws`.
 */
import { KopsError } from '../../diagnostics.js';
import type { Cluster } from '../../model/api/types.js';
import { buildAwsTasks } from '../../model/aws/index.js';
import { clusterAutoscalerRoleArn } from '../../model/aws/iam-service-accounts.js';
import { checkAwsAdminKeys } from '../../model/aws/ssh-keys.js';
import { TAG_INSTANCE_GROUP, type AutoscalingGroupActual } from '../../tasks/aws/autoscaling-group.js';
import { newMemo, TAG_CLUSTER, type AwsTaskContext } from '../../tasks/aws/context.js';
import type { EbsVolumeActual } from '../../tasks/aws/ebs-volume.js';
import type { NetworkLoadBalancerActual } from '../../tasks/aws/network-load-balancer.js';
import { awsTaskRegistry } from '../../tasks/aws/registry.js';
import type { SecurityGroupActual } from '../../tasks/aws/security-group.js';
import type { SubnetActual } from '../../tasks/aws/subnet.js';
import type { VpcActual } from '../../tasks/aws/vpc.js';
import { awsPreflight, preflightError } from '../../cloudup/aws/preflight.js';
import { regionOfCluster } from '../../cloudup/aws/regions.js';
import type { Cloud, CloudDeletion, CloudErrors, CloudOptions, DumpDetails, FoundResource, InventoryCloud, ModelInput, ModelledCloud, PreparedCloud, RunHealth } from '../provider.js';
import { builderInput, stringFieldsOf } from '../model-input.js';
import { awsApiEndpoint } from './api-endpoint.js';
import { AwsClients } from './clients.js';
import { findBlockers } from './delete-blockers.js';
import { addedToShared, orderZoneAssociations } from './delete-shared.js';
import { CLUSTER_ENI_KIND, CLUSTER_INSTANCE_KIND, clusterInstances, clusterInterfaces, clusterSnapshots, ownedByTags, resourceType, untrackedVolumesAndGroups } from './delete-tagged.js';
import { AwsEndpointError, EndpointHealth } from './endpoint.js';
import { findServiceLoadBalancers, orderServiceLoadBalancers, serviceLoadBalancers } from './service-load-balancers.js';
import { awsErrorCode, isDependencyAwsError, isRetryableAwsDeleteError, isRetryableAwsError } from './errors.js';
import { AwsCloudProvider } from './instance-groups.js';

export const awsErrors: CloudErrors = {
  errorCode: awsErrorCode,
  isRetryable: (e, ctx) => isRetryableAwsError(e, ctx),
  isRetryableDelete: (e, ctx) => isRetryableAwsDeleteError(e, ctx),
};

/** A run's AWS endpoint health (`EndpointHealth`) as the generic commands see it. */
class AwsRunHealth implements RunHealth {
  constructor(readonly endpoint: EndpointHealth) {}

  get signal(): AbortSignal {
    return this.endpoint.signal;
  }

  get down(): KopsError | undefined {
    return this.endpoint.down;
  }

  get applyStarted(): boolean {
    return this.endpoint.applyStarted;
  }

  set applyStarted(v: boolean) {
    this.endpoint.applyStarted = v;
  }

  onResponse(fn: () => void): () => void {
    return this.endpoint.onResponse(fn);
  }

  explain(e: unknown, operation: string): unknown {
    if (KopsError.is(e, 'EndpointDown')) return e;
    const last = this.endpoint.lastFailure;
    if (!last || !this.endpoint.failing || !mentions(e, last)) return e;
    const timeout = last.name === 'EndpointTimeout';
    return new KopsError(last.name, `${operation} failed: ${last.message}; nothing was changed in the cloud`, {
      cause: e,
      hint: timeout
        ? 'check the network, a proxy or firewall, and AWS_ENDPOINT_URL; a slow link may need a longer --aws-request-timeout / --aws-connect-timeout'
        : 'check the network, a proxy or firewall, and AWS_ENDPOINT_URL, then re-run',
    });
  }

  downHint(cluster: string): string {
    return `check the network, a proxy or firewall, and AWS_ENDPOINT_URL, then re-run to finish (the next plan shows what is left): kops-ts update cluster --name ${cluster} --yes`;
  }
}

/** Whether `e` is, wraps or reports an `AwsEndpointError`. */
function mentions(e: unknown, last: AwsEndpointError): boolean {
  if (e instanceof AwsEndpointError) return true;
  if (KopsError.is(e)) return e.diagnostics.some((d) => d.summary.includes(last.endpoint)) || e.message.includes(last.endpoint);
  return false;
}


const awsDeletion: CloudDeletion<AwsTaskContext> = {
  resourceType,
  lookupKinds: new Set(['Image', 'Instance']),
  alwaysKept(kind, name, id, actual) {
    if (kind !== 'DNSZone') return undefined;
    const zoneName = (actual as { name?: unknown } | null)?.name;
    return { what: `Route53 hosted zone ${typeof zoneName === 'string' ? zoneName : name} (${id})`, why: 'hosted zones are never deleted (only the cluster\'s records in it)' };
  },
  ownedByLabels(actual, cluster) {
    const tags = stringFieldsOf(actual, 'tags');
    return tags ? ownedByTags(tags, cluster) : undefined;
  },
  ownershipLabel: (cluster) => `${TAG_CLUSTER}=${cluster}`,
  async tagged(ctx, known) {
    const resources = [...(await clusterInstances(ctx)), ...(await clusterInterfaces(ctx))];
    // What the cloud controller made for the cluster's Services: their load balancers and target groups.
    resources.push(...(await serviceLoadBalancers(ctx, known)));
    resources.push(...(await untrackedVolumesAndGroups(ctx, new Set([...known, ...resources.map((r) => r.id)]))));
    return { resources, kept: await clusterSnapshots(ctx) };
  },
  addedToShared,
  order(closure) {
    // Launched instances use what their group's launch template names and sit in the group's subnets:
    // they go after the group (which would replace them) and before everything the group uses.
    const asgDeps = closure.get('AutoscalingGroup') ?? new Set<string>();
    // The etcd volumes are attached to the control-plane instances (AWS: VolumeInUse until detached).
    closure.set(CLUSTER_INSTANCE_KIND, new Set([...asgDeps, ...(closure.get('LaunchTemplate') ?? []), 'EBSVolume']));
    closure.set('AutoscalingGroup', new Set([...asgDeps, CLUSTER_INSTANCE_KIND]));
    // An interface is deleted once detached (its instance gone), before its subnet and groups.
    for (const [kind, deps] of closure) if (deps.has(CLUSTER_INSTANCE_KIND) || kind === CLUSTER_INSTANCE_KIND) deps.add(CLUSTER_ENI_KIND);
    closure.set(CLUSTER_ENI_KIND, new Set(['Subnet', 'SecurityGroup', 'VPC', ...(closure.get('Subnet') ?? [])]));
    orderServiceLoadBalancers(closure);
    orderZoneAssociations(closure, CLUSTER_INSTANCE_KIND);
  },
  // VolumeInUse: a volume still attached to an instance that is terminating.
  waitsForDependents: (e) => isDependencyAwsError(e) || awsErrorCode(e) === 'VolumeInUse',
  blockers: (ctx, left, all) => findBlockers(ctx, left, all),
};

/** `delete cluster`'s reading of AWS failures and blockers, for one run's context. */
export function awsInventoryCloud(ctx: AwsTaskContext): InventoryCloud {
  return {
    errorCode: awsErrorCode,
    waitsForDependents: awsDeletion.waitsForDependents,
    blockers: (left, all) => awsDeletion.blockers(ctx, left, all),
  };
}

function dumpDetails(found: readonly FoundResource[]): DumpDetails {
  const of = <A>(kind: string): { f: FoundResource; a: A }[] => found.filter((f) => f.kind === kind).map((f) => ({ f, a: f.actual as A }));
  const vpc = of<VpcActual>('VPC')[0];
  const etcdTag = `k8s.io/etcd/`;
  return {
    subnets: of<SubnetActual>('Subnet')
      .map(({ f, a }) => ({ id: a.id, name: f.name, zone: a.availabilityZone, cidr: a.cidr, ...(a.ipv6Cidr ? { ipv6Cidr: a.ipv6Cidr } : {}), ...(f.shared ? { shared: true as const } : {}) }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    ...(vpc ? { vpc: { id: vpc.a.id, cidr: vpc.a.cidr, ...(vpc.f.shared ? { shared: true as const } : {}) } } : {}),
    loadBalancers: of<NetworkLoadBalancerActual>('NetworkLoadBalancer')
      .map(({ a }) => ({ name: a.loadBalancerName, dnsName: a.dnsName, type: a.type, scheme: a.scheme, state: a.state, subnets: [...a.subnets].sort(), securityGroups: [...a.securityGroups].sort() }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    securityGroups: of<SecurityGroupActual>('SecurityGroup')
      .map(({ a }) => ({ id: a.id, name: a.name, description: a.description, vpcId: a.vpcId }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    autoscalingGroups: of<AutoscalingGroupActual>('AutoscalingGroup')
      .map(({ a }) => ({
        name: a.name,
        instanceGroup: a.tags[TAG_INSTANCE_GROUP] ?? '',
        minSize: a.minSize,
        maxSize: a.maxSize,
        desiredCapacity: a.desiredCapacity,
        launchTemplate: a.launchTemplateName ?? a.launchTemplateId ?? '',
        launchTemplateVersion: a.launchTemplateVersion ?? '',
        subnets: [...a.subnets].sort(),
      }))
      .sort((x, y) => x.name.localeCompare(y.name)),
    etcdVolumes: of<EbsVolumeActual>('EBSVolume')
      .map(({ a }) => {
        const tag = Object.keys(a.tags).find((k) => k.startsWith(etcdTag));
        const member = tag ? (a.tags[tag] ?? '').split('/')[0] : undefined;
        return {
          id: a.id,
          name: a.name,
          zone: a.availabilityZone,
          sizeGb: a.sizeGb,
          volumeType: a.volumeType,
          encrypted: a.encrypted,
          state: a.state,
          ...(tag ? { etcdCluster: tag.slice(etcdTag.length) } : {}),
          ...(member ? { etcdMember: member } : {}),
        };
      })
      .sort((x, y) => x.name.localeCompare(y.name)),
  };
}


/**
 * The AWS builders' input: one admin key, the first by fingerprint (`update cluster` has refused
 * more; `delete cluster` and the dump model one, the orphan finder takes the others' key pairs).
 */
function awsBuilderInput(input: ModelInput, cluster: Cluster) {
  const { sshPublicKeys, ...rest } = builderInput(input, cluster, 's3');
  const first = sshPublicKeys[0];
  return { ...rest, ...(first ? { sshPublicKey: first } : {}) };
}

/** AWS for one command run, with the caller's client options. */
export function awsCloud(opts: CloudOptions = {}): Cloud<AwsTaskContext> {
  const model = (input: ModelInput): ModelledCloud<AwsTaskContext> => {
    const cluster = input.completed.cluster;
    const region = regionOfCluster(cluster);
    const ctx: AwsTaskContext = { clients: new AwsClients({ region, ...(opts.aws ?? {}) }), clusterName: input.clusterName, region, once: newMemo() };
    return { ctx, registry: awsTaskRegistry(), tasks: buildAwsTasks(awsBuilderInput(input, cluster)), region };
  };
  return {
    name: 'aws',
    errors: awsErrors,
    runHealth: () => new AwsRunHealth(new EndpointHealth(opts.endpointHealth)),
    async prepare(input: ModelInput, health: RunHealth): Promise<PreparedCloud<AwsTaskContext>> {
      let cluster = input.completed.cluster;
      // Before any call: an instance has one key pair (kops's check in apply_cluster.go).
      checkAwsAdminKeys(cluster, input.clusterName, input.sshPublicKeys.map((k) => k.fingerprint));
      const region = regionOfCluster(cluster);
      const endpoint = health instanceof AwsRunHealth ? health.endpoint : undefined;
      const clients = new AwsClients({ region, ...(opts.aws ?? {}), ...(endpoint ? { health: endpoint } : {}) });
      const pre = await awsPreflight(clients, cluster, input.completed.instanceGroups);
      const preErr = preflightError(pre);
      if (preErr) throw preErr;
      // Route53 DNS without spec.dnsZone: the zone pre-flight found, recorded in the completed spec by id as kops does.
      if (pre.dnsZone) cluster = { ...cluster, spec: { ...cluster.spec, dnsZone: pre.dnsZone.id } };
      const account = pre.account ? { partition: pre.account.partition, accountId: pre.account.id } : {};
      const tasks = buildAwsTasks({ ...awsBuilderInput(input, cluster), ...account });
      const ctx: AwsTaskContext = { clients, clusterName: input.clusterName, region, once: newMemo() };
      // The same derivation the model's launch templates digest (src/model/aws/compute.ts).
      const autoscalerRole = clusterAutoscalerRoleArn(cluster.spec, input.clusterName, pre.account ?? {});
      const bootstrap = autoscalerRole ? { clusterAutoscalerRoleArn: autoscalerRole } : {};
      return { ctx, registry: awsTaskRegistry(), tasks, region, cluster, diagnostics: pre.diagnostics, bootstrap };
    },
    model,
    deletion: awsDeletion,
    dumpDetails,
    instanceGroups: (cluster: Cluster) => new AwsCloudProvider(new AwsClients({ region: regionOfCluster(cluster), ...(opts.aws ?? {}) }), opts.awsProvider),
    apiEndpoint: (cluster: Cluster) => awsApiEndpoint(cluster, opts.aws ?? {}),
  };
}
