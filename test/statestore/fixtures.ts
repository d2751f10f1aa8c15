/** Specs and keys for the clientset tests. */
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';

/** Throwaway public keys and their MD5 fingerprints as `ssh-keygen -l -E md5` printed them. */
export const ED25519_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMbfCAWPvpuCKEzJQUu6bFkd7+XrrGvLA92Q1I1reTaY test@example';
export const ED25519_MD5 = '30:c7:66:0f:b5:e9:8f:c7:5a:69:55:95:76:44:97:0d';
export const RSA_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCwPleWpq5UMzLXQ9egSBpn5Bm5KgQlPa1zJUhaQVA+RgROr4YPKiXKG3EsunRpSmeYREq5HwKW7opcehV5eskU2OUGh++NK4ZeOqwHwTBzT4zPXlzs7SUpW41toJi22pF4yAmWsZe5fGUIYpWBbxWsiJux3BLypDnR8QrU7sQnww== rsa@example';
export const RSA_MD5 = 'd6:38:69:0e:3b:fd:b8:42:c9:ca:9c:f8:07:e3:fb:21';

export function sampleCluster(name: string, kubernetesVersion = '1.30.2'): Cluster {
  return {
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'Cluster',
    metadata: { name },
    spec: {
      kubernetesVersion,
      cloudProvider: 'aws',
      networkCIDR: '172.20.0.0/16',
      subnets: [{ name: 'us-east-1a', zone: 'us-east-1a', cidr: '172.20.32.0/19', type: 'Public' }],
      // A field kops-ts does not model: must survive every round-trip.
      ...({ fileAssets: [{ name: 'motd', content: 'hello: "world"\n' }] } as object),
    },
  };
}

export function sampleIG(name: string, role: InstanceGroup['spec']['role'] = 'Node'): InstanceGroup {
  return {
    apiVersion: 'kops.k8s.io/v1alpha2',
    kind: 'InstanceGroup',
    metadata: { name, labels: { team: 'infra' } },
    spec: { role, machineType: 't3.medium', minSize: 1, maxSize: 2, subnets: ['us-east-1a'] },
  };
}
