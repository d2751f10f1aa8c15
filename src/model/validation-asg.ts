/**
 * Validation of the instance-group fields kops-ts acts on through the autoscaling group and the
 * launch template on AWS (src/model/aws/compute.ts): the names AWS's SuspendProcesses takes, a
 * maxInstanceLifetime AWS takes (0, or at least a day), and external load balancers that each name
 * one classic load balancer or one target group (kops's rule), cpuCredits only on burstable types
 * (EC2 refuses a credit specification for any other at launch, InstanceCreditSpecification.NotSupported,
 * while the launch template is accepted), and a warning for tenancy host (see tenancyHost). On any
 * other cloud they are kept with a FieldNotActedOn warning each, as before (not validated there:
 * nothing reads them).
 */
import type { InstanceGroupSpec } from './api/types.js';
import { parseDuration } from '../text/duration.js';
import { warnOtherCloud, type Reporter } from './validation-util.js';

/** AWS's scaling processes (API_SuspendProcesses, ScalingProcesses). */
export const SCALING_PROCESSES = [
  'Launch', 'Terminate', 'AddToLoadBalancer', 'AlarmNotification', 'AZRebalance', 'HealthCheck', 'InstanceRefresh', 'ReplaceUnhealthy', 'ScheduledActions',
] as const;

/** The AWS-only fields of this file, as the spec names them. */
const AWS_ONLY = ['suspendProcesses', 'capacityRebalance', 'instanceProtection', 'detailedInstanceMonitoring', 'cpuCredits', 'tenancy', 'maxInstanceLifetime', 'externalLoadBalancers'] as const;

/** An ELBv2 target group's ARN. */
const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/;
/** A classic load balancer's name: up to 32 letters, digits and hyphens, not starting or ending with one. */
const CLASSIC_LB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/** EC2's burstable performance families, the only types a CreditSpecification applies to. */
const BURSTABLE = /^t(?:2|3|3a|4g)\./;

/** AWS: MaxInstanceLifetime is 0 (none) or at least one day. */
export const MIN_INSTANCE_LIFETIME_SECONDS = 86_400;

