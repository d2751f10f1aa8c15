/**
 * The API's public load balancer (kops's gcemodel APILoadBalancerBuilder, `createPublicLB`): a
 * regional static address, a legacy HTTP health check on kube-apiserver-healthcheck
 * (3990 `/healthz`), a target pool with that check, and a TCP 443 forwarding rule from the address
 * to the pool, all named `api-<safe cluster>`. Control-plane MIGs register in the pool
 * (compute.ts). Built when `spec.api.loadBalancer` is set (completion sets it on GCE unless the
 * spec says `api.dns`); with a DNS zone, `api.<cluster>` is an A record to its address (dns.ts).
 */
import { KopsError } from '../../diagnostics.js';
import { ref } from '../../tasks/types.js';
import {
  GCE_KINDS, type GceAddressDesired, type GceForwardingRuleDesired, type GceHttpHealthCheckDesired, type GceTargetPoolDesired,
} from '../../tasks/gce/types.js';
import type { GceModelContext } from './context.js';
import { clusterLabels } from './labels.js';
import { apiLoadBalancerName } from './names.js';

/** kops's wellknownports.KubeAPIServerHealthCheck. */
export const API_HEALTH_CHECK_PORT = 3990;

export function buildApiLoadBalancer(m: GceModelContext): void {
  const lb = m.cluster.spec.api?.loadBalancer;
  if (lb == null) return;
  if ((lb.type ?? 'Public') !== 'Public') {
    throw new KopsError('UnsupportedLoadBalancer', `cluster ${m.name}: spec.api.loadBalancer.type ${lb.type} is not built on GCE by kops-ts yet (kops uses an internal backend service)`, {
      hint: 'set spec.api.loadBalancer.type: Public, or use spec.api.dns',
    });
  }
  const name = apiLoadBalancerName(m.name);
  m.add<GceHttpHealthCheckDesired>({ kind: GCE_KINDS.httpHealthCheck, name, desired: { name, port: API_HEALTH_CHECK_PORT, requestPath: '/healthz' } });
  m.add<GceTargetPoolDesired>({
    kind: GCE_KINDS.targetPool,
    name,
    desired: { name, region: m.region, healthChecks: [ref(GCE_KINDS.httpHealthCheck, name, 'selfLink')] },
  });
  m.add<GceAddressDesired>({ kind: GCE_KINDS.address, name, desired: { name, region: m.region, labels: clusterLabels(m.name) } });
  m.add<GceForwardingRuleDesired>({
    kind: GCE_KINDS.forwardingRule,
    name,
    desired: {
      name,
      region: m.region,
      ipAddress: ref(GCE_KINDS.address, name, 'address'),
      ipProtocol: 'TCP',
      portRange: '443-443',
      target: ref(GCE_KINDS.targetPool, name, 'selfLink'),
      labels: { ...clusterLabels(m.name), name: 'api' },
    },
  });
}
