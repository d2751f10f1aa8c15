/**
 * The GCE instances' bootstrap script (instance metadata `startup-script`, which the GCE guest
 * agent runs at every boot; docs/bootstrap.md, "On GCE").
 *
 * It writes the same cloud-neutral bootstrap files as the AWS user-data (src/bootstrap/node-scripts.ts:
 * install.sh, bootstrap.sh, addons.sh, the etcd-leave unit) with GCE's parts
 * (src/bootstrap/gce-bootstrap.ts: the `gs://` store read with the service account's token from
 * the metadata server, the etcd persistent disk attached with the Compute API and found at
 * `/dev/disk/by-id/google-<disk>`), then runs install.sh and bootstrap.sh. GCE has no cloud-init
 * write_files here, so the script writes each file itself from a quoted here-document. At later
 * boots it stops at once when the instance is bootstrapped (bootstrap.sh's done marker). It holds
 * no secret: it names state-store paths only.
 */
import type { BootstrapRole, WriteFile } from '../../bootstrap/cloud-bootstrap.js';
import { gceCloudBootstrap } from '../../bootstrap/gce-bootstrap.js';
import { exactVersion, renderNodeFiles, shQuote } from '../../bootstrap/node-scripts.js';
import { KOPS_TS_VERSION } from '../../version.js';
import type { StateStoreLocation } from '../aws/iam-policies.js';
import { clusterLabelValue } from './labels.js';

export interface GceStartupScriptInput {
  readonly cluster: string;
  readonly instanceGroup: string;
  readonly role: BootstrapRole | 'bastion';
  readonly initCandidate: boolean;
  /** `spec.kubernetesVersion`, e.g. `1.36.3`. */
  readonly kubernetesVersion: string;
  /** The `gs://` state store; absent for `file://`/`memory://` stores, which instances cannot read. */
  readonly stateStore?: StateStoreLocation;
  /** The sha256 of the group's node-extras.sh in its igconfig (src/bootstrap/node-extras.ts); absent: none. */
  readonly nodeExtrasSha256?: string;
  /** The digest of the group's kubelet settings (src/bootstrap/kubelet-config.ts). */
  readonly kubeletConfigHash?: string;
  /** A control plane's: the digest of its group's cluster configuration (src/bootstrap/kubeadm-upload.ts). */
  readonly clusterConfigHash?: string;
  /** A control plane's: the sha256 of its group's addons.sh (src/bootstrap/addons-script.ts). */
  readonly addonsSha256?: string;
}

/** The here-document delimiter; no written file may hold it as a line. */
export const HEREDOC_END = 'KOPS_TS_END_OF_FILE';

/** The marker bootstrap.sh writes once the instance has joined (or inited). */
const DONE = '/var/lib/kops-ts/bootstrapped';

function writeFile(f: WriteFile): string {
  if (f.content.split('\n').includes(HEREDOC_END)) throw new Error(`${f.path} holds the here-document delimiter ${HEREDOC_END}`);
  const body = f.content.endsWith('\n') ? f.content : `${f.content}\n`;
  return [
    `install -d -m 0755 ${shQuote(f.path.slice(0, f.path.lastIndexOf('/')))}`,
    `install -m ${f.permissions} /dev/null ${shQuote(f.path)}`,
    `cat >${shQuote(f.path)} <<'${HEREDOC_END}'`,
    `${body}${HEREDOC_END}`,
  ].join('\n');
}

/** The files the script writes (the cloud-neutral bootstrap with GCE's parts), in order. */
export function gceStartupFiles(i: GceStartupScriptInput): WriteFile[] {
  return renderNodeFiles(i, gceCloudBootstrap(clusterLabelValue(i.cluster)));
}

/** The script text. */
export function gceStartupScript(i: GceStartupScriptInput): string {
  const what = i.role === 'bastion'
    ? 'a bastion: no Kubernetes'
    : `Kubernetes ${exactVersion(i.kubernetesVersion).version}, kubeadm ${i.role === 'node' ? 'join' : i.initCandidate ? 'init or join' : 'join'}`;
  const lines = [
    '#!/bin/bash',
    `# kops-ts startup-script of instance group ${i.instanceGroup} (${i.role}) of cluster ${i.cluster}`,
    `# kops-ts ${KOPS_TS_VERSION}: ${what}. It holds no secret: the join material is read from the state store`,
    "# at boot with the instance's service account. The guest agent runs it at every boot.",
    'set -euo pipefail',
    '',
    `if [ -e ${DONE} ]; then`,
    `  echo "kops-ts: already bootstrapped (${DONE} exists)"`,
    '  exit 0',
    'fi',
    ...gceStartupFiles(i).map(writeFile),
  ];
  if (i.role !== 'bastion') lines.push('/opt/kops-ts/install.sh', '/opt/kops-ts/bootstrap.sh');
  return `${lines.join('\n')}\n`;
}
