/**
 * The cluster autoscaler addon (kops's `cluster-autoscaler.addons.k8s.io`), AWS: a manifest
 * kops-ts renders from the completed spec and keeps in the state store as a `stored-manifest`
 * (as the GCE cloud controller, gce-ccm.ts), applied by addons.sh on every control plane.
 *
 * The objects are kops's template's: a PodDisruptionBudget, the service account, its ClusterRole
 * and namespaced Role with their bindings, the metrics Service, the priority expander's ConfigMap
 * (expander `priority` with `createPriorityExpanderConfig`), and the Deployment on the control
 * planes (host network, so it reaches the instance metadata with the control-plane role's
 * credentials, as kops runs it without service-account roles).
 *
 * One difference from kops: kops lists every node group as `--nodes=<min>:<max>:<asg>`; kops-ts
 * uses `--node-group-auto-discovery` on the groups' `k8s.io/cluster-autoscaler/enabled` and
 * `k8s.io/cluster-autoscaler/<cluster>` tags (src/model/aws/compute.ts), so the autoscaler reads
 * each group's bounds from the group itself: a `minSize`/`maxSize` change is not an addon change,
 * and so does not roll the control planes (their launch templates name addons.sh's digest).
 *
 * Deterministic: the same spec renders the same bytes (no timestamps, sorted groups and keys).
 */
import { yaml11, yaml11Stream } from './yaml-1-1.js';
import type { Cluster, ClusterAutoscalerSpec, InstanceGroup } from '../model/api/types.js';
import { normalizeRole } from '../model/api/types.js';
import { AUTOSCALER_ENABLED_TAG, autoscaledGroup, autoscalerClusterTag, clusterAutoscalerEnabled, writesPriorityConfig } from '../model/cluster-autoscaler.js';
import { autoscalingGroupName } from '../model/aws/names.js';
import { regionOfZone } from '../model/validation-util.js';
import { storedManifestAddon, type AddonFile } from './addons.js';

/** The addon's directory under `addons/`. */
export const CLUSTER_AUTOSCALER_ADDON_NAME = 'cluster-autoscaler';
const NAME = 'cluster-autoscaler';
const NAMESPACE = 'kube-system';
const PRIORITY_CONFIG_MAP = 'cluster-autoscaler-priority-expander';
const METRICS_PORT = 8085;
const LABELS = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/managed-by': 'kops-ts', 'k8s-app': NAME } as const;

const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: NAMESPACE } : {}), labels: { ...LABELS } });
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({ apiGroups, resources, ...(resourceNames ? { resourceNames } : {}), verbs });
const SUBJECTS = [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }];

