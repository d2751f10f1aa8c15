/**
 * The cloud-neutral node bootstrap (design.md §8, docs/bootstrap.md): the files that turn a stock
 * Ubuntu 24.04 instance into a Kubernetes control plane or worker with kubeadm, whatever the cloud.
 * At boot the instance
 *  1. loads overlay and br_netfilter, sets the bridge/forwarding sysctls, turns swap off;
 *  2. installs containerd from Ubuntu's archive (pinned series, held) with the systemd cgroup
 *     driver, and kubelet/kubeadm/kubectl of exactly `spec.kubernetesVersion` from pkgs.k8s.io's
 *     repository of that minor (held);
 *  3. fetches its group's bootstrap files from `<cluster>/igconfig/<control-plane|node>/<ig>/`
 *     with the cloud's reader (`CloudBootstrap.fetchCommand`);
 *  4. workers join with the fetched JoinConfiguration; a control plane goes on with bootstrap.sh's
 *     control-plane part (src/bootstrap/control-plane-script.ts: its etcd volume, the init, join or
 *     restore decision, the etcd-leave unit, the etcd backup timer, the addons), and writes the
 *     control-plane-only files that module lists.
 *
 * How these files reach the instance is the cloud's: a cloud-config user-data on AWS
 * (src/bootstrap/user-data.ts), a startup-script on GCE (src/model/gce/startup-script.ts).
 */
import { KopsError } from '../diagnostics.js';
import type { StateStoreLocation } from '../model/aws/iam-policies.js';
import { minorOf, parseKubernetesVersion } from '../model/kubernetes-version.js';
import { shQuote } from '../text/shell-quote.js';
import {
  CONFIG_DIR, CONTAINERD_PACKAGE_VERSION, igconfigDir, KUBEADM_JOIN_FILE, KUBELET_PATCH_FILE, KUBELET_PATCH_NAME, PATCHES_DIR,
  type BootstrapRole, type CloudBootstrap, type WriteFile,
} from './cloud-bootstrap.js';
import { controlPlaneBody, controlPlaneFiles } from './control-plane-script.js';
import { NODE_EXTRAS_STEP } from './node-extras.js';
import { volumeMountFiles, type VolumeMountInput } from './volume-mounts.js';

/** What every cloud's node bootstrap is told. */
export interface NodeBootstrapCommon {
  readonly cluster: string;
  readonly instanceGroup: string;
  /** `bastion` gets no Kubernetes: only a record of who it is. */
  readonly role: BootstrapRole | 'bastion';
  /**
   * The control-plane group that runs `kubeadm init` when no API server answers yet (the first
   * control-plane group by name); every other control plane waits for the API and joins.
   */
  readonly initCandidate: boolean;
  /** `spec.kubernetesVersion`, e.g. `1.36.3` (a leading `v` is accepted). */
  readonly kubernetesVersion: string;
  /** The state store (its bucket and prefix); absent for `file://`/`memory://` stores, which instances cannot read. */
  readonly stateStore?: StateStoreLocation;
  /** The sha256 of the group's node-extras.sh in its igconfig (src/bootstrap/node-extras.ts); absent: none. */
  readonly nodeExtrasSha256?: string;
  /** The group's `volumeMounts`, mounted before anything else runs (src/bootstrap/volume-mounts.ts). */
  readonly volumeMounts?: readonly VolumeMountInput[];
  /** The digest of the group's kubelet settings (src/bootstrap/kubelet-config.ts). */
  readonly kubeletConfigHash?: string;
  /** A control plane's: the digest of its group's cluster configuration (kubeadm.ts `clusterConfigHash`). */
  readonly clusterConfigHash?: string;
  /** A control plane's: the sha256 of its group's addons.sh (addons-script.ts `addonsScriptSha256`). */
  readonly addonsSha256?: string;
}

export { shQuote };

export function exactVersion(v: string): { version: string; minor: string } {
  const parsed = parseKubernetesVersion(v);
  if (!parsed || parsed.prerelease.length > 0 || parsed.build.length > 0) {
    throw new KopsError(
      'UnsupportedKubernetesVersion',
      `spec.kubernetesVersion ${JSON.stringify(v)} is not a released version: nodes install kubelet, kubeadm and kubectl of a release from pkgs.k8s.io`,
      { hint: 'set spec.kubernetesVersion to a release such as 1.36.3' },
    );
  }
  return { version: `${parsed.major}.${parsed.minor}.${parsed.patch}`, minor: minorOf(parsed) };
}

