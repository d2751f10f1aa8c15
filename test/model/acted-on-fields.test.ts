/**
 * The audit of docs/spec.md's field table: every field kops-ts types (the "acted on" part of
 * `schema.ts`) is in exactly one class below, and every field of the first class has a case that
 * shows its effect on the tasks `buildAwsTasks` builds (a pure function of the completed spec).
 *
 * - ACTED: changes what is built; each case edits one field and lists the exact task changes.
 * - TESTED_ELSEWHERE: acted on, with the effect tested next to the code that has it (network,
 *   load balancers and firewall, DNS, IAM, completion, the GCE model, the node bootstrap's kubeadm
 *   configuration and addons, rolling-update); the audit checks the named test file names the field.
 * - VALIDATED_ONLY: validated, no effect on what is built or on the nodes (the reason is given).
 *
 * To add a field to the table: add it to schema.ts and types.ts, then here. This test fails until
 * it is classified, and an ACTED field until its case shows an effect.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRef } from '../../src/tasks/types.js';
import { buildAwsTasks, type AwsModelInput } from '../../src/model/aws/index.js';
import { completeCluster } from '../../src/model/completion.js';
import { validateCluster } from '../../src/model/validation.js';
import { bootstrapFiles } from '../../src/bootstrap/kubeadm.js';
import { KUBELET_ACTED_FIELDS } from '../../src/model/kubelet.js';
import { COMPONENT_ARGS } from '../../src/model/control-plane-components.js';
import { CLUSTER_SPEC, type FieldShape } from '../../src/model/api/schema.js';
import { INSTANCE_GROUP_SPEC } from '../../src/model/api/schema-instance-group.js';
import type { Cluster, InstanceGroup } from '../../src/model/api/types.js';
import { ig, userCluster, userIGs } from './helpers.js';
import { spotCases } from './acted-on-spot.js';
import { asgCases } from './acted-on-asg.js';
import { volumeCases } from './acted-on-volumes.js';
import { iamCases } from './acted-on-iam.js';
import { overrideCases } from './acted-on-overrides.js';

const NAME = 'audit.example.com';
const ZONES = ['us-east-1a', 'us-east-1b'];
const NODES = 'nodes-us-east-1a';
const CP = 'control-plane-us-east-1a';
const KEY = { key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin', fingerprint: '00:11:22' };
const KMS = 'arn:aws:kms:us-east-1:111122223333:key/abcd';

interface Spec {
  cluster: Cluster;
  igs: InstanceGroup[];
}

function baseSpec(): Spec {
  return { cluster: userCluster(ZONES, { name: NAME }), igs: userIGs(ZONES) };
}

function build(s: Spec, input: Partial<AwsModelInput> = {}) {
  const done = completeCluster(s.cluster, s.igs);
  return buildAwsTasks({ cluster: done.cluster, instanceGroups: done.instanceGroups, sshPublicKey: KEY, ...input });
}

/** Every leaf of a task's desired state: `path` → JSON (refs as `ref(Kind/name.output)`). */
function flatten(v: unknown, path: string, out: Map<string, string>): void {
  if (isRef(v)) out.set(path, `ref(${v.kind}/${v.name}.${v.output})`);
  else if (Array.isArray(v)) out.set(path, JSON.stringify(v.map((x) => (isRef(x) ? `ref(${x.kind}/${x.name}.${x.output})` : x))));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) flatten(x, path ? `${path}.${k}` : k, out);
  else out.set(path, JSON.stringify(v));
}

/** What an edit of the spec changes in the built tasks: `+ Kind/name`, `- Kind/name`, `~ Kind/name path: a -> b`. */
function effect(edit: (s: Spec) => void, input: Partial<AwsModelInput> = {}): string[] {
  const before = build(baseSpec());
  const s = baseSpec();
  edit(s);
  const after = build(s, input);
  const key = (t: { kind: string; name: string }) => `${t.kind}/${t.name}`;
  const b = new Map(before.map((t) => [key(t), t]));
  const a = new Map(after.map((t) => [key(t), t]));
  const out: string[] = [];
  for (const k of b.keys()) if (!a.has(k)) out.push(`- ${k}`);
  for (const [k, t] of a) {
    const old = b.get(k);
    if (!old) {
      out.push(`+ ${k}`);
      continue;
    }
    const fo = new Map<string, string>();
    const fa = new Map<string, string>();
    flatten({ ...old.desired as object, shared: old.shared ?? false }, '', fo);
    flatten({ ...t.desired as object, shared: t.shared ?? false }, '', fa);
    for (const p of new Set([...fo.keys(), ...fa.keys()])) {
      if (fo.get(p) !== fa.get(p)) out.push(`~ ${k} ${p}: ${fo.get(p) ?? '(none)'} -> ${fa.get(p) ?? '(none)'}`);
    }
  }
  return out.sort();
}

const group = (s: Spec, name: string) => s.igs.find((g) => g.metadata.name === name)!;
const LT_NODES = `LaunchTemplate/${NODES}.${NAME}`;
const ASG_NODES = `AutoscalingGroup/${NODES}.${NAME}`;
const LT_CP = `LaunchTemplate/${CP}.masters.${NAME}`;
const DEFAULT_KEY = `SSHKey/kubernetes.${NAME}-${KEY.fingerprint}`;
const ETCD_MAIN_A = `EBSVolume/a.etcd-main.${NAME}`;