/** A regular expression matching exactly `name` (the priority expander matches unanchored). */
function exactly(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * The priority expander's priorities: `customPriorityExpanderConfig` as given, else each group the
 * autoscaler scales at its `autoscalePriority` (default 0), by its autoscaling group's exact name.
 * kops writes the bare name, which the expander reads as an unanchored regular expression, so a
 * group `nodes` would also match `gpu-nodes`: kops-ts anchors and escapes it.
 */
export function autoscalerPriorities(c: Cluster, igs: readonly InstanceGroup[]): Map<number, string[]> {
  const ca = c.spec.clusterAutoscaler ?? {};
  const out = new Map<number, string[]>();
  if (ca.customPriorityExpanderConfig) {
    // Keys that name one priority ("7" and "007") share it: the expander reads the keys as integers.
    for (const [p, names] of Object.entries(ca.customPriorityExpanderConfig)) out.set(Number(p), [...(out.get(Number(p)) ?? []), ...names]);
  } else {
    for (const ig of [...igs].filter(autoscaledGroup).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
      const p = ig.spec.autoscalePriority ?? 0;
      out.set(p, [...(out.get(p) ?? []), exactly(autoscalingGroupName(ig, c.metadata.name))]);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => a - b));
}

/** The autoscaler's arguments, from the completed spec (kops's template's, in its order). */
export function clusterAutoscalerArgs(ca: ClusterAutoscalerSpec, cluster: string): string[] {
  return [
    `--balance-similar-node-groups=${String(ca.balanceSimilarNodeGroups ?? false)}`,
    `--emit-per-nodegroup-metrics=${String(ca.emitPerNodegroupMetrics ?? false)}`,
    '--cloud-provider=aws',
    `--aws-use-static-instance-list=${String(ca.awsUseStaticInstanceList ?? false)}`,
    `--expander=${ca.expander ?? 'random'}`,
    `--node-group-auto-discovery=asg:tag=${AUTOSCALER_ENABLED_TAG},${autoscalerClusterTag(cluster)}`,
    `--ignore-daemonsets-utilization=${String(ca.ignoreDaemonSetsUtilization ?? false)}`,
    `--scale-down-utilization-threshold=${String(ca.scaleDownUtilizationThreshold ?? '0.5')}`,
    `--skip-nodes-with-custom-controller-pods=${String(ca.skipNodesWithCustomControllerPods ?? true)}`,
    `--skip-nodes-with-local-storage=${String(ca.skipNodesWithLocalStorage ?? true)}`,
    `--skip-nodes-with-system-pods=${String(ca.skipNodesWithSystemPods ?? true)}`,
    `--scale-down-delay-after-add=${ca.scaleDownDelayAfterAdd ?? '10m0s'}`,
    `--scale-down-unneeded-time=${ca.scaleDownUnneededTime ?? '10m0s'}`,
    `--scale-down-unready-time=${ca.scaleDownUnreadyTime ?? '20m0s'}`,
    `--new-pod-scale-up-delay=${ca.newPodScaleUpDelay ?? '0s'}`,
    `--max-node-provision-time=${ca.maxNodeProvisionTime ?? '15m0s'}`,
    `--cordon-node-before-terminating=${String(ca.cordonNodeBeforeTerminating ?? true)}`,
    '--logtostderr=true',
    '--stderrthreshold=info',
    '--v=4',
  ];
}

/** kops: two replicas with a highly available control plane (more than one control-plane instance), else one. */
function replicas(igs: readonly InstanceGroup[]): number {
  const instances = igs.filter((ig) => normalizeRole(ig.spec.role) === 'ControlPlane').reduce((n, ig) => n + (ig.spec.minSize ?? 1), 0);
  return instances > 1 ? 2 : 1;
}

function rbacObjects(): Record<string, unknown>[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME), automountServiceAccountToken: true },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(NAME, false),
      rules: [
        rule([''], ['events', 'endpoints'], ['create', 'patch']),
        rule([''], ['pods/eviction'], ['create']),
        rule([''], ['pods/status'], ['update']),
        rule([''], ['endpoints'], ['get', 'update'], [NAME]),
        rule([''], ['nodes'], ['watch', 'list', 'get', 'update']),
        rule(['resource.k8s.io'], ['resourceslices', 'deviceclasses', 'resourceclaims'], ['watch', 'list', 'get']),
        rule([''], ['namespaces', 'pods', 'services', 'replicationcontrollers', 'persistentvolumeclaims', 'persistentvolumes'], ['watch', 'list', 'get']),
        rule(['batch'], ['jobs', 'cronjobs'], ['watch', 'list', 'get']),
        rule(['batch', 'extensions'], ['jobs'], ['get', 'list', 'patch', 'watch']),
        rule(['extensions'], ['replicasets', 'daemonsets'], ['watch', 'list', 'get']),
        rule(['policy'], ['poddisruptionbudgets'], ['watch', 'list']),
        rule(['apps'], ['daemonsets', 'replicasets', 'statefulsets'], ['watch', 'list', 'get']),
        rule(['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], ['watch', 'list', 'get']),
        rule([''], ['configmaps'], ['list', 'watch', 'get']),
        rule(['coordination.k8s.io'], ['leases'], ['create']),
        rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], [NAME]),
      ],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(NAME, false), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME }, subjects: SUBJECTS },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(NAME),
      rules: [rule([''], ['configmaps'], ['create']), rule([''], ['configmaps'], ['delete', 'get', 'update'], ['cluster-autoscaler-status'])],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(NAME), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME }, subjects: SUBJECTS },
  ];
}

/** Where the projected token is mounted and what it is called (kops's, for its addons' roles). */
const TOKEN_DIR = '/var/run/secrets/amazonaws.com';
const TOKEN_VOLUME = 'token-amazonaws-com';

/** Options of the rendering. */
export interface ClusterAutoscalerRenderOptions {
  /** The autoscaler's own IAM role (useServiceAccountExternalPermissions): its ARN, given to the AWS SDK with a projected token. */
  readonly roleArn?: string;
}

/**
 * With a role of its own: the AWS SDK's web-identity variables and a service-account token for
 * `amazonaws.com` (the audience the role's trust requires), as kops's AddServiceAccountRole sets
 * them. No webhook: kops-ts renders the Deployment itself.
 */