const INSTALL_BODY = `
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=5 "$@"; }

# Kernel modules and sysctls (written by cloud-init under /etc/modules-load.d and /etc/sysctl.d).
modprobe overlay
modprobe br_netfilter
sysctl --system >/dev/null

# kubelet refuses to run with swap on.
swapoff -a
sed -i -E 's|^([^#].*[[:space:]]swap[[:space:]].*)$|# \\1|' /etc/fstab

apt_get update
apt_get install -y apt-transport-https ca-certificates curl gpg

# containerd, pinned and held, with the systemd cgroup driver kubelet uses.
apt_get install -y --allow-change-held-packages "containerd=\${CONTAINERD_VERSION}"
apt-mark hold containerd
install -d -m 0755 /etc/containerd
containerd config default >/etc/containerd/config.toml
sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml
if ! grep -q 'SystemdCgroup = true' /etc/containerd/config.toml; then
  echo "kops-ts: containerd's default configuration has no SystemdCgroup setting to turn on" >&2
  exit 1
fi
systemctl restart containerd
systemctl enable containerd

# kubelet, kubeadm and kubectl of exactly this version, from the Kubernetes repository of its minor.
install -d -m 0755 /etc/apt/keyrings
curl -fsSL --retry 5 "https://pkgs.k8s.io/core:/stable:/v\${KUBERNETES_MINOR}/deb/Release.key" |
  gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v\${KUBERNETES_MINOR}/deb/ /" \\
  >/etc/apt/sources.list.d/kubernetes.list
apt_get update
apt_get install -y --allow-change-held-packages \\
  "kubelet=\${KUBERNETES_VERSION}-*" "kubeadm=\${KUBERNETES_VERSION}-*" "kubectl=\${KUBERNETES_VERSION}-*"
apt-mark hold kubelet kubeadm kubectl
systemctl enable kubelet

# containerd's pause image: the one this kubeadm expects (kubeadm warns on a mismatch).
pause=$(kubeadm config images list --kubernetes-version "v\${KUBERNETES_VERSION}" 2>/dev/null | grep '/pause:' || true)
if [ -n "$pause" ]; then
  sed -i -E "s|^([[:space:]]*sandbox_image = ).*|\\1\\"$pause\\"|" /etc/containerd/config.toml
  systemctl restart containerd
fi
`;

/** Where bootstrap.sh's control-plane part begins: workers' scripts end before it. */
const CONTROL_PLANE_PART = '# The control plane.';

function bootstrapText(cloud: CloudBootstrap, extras: boolean): string {
  return `
DONE=/var/lib/kops-ts/bootstrapped
KUBEADM_LOG=/var/lib/kops-ts/kubeadm.log
CONFIG_DIR=${CONFIG_DIR}

die() {
  echo "kops-ts: $*" >&2
  exit 1
}

if [ -e "$DONE" ]; then
  echo "kops-ts: already bootstrapped ($DONE exists)"
  exit 0
fi
if [ -z "$STATE_BUCKET" ]; then
  die "${cloud.noStoreMessage}"
fi

# fetch FILE DEST: one file of this group's directory, read with ${cloud.credentials}.
fetch() {
  install -d -m 0700 "$(dirname "$2")"
  ${cloud.fetchCommand('"$IGCONFIG/$1"', '"$2"')} ||
    die "cannot read ${cloud.storeScheme}$STATE_BUCKET/$IGCONFIG/$1"
}

# api_answers ENDPOINT: an API server answers HTTPS there (any HTTP status counts).
api_answers() {
  local code
  code=$(curl -sk -o /dev/null --max-time 5 -w '%{http_code}' "https://$1/livez" || true)
  [ -n "$code" ] && [ "$code" != "000" ]
}

# kubeadm's output names the bootstrap token: keep it in a root-only file, not in cloud-init's log.
kubeadm_logged() {
  if ! kubeadm "$@" >>"$KUBEADM_LOG" 2>&1; then
    die "kubeadm $1 failed; its output is in $KUBEADM_LOG (root only: it may name a bootstrap token)"
  fi
}

# wait_api ENDPOINT TRIES: wait up to TRIES x 10s for an API server to answer.
wait_api() {
  local i
  for ((i = 0; i < $2; i++)); do
    if api_answers "$1"; then return 0; fi
    sleep 10
  done
  return 1
}

install -d -m 0700 "$CONFIG_DIR" /var/lib/kops-ts
install -m 0600 /dev/null "$KUBEADM_LOG"
fetch ${KUBEADM_JOIN_FILE} "$CONFIG_DIR/${KUBEADM_JOIN_FILE}"
# The group's kubelet settings: the kubeadm patch its Init/JoinConfiguration's patches.directory names.
fetch ${KUBELET_PATCH_FILE} "$CONFIG_DIR/${PATCHES_DIR.slice(CONFIG_DIR.length + 1)}/${KUBELET_PATCH_NAME}"
endpoint=$(sed -n 's/^[[:space:]]*apiServerEndpoint:[[:space:]]*//p' "$CONFIG_DIR/${KUBEADM_JOIN_FILE}" | head -n 1 | tr -d "\\"' ")
[ -n "$endpoint" ] || die "${KUBEADM_JOIN_FILE} names no discovery apiServerEndpoint"

${extras ? NODE_EXTRAS_STEP : ''}if [ "$ROLE" = node ]; then
  if grep -q '^controlPlane:' "$CONFIG_DIR/${KUBEADM_JOIN_FILE}"; then
    die "the join configuration of a worker group carries controlPlane; refusing to join as a control plane"
  fi
  wait_api "$endpoint" 90 || die "no API server answered at $endpoint for 15 minutes"
  kubeadm_logged join --config "$CONFIG_DIR/${KUBEADM_JOIN_FILE}"
  touch "$DONE"
  exit 0
fi
`;
}