/** One case per ACTED field: the edit, and every task change it makes. */
const ACTED: Record<string, { edit: (s: Spec) => void; input?: Partial<AwsModelInput>; changes: string[] }> = {
  'Cluster spec.kubernetesVersion': {
    edit: (s) => (s.cluster.spec.kubernetesVersion = '1.35.2'),
    // The user-data installs exactly this version (kubelet, kubeadm, kubectl); the stable channel's image is
    // the same for 1.35 and 1.36, so the image does not change here.
    changes: [LT_CP, LT_NODES, `LaunchTemplate/nodes-us-east-1b.${NAME}`].map((lt) =>
      expect.stringMatching(new RegExp(`^~ ${lt} userData: .*KUBERNETES_VERSION='1\\.36\\.3'.* -> .*KUBERNETES_VERSION='1\\.35\\.2'`)),
    ) as unknown as string[],
  },
  'Cluster spec.cloudLabels': {
    edit: (s) => (s.cluster.spec.cloudLabels = { team: 'infra' }),
    changes: expect.arrayContaining([`~ VPC/${NAME} tags.team: (none) -> "infra"`, `~ ${ASG_NODES} tags.team: (none) -> "infra"`, `~ ${ETCD_MAIN_A} tags.team: (none) -> "infra"`]) as unknown as string[],
  },
  'Cluster spec.sshKeyName': {
    edit: (s) => (s.cluster.spec.sshKeyName = 'ops-team'),
    changes: [
      `+ SSHKey/ops-team`,
      `- ${DEFAULT_KEY}`,
      `~ ${LT_CP} keyName: ref(${DEFAULT_KEY}.name) -> ref(SSHKey/ops-team.name)`,
      `~ ${LT_NODES} keyName: ref(${DEFAULT_KEY}.name) -> ref(SSHKey/ops-team.name)`,
      `~ LaunchTemplate/nodes-us-east-1b.${NAME} keyName: ref(${DEFAULT_KEY}.name) -> ref(SSHKey/ops-team.name)`,
    ],
  },
  'Cluster spec.etcdClusters[].name': {
    // Only main (kubeadm's stacked etcd) gets volumes; a spec without it is refused by validation.
    edit: (s) => (s.cluster.spec.etcdClusters = [{ name: 'events', etcdMembers: [{ name: 'a', instanceGroup: CP }] }]),
    // The control plane's ClusterConfiguration loses its etcd member's SANs: its digest in the user data changes.
    changes: [`- ${ETCD_MAIN_A}`, expect.stringMatching(new RegExp(`^~ ${LT_CP} userData: .*clusterConfig: [0-9a-f]{16}.* -> `)) as unknown as string],
  },
  'Cluster spec.etcdClusters[].etcdMembers[].name': {
    edit: (s) => (s.cluster.spec.etcdClusters = ['main', 'events'].map((name) => ({ name, etcdMembers: [{ name: 'x', instanceGroup: CP }] }))),
    // The member's name is in its etcd certificate's SANs (etcd-x.internal.<cluster>): the control plane rolls.
    changes: [`+ EBSVolume/x.etcd-main.${NAME}`, `- ${ETCD_MAIN_A}`, expect.stringMatching(new RegExp(`^~ ${LT_CP} userData: `)) as unknown as string],
  },
  'Cluster spec.etcdClusters[].etcdMembers[].instanceGroup': {
    edit: (s) => {
      s.igs.push(ig('control-plane-us-east-1b', 'Master', ['us-east-1b']));
      s.igs = s.igs.filter((g) => g.metadata.name !== CP);
      s.cluster.spec.etcdClusters = ['main', 'events'].map((name) => ({ name, etcdMembers: [{ name: 'a', instanceGroup: 'control-plane-us-east-1b' }] }));
    },
    changes: expect.arrayContaining([`~ ${ETCD_MAIN_A} availabilityZone: "us-east-1a" -> "us-east-1b"`]) as unknown as string[],
  },
  ...Object.fromEntries(
    (
      [
        ['volumeType', 'io2', 'volumeType: "gp3" -> "io2"'],
        ['volumeIops', 5000, 'iops: 3000 -> 5000'],
        ['volumeThroughput', 300, 'throughput: 125 -> 300'],
        ['volumeSize', 40, 'sizeGb: 20 -> 40'],
        ['kmsKeyId', KMS, `kmsKeyId: (none) -> "${KMS}"`],
        ['encryptedVolume', false, 'encrypted: true -> false'],
      ] as const
    ).map(([field, value, change]) => [
      `Cluster spec.etcdClusters[].etcdMembers[].${field}`,
      {
        edit: (s: Spec) => (s.cluster.spec.etcdClusters = [{ name: 'main', etcdMembers: [{ name: 'a', instanceGroup: CP, [field]: value }] }, { name: 'events', etcdMembers: [{ name: 'a', instanceGroup: CP }] }]),
        changes: expect.arrayContaining([`~ ${ETCD_MAIN_A} ${change}`]) as unknown as string[],
      },
    ]),
  ),
  'InstanceGroup spec.role': {
    // An API server group is named and tagged as kops names it, with its own IAM role.
    edit: (s) => (group(s, NODES).spec.role = 'APIServer'),
    changes: [
      `+ AutoscalingGroup/${NODES}.apiservers.${NAME}`,
      `+ IAMInstanceProfile/apiservers.${NAME}`,
      `+ IAMInstanceProfileRole/apiservers.${NAME}`,
      `+ IAMRole/apiservers.${NAME}`,
      `+ IAMRolePolicy/apiservers.${NAME}`,
      `+ LaunchTemplate/${NODES}.apiservers.${NAME}`,
      `- ${ASG_NODES}`,
      `- ${LT_NODES}`,
    ],
  },
  'InstanceGroup spec.image': {
    edit: (s) => (group(s, NODES).spec.image = 'ami-0123456789abcdef0'),
    changes: expect.arrayContaining([`+ Image/ami-0123456789abcdef0`, `~ ${LT_NODES} imageId: ref(Image/099720109477/ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260714.id) -> ref(Image/ami-0123456789abcdef0.id)`]) as unknown as string[],
  },
  'InstanceGroup spec.minSize': { edit: (s) => Object.assign(group(s, NODES).spec, { minSize: 0, maxSize: 2 }), changes: [`~ ${ASG_NODES} minSize: 2 -> 0`] },
  'InstanceGroup spec.maxSize': { edit: (s) => Object.assign(group(s, NODES).spec, { minSize: 2, maxSize: 5 }), changes: [`~ ${ASG_NODES} maxSize: 2 -> 5`] },
  'InstanceGroup spec.machineType': { edit: (s) => (group(s, NODES).spec.machineType = 'm6i.large'), changes: [`~ ${LT_NODES} instanceType: "t3.medium" -> "m6i.large"`] },
  'InstanceGroup spec.rootVolumeSize': { edit: (s) => (group(s, NODES).spec.rootVolumeSize = 200), changes: [`~ ${LT_NODES} rootVolume.size: 128 -> 200`] },
  'InstanceGroup spec.rootVolumeType': {
    edit: (s) => (group(s, NODES).spec.rootVolumeType = 'io1'),
    changes: [`~ ${LT_NODES} rootVolume.iops: 3000 -> 100`, `~ ${LT_NODES} rootVolume.throughput: 125 -> (none)`, `~ ${LT_NODES} rootVolume.type: "gp3" -> "io1"`],
  },
  'InstanceGroup spec.rootVolumeIops': { edit: (s) => (group(s, NODES).spec.rootVolumeIops = 6000), changes: [`~ ${LT_NODES} rootVolume.iops: 3000 -> 6000`] },
  'InstanceGroup spec.rootVolumeThroughput': { edit: (s) => (group(s, NODES).spec.rootVolumeThroughput = 500), changes: [`~ ${LT_NODES} rootVolume.throughput: 125 -> 500`] },
  'InstanceGroup spec.rootVolumeEncryption': { edit: (s) => (group(s, NODES).spec.rootVolumeEncryption = false), changes: [`~ ${LT_NODES} rootVolume.encrypted: true -> false`] },
  'InstanceGroup spec.rootVolumeEncryptionKey': { edit: (s) => (group(s, NODES).spec.rootVolumeEncryptionKey = KMS), changes: [`~ ${LT_NODES} rootVolume.kmsKeyId: (none) -> "${KMS}"`] },
  'InstanceGroup spec.rootVolume.size': { edit: (s) => (group(s, NODES).spec.rootVolume = { size: 90 }), changes: [`~ ${LT_NODES} rootVolume.size: 128 -> 90`] },
  'InstanceGroup spec.rootVolume.type': { edit: (s) => (group(s, NODES).spec.rootVolume = { type: 'gp2' }), changes: [`~ ${LT_NODES} rootVolume.iops: 3000 -> (none)`, `~ ${LT_NODES} rootVolume.throughput: 125 -> (none)`, `~ ${LT_NODES} rootVolume.type: "gp3" -> "gp2"`] },
  'InstanceGroup spec.rootVolume.iops': { edit: (s) => (group(s, NODES).spec.rootVolume = { iops: 7000 }), changes: [`~ ${LT_NODES} rootVolume.iops: 3000 -> 7000`] },
  'InstanceGroup spec.rootVolume.throughput': { edit: (s) => (group(s, NODES).spec.rootVolume = { throughput: 700 }), changes: [`~ ${LT_NODES} rootVolume.throughput: 125 -> 700`] },
  'InstanceGroup spec.rootVolume.encryption': { edit: (s) => (group(s, NODES).spec.rootVolume = { encryption: false }), changes: [`~ ${LT_NODES} rootVolume.encrypted: true -> false`] },
  'InstanceGroup spec.rootVolume.encryptionKey': { edit: (s) => (group(s, NODES).spec.rootVolume = { encryptionKey: KMS }), changes: [`~ ${LT_NODES} rootVolume.kmsKeyId: (none) -> "${KMS}"`] },
  'InstanceGroup spec.subnets[]': {
    edit: (s) => (group(s, NODES).spec.subnets = ['us-east-1a', 'us-east-1b']),
    changes: [`~ ${ASG_NODES} subnets: ["ref(Subnet/us-east-1a.${NAME}.id)"] -> ["ref(Subnet/us-east-1a.${NAME}.id)","ref(Subnet/us-east-1b.${NAME}.id)"]`],
  },
  'InstanceGroup spec.associatePublicIp': { edit: (s) => (group(s, NODES).spec.associatePublicIp = false), changes: [`~ ${LT_NODES} associatePublicIp: true -> false`] },
  'InstanceGroup spec.additionalSecurityGroups[]': {
    edit: (s) => (group(s, NODES).spec.additionalSecurityGroups = ['sg-0123456789abcdef0']),
    changes: [`~ ${LT_NODES} securityGroupIds: ["ref(SecurityGroup/nodes.${NAME}.id)"] -> ["ref(SecurityGroup/nodes.${NAME}.id)","sg-0123456789abcdef0"]`],
  },
  'InstanceGroup spec.cloudLabels': {
    edit: (s) => (group(s, NODES).spec.cloudLabels = { cost: 'gpu' }),
    changes: [`~ ${ASG_NODES} tags.cost: (none) -> "gpu"`, `~ ${LT_NODES} instanceTags.cost: (none) -> "gpu"`],
  },
  'InstanceGroup spec.nodeLabels': {
    edit: (s) => (group(s, NODES).spec.nodeLabels = { pool: 'blue' }),
    changes: [
      `~ ${ASG_NODES} tags.k8s.io/cluster-autoscaler/node-template/label/pool: (none) -> "blue"`,
      `~ ${LT_NODES} instanceTags.k8s.io/cluster-autoscaler/node-template/label/pool: (none) -> "blue"`,
    ],
  },
  'InstanceGroup spec.taints[]': {
    edit: (s) => (group(s, NODES).spec.taints = ['dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule']),
    changes: [
      `~ ${ASG_NODES} tags.k8s.io/cluster-autoscaler/node-template/taint/dedicated: (none) -> "gpu:NoSchedule"`,
      `~ ${ASG_NODES} tags.k8s.io/cluster-autoscaler/node-template/taint/spot: (none) -> ":PreferNoSchedule"`,
      `~ ${LT_NODES} instanceTags.k8s.io/cluster-autoscaler/node-template/taint/dedicated: (none) -> "gpu:NoSchedule"`,
      `~ ${LT_NODES} instanceTags.k8s.io/cluster-autoscaler/node-template/taint/spot: (none) -> ":PreferNoSchedule"`,
    ],
  },
  'InstanceGroup spec.instanceMetadata.httpTokens': {
    edit: (s) => (group(s, NODES).spec.instanceMetadata = { httpTokens: 'optional' }),
    changes: [`~ ${LT_NODES} metadataOptions.httpTokens: "required" -> "optional"`],
  },
  'InstanceGroup spec.instanceMetadata.httpPutResponseHopLimit': {
    edit: (s) => (group(s, NODES).spec.instanceMetadata = { httpPutResponseHopLimit: 2 }),
    changes: [`~ ${LT_NODES} metadataOptions.httpPutResponseHopLimit: 1 -> 2`],
  },
  ...spotCases(NODES, LT_NODES, ASG_NODES),
  ...asgCases(NODES, LT_NODES, ASG_NODES),
  ...volumeCases(NODES, LT_NODES),
  ...iamCases(NAME),
  ...overrideCases(NODES, LT_NODES, NAME),
};