/** `maxInstanceLifetime` in whole seconds (kops truncates the duration); undefined when unset or not a duration. */
export function maxInstanceLifetimeSeconds(s: InstanceGroupSpec): number | undefined {
  if (s.maxInstanceLifetime == null) return undefined;
  const ms = parseDuration(s.maxInstanceLifetime);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

export function validateAsgFields(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string, cloud: string | undefined): void {
  if (cloud !== 'gce' && s.gcpProvisioningModel != null) {
    warnOtherCloud(r, at('spec.gcpProvisioningModel'), 'GCE', cloud);
  }
  if (cloud !== 'aws') {
    for (const f of AWS_ONLY) {
      if (s[f] != null) warnOtherCloud(r, at(`spec.${f}`), 'AWS', cloud);
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
  validateExternalLoadBalancers(r, s, at);
  validateCpuCredits(r, s, at);
  if (s.tenancy === 'host') tenancyHost(r, at);
  const lifetime = s.maxInstanceLifetime;
  if (lifetime != null) {
    const seconds = maxInstanceLifetimeSeconds(s);
    const path = at('spec.maxInstanceLifetime');
    if (seconds === undefined) r.err('InvalidMaxInstanceLifetime', path, `${JSON.stringify(lifetime)} is not a duration`, 'give a duration such as 168h (7 days), or 0s for no limit');
    else if (seconds !== 0 && seconds < MIN_INSTANCE_LIFETIME_SECONDS) {
      r.err('InvalidMaxInstanceLifetime', path, `${lifetime} is ${seconds} seconds; AWS takes 0 (no limit) or at least ${MIN_INSTANCE_LIFETIME_SECONDS} seconds (24h)`, 'use 24h or more, or 0s for no limit');
    }
  }
}

/** kops: each entry names exactly one load balancer; each is listed once. */
function validateExternalLoadBalancers(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string): void {
  const seen = new Set<string>();
  (s.externalLoadBalancers ?? []).forEach((lb, i) => {
    const path = at(`spec.externalLoadBalancers[${i}]`);
    const { loadBalancerName: name, targetGroupArn: arn } = lb ?? {};
    if ((name == null) === (arn == null)) {
      r.err('InvalidExternalLoadBalancer', path, name == null ? 'names no load balancer' : 'names both a load balancer and a target group', 'give exactly one of loadBalancerName (a classic load balancer) and targetGroupArn');
      return;
    }
    if (arn != null && !TARGET_GROUP_ARN.test(arn)) {
      r.err('InvalidExternalLoadBalancer', `${path}.targetGroupArn`, `${JSON.stringify(arn)} is not a target group ARN`, 'give the ARN, e.g. arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ingress/0123456789abcdef');
    }
    if (name != null && !CLASSIC_LB_NAME.test(name)) {
      r.err('InvalidExternalLoadBalancer', `${path}.loadBalancerName`, `${JSON.stringify(name)} is not a classic load balancer name`, 'give its name: up to 32 letters, digits and hyphens');
    }
    const key = arn ?? name ?? '';
    if (seen.has(key)) r.err('DuplicateExternalLoadBalancer', path, `${key} is listed twice`, 'list it once');
    seen.add(key);
  });
}

/**
 * The instance types the group launches, as the spec names them: the mixed-instances policy's
 * list when it has one (it overrides the launch template's), else machineType (each of a comma
 * list). Unset: the default, t3.medium (t3.micro for a bastion), which is burstable.
 */
function launchedTypes(s: InstanceGroupSpec): { field: string; types: string[] } | undefined {
  const mixed = (s.mixedInstancesPolicy?.instances ?? []).filter((t) => typeof t === 'string' && t.trim() !== '');
  if (mixed.length > 0) return { field: 'mixedInstancesPolicy.instances', types: mixed.map((t) => t.trim()) };
  const types = (s.machineType ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  return types.length > 0 ? { field: 'machineType', types } : undefined;
}

/** AWS applies CPU credits to T2, T3, T3a and T4g only; a launch of any other type with them is refused. */
function validateCpuCredits(r: Reporter, s: InstanceGroupSpec, at: (f: string) => string): void {
  if (s.cpuCredits == null) return;
  const launched = launchedTypes(s);
  const other = (launched?.types ?? []).filter((t) => !BURSTABLE.test(t));
  if (!launched || other.length === 0) return;
  const which = other.length === 1 ? `${launched.field} ${other[0]} is not one` : `${launched.field} ${other.join(', ')} are not`;
  r.err(
    'CpuCreditsNotSupported',
    at('spec.cpuCredits'),
    `${s.cpuCredits}: CPU credits apply only to burstable instance types (t2, t3, t3a, t4g), and ${which}; AWS refuses to launch ${other.length === 1 ? 'it' : 'them'} with a credit specification`,
    'remove cpuCredits, or use t2, t3, t3a or t4g types only',
  );
}

/**
 * tenancy host: kops-ts's launch template names no Dedicated Host (HostId) and no host resource
 * group, so each launch is untargeted: EC2 places it on a Dedicated Host already allocated in the
 * account with auto-placement on, for that instance type in that zone, and refuses it when there is
 * none ("You do not have a host with a matching configuration and sufficient capacity"). That can
 * work, so it is a warning, not an error.
 */
function tenancyHost(r: Reporter, at: (f: string) => string): void {
  r.warn(
    'TenancyHostNeedsDedicatedHosts',
    at('spec.tenancy'),
    "host: instances launch only onto Dedicated Hosts you have allocated, with auto-placement on, for the group's instance types in each of its zones (kops-ts names no host or host resource group); without them every launch fails",
    'allocate such Dedicated Hosts first, or use tenancy dedicated (single-tenant hardware with no hosts to manage)',
  );
}
