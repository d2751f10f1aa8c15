/** The GCE model: a completed spec → the tasks of its cloud resources. Pure. */
import type { Task } from '../../tasks/types.js';
import { buildApiLoadBalancer } from './api-lb.js';
import { buildCompute } from './compute.js';
import { GceModelContext, type GceModelInput } from './context.js';
import { buildDns } from './dns.js';
import { buildEtcdDisks } from './etcd.js';
import { buildFirewall } from './firewall.js';
import { buildNetwork } from './network.js';
import { buildServiceAccounts } from './service-accounts.js';

export type { GceModelInput } from './context.js';

export function buildGceTasks(input: GceModelInput): Task[] {
  const m = new GceModelContext(input);
  buildNetwork(m);
  buildFirewall(m);
  buildApiLoadBalancer(m);
  buildDns(m);
  buildServiceAccounts(m);
  buildCompute(m);
  buildEtcdDisks(m);
  return m.built();
}
