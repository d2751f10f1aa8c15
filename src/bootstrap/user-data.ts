/**
 * AWS's node bootstrap: the launch templates' user-data, a cloud-config per instance group that
 * writes the cloud-neutral bootstrap files (src/bootstrap/node-scripts.ts) and runs them
 * (design.md §8, docs/bootstrap.md).
 *
 * It is small (it is sent gzipped, under AWS's 16 KB) and holds no secret: it names state-store
 * paths only. AWS's parts of the bootstrap (`awsCloudBootstrap`): the state store is read with the
 * instance role (`s3get.py`: IMDSv2 credentials, SigV4; src/bootstrap/s3-fetch.ts), and a control
 * plane's etcd volume is found by its tags and attached with EC2's AttachVolume (`etcdvol.py`,
 * src/bootstrap/etcd-volume.ts), then appears as its NVMe or Xen device; the control planes that
 * still exist are listed with EC2's DescribeInstances by the cluster's tags (`control-planes.py`,
 * src/bootstrap/aws-control-planes.ts) for the etcd member cleanup before a join.
 *
 * The files the instance fetches are the contract with the kubeadm configuration writer
 * (src/bootstrap/kubeadm.ts): `bootstrapFiles` lists them.
 */
import type { StateStoreLocation } from '../model/aws/iam-policies.js';
import { KOPS_TS_VERSION } from '../version.js';
import { CONTROL_PLANES_PATH, CONTROL_PLANES_PY } from './aws-control-planes.js';
import type { CloudBootstrap, WriteFile } from './cloud-bootstrap.js';
import { ETCD_BACKUP_STORE_PATH } from './etcd-backup.js';
import { ETCD_VOLUME_DEVICE, ETCD_VOLUME_FUNCTIONS, ETCD_VOLUME_PATH, ETCD_VOLUME_PY } from './etcd-volume.js';
import { exactVersion, renderNodeFiles, type NodeBootstrapCommon } from './node-scripts.js';
import { S3_FETCH_PATH, S3_FETCH_PY } from './s3-fetch.js';
import { VOLUME_MOUNTS_PATH } from './volume-mounts.js';

export {
  BOOTSTRAP_ENV_FILE, bootstrapFiles, CONTAINERD_PACKAGE_VERSION, CONTROL_PLANE_PKI_FILES, HELM_SHA256, HELM_VERSION, igconfigDir,
  KUBEADM_INIT_FILE, KUBEADM_JOIN_FILE, type BootstrapRole,
} from './cloud-bootstrap.js';

export interface NodeBootstrapInput extends NodeBootstrapCommon {
  /** The cluster's region: the first guess for the bucket's (S3 names the right one if it differs). */
  readonly region: string;
  /** The S3 state store; absent for `file://`/`memory://` stores, which instances cannot read. */
  readonly stateStore?: StateStoreLocation;
}

/** AWS's parts: S3 with the instance role, the etcd EBS volume by its tags. */
export function awsCloudBootstrap(region: string): CloudBootstrap {
  return {
    storeScheme: 's3://',
    credentials: 'the instance role',
    noStoreMessage: 'the state store is not an S3 bucket, so this instance cannot read its bootstrap files; use an s3:// state store',
    fetchCommand: (key, dest) => `python3 ${S3_FETCH_PATH} "$STATE_BUCKET" ${key} ${dest} "$REGION"`,
    etcdAttachCommand: `python3 ${ETCD_VOLUME_PATH} "$CLUSTER" "$members" "$REGION" "$ETCD_DEVICE"`,
    controlPlaneAddressesCommand: `python3 ${CONTROL_PLANES_PATH} "$CLUSTER" "$REGION"`,
    // s3-store.ts: S3 with the instance role, for the etcd backups.
    etcdBackupStore: (bucket) => ['/usr/bin/python3', ETCD_BACKUP_STORE_PATH, bucket, region],
    etcdVolumeFunctions: ETCD_VOLUME_FUNCTIONS,
    addonsComment: 'The CNI and the AWS cloud controller',
    addonsWhat: 'CNI, AWS cloud controller',
    storeVars: { REGION: region },
    etcdVars: (cluster) => ({ CLUSTER: cluster, ETCD_DEVICE: ETCD_VOLUME_DEVICE }),
    helperFiles: (role) => [
      { path: S3_FETCH_PATH, permissions: '0755', content: S3_FETCH_PY },
      ...(role === 'control-plane'
        ? [
          { path: ETCD_VOLUME_PATH, permissions: '0755', content: ETCD_VOLUME_PY },
          { path: CONTROL_PLANES_PATH, permissions: '0755', content: CONTROL_PLANES_PY },
        ]
        : []),
    ],
  };
}

/** The files a group writes, in order. */
export function nodeWriteFiles(i: NodeBootstrapInput): WriteFile[] {
  return renderNodeFiles(i, awsCloudBootstrap(i.region));
}

/** One literal block, indented under `content: |`. */
export function renderWriteFile(f: WriteFile): string {
  const lines = f.content.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : `    ${l}`));
  return [`- path: ${f.path}`, `  permissions: '${f.permissions}'`, '  content: |', ...lines].join('\n');
}

/** The user-data text (a cloud-config document); the launch template sends it gzipped. */
export function nodeUserData(i: NodeBootstrapInput): string {
  const what = i.role === 'bastion'
    ? 'a bastion: no Kubernetes'
    : `Kubernetes ${exactVersion(i.kubernetesVersion).version}, kubeadm ${i.role === 'node' ? 'join' : i.initCandidate ? 'init or join' : 'join'}`;
  const lines = [
    '#cloud-config',
    `# kops-ts ${KOPS_TS_VERSION} user-data of instance group ${i.instanceGroup} (${i.role}) of cluster ${i.cluster}: ${what}.`,
    '# It holds no secret: the join material is read from the state store at boot with the instance role.',
    'write_files:',
    ...nodeWriteFiles(i).map(renderWriteFile),
  ];
  // One command: cloud-init runs runcmd's entries one after the other even when one fails.
  // The group's volumes are mounted first: containerd and kubelet may keep their data there.
  const run = [...(i.volumeMounts?.length ? [VOLUME_MOUNTS_PATH] : []), ...(i.role !== 'bastion' ? ['/opt/kops-ts/install.sh', '/opt/kops-ts/bootstrap.sh'] : [])];
  if (run.length > 0) lines.push('runcmd:', `- ${run.join(' && ')}`);
  return `${lines.join('\n')}\n`;
}
