/**
 * Golden kubeadm files: what a control plane and a worker of the minimal and HA reference clusters
 * fetch, for fixed facts (load balancer name, token, CA hash), compared with the files under
 * test/bootstrap/golden/. A change to the configuration shows up as a reviewable diff;
 * `UPDATE_GOLDEN=1` rewrites them.
 */
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../helpers/golden.js';
import { newCluster, type NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { completeCluster } from '../../src/model/completion.js';
import { bootstrapFiles, type BootstrapFacts } from '../../src/bootstrap/kubeadm.js';
import { ETCD_PRUNE_FILE } from '../../src/bootstrap/cloud-bootstrap.js';
import { ETCD_PRUNE_PY } from '../../src/bootstrap/etcd-prune.js';
import { ETCD_BACKUP_FILE, ETCD_BACKUP_PY, ETCD_BACKUP_STORE_FILE } from '../../src/bootstrap/etcd-backup.js';
import { S3_STORE_PY } from '../../src/bootstrap/s3-store.js';
import { KUBEADM_UPLOAD_FILE, kubeadmUploadScript } from '../../src/bootstrap/kubeadm-upload.js';

const GOLDEN = new URL('./golden/', import.meta.url);

const FACTS: BootstrapFacts = {
  loadBalancerDnsName: 'api-golden-0123456789abcdef.elb.us-east-1.amazonaws.com',
  bootstrapToken: 'golden.0123456789abcdef',
  caCertHashes: [`sha256:${'ab'.repeat(32)}`],
};

const REFERENCE: Readonly<Record<string, { opts: NewClusterOptions; groups: string[] }>> = {
  minimal: { opts: { name: 'minimal.example.com', zones: ['us-east-1a'] }, groups: ['control-plane-us-east-1a', 'nodes-us-east-1a'] },
  ha: {
    opts: { name: 'ha.example.com', zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'], controlPlaneZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
    groups: ['control-plane-us-east-1a', 'control-plane-us-east-1b', 'nodes-us-east-1a'],
  },
};

function compareGolden(file: string, actual: string): void {
  expectGolden(GOLDEN, file, actual);
}

/** kops users' common control plane settings (OIDC, audit logging, admission, controller tuning). */
const COMPONENT_SETTINGS = {
  kubeAPIServer: {
    oidcIssuerURL: 'https://sso.example.com',
    oidcClientID: 'kubernetes',
    oidcUsernameClaim: 'email',
    oidcGroupsClaim: 'groups',
    oidcRequiredClaim: ['hd=example.com'],
    auditLogPath: '/var/log/kube-apiserver/audit.log',
    auditLogMaxAge: 10,
    auditLogMaxBackups: 1,
    auditLogMaxSize: 100,
    auditPolicyFile: '/srv/kubernetes/kube-apiserver/audit-policy.yaml',
    enableAdmissionPlugins: ['PodNodeSelector'],
    runtimeConfig: { 'api/all': 'true' },
    tlsMinVersion: 'VersionTLS13',
  },
  kubeControllerManager: { horizontalPodAutoscalerSyncPeriod: '15s', horizontalPodAutoscalerTolerance: '100m', terminatedPodGCThreshold: 100 },
  kubeScheduler: { logLevel: 2, kubeAPIQPS: 100 },
};

describe('golden kubeadm files', () => {
  it('match for a control plane with kubeAPIServer, kubeControllerManager and kubeScheduler settings', () => {
    const built = newCluster(REFERENCE.minimal!.opts);
    Object.assign(built.cluster.spec, structuredClone(COMPONENT_SETTINGS));
    const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
    const ig = instanceGroups.find((x) => x.metadata.name === 'control-plane-us-east-1a')!;
    const init = bootstrapFiles(cluster, ig, FACTS)!.files.find((f) => f.name === 'kubeadm-init.yaml')!;
    compareGolden('components.control-plane-us-east-1a.kubeadm-init.yaml', init.content);
  });

  for (const [name, ref] of Object.entries(REFERENCE)) {
    it(`match for the ${name} cluster's control planes and workers`, () => {
      const built = newCluster(ref.opts);
      const { cluster, instanceGroups } = completeCluster(built.cluster, built.instanceGroups);
      for (const g of ref.groups) {
        const ig = instanceGroups.find((x) => x.metadata.name === g)!;
        for (const f of bootstrapFiles(cluster, ig, FACTS)!.files) {
          // The etcd member cleanup is the same script for every group, not configuration: it is
          // its own source (etcd-prune.ts) and has its own tests (etcd-prune.test.ts).
          if (f.name === ETCD_PRUNE_FILE) expect(f.content).toBe(ETCD_PRUNE_PY);
          // Likewise the etcd backup and AWS's store helper (etcd-backup.test.ts).
          else if (f.name === ETCD_BACKUP_FILE) expect(f.content).toBe(ETCD_BACKUP_PY);
          else if (f.name === ETCD_BACKUP_STORE_FILE) expect(f.content).toBe(S3_STORE_PY);
          // And the upload before a join (kubeadm-upload.test.ts, bootstrap-script.test.ts); these clusters run no kube-proxy.
          else if (f.name === KUBEADM_UPLOAD_FILE) expect(f.content).toBe(kubeadmUploadScript(false));
          else compareGolden(`${name}.${g}.${f.name}`, f.content);
        }
      }
    });
  }
});
