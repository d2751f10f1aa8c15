/**
 * The fake Compute API's network load balancing (test/fakes/gce-compute.ts): legacy HTTP health
 * checks (`/compute/v1/projects/<p>/global/httpHealthChecks[/<name>]`), and static addresses,
 * target pools and forwarding rules (`/compute/v1/projects/<p>/regions/<r>/{addresses,targetPools,
 * forwardingRules}[/<name>]`), with the target pools' `addHealthCheck`, `removeHealthCheck` and
 * `removeInstance`. A target pool lists its own instances and those of the groups that name it
 * (`removeInstance` takes either out; a group adds the VMs it creates later). A health check used
 * by a target pool, and a target pool used by a forwarding rule or group, is refused deletion (400
 * `resourceInUseByAnotherResource`); an address a forwarding rule holds can be released.
 */
import type { ResourceKind } from './gce-compute-store.js';

export const LOAD_BALANCING_KINDS: Readonly<Record<string, ResourceKind>> = {
  httpHealthChecks: {
    scope: 'global',
    kind: 'compute#httpHealthCheck',
    fields: ['port', 'requestPath', 'host', 'checkIntervalSec', 'timeoutSec', 'healthyThreshold', 'unhealthyThreshold'],
    labels: false,
    patch: true,
    build(_s, r, body) {
      r.port = body.port ?? 80;
      r.requestPath = body.requestPath ?? '/';
      r.checkIntervalSec = body.checkIntervalSec ?? 5;
      r.timeoutSec = body.timeoutSec ?? 5;
      r.healthyThreshold = body.healthyThreshold ?? 2;
      r.unhealthyThreshold = body.unhealthyThreshold ?? 2;
    },
    checkUnused(s, collection, link) {
      s.inUse(collection, link, 'targetPools', (o) => (o.healthChecks as string[]).includes(link));
    },
  },
  addresses: {
    scope: 'regions',
    kind: 'compute#address',
    fields: ['address', 'addressType', 'networkTier', 'labels', 'region'],
    labels: true,
    patch: false,
    build(s, r, body) {
      r.address = body.address ?? `203.0.113.${s.ipSeq++}`;
      r.addressType = body.addressType ?? 'EXTERNAL';
      r.status = 'RESERVED';
    },
    // An address a forwarding rule holds can be released: the rule keeps the IP, now ephemeral
    // (cloud-provider-gcp releases its static IP once its rule holds it, gce_loadbalancer_external.go;
    // kubernetes/kubernetes#13335 and #20662 "deleting it after it is attached demotes it").
  },
  targetPools: {
    scope: 'regions',
    kind: 'compute#targetPool',
    fields: ['healthChecks', 'instances', 'sessionAffinity', 'region'],
    labels: false,
    patch: false,
    build(s, r, body) {
      for (const hc of (body.healthChecks as string[] | undefined) ?? []) s.refTo(hc, 'httpHealthChecks');
      r.healthChecks = body.healthChecks ?? [];
      // Each instance must exist; GCE keeps its full URL.
      r.instances = ((body.instances as string[] | undefined) ?? []).map((i) => s.refTo(i, 'instances').selfLink as string);
      r.sessionAffinity = body.sessionAffinity ?? 'NONE';
    },
    present(s, r, shown) {
      const link = r.selfLink as string;
      const fromGroups: string[] = [];
      for (const [key, m] of s.store) {
        if (!key.endsWith('/instanceGroupManagers')) continue;
        for (const mig of m.values()) {
          if ((mig.targetPools as string[]).includes(link)) fromGroups.push(...(mig.members as string[]).map((i) => s.url(`${key.replace(/\/instanceGroupManagers$/, '')}/instances/${i}`)));
        }
      }
      const excluded = (r.excluded as string[] | undefined) ?? [];
      return { ...structuredClone(shown), instances: [...new Set([...(r.instances as string[]), ...fromGroups.filter((i) => !excluded.includes(i))])].sort() };
    },
    checkUnused(s, collection, link) {
      s.inUse(collection, link, 'forwardingRules', (o) => o.target === link);
      s.inUse(collection, link, 'instanceGroupManagers', (o) => (o.targetPools as string[]).includes(link));
    },
    custom(s, _scopePath, r, method, body) {
      if (method === 'addHealthCheck' || method === 'removeHealthCheck') {
        const links = ((body.healthChecks as { healthCheck?: string }[] | undefined) ?? []).map((h) => h.healthCheck ?? '');
        for (const l of links) s.refTo(l, 'httpHealthChecks');
        const have = r.healthChecks as string[];
        r.healthChecks = method === 'addHealthCheck' ? [...new Set([...have, ...links])] : have.filter((h) => !links.includes(h));
        return true;
      }
      if (method === 'removeInstance') {
        // GCE: the instances leave the pool, also those a MIG added; the MIG adds the VMs it creates later.
        const links = ((body.instances as { instance?: string }[] | undefined) ?? []).map((i) => s.refTo(i.instance ?? '', 'instances').selfLink as string);
        r.instances = (r.instances as string[]).filter((i) => !links.includes(i));
        r.excluded = [...new Set([...((r.excluded as string[] | undefined) ?? []), ...links])];
        return true;
      }
      return false;
    },
  },
  forwardingRules: {
    scope: 'regions',
    kind: 'compute#forwardingRule',
    fields: ['IPAddress', 'IPProtocol', 'portRange', 'ports', 'allPorts', 'target', 'backendService', 'network', 'subnetwork', 'loadBalancingScheme', 'networkTier', 'labels', 'region'],
    labels: true,
    patch: false,
    build(s, r, body) {
      if (body.target !== undefined) s.refTo(body.target as string, 'targetPools');
      // An internal load balancer's rule names its network (and subnetwork), which it then keeps in use.
      if (body.network !== undefined) r.network = s.refTo(body.network as string, 'networks').selfLink;
      if (body.subnetwork !== undefined) r.subnetwork = s.refTo(body.subnetwork as string, 'subnetworks').selfLink;
      r.IPProtocol = body.IPProtocol ?? 'TCP';
      r.loadBalancingScheme = body.loadBalancingScheme ?? 'EXTERNAL';
      if (r.IPAddress === undefined) r.IPAddress = `203.0.113.${s.ipSeq++}`;
    },
  },
};
