import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/diagnostics.js';
import { checkObject, parseManifests } from '../../../src/model/api/parse.js';
import { FIXTURES, fixtureText } from '../helpers.js';

const CLUSTER = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: x.example.com
spec:
  cloudProvider: aws
`;

const ig = (name: string, role: string, extra = '') => `apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata:
  name: ${name}
spec:
  role: ${role}
${extra}`;

describe('parseManifests', () => {
  it('reads a multi-document stream, in order, skipping empty documents', () => {
    const r = parseManifests(`---\n${CLUSTER}---\n${ig('nodes', 'Node')}---\n`, 'm.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Cluster/x.example.com', 'InstanceGroup/nodes']);
  });

  it('accepts both spellings of the control-plane role', () => {
    const r = parseManifests([ig('a', 'Master'), ig('b', 'ControlPlane'), ig('c', 'Bastion'), ig('d', 'APIServer')].join('---\n'));
    expect(r.diagnostics).toEqual([]);
    expect(r.objects).toHaveLength(4);
  });

  it('reports YAML syntax errors with their line and the file', () => {
    const r = parseManifests(`${CLUSTER}---\nkind: InstanceGroup\nspec:\n  role: [Node\n`, 'broken.yaml');
    expect(r.objects.map((o) => o.kind)).toEqual(['Cluster']);
    const d = r.diagnostics.find((x) => x.code === 'InvalidYAML');
    expect(d).toMatchObject({ severity: 'error', file: 'broken.yaml' });
    expect(d!.summary).toMatch(/at line \d+, column \d+/);
    expect(d!.summary).not.toContain('\n');
  });

  it('reports wrong and missing apiVersion and kind', () => {
    const r = parseManifests('apiVersion: kops.k8s.io/v1alpha3\nkind: Cluster\nmetadata: {name: a.b}\nspec: {}\n---\nmetadata: {name: x}\nspec: {}\n---\napiVersion: kops.k8s.io/v1alpha2\nkind: Keyset\nmetadata: {name: ca}\n');
    expect(r.objects).toEqual([]);
    expect(r.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['UnsupportedAPIVersion apiVersion', 'MissingField apiVersion', 'MissingField kind', 'UnsupportedKind kind']);
    expect(r.diagnostics[0]!.hint).toContain('kops.k8s.io/v1alpha2');
    // the hint names the command that exports a manifest, which exists
    expect(r.diagnostics[0]!.hint).toContain('kops-ts get all <cluster> -o yaml');
  });

  it('reads scalars as kops does (go-yaml v2, YAML 1.1): a bare n is false, so such a name must be quoted', () => {
    const r = parseManifests(`apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: n\nspec:\n  role: Node\n  associatePublicIp: yes\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['InvalidFieldType InstanceGroup/(unnamed) metadata.name']);
    const quoted = parseManifests(`apiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  name: "n"\nspec:\n  role: Node\n  associatePublicIp: yes\n`);
    expect(quoted.objects[0]).toMatchObject({ metadata: { name: 'n' }, spec: { associatePublicIp: true } });
  });

  it('reports problems of every kind and every document in one run', () => {
    const text = `${CLUSTER}  subnets:\n  - name: a\n    type: Publik\n---\napiVersion: kops.k8s.io/v1\nkind: InstanceGroup\nmetadata:\n  name: nodes\nspec:\n  role: Node\n  minSize: two\n---\nkind: [oops\n`;
    const r = parseManifests(text, 'bad.yaml');
    expect(r.diagnostics.map((d) => `${d.code} ${d.path ?? ''}`)).toEqual([
      'InvalidFieldValue spec.subnets[0].type',
      'UnsupportedAPIVersion apiVersion',
      'InvalidFieldType InstanceGroup/nodes spec.minSize',
      'InvalidYAML ',
    ]);
    expect(r.diagnostics.every((d) => d.file === 'bad.yaml')).toBe(true);
  });

  it('says when there is nothing in the file', () => {
    expect(parseManifests('# nothing\n', 'e.yaml').diagnostics.map((d) => d.code)).toEqual(['EmptyManifest']);
    // A list is read item by item: each item that is not an object is named by its index.
    expect(parseManifests('- 1\n- 2\n').diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['InvalidManifest [0]', 'InvalidManifest [1]']);
    expect(parseManifests('[]', 'e.json').diagnostics.map((d) => d.code)).toEqual(['EmptyManifest']);
  });

  it('reads a document that is a JSON array of objects (get all -o json), in order', () => {
    const objects = parseManifests(`${CLUSTER}---\n${ig('nodes', 'Node')}`).objects;
    const r = parseManifests(JSON.stringify(objects, null, 2), 'c.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.objects).toEqual(objects);
    expect(r.validatable).toEqual(objects);
    // Lists and single objects mix in one stream, as YAML documents.
    const mixed = parseManifests(`${JSON.stringify([objects[0]])}\n---\n${ig('extra', 'Node')}`);
    expect(mixed.objects.map((o) => o.metadata.name)).toEqual(['x.example.com', 'extra']);
  });

  it("names the item of a list that is not an object, and each item's problems by its index", () => {
    const [cluster, nodes] = parseManifests(`${CLUSTER}---\n${ig('nodes', 'Node')}`).objects;
    const text = JSON.stringify([cluster, 'nodes', { ...nodes!, spec: { role: 'Node', minSize: 'two' } }, { ...cluster!, spec: { netwrokCIDR: '10.0.0.0/16' } }]);
    const r = parseManifests(text, 'c.json');
    expect(r.objects.map((o) => o.metadata.name)).toEqual(['x.example.com']);
    expect(r.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual(['InvalidManifest [1]', 'InvalidFieldType [2] InstanceGroup/nodes spec.minSize', 'UnknownField [3] spec.netwrokCIDR']);
    expect(r.diagnostics.every((d) => d.file === 'c.json')).toBe(true);
    expect(r.diagnostics[0]!.summary).toBe('expected a kops object (a YAML mapping), got string "nodes"');
    // An item with only an unknown field can still be validated, as a document can.
    expect(r.validatable.map((o) => o.metadata.name)).toEqual(['x.example.com', 'x.example.com']);
    expect(formatDiagnostic(r.diagnostics[1]!)).toContain('[2] InstanceGroup/nodes spec.minSize');
  });

  it('requires what the types require', () => {
    const r = parseManifests(`apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: {}\nspec:\n  subnets:\n  - zone: us-east-1a\n  etcdClusters:\n  - etcdMembers:\n    - instanceGroup: a\n---\n${ig('nodes', 'null')}`);
    expect(r.diagnostics.map((d) => d.path)).toEqual([
      'metadata.name',
      'spec.subnets[0].name',
      'spec.subnets[0].type',
      'spec.etcdClusters[0].name',
      'spec.etcdClusters[0].etcdMembers[0].name',
      'InstanceGroup/nodes spec.role',
    ]);
  });
});