/** Validated, no effect on what is built or on the nodes, and why. */
const VALIDATED_ONLY: Record<string, string> = {
  'Cluster spec.channel': "completion's defaults are the stable channel's; another channel is kept with a ChannelNotUsed warning",
  'Cluster spec.configBase': 'informational: kops-ts finds the cluster through --state',
  'Cluster spec.cloudConfig': "GCE's create cluster writes {}; anything in it is kops's, kept with a warning",
  'Cluster spec.api.loadBalancer.class': 'Network only (Classic is refused, as kops refuses it): there is no other load balancer to build',
  'InstanceGroup spec.zones[]': 'must agree with the subnets; on AWS the subnets decide where instances run',
  // kops runs etcd with etcd-manager; kops-ts runs kubeadm's stacked etcd (docs/bootstrap.md).
  'Cluster spec.etcdClusters[].provider': "Manager only (kops's etcd-manager); kops-ts runs kubeadm's stacked etcd whatever it says",
  'Cluster spec.etcdClusters[].version': "one etcd 3 version for all clusters, written by completion for the Kubernetes version; kubeadm's stacked etcd runs the etcd image kubeadm picks for the Kubernetes version",
  'Cluster spec.etcdClusters[].cpuRequest': "kops's etcd-manager pod requests; the kubeadm configuration has no field for the stacked etcd's, which keeps kubeadm's own",
  'Cluster spec.etcdClusters[].memoryRequest': "kops's etcd-manager pod requests; the kubeadm configuration has no field for the stacked etcd's, which keeps kubeadm's own",
  'Cluster spec.authorization.rbac': "Node,RBAC is the API server's mode unless alwaysAllow is set, so rbac: {} (completion's default) changes nothing",
  'Cluster spec.networking.calico.bpfEnabled': "needs kubeProxy.enabled: false (validated), which disables kube-proxy; calico is a manifest applied as downloaded, whose BPF data plane is not turned on, so the node bootstrap refuses true (UnsupportedNetworking, test/bootstrap/addons-store.test.ts)",
  'Cluster spec.networking.flannel.backend': 'the node bootstrap applies cilium, calico or none (cni), and refuses flannel (BootstrapConfigNotWritten), so nothing applies its backend',
  // containerd's fields that name what kops-ts cannot honour: refused (src/model/validation-containerd.ts).
  ...Object.fromEntries(['Cluster', 'InstanceGroup'].flatMap((kind) => [
    [`${kind} spec.containerd.version`, "kops-ts installs Ubuntu's containerd 1.7: a 1.7 version is taken (a warning when it names a patch release), any other refused"],
    ...['urlAmd64', 'hashAmd64', 'urlArm64', 'hashArm64'].flatMap((f) => [`packages.${f}`, `runc.packages.${f}`]).map((f) => [`${kind} spec.containerd.${f}`, "refused (UnsupportedContainerdPackages): kops-ts installs Ubuntu's containerd and runc packages"]),
    [`${kind} spec.containerd.runc.version`, "refused (UnsupportedContainerdPackages): kops-ts installs Ubuntu's runc with its containerd package"],
  ])),
};

