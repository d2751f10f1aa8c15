/**
 * The GCE cloud controller addon (kops's `gcp-cloud-controller.addons.k8s.io`): every kops-ts node
 * runs kubelet with `cloud-provider=external`, so it keeps the
 * `node.cloudprovider.kubernetes.io/uninitialized` taint until a cloud controller sets its
 * providerID, addresses and zone labels. On GCE that is upstream's controller
 * (kubernetes/cloud-provider-gcp), which kops-ts runs as a DaemonSet on the control planes.
 *
 * There is no upstream manifest or chart to pin: the manifest is rendered here from the completed
 * spec, with the controller's arguments and its cloud config (gce.conf) taken from the GCE model
 * (src/model/gce: its context's project, network, IP-alias mode and role tags, its names), and
 * stored next to the description as a `stored-manifest` (docs/bootstrap.md, "Addons"). The
 * version is `<image tag>-<first 12 hex digits of the manifest's sha256>`, so the path changes when
 * anything in the manifest does.
 */
import { yaml11Stream } from './yaml-1-1.js';
import { KopsError } from '../diagnostics.js';
import type { Cluster, InstanceGroup } from '../model/api/types.js';
import { GceModelContext } from '../model/gce/context.js';
import { networkProject, safeClusterName, subnetName } from '../model/gce/names.js';
import { controllerImageTag, pinnedImageTag, storedManifestAddon, type AddonFile } from './addons.js';
import { API_PORT } from './kubeadm.js';

/** The addon's directory under `addons/`. */
export const GCE_CCM_ADDON_NAME = 'gcp-cloud-controller-manager';

export const GCE_CCM_IMAGE_REPOSITORY = 'registry.k8s.io/cloud-provider-gcp/cloud-controller-manager';

/**
 * The controller image per Kubernetes minor. Upstream's release line `v<minor>.x.y` follows
 * Kubernetes 1.<minor>; each tag here is the newest of its line in registry.k8s.io's promotion
 * list (kubernetes/k8s.io, `registry.k8s.io/images/k8s-staging-cloud-provider-gcp/images.yaml`)
 * as read when this was written. No `v36` image was in that list, so 1.36 runs the 1.35 line, as
 * kops runs one image (`v35.0.0`) for every minor; a controller one minor older than the API
 * server is within Kubernetes's version-skew policy.
 */
export const GCE_CCM_IMAGE_TAGS: Readonly<Record<string, string>> = {
  '1.32': 'v32.2.5',
  '1.33': 'v33.4.0',
  '1.34': 'v34.2.0',
  '1.35': 'v35.0.2',
  '1.36': 'v35.0.2',
};

/** Each tag's image digest, from the same promotion list's `cloud-controller-manager` dmap: the manifest pulls `<tag>@sha256:<digest>`. */
export const GCE_CCM_IMAGE_DIGESTS: Readonly<Record<string, string>> = {
  'v32.2.5': 'e9a8094ea0fc5884d4cd3a09e851023c2c7331100e66cbb05a372af81323206b',
  'v33.4.0': 'd9719ba3d95f3d3ce4811fcf9ffd64b158ab9ac8c81b151cc9faa73a945b5170',
  'v34.2.0': '4795f50bd273894d46e21b5569a716374377ae06d276343a6e5eae5aa93d5de8',
  'v35.0.2': 'f1cfeca80d58695683ddaeebb41215bf7239cb49534c5eb2b6e6205929822389',
};

const NAMESPACE = 'kube-system';
const NAME = 'cloud-controller-manager';
const CONFIG_DIR = '/etc/kubernetes/gce';
const CONFIG_FILE = 'gce.conf';
/** The controller's secure port (upstream's default), probed on the host network. */
const SECURE_PORT = 10258;
const LABELS = { 'app.kubernetes.io/managed-by': 'kops-ts', 'k8s-app': GCE_CCM_ADDON_NAME } as const;

/** gce.conf's `[global]` settings, in the order written. */
export interface GceCloudConfig {
  readonly 'project-id': string;
  /** Only for a network of another project (`spec.networkID: project/name`). */
  readonly 'network-project-id'?: string;
  readonly 'network-name': string;
  /** Only when the cluster has a single subnet: the controller cannot pick one of several. */
  readonly 'subnetwork-name'?: string;
  readonly 'node-tags': string;
  /** Only when `spec.cloudProvider.gce.nodeInstancePrefix` sets it (as kops). */
  readonly 'node-instance-prefix'?: string;
  readonly multizone: boolean;
}

