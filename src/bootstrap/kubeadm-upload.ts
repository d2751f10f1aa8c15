/**
 * A joining control plane brings the cluster's configuration up to its own before `kubeadm join`
 * (docs/bootstrap.md, "A joining control plane"; docs/upgrades.md).
 *
 * `kubeadm join` does not use a ClusterConfiguration given with `--config`: it reads the one in the
 * cluster's `kube-system/kubeadm-config` ConfigMap (kubeadm's `fetchInitConfigurationFromJoinConfiguration`),
 * which `kubeadm init` wrote once. kops-ts replaces instances instead of running `kubeadm upgrade`,
 * so without this step a replaced control plane would run the version and settings the cluster was
 * created with: a minor upgrade's first replacement fails kubeadm's kubelet version check, a patch
 * upgrade silently keeps the old static pods, and a changed apiServer/controllerManager/scheduler/
 * etcd setting never arrives. So, as the Cluster API kubeadm control-plane provider does (from
 * its controller; kops-ts from the node), before joining the control plane
 *  1. checks that its group's `kubeadm-init.yaml` is the cluster configuration its launch template
 *     was made for: the file's first line names the digest of its spec-derived part (ClusterConfiguration
 *     and KubeProxyConfiguration, `clusterConfigHash` in kubeadm.ts), which the user data carries
 *     in /etc/kops-ts/instance-group as `clusterConfig:`;
 *  2. mints a one-hour admin client certificate (group `kubeadm:cluster-admins`) from the cluster CA
 *     it fetched, into a 0600 file under /run/kops-ts that is removed on exit;
 *  3. uploads the ClusterConfiguration (`kubeadm init phase upload-config kubeadm`);
 *  4. re-applies kube-proxy when it is enabled (`kubeadm init phase addon kube-proxy`: its DaemonSet's
 *     image follows kubernetesVersion, its ConfigMap the KubeProxyConfiguration) and CoreDNS
 *     (`kubeadm init phase addon coredns`: kubeadm's CoreDNS version for this release; kubeadm keeps
 *     the deployment's replica count and a Corefile changed by hand), as `kubeadm upgrade apply` does;
 *  5. when kube-proxy is off (`kubeProxy.enabled: false`, as cilium's kube-proxy replacement needs),
 *     deletes the DaemonSet and ConfigMap kubeadm made for it while it was on (kubeadm skips the
 *     phase but never removes them); not-found is success, so a cluster that never ran it, and a
 *     second run, change nothing.
 * After a restore (`kubeadm init` over the only member's data, which ran the upload and addon
 * phases itself) bootstrap.sh runs it again with `restored`: the check, then step 5 only, with the
 * admin kubeconfig init wrote, retried while the endpoint does not answer yet.
 * A failure stops the boot before the join, in one stderr line naming the step; kubeadm's output
 * goes to the root-only log bootstrap.sh keeps for it.
 *
 * The digest leaves out what is known only after the apply (the API load balancer's address, in
 * controlPlaneEndpoint and certSANs) and the bootstrap token (InitConfiguration): the launch
 * template is planned before the load balancer exists, and `rotate bootstrap-token` must not roll
 * the control planes. So the check is of the digest kops-ts wrote beside the configuration, not of
 * the file's bytes: it refuses a store that moved on (a later `update` wrote another configuration)
 * as node-extras.sh's check does.
 *
 * The script is read from the group's igconfig, like etcd-prune.py: AWS's user data has no room left.
 */
import { KUBEADM_INIT_FILE, KUBEADM_UPLOAD_FILE } from './cloud-bootstrap.js';

export { KUBEADM_UPLOAD_FILE };
/** kubeadm-init.yaml's first line, followed by the digest of its cluster configuration. */
export const CLUSTER_CONFIG_LABEL = '# kops-ts cluster configuration ';
/** Where the short-lived admin kubeconfig is made (a tmpfs: never on disk). */
export const UPLOAD_RUN_DIR = '/run/kops-ts';
/** The identity file the user data writes; a control plane's names `clusterConfig: <digest>`. */
export const IDENTITY_FILE = '/etc/kops-ts/instance-group';