/**
 * Acted on, with the effect tested next to the code that has it (the network, the load balancers
 * and firewall, DNS, IAM, completion, the GCE model, the node bootstrap, rolling-update): the field
 * → the test file that shows its effect. The audit checks that each file exists and names the
 * field, so a moved or deleted test fails here.
 */
const NETWORK = 'test/cloudup/update-cluster-network.test.ts';
const NETWORK_MODEL = 'test/model/aws-network.test.ts';
const LB_MODEL = 'test/model/aws-api-bastion.test.ts';
const LB = 'test/cloudup/update-cluster-lb.test.ts';
const IAM = 'test/model/aws/iam-policies.test.ts';
const KUBEADM = 'test/bootstrap/kubeadm.test.ts';
/** The node customisations' fields, as the audit lists typed fields. */
const NODE_EXTRAS_FIELDS = [
  'sysctlParameters[]',
  ...['name', 'path', 'roles[]', 'content', 'isBase64', 'mode'].map((f) => `fileAssets[].${f}`),
  ...['name', 'disabled', 'roles[]', 'requires[]', 'before[]', 'execContainer.image', 'execContainer.command[]', 'execContainer.environment', 'manifest', 'useRawManifest'].map((f) => `hooks[].${f}`),
];
const KUBELET = 'test/bootstrap/kubelet-config.test.ts';
const TESTED_ELSEWHERE: Record<string, string> = {
  // The node customisations: the group's node-extras.sh in its igconfig, its sha256 in the user data;
  // additionalUserData: the user data's MIME parts (AWS).
  ...Object.fromEntries(['Cluster', 'InstanceGroup'].flatMap((kind) => NODE_EXTRAS_FIELDS.map((f) => [`${kind} spec.${f}`, 'test/bootstrap/node-extras.test.ts']))),
  ...Object.fromEntries(['name', 'type', 'content'].map((f) => [`InstanceGroup spec.additionalUserData[].${f}`, 'test/bootstrap/node-extras.test.ts'])),
  // registryMirrors, configAdditions and packages: steps of the same script (hosts.toml files and containerd's config; apt-get).
  ...Object.fromEntries(['Cluster', 'InstanceGroup'].flatMap((kind) => ['containerd.registryMirrors', 'containerd.configAdditions', 'packages[]'].map((f) => [`${kind} spec.${f}`, 'test/bootstrap/node-extras-containerd.test.ts']))),
  // The etcd backup's retention: ETCD_BACKUP_RETENTION_DAYS in each control plane's bootstrap.env (main's value, default 90).
  'Cluster spec.etcdClusters[].manager.backupRetentionDays': 'test/bootstrap/kubeadm.test.ts',
  // The cloud update/delete build (AWS or GCE), and the GCE project they build in.
  'Cluster spec.cloudProvider': 'test/cli/gce-cluster.test.ts',
  'Cluster spec.project': 'test/cli/gce-cluster.test.ts',
  // The issuer flags, the IAMOIDCProvider task and its client ids; published documents: update-issuer-discovery.test.ts.
  'Cluster spec.serviceAccountIssuerDiscovery.discoveryStore': 'test/model/issuer-discovery.test.ts',
  'Cluster spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider': 'test/model/issuer-discovery.test.ts',
  'Cluster spec.serviceAccountIssuerDiscovery.additionalAudiences[]': 'test/model/issuer-discovery.test.ts',
  'Cluster spec.subnets[].name': NETWORK,
  'Cluster spec.subnets[].zone': NETWORK,
  'Cluster spec.subnets[].cidr': NETWORK,
  'Cluster spec.subnets[].ipv6CIDR': 'test/tasks/aws/subnet-ipv6.test.ts',
  'Cluster spec.subnets[].id': NETWORK,
  'Cluster spec.subnets[].egress': NETWORK,
  'Cluster spec.subnets[].type': NETWORK,
  // GCE subnets are regional; on AWS the zone decides (validated: all subnets in one region).
  'Cluster spec.subnets[].region': 'test/model/validation-network.test.ts',
  'Cluster spec.networkCIDR': NETWORK,
  'Cluster spec.networkID': NETWORK,
  'Cluster spec.additionalNetworkCIDRs[]': NETWORK,
  'Cluster spec.DisableSubnetTags': NETWORK_MODEL,
  'Cluster spec.masterPublicName': LB_MODEL,
  'Cluster spec.api.publicName': LB_MODEL,
  'Cluster spec.api.dns': LB_MODEL,
  'Cluster spec.topology.dns.type': 'test/cloudup/aws/preflight.test.ts',
  'Cluster spec.dnsZone': 'test/cloudup/update-cluster-dns.test.ts',
  'Cluster spec.topology.bastion.bastionPublicName': LB_MODEL,
  'Cluster spec.topology.bastion.loadBalancer.type': LB_MODEL,
  'Cluster spec.topology.bastion.loadBalancer.additionalSecurityGroups[]': LB_MODEL,
  'Cluster spec.sshAccess[]': LB_MODEL,
  'Cluster spec.kubernetesApiAccess[]': LB_MODEL,
  'Cluster spec.nodePortAccess[]': LB,
  'Cluster spec.api.loadBalancer.type': LB_MODEL,
  'Cluster spec.api.loadBalancer.crossZoneLoadBalancing': LB,
  'Cluster spec.api.loadBalancer.additionalSecurityGroups[]': LB_MODEL,
  'Cluster spec.api.loadBalancer.sslCertificate': LB,
  'Cluster spec.api.loadBalancer.sslPolicy': LB_MODEL,
  'Cluster spec.iam.legacy': 'test/model/validation.test.ts',
  'Cluster spec.iam.allowContainerRegistry': IAM,
  // IAM roles for service accounts: a role, its trust, attachments and inline policy per entry.
  'Cluster spec.iam.useServiceAccountExternalPermissions': 'test/model/aws/iam-service-accounts.test.ts',
  ...Object.fromEntries(['name', 'namespace', 'aws.policyARNs[]', 'aws.inlinePolicy'].map((f) => [`Cluster spec.iam.serviceAccountExternalPermissions[].${f}`, 'test/model/aws/iam-service-accounts.test.ts'])),
  'Cluster spec.networking.calico.awsSrcDstCheck': IAM,
  'Cluster spec.networking.cilium.ipam': IAM,
  // Which CNI decides the instance roles' CNI grants (the node bootstrap refuses these four: it applies cilium or calico).
  ...Object.fromEntries(['kubenet', 'kindnet', 'amazonvpc', 'kuberouter'].map((n) => [`Cluster spec.networking.${n}`, IAM])),
  // Cilium's etcd peer port is blocked from the nodes (no etcd runs for cilium: the stacked etcd is main only).
  'Cluster spec.networking.cilium.etcdManaged': LB_MODEL,
  // GCE IP-alias networking: the subnet's pod and service ranges and the pod-range firewall rules.
  'Cluster spec.networking.gce': 'test/model/gce/builders.test.ts',
  // Completion derives the default podCIDR from it (its upper half).
  'Cluster spec.nonMasqueradeCIDR': 'test/model/completion.test.ts',
  // The node bootstrap: the kubeadm configuration each group's instances fetch (docs/bootstrap.md).
  ...Object.fromEntries(
    [
      'serviceClusterIPRange',
      'podCIDR',
      'kubeProxy.enabled',
      'kubeProxy.featureGates',
      'kubeAPIServer.featureGates',
      'kubeControllerManager.featureGates',
      'kubeScheduler.featureGates',
      'authorization.alwaysAllow',
    ].map((f) => [`Cluster spec.${f}`, KUBEADM]),
  ),
  // The kubelet's settings: kubeadm-init.yaml's KubeletConfiguration and each group's kubelet patch
  // (src/bootstrap/kubelet-config.ts); a change rolls the group (its user data names the patch's digest).
  ...Object.fromEntries(
    KUBELET_ACTED_FIELDS.flatMap((f) => {
      const leaf = f === 'allowedUnsafeSysctls' ? `${f}[]` : f;
      return [`Cluster spec.kubelet.${leaf}`, `Cluster spec.masterKubelet.${leaf}`, `InstanceGroup spec.kubelet.${leaf}`].map((k) => [k, KUBELET]);
    }),
  ),
  // The control plane components' flags (and the API server's volumes) in the ClusterConfiguration
  // (src/bootstrap/component-args.ts); a list field's leaf is its items.
  ...Object.fromEntries(
    Object.entries(COMPONENT_ARGS).flatMap(([component, args]) =>
      args.map((a) => [`Cluster spec.${component}.${a.field}${a.kind.t === 'list' || a.kind.t === 'keyValues' ? '[]' : ''}`, 'test/bootstrap/component-args.test.ts']),
    ),
  ),
  // ... and the range nodePortAccess opens (both clouds' firewall), as kops.
  'Cluster spec.kubeAPIServer.serviceNodePortRange': LB_MODEL,
  // ... and the CNI addon the first control plane applies: none with cni (bring your own).
  'Cluster spec.networking.cni': 'test/bootstrap/addons-apply.test.ts',
  'Cluster spec.networking.cilium.enableNodePort': 'test/bootstrap/addons-store.test.ts',
  // The cluster autoscaler addon (its manifest's flags, the priority expander's ConfigMap) and, on
  // the emulator, the groups' discovery tags; the grants: test/model/aws/iam-cluster-autoscaler.test.ts.
  ...Object.fromEntries(
    [
      'enabled', 'expander', 'balanceSimilarNodeGroups', 'emitPerNodegroupMetrics', 'awsUseStaticInstanceList', 'ignoreDaemonSetsUtilization',
      'scaleDownUtilizationThreshold', 'skipNodesWithCustomControllerPods', 'skipNodesWithSystemPods', 'skipNodesWithLocalStorage', 'newPodScaleUpDelay',
      'scaleDownDelayAfterAdd', 'scaleDownUnneededTime', 'scaleDownUnreadyTime', 'maxNodeProvisionTime', 'cordonNodeBeforeTerminating', 'image',
      'memoryRequest', 'cpuRequest', 'podAnnotations', 'createPriorityExpanderConfig', 'customPriorityExpanderConfig',
    ].map((f) => [`Cluster spec.clusterAutoscaler.${f}`, 'test/bootstrap/cluster-autoscaler.test.ts']),
  ),
  'InstanceGroup spec.autoscale': 'test/cloudup/update-cluster-autoscaler.test.ts',
  'InstanceGroup spec.autoscalePriority': 'test/bootstrap/cluster-autoscaler.test.ts',
  // GCE: Spot VMs in the group's instance template.
  'InstanceGroup spec.gcpProvisioningModel': 'test/model/gce/builders.test.ts',
  // rolling-update cluster: each group's surge, unavailability and whether it is replaced.
  ...Object.fromEntries(
    ['drainAndTerminate', 'maxUnavailable', 'maxSurge'].flatMap((f) => [`Cluster spec.rollingUpdate.${f}`, `InstanceGroup spec.rollingUpdate.${f}`].map((k) => [k, 'test/cli/rolling-update.test.ts'])),
  ),
};

