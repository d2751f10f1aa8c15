/** Every GCE task kind, registered explicitly (the GCE provider's registry). */
import { TaskRegistry } from '../registry.js';
import type { GceTaskContext } from './context.js';
import { addressKind } from './address.js';
import { diskKind } from './disk.js';
import { dnsRecordSetKind } from './dns-record-set.js';
import { dnsZoneKind } from './dns-zone.js';
import { firewallRuleKind } from './firewall-rule.js';
import { forwardingRuleKind } from './forwarding-rule.js';
import { httpHealthCheckKind } from './http-health-check.js';
import { instanceGroupManagerKind } from './instance-group-manager.js';
import { instanceTemplateKind } from './instance-template.js';
import { networkKind } from './network.js';
import { projectIamBindingKind } from './project-iam-binding.js';
import { routerKind } from './router.js';
import { serviceAccountKind } from './service-account.js';
import { storageBucketIamKind } from './storage-bucket-iam.js';
import { subnetKind } from './subnet.js';
import { targetPoolKind } from './target-pool.js';

export function gceTaskRegistry(): TaskRegistry<GceTaskContext> {
  return new TaskRegistry<GceTaskContext>()
    .register(networkKind)
    .register(subnetKind)
    .register(firewallRuleKind)
    .register(diskKind)
    .register(instanceTemplateKind)
    .register(instanceGroupManagerKind)
    .register(addressKind)
    .register(httpHealthCheckKind)
    .register(targetPoolKind)
    .register(forwardingRuleKind)
    .register(serviceAccountKind)
    .register(projectIamBindingKind)
    .register(storageBucketIamKind)
    .register(dnsZoneKind)
    .register(dnsRecordSetKind)
    .register(routerKind);
}