function gceOptions(c: Cluster): Record<string, unknown> {
  const p = c.spec.cloudProvider;
  return typeof p === 'object' && p.gce && typeof p.gce === 'object' ? (p.gce as Record<string, unknown>) : {};
}

/**
 * The cloud config, as kops writes `/etc/kubernetes/cloud.config` on GCE (node tags: the nodes'
 * role tag; multizone: every zone of the region) plus the project and the network (kops leaves
 * both to the metadata server; set here from the spec, so a shared network of another project is
 * named right).
 */
export function gceCloudConfig(m: GceModelContext): GceCloudConfig {
  const prefix = gceOptions(m.cluster)['nodeInstancePrefix'];
  if (prefix !== undefined && (typeof prefix !== 'string' || !/^[a-z0-9-]*$/.test(prefix))) {
    throw new KopsError('InvalidCloudProvider', `spec.cloudProvider.gce.nodeInstancePrefix ${JSON.stringify(prefix)} is not the start of a GCE instance name ([a-z0-9-])`, {
      hint: `fix or remove spec.cloudProvider.gce.nodeInstancePrefix with kops-ts edit cluster ${m.name}`,
      exitCode: 2,
    });
  }
  const netProject = networkProject(m.cluster.spec.networkID);
  const only = m.subnets.length === 1 ? m.subnets[0] : undefined;
  return {
    'project-id': m.project,
    ...(netProject && netProject !== m.project ? { 'network-project-id': netProject } : {}),
    'network-name': m.networkName,
    ...(only ? { 'subnetwork-name': subnetName(only, m.name) } : {}),
    'node-tags': m.tag('Node'),
    ...(typeof prefix === 'string' && prefix !== '' ? { 'node-instance-prefix': prefix } : {}),
    multizone: true,
  };
}