/** The fields the table types (acted on in schema.ts terms): leaves, kops's kept fields excluded. */
function typedFields(kind: string, shape: FieldShape, path: string, out: string[]): void {
  switch (shape.t) {
    case 'object': {
      const typed = Object.entries(shape.fields).filter(([, v]) => v.t !== 'kops' && v.t !== 'ignored' && v.t !== 'removed');
      if (typed.length === 0) out.push(`${kind} ${path}`);
      for (const [k, v] of typed) typedFields(kind, v, `${path}.${k}`, out);
      return;
    }
    case 'array':
      return typedFields(kind, shape.of, `${path}[]`, out);
    case 'kops':
    case 'ignored':
    case 'removed':
      return;
    default:
      out.push(`${kind} ${path}`);
  }
}

describe("docs/spec.md's field table, audited", () => {
  it('classifies every typed field once', () => {
    const typed: string[] = [];
    typedFields('Cluster', CLUSTER_SPEC, 'spec', typed);
    typedFields('InstanceGroup', INSTANCE_GROUP_SPEC, 'spec', typed);
    const classes = [Object.keys(ACTED), Object.keys(VALIDATED_ONLY), Object.keys(TESTED_ELSEWHERE)];
    const classified = classes.flat();
    expect(new Set(classified).size, 'a field is in two classes').toBe(classified.length);
    expect([...classified].sort()).toEqual([...typed].sort());
  });

  it.each(Object.entries(TESTED_ELSEWHERE))('%s: its effect is tested in %s', (field, file) => {
    const leaf = field.split('.').pop()!.replace('[]', '');
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    expect(text).toContain(leaf);
  });

  it.each(Object.entries(ACTED))('%s changes what is built', (_field, c) => {
    const changes = effect(c.edit, c.input);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes).toEqual(c.changes);
  });

  it('sshKeyName "" builds no key pair and no key in any launch template', () => {
    const changes = effect((s) => (s.cluster.spec.sshKeyName = ''));
    expect(changes).toEqual([
      `- ${DEFAULT_KEY}`,
      `~ ${LT_CP} keyName: ref(${DEFAULT_KEY}.name) -> (none)`,
      `~ ${LT_NODES} keyName: ref(${DEFAULT_KEY}.name) -> (none)`,
      `~ LaunchTemplate/nodes-us-east-1b.${NAME} keyName: ref(${DEFAULT_KEY}.name) -> (none)`,
    ]);
    const named = build({ ...baseSpec(), cluster: { ...baseSpec().cluster, spec: { ...baseSpec().cluster.spec, sshKeyName: 'ops' } } }).find((t) => t.kind === 'SSHKey');
    expect(named).toMatchObject({ name: 'ops', shared: true });
    expect((named!.desired as { publicKey?: string }).publicKey).toBeUndefined();
  });

  it('io1 and io2 root volumes get at least 100 IOPS in the launch template (moto cannot launch them)', () => {
    expect(effect((s) => Object.assign(group(s, NODES).spec, { rootVolumeType: 'io2', rootVolumeIops: 20000 }))).toEqual([
      `~ ${LT_NODES} rootVolume.iops: 3000 -> 20000`,
      `~ ${LT_NODES} rootVolume.throughput: 125 -> (none)`,
      `~ ${LT_NODES} rootVolume.type: "gp3" -> "io2"`,
    ]);
  });

  it('fields the node bootstrap or rolling-update act on, and validated-only ones, change nothing in the AWS tasks', () => {
    const edits: ((s: Spec) => void)[] = [
      (s) => (s.cluster.spec.rollingUpdate = { maxSurge: 2 }),
      (s) => (group(s, NODES).spec.rollingUpdate = { maxUnavailable: '50%' }),
      (s) => (s.cluster.spec.configBase = 's3://elsewhere/audit.example.com'),
      (s) => (group(s, NODES).spec.zones = ['us-east-1a']),
    ];
    for (const edit of edits) expect(effect(edit)).toEqual([]);
  });

  it('a change of the CNI changes only the control planes\' user data: every control plane applies the addons its launch template names', () => {
    for (const edit of [
      (s: Spec) => (s.cluster.spec.networking = { cni: {} }),
      (s: Spec) => (s.cluster.spec.networking = { flannel: { backend: 'vxlan' } }),
    ]) {
      const lines = effect(edit);
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l).toMatch(/^~ LaunchTemplate\/control-plane-[^ ]+ userData: /);
    }
  });

  it('a ClusterConfiguration field (kubeadm-upload.ts) changes the control planes\' launch templates\' user data, and nothing else', () => {
    const changed = (edit: (s: Spec) => void) => effect(edit).map((c) => c.replace(/ userData: .*clusterConfig: ([0-9a-f]{16}).* -> .*clusterConfig: ([0-9a-f]{16}).*$/, ' clusterConfig $1 -> $2'));
    const edits: ((s: Spec) => void)[] = [
      (s) => (s.cluster.spec.authorization = { alwaysAllow: {} }),
      (s) => (s.cluster.spec.podCIDR = '100.96.0.0/12'),
      (s) => (s.cluster.spec.kubeAPIServer = { featureGates: { SomeGate: 'true' } }),
    ];
    for (const edit of edits) expect(changed(edit)).toEqual([expect.stringMatching(new RegExp(`^~ ${LT_CP} clusterConfig [0-9a-f]{16} -> [0-9a-f]{16}$`))]);
  });

  it('a kubelet setting changes the user data of the launch templates of the groups it applies to, and nothing else', () => {
    const changed = (edit: (s: Spec) => void) => effect(edit).map((c) => c.replace(/ userData: .*$/, ' userData'));
    expect(changed((s) => (s.cluster.spec.kubelet = { anonymousAuth: true, featureGates: { A: 'true' } }))).toEqual([
      `~ ${LT_CP} userData`, `~ ${LT_NODES} userData`, `~ ${LT_NODES.replace('us-east-1a', 'us-east-1b')} userData`,
    ]);
    expect(changed((s) => (s.cluster.spec.masterKubelet = { maxPods: 50 }))).toEqual([`~ ${LT_CP} userData`]);
    expect(changed((s) => (group(s, NODES).spec.kubelet = { maxPods: 50 }))).toEqual([`~ ${LT_NODES} userData`]);
  });

  it("the etcd fields kubeadm's stacked etcd has no place for (provider, version, cpuRequest, memoryRequest) change no bootstrap file", () => {
    const facts = { loadBalancerDnsName: 'api-audit.elb.us-east-1.amazonaws.com', bootstrapToken: 'abcdef.0123456789abcdef', caCertHashes: [`sha256:${'0'.repeat(64)}`] };
    const files = (edit: (s: Spec) => void) => {
      const s = baseSpec();
      edit(s);
      const done = completeCluster(s.cluster, s.igs);
      return done.instanceGroups.map((g) => bootstrapFiles(done.cluster, g, facts));
    };
    const etcd = (extra: { provider?: string; version?: string; cpuRequest?: string; memoryRequest?: string }) => (s: Spec) =>
      (s.cluster.spec.etcdClusters = ['main', 'events'].map((name) => ({ name, ...extra, etcdMembers: [{ name: 'a', instanceGroup: CP }] })));
    const base = files(etcd({}));
    expect(base.some((f) => f?.role === 'control-plane')).toBe(true);
    expect(files(etcd({ provider: 'Manager', version: '3.5.31', cpuRequest: '2', memoryRequest: '2Gi' }))).toEqual(base);
  });

  it('channel: a channel other than stable is kept with a warning that its defaults are not used; stable says nothing', () => {
    const warnings = (channel: string) => {
      const s = baseSpec();
      s.cluster.spec.channel = channel;
      return validateCluster(s.cluster, s.igs).filter((d) => d.severity === 'warning').map((d) => `${d.code} ${d.path}: ${d.summary}`);
    };
    expect(warnings('alpha')).toEqual(['ChannelNotUsed spec.channel: kops-ts knows only the stable channel; the defaults of "alpha" are not used (stable\'s are)']);
    expect(warnings('stable')).toEqual([]);
  });
});
