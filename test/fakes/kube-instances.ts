/**
 * Nodes backed by cloud instances in the fake Kubernetes API server (test/fakes/kube-apiserver.ts).
 * No REST paths of its own: before every request the fake reads its `instances()` source and gives
 * each running instance a Ready Node (kubelet registration: `POST /api/v1/nodes` in a real
 * cluster), with static control-plane mirror pods on control-plane nodes, and removes the Node
 * (and its pods) of an instance that is gone or no longer running, as the cloud controller's node
 * lifecycle does. The sources: the AWS emulator's DescribeInstances, and the fake Compute API's
 * instances.
 */
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { addNode } from './kube-nodes.js';
import { podsOn } from './kube-pods.js';
import type { KubeStore } from './kube-store.js';
import { obj, type Json } from './kube-wire.js';

export interface FakeInstance {
  readonly id: string;
  readonly zone: string;
  readonly privateDnsName: string;
  readonly privateIp?: string;
  /** EC2 state name: `pending`, `running`, `shutting-down`, `terminated`, `stopped`, … */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The Node's spec.providerID (default `aws:///<zone>/<id>`). */
  readonly providerId?: string;
  /** A control plane (default: from the AWS role tags). */
  readonly controlPlane?: boolean;
  /** The `kops.k8s.io/instancegroup` label (default: from the AWS tag). */
  readonly instanceGroup?: string;
  /** The Node's `status.nodeInfo.kubeletVersion` (`v1.36.3`): what the instance's user data installed. */
  readonly kubeletVersion?: string;
}

/** Nodes for the running instances of `opts.instances` (none without one); gone instances lose theirs. */
export async function syncInstances(s: KubeStore): Promise<void> {
  const source = s.opts.instances;
  if (!source) return;
  const instances = await source();
  const running = new Set<string>();
  for (const i of instances) {
    if (i.state !== 'running' || !i.privateDnsName) continue;
    running.add(i.privateDnsName);
    if (s.nodes.has(i.privateDnsName)) continue;
    const controlPlane = i.controlPlane ?? Object.keys(i.tags).some((k) => k === 'k8s.io/role/control-plane' || k === 'k8s.io/role/master');
    const labels: Record<string, string> = { 'topology.kubernetes.io/zone': i.zone, 'node.kubernetes.io/instance-type': 'fake' };
    const ig = i.instanceGroup ?? i.tags['kops.k8s.io/instancegroup'];
    const join = s.opts.joinRequests ?? 0;
    addNode(s, i.privateDnsName, { providerId: i.providerId ?? `aws:///${i.zone}/${i.id}`, labels, controlPlane, ready: join === 0, ...(ig ? { instanceGroup: ig } : {}), ...(i.kubeletVersion ? { kubeletVersion: i.kubeletVersion } : {}) });
    if (join > 0) s.joining.set(i.privateDnsName, join);
    const n = s.nodes.get(i.privateDnsName);
    if (n && i.privateIp) (obj(n, 'status')['addresses'] as Json[]).push({ type: 'InternalIP', address: i.privateIp });
    s.backed.add(i.privateDnsName);
  }
  for (const name of [...s.backed]) {
    if (running.has(name)) continue;
    s.backed.delete(name);
    s.joining.delete(name);
    s.nodes.delete(name);
    for (const key of podsOn(s, name)) s.pods.delete(key);
  }
}

/** An `instances()` source reading the emulator's (or any EC2 endpoint's) DescribeInstances. */
export function ec2InstanceSource(ec2: EC2Client): () => Promise<FakeInstance[]> {
  return async () => {
    const out: FakeInstance[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ ...(token ? { NextToken: token } : {}) }));
      for (const r of page.Reservations ?? []) {
        for (const i of r.Instances ?? []) {
          if (!i.InstanceId) continue;
          out.push({
            id: i.InstanceId,
            zone: i.Placement?.AvailabilityZone ?? '',
            privateDnsName: i.PrivateDnsName ?? '',
            ...(i.PrivateIpAddress ? { privateIp: i.PrivateIpAddress } : {}),
            state: i.State?.Name ?? 'unknown',
            tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
          });
        }
      }
      token = page.NextToken;
    } while (token);
    return out;
  };
}

/**
 * An `instances()` source reading the fake Compute API's instances (`FakeGceCompute.all`) of a
 * project: GCE node names are the instance names, the provider id `gce://<project>/<zone>/<name>`,
 * the role and instance group from kops's labels. Read from the fake's store, so it adds nothing
 * to the fake's call log.
 */
export function gceInstanceSource(compute: { all(project: string, collection: string): Record<string, unknown>[] }, project: string): () => Promise<FakeInstance[]> {
  return async () =>
    compute.all(project, 'instances').map((i) => {
      const name = String(i['name']);
      const zone = String(i['zone'] ?? '').split('/').pop() ?? '';
      const labels = (i['labels'] ?? {}) as Record<string, string>;
      const ig = labels['k8s-io-instance-group'];
      return {
        id: name,
        zone,
        privateDnsName: name,
        // GCE's RUNNING is EC2's running; anything else is not (yet) a node.
        state: i['status'] === 'RUNNING' ? 'running' : String(i['status'] ?? 'unknown').toLowerCase(),
        tags: {},
        providerId: `gce://${project}/${zone}/${name}`,
        controlPlane: 'k8s-io-role-control-plane' in labels || 'k8s-io-role-master' in labels,
        ...(ig ? { instanceGroup: ig } : {}),
      };
    });
}
