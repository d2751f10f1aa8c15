import type { GceInstanceGroupManagerDesired, GceInstanceTemplateDesired } from '../../../src/tasks/gce/types.js';
import { ref, type Task } from '../../../src/tasks/types.js';
import { REGION, SAFE, ZONE } from './harness.js';

export function templateTask(ig = 'nodes', over: Partial<GceInstanceTemplateDesired> = {}, net = SAFE): Task<GceInstanceTemplateDesired> {
  return {
    kind: 'InstanceTemplate',
    name: `${ig}-${SAFE}`,
    desired: {
      namePrefix: `${ig}-${SAFE}`,
      machineType: 'e2-medium',
      subnetwork: ref('Subnet', `${REGION}-${net}`, 'selfLink'),
      network: ref('Network', net, 'selfLink'),
      externalIp: true,
      canIpForward: true,
      disks: [{ boot: true, sizeGb: 128, type: 'pd-standard', sourceImage: 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64' }],
      tags: [`${SAFE}-k8s-io-role-node`],
      labels: { 'k8s-io-cluster-name': SAFE, 'k8s-io-role-node': '', 'k8s-io-instance-group': ig },
      metadata: { 'user-data': '#!/bin/bash\necho bootstrap\n', 'cluster-name': 'minimal.example.com' },
      serviceAccount: { email: 'default', scopes: ['https://www.googleapis.com/auth/compute'] },
      shieldedVm: { secureBoot: false, vtpm: true, integrityMonitoring: true },
      ...over,
    },
  };
}

export function migTask(ig = 'nodes', over: Partial<GceInstanceGroupManagerDesired> = {}, zone = ZONE): Task<GceInstanceGroupManagerDesired> {
  const name = `${zone.slice(-1)}-${ig}-${SAFE}`;
  return {
    kind: 'InstanceGroupManager',
    name,
    desired: { name, zone, instanceTemplate: ref('InstanceTemplate', `${ig}-${SAFE}`, 'selfLink'), baseInstanceName: `${ig}`, targetSize: 2, ...over },
  };
}