function webIdentity(roleArn: string | undefined) {
  if (!roleArn) return { env: [], volumeMounts: undefined, volumes: undefined };
  return {
    env: [{ name: 'AWS_ROLE_ARN', value: roleArn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${TOKEN_DIR}/token` }],
    volumeMounts: [{ name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true }],
    volumes: [{ name: TOKEN_VOLUME, projected: { defaultMode: 0o644, sources: [{ serviceAccountToken: { audience: 'amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }],
  };
}

function deployment(ca: ClusterAutoscalerSpec, cluster: string, region: string, count: number, roleArn?: string): Record<string, unknown> {
  const irsa = webIdentity(roleArn);
  const selector = { app: NAME };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(NAME),
    spec: {
      replicas: count,
      selector: { matchLabels: selector },
      // Host network: two pods cannot share a node's metrics port, so the old one goes first.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0 } },
      template: {
        metadata: {
          annotations: { 'prometheus.io/port': String(METRICS_PORT), 'prometheus.io/scrape': 'true', ...sortedRecord(ca.podAnnotations ?? {}) },
          labels: { ...LABELS, ...selector },
        },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] },
                  { matchExpressions: [{ key: 'node-role.kubernetes.io/master', operator: 'Exists' }] },
                ],
              },
            },
          },
          priorityClassName: 'system-cluster-critical',
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: NAME,
          hostNetwork: true,
          tolerations: [
            { operator: 'Exists', key: 'node-role.kubernetes.io/control-plane' },
            { operator: 'Exists', key: 'node-role.kubernetes.io/master' },
          ],
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector } },
          ],
          containers: [
            {
              name: NAME,
              image: ca.image ?? '',
              imagePullPolicy: 'IfNotPresent',
              command: ['./cluster-autoscaler', ...clusterAutoscalerArgs(ca, cluster)],
              env: [{ name: 'AWS_REGION', value: region }, ...irsa.env],
              ...(irsa.volumeMounts ? { volumeMounts: irsa.volumeMounts } : {}),
              livenessProbe: { failureThreshold: 3, httpGet: { path: '/health-check', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
              ports: [{ containerPort: METRICS_PORT, name: 'http', protocol: 'TCP' }],
              resources: { requests: { cpu: String(ca.cpuRequest ?? '100m'), memory: String(ca.memoryRequest ?? '300Mi') } },
            },
          ],
          ...(irsa.volumes ? { volumes: irsa.volumes } : {}),
        },
      },
    },
  };
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The YAML stream of the objects, as kubectl reads it: YAML 1.1 (src/bootstrap/yaml-1-1.ts), so that
 * a pod annotation `"yes"` stays a string (and an annotation key `on` does not become `true`).
 */
function renderManifest(objects: readonly Record<string, unknown>[]): string {
  return yaml11Stream(objects);
}

/** The manifest's objects for a completed cluster whose autoscaler is enabled. */
export function clusterAutoscalerObjects(c: Cluster, igs: readonly InstanceGroup[], opts: ClusterAutoscalerRenderOptions = {}): Record<string, unknown>[] {
  const ca = c.spec.clusterAutoscaler ?? {};
  const name = c.metadata.name;
  const region = regionOfZone((c.spec.subnets ?? []).find((s) => s.zone)?.zone ?? '');
  const priority = writesPriorityConfig(ca)
    ? [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(PRIORITY_CONFIG_MAP), data: { priorities: yaml11(autoscalerPriorities(c, igs)) } }]
    : [];
  return [
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(NAME), spec: { selector: { matchLabels: { app: NAME } }, maxUnavailable: 1 } },
    ...rbacObjects(),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(NAME),
      spec: { ports: [{ port: METRICS_PORT, protocol: 'TCP', targetPort: METRICS_PORT, name: 'http' }], selector: { app: NAME }, type: 'ClusterIP' },
    },
    ...priority,
    deployment(ca, name, region, replicas(igs), opts.roleArn),
  ];
}

/** The image's tag for the addon's version (path-safe), e.g. `v1.36.0`. */
function versionTag(image: string): string {
  const tag = /:([^:/@]+)(@|$)/.exec(image)?.[1] ?? 'image';
  return tag.replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * The cluster autoscaler addon of a completed cluster, or undefined when it is not enabled: the
 * description (`stored-manifest`) and the manifest, under
 * `addons/cluster-autoscaler/<image tag>-<first 12 hex of the manifest's sha256>/`.
 */
export function clusterAutoscalerAddon(c: Cluster, igs: readonly InstanceGroup[], opts: ClusterAutoscalerRenderOptions = {}): AddonFile | undefined {
  if (!clusterAutoscalerEnabled(c.spec)) return undefined;
  const image = c.spec.clusterAutoscaler?.image ?? '';
  return storedManifestAddon(c.metadata.name, CLUSTER_AUTOSCALER_ADDON_NAME, versionTag(image), renderManifest(clusterAutoscalerObjects(c, igs, opts)), {
    image,
    args: clusterAutoscalerArgs(c.spec.clusterAutoscaler ?? {}, c.metadata.name),
  });
}