/** bootstrap.sh's body: a worker's ends after its join; a control plane's goes on with control-plane-script.ts's part. */
export function bootstrapBody(cloud: CloudBootstrap, role: BootstrapRole, extras = false): string {
  const common = bootstrapText(cloud, extras);
  return role === 'node' ? common : `${common}\n${controlPlaneBody(cloud)}`;
}

export function header(vars: Readonly<Record<string, string>>): string {
  return Object.entries(vars).map(([k, v]) => `${k}=${shQuote(v)}`).join('\n');
}

function script(comment: string, vars: Readonly<Record<string, string>>, body: string): string {
  return `#!/bin/bash\n# ${comment}\nset -euo pipefail\n\n${header(vars)}\n${body}`;
}

/** The files a group writes, in order, with `cloud`'s reader, attacher and helpers. */
export function renderNodeFiles(i: NodeBootstrapCommon, cloud: CloudBootstrap): WriteFile[] {
  const identity: WriteFile = {
    path: '/etc/kops-ts/instance-group',
    permissions: '0644',
    // kubeletConfig: the digest of the group's kubelet settings, so that a change rolls the group.
    // clusterConfig: a control plane's cluster configuration, which it checks and uploads before joining (kubeadm-upload.ts).
    content: [`cluster: ${i.cluster}`, `instanceGroup: ${i.instanceGroup}`, `role: ${i.role}`, ...(i.kubeletConfigHash && i.role !== 'bastion' ? [`kubeletConfig: ${i.kubeletConfigHash}`] : []),
      ...(i.clusterConfigHash && i.role === 'control-plane' ? [`clusterConfig: ${i.clusterConfigHash}`] : []),
      // addons: a control plane's addons.sh, checked before it runs: an addon change rolls the control planes.
      ...(i.addonsSha256 && i.role === 'control-plane' ? [`addons: ${i.addonsSha256}`] : []), ''].join('\n'),
  };
  const mounts = volumeMountFiles(i.volumeMounts ?? [], i.role !== 'bastion');
  if (i.role === 'bastion') return [identity, ...mounts];
  const { version, minor } = exactVersion(i.kubernetesVersion);
  const files: WriteFile[] = [
    identity,
    ...mounts,
    { path: '/etc/modules-load.d/kops-ts.conf', permissions: '0644', content: 'overlay\nbr_netfilter\n' },
    {
      path: '/etc/sysctl.d/99-kops-ts.conf',
      permissions: '0644',
      content: 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n',
    },
    ...cloud.helperFiles(i.role),
    {
      path: '/opt/kops-ts/install.sh',
      permissions: '0700',
      content: script('kops-ts: kernel settings, swap off, containerd and the Kubernetes packages', {
        KUBERNETES_VERSION: version, KUBERNETES_MINOR: minor, CONTAINERD_VERSION: CONTAINERD_PACKAGE_VERSION,
      }, INSTALL_BODY),
    },
    {
      path: '/opt/kops-ts/bootstrap.sh',
      permissions: '0700',
      content: script(`kops-ts: fetch this group's bootstrap files with ${cloud.credentials}, then kubeadm init or join`, {
        ROLE: i.role,
        ...(i.role === 'control-plane' ? { INIT_CANDIDATE: i.initCandidate ? '1' : '0' } : {}),
        ...cloud.storeVars,
        STATE_BUCKET: i.stateStore?.bucket ?? '',
        IGCONFIG: i.stateStore
          ? [i.stateStore.prefix, igconfigDir(i.cluster, i.role, i.instanceGroup)].filter((s) => s !== '').join('/')
          : '',
        ...(i.role === 'control-plane' ? cloud.etcdVars(i.cluster) : {}),
        ...(i.nodeExtrasSha256 ? { NODE_EXTRAS_SHA256: i.nodeExtrasSha256 } : {}),
      }, bootstrapBody(cloud, i.role, i.nodeExtrasSha256 !== undefined)),
    },
  ];
  if (i.role === 'control-plane') files.push(...controlPlaneFiles(cloud, i.cluster, i.stateStore));
  return files;
}

