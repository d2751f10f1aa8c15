/**
 * Validation of the instance-group fields kops-ts acts on through the autoscaling group and the
 * launch template on AWS (src/model/aws/compute.ts): the names AWS's SuspendProcesses takes. On any
 * other cloud they are kept with a FieldNotActedOn warning each, as before.
 */
import type { InstanceGroupSpec } from './api/types.js';
import type { Reporter } from './validation-util.js';

/** AWS's scaling processes (API_SuspendProcesses, ScalingProcesses). */
export const SCALING_PROCESSES = [
  'Launch', 'Terminate', 'AddToLoadBalancer', 'AlarmNotification', 'AZRebalance', 'HealthCheck', 'InstanceRefresh', 'ReplaceUnhealthy', 'ScheduledActions',
] as const;

/** The AWS-only fields of this file, as the spec names them. */
const AWS_ONLY = ['suspendProcesses', 'capacityRebalance', 'instanceProtection', 'detailedInstanceMonitoring', 'cpuCredits', 'tenancy'] as const;

export function validateAsgFields(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  if (cloud !== 'aws') {
    for (const f of AWS_ONLY) {
      if (s[f] != null) r.warn('FieldNotActedOn', at(`spec.${f}`), `a kops field that kops-ts acts on only on AWS; kept as is on ${cloud ?? 'this cloud'}`, 'remove it');
    }
    return;
  }
  const seen = new Set<string>();
  (s.suspendProcesses ?? []).forEach((p, i) => {
    const path = at(`spec.suspendProcesses[${i}]`);
    if (!(SCALING_PROCESSES as readonly string[]).includes(p)) {
      const same = SCALING_PROCESSES.find((x) => x.toLowerCase() === p.toLowerCase());
      r.err('InvalidScalingProcess', path, `${JSON.stringify(p)} is not an autoscaling process`, same ? `spell it ${same}` : `use one of ${SCALING_PROCESSES.join(', ')}`);
    } else if (seen.has(p)) r.err('DuplicateScalingProcess', path, `${p} is listed twice`, 'list it once');
    seen.add(p);
  });
}