/** gce.conf's text (gcfg: `[global]`, one `key = value` a line). */
export function renderGceCloudConfig(cfg: GceCloudConfig): string {
  const lines = Object.entries(cfg).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${String(v)}`);
  return `[global]\n${lines.join('\n')}\n`;
}

/**
 * The controller's arguments. As kops: the safe cluster name (the controller names the load
 * balancers' resources after it), leader election, per-controller service-account credentials,
 * every controller. Node CIDRs: with IP aliases (`networking.gce`) the controller's cloud
 * allocator gives each node its alias range, as kops does; otherwise kube-controller-manager's
 * range allocator already gives them (kubeadm's `podSubnet`), and a cloud allocator would find no
 * alias range to give, so the controller allocates none (kops turns it on there too). Cloud routes
 * are off: the CNI routes pods (cilium, calico), and routes made by the controller would be
 * nothing kops-ts deletes with the cluster.
 */
export function gceCcmArgs(m: GceModelContext): string[] {
  const podCIDR = m.cluster.spec.podCIDR;
  if (m.ipAlias && !podCIDR) {
    throw new KopsError('MissingPodCIDR', `cluster ${m.name}: spec.podCIDR is not set; with IP-alias networking the GCE cloud controller allocates node ranges from it`, { hint: `set spec.podCIDR with kops-ts edit cluster ${m.name}`, exitCode: 2 });
  }
  return [
    '--cloud-provider=gce',
    `--cloud-config=${CONFIG_DIR}/${CONFIG_FILE}`,
    `--cluster-name=${safeClusterName(m.name)}`,
    '--leader-elect=true',
    '--use-service-account-credentials=true',
    '--controllers=*',
    '--configure-cloud-routes=false',
    ...(m.ipAlias ? ['--allocate-node-cidrs=true', '--cidr-allocator-type=CloudAllocator', `--cluster-cidr=${podCIDR!}`] : ['--allocate-node-cidrs=false']),
    '--v=2',
  ];
}

/** The controller image of the cluster's Kubernetes minor; a minor without one is refused. */
export function gceCcmImage(c: Cluster): { repository: string; tag: string } {
  return { repository: GCE_CCM_IMAGE_REPOSITORY, tag: controllerImageTag(c, GCE_CCM_IMAGE_TAGS, 'GCE cloud controller') };
}

/** The image reference the manifest pulls: `<repository>:<tag>`, with `@sha256:<digest>` when the tag's digest is pinned. */
export function gceCcmImageReference(image: { repository: string; tag: string }): string {
  return `${image.repository}:${pinnedImageTag(image.tag, GCE_CCM_IMAGE_DIGESTS)}`;
}

const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: NAMESPACE } : {}), labels: { ...LABELS } });
const sa = (name: string) => ({ kind: 'ServiceAccount', name, namespace: NAMESPACE });
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({ apiGroups, resources, ...(resourceNames ? { resourceNames } : {}), verbs });

/**
 * The manifest's objects: the cloud config, the controller's service account and RBAC, the
 * cloud provider's own client (`cloud-provider`, which keeps the cluster id in a kube-system
 * ConfigMap and records events), and the DaemonSet. With
 * `--use-service-account-credentials` each controller runs as its own service account in
 * kube-system (`node-controller`, `service-controller`), whose roles the API server's bootstrap
 * policy already binds; the controller's own account mints their tokens.
 */
export function gceCcmObjects(image: { repository: string; tag: string }, cfg: GceCloudConfig, args: readonly string[]): Record<string, unknown>[] {
  const conf = renderGceCloudConfig(cfg);
  const ccmRole = `kops-ts:${NAME}`;
  const providerRole = 'kops-ts:gce-cloud-provider';
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(GCE_CCM_ADDON_NAME), data: { [CONFIG_FILE]: conf } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('cloud-provider') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(ccmRole, false),
      rules: [
        rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
        rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'list', 'watch', 'update']),
        rule([''], ['serviceaccounts'], ['create', 'get']),
        rule([''], ['serviceaccounts/token'], ['create']),
        rule([''], ['nodes'], ['get', 'update', 'patch']),
        rule([''], ['nodes/status'], ['patch', 'update']),
        rule([''], ['services/status'], ['patch', 'update']),
        rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
        rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
        // The shared informers run as the controller's own account (upstream's role grants the same).
        rule(['*'], ['*'], ['list', 'watch']),
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(ccmRole, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ccmRole },
      subjects: [sa(NAME)],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${ccmRole}:apiserver-authentication-reader`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: [sa(NAME)],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(providerRole),
      rules: [rule([''], ['configmaps'], ['create', 'get', 'list', 'watch', 'patch', 'update'])],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(providerRole),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: providerRole },
      subjects: [sa('cloud-provider')],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(providerRole, false),
      rules: [rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']), rule([''], ['services/status'], ['patch', 'update'])],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(providerRole, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: providerRole },
      subjects: [sa('cloud-provider')],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(NAME),
      spec: {
        selector: { matchLabels: { 'k8s-app': GCE_CCM_ADDON_NAME } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels: { ...LABELS } },
          spec: {
            // It runs before the nodes are initialised, and before the CNI is ready: on the host
            // network of the control planes, tolerating the taints it exists to remove.
            hostNetwork: true,
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: NAME,
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: [
              { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists', effect: 'NoSchedule' },
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
            ],
            containers: [
              {
                name: NAME,
                image: gceCcmImageReference(image),
                imagePullPolicy: 'IfNotPresent',
                args: [...args],
                // The API server on this host (its serving certificate names 127.0.0.1), not the
                // service IP, which needs kube-proxy or the CNI's replacement.
                env: [{ name: 'KUBERNETES_SERVICE_HOST', value: '127.0.0.1' }, { name: 'KUBERNETES_SERVICE_PORT', value: String(API_PORT) }],
                livenessProbe: {
                  httpGet: { host: '127.0.0.1', path: '/healthz', port: SECURE_PORT, scheme: 'HTTPS' },
                  initialDelaySeconds: 15,
                  periodSeconds: 10,
                  timeoutSeconds: 15,
                  failureThreshold: 3,
                },
                resources: { requests: { cpu: '200m' } },
                volumeMounts: [{ name: 'cloud-config', mountPath: CONFIG_DIR, readOnly: true }],
              },
            ],
            volumes: [{ name: 'cloud-config', configMap: { name: GCE_CCM_ADDON_NAME } }],
          },
        },
      },
    },
  ];
}

/** The YAML stream of the objects, as kubectl reads it: YAML 1.1 (src/bootstrap/yaml-1-1.ts). */
export function renderManifest(objects: readonly Record<string, unknown>[]): string {
  return yaml11Stream(objects);
}

/**
 * The GCE cloud controller addon of a GCE cluster: the description (`stored-manifest`, with the
 * manifest's object and sha256) and the manifest, under
 * `addons/gcp-cloud-controller-manager/<tag>-<sha256 prefix>/`.
 */
export function gceCcmAddon(c: Cluster, instanceGroups: readonly InstanceGroup[]): AddonFile {
  const m = new GceModelContext({ cluster: c, instanceGroups });
  const image = gceCcmImage(c);
  const cfg = gceCloudConfig(m);
  const args = gceCcmArgs(m);
  return storedManifestAddon(c.metadata.name, GCE_CCM_ADDON_NAME, image.tag, renderManifest(gceCcmObjects(image, cfg, args)), { image, args, cloudConfig: { ...cfg } });
}