describe('the field schema', () => {
  it('rejects unknown fields with a "did you mean" among the siblings', () => {
    const r = parseManifests(`${CLUSTER}  netwrokCIDR: 10.0.0.0/16\n  subnets:\n  - name: a\n    type: Public\n    cdir: 10.0.0.0/24\n  zzz: 1\n`, 'c.yaml');
    expect(r.objects).toEqual([]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'error: spec.netwrokCIDR: unknown field (c.yaml): did you mean "networkCIDR"?',
      'error: spec.subnets[0].cdir: unknown field (c.yaml): did you mean "cidr"?',
      'error: spec.zzz: unknown field (c.yaml): remove it, or check the spelling (docs/spec.md lists the fields)',
    ]);
  });

  it('names instance-group problems with the object', () => {
    const r = parseManifests(ig('nodes-us-east-1a', 'Node', '  minSize: "3"\n  machinetype: t3.large\n'));
    expect(r.diagnostics.map((d) => `${d.path}: ${d.summary}: ${d.hint}`)).toEqual([
      'InstanceGroup/nodes-us-east-1a spec.minSize: expected a whole number, got string "3": fix the value in the manifest',
      'InstanceGroup/nodes-us-east-1a spec.machinetype: unknown field: did you mean "machineType"?',
    ]);
  });

  it('checks types and enumerations of the fields kops-ts acts on', () => {
    const r = parseManifests(`${CLUSTER}  sshAccess: 0.0.0.0/0\n  topology:\n    dns:\n      type: public\n  api:\n    loadBalancer:\n      crossZoneLoadBalancing: "yes"\n  etcdClusters:\n  - name: main\n    etcdMembers:\n    - name: a\n      volumeSize: 2.5\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.path} ${d.hint ?? ''}`)).toEqual([
      'InvalidFieldType spec.sshAccess fix the value in the manifest',
      'InvalidFieldValue spec.topology.dns.type did you mean "Public"?',
      'InvalidFieldType spec.api.loadBalancer.crossZoneLoadBalancing fix the value in the manifest',
      'InvalidFieldType spec.etcdClusters[0].etcdMembers[0].volumeSize fix the value in the manifest',
    ]);
  });

  it('a string field given an unquoted YAML number or boolean says to quote it, with what YAML made of it', () => {
    const r = parseManifests(`${CLUSTER}  kubernetesVersion: 1.30\n  fileAssets:\n  - name: a\n    content: x\n    mode: 0644\n  kubelet:\n    featureGates:\n      Foo: true\n`, 'c.yaml');
    expect(r.objects).toEqual([]);
    const quote = 'quote the value as you mean it: YAML reads an unquoted number or true/false as a number or a boolean (0644 as 420, 1.10 as 1.1), e.g. mode: "0644", Foo: "true"';
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `error: spec.kubernetesVersion: expected a string, got number 1.3 (c.yaml): ${quote}`,
      `error: spec.fileAssets[0].mode: expected a string, got number 420 (c.yaml): ${quote}`,
      `error: spec.kubelet.featureGates.Foo: expected a string, got boolean true (c.yaml): ${quote}`,
    ]);
  });

  it('warns once for each kops field kops-ts does not act on, and keeps it', () => {
    const r = parseManifests(`${CLUSTER}  kubeAPIServer:\n    oidcIssuerURL: https://x\n    watchCache: false\n    etcdServers: [https://127.0.0.1:4001]\n  kubelet:\n    maxPods: 50\n    housekeepingInterval: 10s\n    anonymousAuth: false\n  networking:\n    cilium:\n      hubble: {enabled: true}\n`);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      // oidcIssuerURL is acted on (control-plane-components.ts); etcdServers names a flag kubeadm sets.
      'warning: spec.kubeAPIServer.watchCache: a kops field that kops-ts does not act on yet; kept as is',
      'warning: spec.kubeAPIServer.etcdServers: a kops field for a flag kubeadm or kops-ts sets itself (another value would break the control plane it builds); not acted on, kept as is',
      'warning: spec.kubelet.housekeepingInterval: a kops field that kops-ts does not act on yet; kept as is',
      'warning: spec.networking.cilium.hubble: a kops field that kops-ts does not act on yet; kept as is',
    ]);
    expect(r.objects[0]!.spec).toMatchObject({ kubeAPIServer: { oidcIssuerURL: 'https://x', watchCache: false, etcdServers: ['https://127.0.0.1:4001'] } });
  });

  it('acts on the load balancer\'s sslPolicy and the bastion\'s load balancer; warns that idle timeouts (Classic ELB only) and additionalSANs (no certificates yet) are not', () => {
    const r = parseManifests(
      `${CLUSTER}  api:\n    additionalSANs: [k8s.example.com]\n    loadBalancer:\n      sslPolicy: ELBSecurityPolicy-2016-08\n      idleTimeoutSeconds: 300\n  topology:\n    bastion:\n      idleTimeoutSeconds: 120\n      loadBalancer:\n        type: Internal\n        additionalSecurityGroups: [sg-1]\n`,
    );
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'warning: spec.api.additionalSANs: a kops field that kops-ts does not act on yet; kept as is',
      'warning: spec.api.loadBalancer.idleTimeoutSeconds: a kops field that kops-ts does not act on yet; kept as is',
      'warning: spec.topology.bastion.idleTimeoutSeconds: a kops field that kops-ts does not act on yet; kept as is',
    ]);
    const typo = parseManifests(`${CLUSTER}  topology:\n    bastion:\n      loadBalancer:\n        typ: Internal\n`);
    expect(typo.diagnostics.map((d) => `${d.path}: ${d.hint}`)).toEqual(['spec.topology.bastion.loadBalancer.typ: did you mean "type"?']);
  });

  it('still catches misspellings inside kops structs it does not act on', () => {
    const r = parseManifests(`${CLUSTER}  networking:\n    cilium:\n      enableNodeport: true\n  kubelet:\n    maxPod: 3\n`);
    expect(r.diagnostics.map((d) => `${d.path}: ${d.hint}`)).toEqual([
      'spec.networking.cilium.enableNodeport: did you mean "enableNodePort"?',
      'spec.kubelet.maxPod: did you mean "maxPods"?',
    ]);
  });

  it('refuses kops fields that kops itself no longer supports, saying why', () => {
    const r = parseManifests(`${CLUSTER}  docker:\n    version: 20.10.0\n  gossipConfig: {}\n  networking:\n    weave: {}\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.path}: ${d.summary}`)).toEqual([
      'RemovedField spec.docker: Docker support was removed in Kubernetes 1.24',
      'RemovedField spec.gossipConfig: gossip DNS support was removed in kops 1.37',
      'RemovedField spec.networking.weave: Weave is no longer supported by kops',
    ]);
  });

  it('treats null as unset, as kops does, and keeps it', () => {
    const r = parseManifests('apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata:\n  creationTimestamp: null\n  name: x.example.com\nspec:\n  networkCIDR: null\n  kubeProxy: null\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.objects[0]!.metadata.creationTimestamp).toBeNull();
    expect(r.objects[0]!.spec).toEqual({ networkCIDR: null, kubeProxy: null });
  });

  it('accepts cloudProvider as kops v1alpha2 writes it and in its struct form', () => {
    expect(parseManifests(`${CLUSTER}`).diagnostics).toEqual([]);
    const r = parseManifests(CLUSTER.replace('cloudProvider: aws', 'cloudProvider:\n    aws:\n      nodeTerminationHandler: {enabled: true}'));
    expect(r.diagnostics.map((d) => `${d.severity} ${d.path}`)).toEqual(['warning spec.cloudProvider.aws']);
    expect(parseManifests(CLUSTER.replace('cloudProvider: aws', 'cloudProvider:\n    amazon: {}')).diagnostics[0]).toMatchObject({ code: 'UnknownField', path: 'spec.cloudProvider.amazon' });
  });

  it('loads every fixture kops wrote without errors', () => {
    for (const name of FIXTURES) {
      const r = parseManifests(fixtureText(name), name);
      expect(r.diagnostics.filter((d) => d.severity === 'error'), name).toEqual([]);
      if (!name.endsWith('fields') && name !== 'kops-full') expect(r.diagnostics, name).toEqual([]);
    }
  });

  it('names each kops field of a full kops manifest in exactly one warning', () => {
    const r = parseManifests(fixtureText('kops-full'), 'kops-full.yaml');
    const paths = r.diagnostics.map((d) => d.path!);
    expect(r.diagnostics.every((d) => d.severity === 'warning' && d.code === 'FieldNotActedOn' && d.file === 'kops-full.yaml')).toBe(true);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.kubeScheduler.usePolicyConfigMap',
        'spec.kubeDNS',
        'spec.containerd.logLevel',
        'InstanceGroup/nodes-warm spec.containerd.nvidiaGPU',
        'spec.cloudConfig',
        'spec.nodeTerminationHandler',
        'spec.additionalSans',
        'spec.etcdClusters[0].manager.env',
        'InstanceGroup/nodes-warm spec.warmPool',
      ]),
    );
    // Fields kops-ts acts on are not warned about (additionalPolicies and externalPolicies: on AWS, src/model/aws/iam.ts).
    expect(paths.filter((p) => /^spec\.(additional|external)Policies|^spec\.iam\.permissionsBoundary/.test(p))).toEqual([]);
    expect(paths.some((p) => /\.(networkCIDR|subnets\[0\]\.cidr|etcdClusters\[0\]\.manager\.backupRetentionDays|kubelet\.anonymousAuth)$/.test(p))).toBe(false);
    // kubeAPIServer's OIDC and audit settings and kubeControllerManager's are acted on (control-plane-components.ts).
    expect(paths.filter((p) => /spec\.(kubeAPIServer|kubeControllerManager)\./.test(p))).toEqual([]);
    expect(paths.some((p) => /spec\.rootVolume(Iops|Throughput|EncryptionKey)$/.test(p))).toBe(false);
    // The node customisations are acted on (src/bootstrap/node-extras.ts).
    expect(paths.filter((p) => /spec\.(hooks|fileAssets|sysctlParameters|additionalUserData|packages|containerd\.registryMirrors)/.test(p))).toEqual([]);
    // Acted on (AWS) since kops-ts builds mixed-instances groups; a policy's instanceRequirements still is warned about.
    expect(paths.filter((p) => /nodes-spot spec\.(mixedInstancesPolicy|maxPrice)/.test(p))).toEqual([]);
  });
});

