/**
 * The GCE instances' bootstrap script (instance metadata `startup-script`, which the GCE guest
 * agent runs at every boot).
 *
 * The AWS user-data (src/bootstrap/user-data.ts) cannot be reused as is: it reads the state store
 * with S3 SigV4 and IMDSv2 credentials and finds the etcd volume by its EBS device. This script is
 * the GCE side of that contract as far as it is built: it fetches the group's bootstrap files
 * (`bootstrapFiles`: the kubeadm configuration, a control plane's shared PKI) from the `gs://`
 * state store with the instance's service-account token from the metadata server, into
 * /etc/kops-ts/igconfig, and then stops, saying so: installing containerd and the Kubernetes
 * packages, mounting the etcd disk and running kubeadm on GCE are not built yet.
 */
import { bootstrapFiles, igconfigDir, type BootstrapRole } from '../../bootstrap/user-data.js';
import type { StateStoreLocation } from '../aws/iam-policies.js';

export interface GceStartupScriptInput {
  readonly cluster: string;
  readonly instanceGroup: string;
  readonly role: BootstrapRole | 'bastion';
  readonly initCandidate: boolean;
  /** The `gs://` state store; absent for `file://`/`memory://` stores, which instances cannot read. */
  readonly stateStore?: StateStoreLocation;
}

function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

const BODY = `
log() { echo "kops-ts: $*" | tee -a /var/log/kops-ts-bootstrap.log >&2; }
die() { log "$*"; exit 1; }

mkdir -p /etc/kops-ts
printf 'cluster: %s\\ninstanceGroup: %s\\nrole: %s\\n' "$CLUSTER" "$INSTANCE_GROUP" "$ROLE" >/etc/kops-ts/instance-group
if [ "$ROLE" = bastion ]; then log "a bastion: no Kubernetes"; exit 0; fi
[ -n "$STATE_BUCKET" ] || die "the state store is not a gs:// bucket, so this instance cannot read its bootstrap files; use a gs:// state store"

MD=http://metadata.google.internal/computeMetadata/v1
TOKEN=$(curl -sf -H 'Metadata-Flavor: Google' "$MD/instance/service-accounts/default/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') ||
  die "cannot get the service account's token from the metadata server"

# fetch FILE: one file of this group's directory, into /etc/kops-ts/igconfig/FILE.
fetch() {
  local object dest
  object=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$IGCONFIG/$1")
  dest="/etc/kops-ts/igconfig/$1"
  install -d -m 0700 "$(dirname "$dest")"
  curl -sf -H "Authorization: Bearer $TOKEN" -o "$dest" \\
    "https://storage.googleapis.com/storage/v1/b/$STATE_BUCKET/o/$object?alt=media" ||
    die "cannot read gs://$STATE_BUCKET/$IGCONFIG/$1"
  chmod 0600 "$dest"
}

for f in $FILES; do fetch "$f"; done
log "fetched the bootstrap files of $INSTANCE_GROUP; the kubeadm bootstrap on GCE is not built yet, so this instance does not join the cluster"
`;

/** The script text; it holds no secret (it names state-store paths only). */
export function gceStartupScript(i: GceStartupScriptInput): string {
  const files = i.role === 'bastion' ? [] : bootstrapFiles(i.role, i.initCandidate);
  const dir = i.role === 'bastion' || !i.stateStore ? '' : [i.stateStore.prefix, igconfigDir(i.cluster, i.role, i.instanceGroup)].filter((s) => s !== '').join('/');
  const vars: Record<string, string> = {
    CLUSTER: i.cluster,
    INSTANCE_GROUP: i.instanceGroup,
    ROLE: i.role,
    STATE_BUCKET: i.stateStore?.bucket ?? '',
    IGCONFIG: dir,
    FILES: files.join(' '),
  };
  const header = Object.entries(vars).map(([k, v]) => `${k}=${shQuote(v)}`).join('\n');
  return `#!/bin/bash\n# kops-ts startup-script of instance group ${i.instanceGroup} (${i.role}) of cluster ${i.cluster}\nset -euo pipefail\n\n${header}\n${BODY}`;
}