/** The admin kubeconfig `kubeadm init` writes: what a restored control plane removes kube-proxy with. */
export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';

/**
 * kube-proxy's removal when it is off (step 5): its DaemonSet first (its pods go), then the
 * ConfigMap they read. Tried for up to 5 minutes, 10 s apart: a restored control plane's endpoint
 * (the load balancer) answers only once its health check passes.
 */
const KUBE_PROXY_REMOVAL = `
# kube-proxy is off: kubeadm's DaemonSet and ConfigMap from when it was on go (not-found is success).
for ((i = 0; i < 30; i++)); do
  kubectl --kubeconfig "$kubeconfig" -n kube-system delete daemonset/kube-proxy configmap/kube-proxy \\
    --ignore-not-found >>"$log" 2>&1 && break
  sleep 10
done
((i < 30)) || fail "kubectl could not delete kube-proxy's DaemonSet and ConfigMap; its output is in $log"
`;

/** kubeadm-upload.sh; `kubeProxy`: kube-proxy is enabled (kubeadm.ts `kubeProxyEnabled`). */
export function kubeadmUploadScript(kubeProxy: boolean): string {
  const addons = [...(kubeProxy ? ['kube-proxy'] : []), 'coredns'];
  return `#!/bin/bash
# kops-ts: before this control plane's kubeadm join, the cluster's kube-system/kubeadm-config gets
# this group's ClusterConfiguration (kubeadm join reads it there, not from its --config), and the
# addons kubeadm upgrade would update follow it (src/bootstrap/kubeadm-upload.ts, docs/bootstrap.md).
# Run by bootstrap.sh: CONFIG (${KUBEADM_INIT_FILE}) LOG (root only) IDENTITY (${IDENTITY_FILE}) RUN_DIR,
# and MODE \`restored\` after kubeadm init restored the only etcd member's data (init uploaded).
set -euo pipefail
config=$1
log=$2
identity=$3
run_dir=$4
mode=\${5:-join}

fail() {
  echo "kops-ts: $*" >&2
  exit 1
}

want=$(sed -n 's/^clusterConfig: //p' "$identity" 2>/dev/null || true)
[ -n "$want" ] || fail "$identity names no clusterConfig digest"
[ "$(head -n 1 "$config")" = "${CLUSTER_CONFIG_LABEL}$want" ] ||
  fail "${KUBEADM_INIT_FILE} is not the one this instance was launched for"
[ "$mode" = join ] || [ "$mode" = restored ] || fail "kubeadm-upload.sh: unknown mode $mode (join or restored)"

# upload: the ClusterConfiguration and kubeadm's addons, with a one-hour admin identity from the
# cluster CA this instance fetched, removed on exit; never ${ADMIN_KUBECONFIG}, which kubeadm join
# writes. Its key goes to the file, not the log.
upload() {
  install -d -m 0700 "$run_dir"
  kubeconfig=$(mktemp "$run_dir/kubeadm-upload.XXXXXX")
  trap 'rm -f "$kubeconfig"' EXIT
  kubeadm kubeconfig user --config "$config" --client-name "kops-ts:bootstrap:$(hostname)" \\
    --org kubeadm:cluster-admins --validity-period 1h >"$kubeconfig" 2>>"$log" ||
    fail "kubeadm kubeconfig user failed before the join; its output is in $log"
  phase upload-config kubeadm
${addons.map((a) => `  phase addon ${a}`).join('\n')}
}

# phase NAME...: one kubeadm init phase against the cluster.
phase() {
  kubeadm init phase "$@" --config "$config" --kubeconfig "$kubeconfig" >>"$log" 2>&1 ||
    fail "kubeadm init phase $* failed before the join; its output is in $log"
}

if [ "$mode" = restored ]; then
  kubeconfig=${ADMIN_KUBECONFIG}
else
  upload
fi
${kubeProxy ? '' : KUBE_PROXY_REMOVAL}`;
}