describe('checkObject', () => {
  it('checks an object that is already parsed (e.g. from JSON)', () => {
    const ok = checkObject({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name: 'n' }, spec: { role: 'Node', minSize: 1 } }, 'n.json');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.object?.metadata.name).toBe('n');
    const bad = checkObject({ apiVersion: 'kops.k8s.io/v1alpha2', kind: 'InstanceGroup', metadata: { name: 'n' }, spec: { role: 'Worker' } }, 'n.json');
    expect(bad.object).toBeUndefined();
    expect(bad.diagnostics[0]).toMatchObject({ code: 'InvalidFieldValue', path: 'InstanceGroup/n spec.role', file: 'n.json' });
    expect(checkObject('text').diagnostics[0]!.code).toBe('InvalidManifest');
  });
});

describe('every problem at once: unknown fields do not hide invalid values', () => {
  it('keeps objects whose only errors are unknown fields in validatable, so they are validated too', async () => {
    const { checkSpec } = await import('../../../src/cloudup/create-cluster.js');
    const text = fixtureText('minimal').replace('kubernetesVersion: 1.34.1', 'kubernetesVersion: 1.34.1\n  kubeletz: {}').replace('maxSize: 1\n  minSize: 1\n  role: Node', 'maxSize: 1\n  minSize: 3\n  role: Node');
    const r = parseManifests(text, 'm.yaml');
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.path}`)).toEqual(['UnknownField spec.kubeletz']);
    expect(r.objects.map((o) => o.kind)).not.toContain('Cluster');
    expect(r.validatable.map((o) => o.kind).sort()).toEqual(['Cluster', 'InstanceGroup', 'InstanceGroup']);
    const cluster = r.validatable.find((o) => o.kind === 'Cluster') as import('../../../src/model/api/types.js').Cluster;
    const igs = r.validatable.filter((o) => o.kind === 'InstanceGroup') as import('../../../src/model/api/types.js').InstanceGroup[];
    const errors = checkSpec(cluster, igs, 'm.yaml', { schema: true }).filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} ${d.path}`).sort()).toEqual(['InvalidSize InstanceGroup/nodes-us-east-1a spec.maxSize', 'UnknownField spec.kubeletz'].sort());
  });

  it('leaves a mistyped object out of validatable: its values cannot be trusted', () => {
    const r = parseManifests(ig('n', 'Node', '  minSize: two\n  bogus: 1\n'));
    expect(r.validatable).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['InvalidFieldType', 'UnknownField']));
  });
});
