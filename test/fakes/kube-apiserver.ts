/**
 * A small, faithful fake of the Kubernetes API server for tests (no real API server can run on
 * these machines). It speaks the real REST paths and the apiserver's `Status` error shapes, so
 * `@kubernetes/client-node` drives it exactly as it would drive a cluster:
 *
 *  - `/version`, `/readyz`, `/healthz`, `/livez`
 *  - nodes: list (labelSelector), create, get, patch (strategic-merge, merge and json-patch), delete
 *  - pods: list (all namespaces or one; fieldSelector `spec.nodeName`, labelSelector), create, get, delete,
 *    and the `eviction` subresource (policy/v1), answering 429 with the apiserver's message and a
 *    `DisruptionBudget` cause when a PodDisruptionBudget would be violated (500 when more than one
 *    budget covers the pod, as the apiserver refuses; no budget check for a terminating, terminal
 *    or Pending pod, as the apiserver's `canIgnorePDB`)
 *  - poddisruptionbudgets (policy/v1): list, all namespaces or one; status computed on read; the
 *    selector's matchLabels and matchExpressions (a null selector selects nothing); a pod not Ready
 *    evicted under `unhealthyPodEvictionPolicy` as the apiserver does
 *  - secrets: create, get, list (labelSelector; fieldSelector `metadata.name`, `metadata.namespace`,
 *    `type`), delete (test/fakes/kube-secrets.ts)
 *  - lists page with `limit`/`continue` as the apiserver does
 *
 * Nodes may be backed by instances (the tests feed `instances()` from the AWS emulator's
 * DescribeInstances): before every request the fake gives each running instance a Ready Node (with
 * static control-plane mirror pods on control-plane nodes) and removes the Node of an instance
 * that is gone or no longer running, as the cloud controller and kubelet would.
 *
 * Faults: `unreachable` (connections are dropped), `resetRequest` (a matching request's connection
 * is reset after it is read, before any effect: ECONNRESET), nodes NotReady, pods failing. Every request is
 * recorded (method, path with query, content type) for assertions, and shown to `onRequest` (a
 * test's hook, e.g. to SIGKILL the caller once an eviction reaches the API) before it is handled.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { FakeSecrets } from './kube-secrets.js';

// ---------------------------------------------------------------------------------------------
// Objects (JSON as the API server sends them; only the fields the fake and kops-ts use)

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface FakeInstance {
  readonly id: string;
  readonly zone: string;
  readonly privateDnsName: string;
  readonly privateIp?: string;
  /** EC2 state name: `pending`, `running`, `shutting-down`, `terminated`, `stopped`, … */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The Node's spec.providerID (default `aws:///<zone>/<id>`). */
  readonly providerId?: string;
  /** A control plane (default: from the AWS role tags). */
  readonly controlPlane?: boolean;
  /** The `kops.k8s.io/instancegroup` label (default: from the AWS tag). */
  readonly instanceGroup?: string;
  /** The Node's `status.nodeInfo.kubeletVersion` (`v1.36.3`): what the instance's user data installed. */
  readonly kubeletVersion?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly path: string;
  readonly contentType?: string;
  readonly body?: string;
}

export interface FakeKubeOptions {
  /** Bearer token the server requires (default `fake-token`). */
  readonly token?: string;
  /** Instances that back nodes; read before every request. */
  readonly instances?: () => Promise<readonly FakeInstance[]>;
  /** Evicting a ReplicaSet-owned pod creates a Pending, unscheduled replacement (default true). */
  readonly recreateEvicted?: boolean;
  /**
   * An evicted pod terminates (deletionTimestamp set, still listed) for this many further requests
   * before it is gone (default 0: gone at once; Infinity: never goes, a stuck finalizer).
   */
  readonly terminationRequests?: number;
  /** A new instance's Node is NotReady for this many requests after it appears (default 0: Ready at once). */
  readonly joinRequests?: number;
}

export interface PodSpecInput {
  readonly namespace?: string;
  readonly name: string;
  readonly node?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** `ReplicaSet/<name>`, `DaemonSet/<name>`, `Node/<name>`… */
  readonly owner?: string;
  readonly ready?: boolean;
  readonly phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  readonly priorityClassName?: string;
  /** A mirror pod (annotation kubernetes.io/config.mirror). */
  readonly mirror?: boolean;
}

export interface PdbInput {
  readonly namespace?: string;
  readonly name: string;
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
  /** No `spec.selector` at all (policy/v1: selects no pod). */
  readonly nullSelector?: boolean;
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
  readonly unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

const CONTROL_PLANE_PODS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'] as const;

// ---------------------------------------------------------------------------------------------

export class FakeKubeApiServer {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  /** Drop every connection without answering (the API unreachable). */
  unreachable = false;
  /** Sees every request once read whole, before it is handled (the fake's state is as the previous request left it). */
  onRequest?: (request: RecordedRequest) => void;
  /** The requests `resetRequest` reset, in order. */
  readonly resetRequests: RecordedRequest[] = [];
  private readonly resets: { match: (r: RecordedRequest) => boolean; times: number }[] = [];
  readonly nodes = new Map<string, JsonObject>();
  /** Keyed `<namespace>/<name>`. */
  readonly pods = new Map<string, JsonObject>();
  readonly pdbs = new Map<string, JsonObject>();
  /** core/v1 Secrets (test/fakes/kube-secrets.ts). */
  readonly secrets = new FakeSecrets(() => this.uid(), () => this.nextRv(), filter);
  private readonly backed = new Set<string>();
  /** Terminating pods: key → requests left before deletion. */
  private readonly terminating = new Map<string, number>();
  /** Joining nodes: name → requests left before Ready. */
  private readonly joining = new Map<string, number>();
  private readonly opts: FakeKubeOptions;
  private server?: Server;
  private port = 0;
  private rv = 1;
  private seq = 0;

  private constructor(opts: FakeKubeOptions) {
    this.opts = opts;
    this.token = opts.token ?? 'fake-token';
  }

  static async start(opts: FakeKubeOptions = {}): Promise<FakeKubeApiServer> {
    const f = new FakeKubeApiServer(opts);
    const server = createServer((req, res) => {
      void f.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    f.server = server;
    f.port = (server.address() as AddressInfo).port;
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** A kubeconfig (YAML) with a context named `context` pointing at this server with its token. */
  kubeconfig(context: string): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${context}`,
      '  cluster:',
      `    server: ${this.url}`,
      // client-node refuses plain http unless TLS verification is off (there is no TLS to verify).
      '    insecure-skip-tls-verify: true',
      'users:',
      `- name: ${context}`,
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      `- name: ${context}`,
      '  context:',
      `    cluster: ${context}`,
      `    user: ${context}`,
      `current-context: ${context}`,
      '',
    ].join('\n');
  }

  // -------------------------------------------------------------------------------------------
  // Test controls

  /**
   * The next `times` requests `match` accepts get no answer: the connection is reset (TCP RST)
   * after the request is read, before any effect (not even the joining/terminating countdowns
   * move). What a client sees when it sends a request on a kept-alive connection the server has
   * just closed as idle: ECONNRESET. The request is still recorded in `requests`.
   */
  resetRequest(match: (r: RecordedRequest) => boolean, times = 1): void {
    this.resets.push({ match, times });
  }

  addNode(name: string, o: { ready?: boolean; labels?: Record<string, string>; annotations?: Record<string, string>; providerId?: string; controlPlane?: boolean; instanceGroup?: string; kubeletVersion?: string } = {}): JsonObject {
    const labels: Record<string, string> = { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) };
    if (o.instanceGroup) labels['kops.k8s.io/instancegroup'] = o.instanceGroup;
    labels[o.controlPlane ? 'node-role.kubernetes.io/control-plane' : 'node-role.kubernetes.io/node'] = '';
    const node: JsonObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: this.uid(), resourceVersion: this.nextRv(), labels, annotations: { ...(o.annotations ?? {}) } },
      spec: o.providerId ? { providerID: o.providerId } : {},
      status: {
        conditions: [readyCondition(o.ready ?? true)],
        addresses: [{ type: 'Hostname', address: name }],
        ...(o.kubeletVersion ? { nodeInfo: { kubeletVersion: o.kubeletVersion } } : {}),
      },
    };
    this.nodes.set(name, node);
    if (o.controlPlane) for (const app of CONTROL_PLANE_PODS) this.addPod({ namespace: 'kube-system', name: `${app}-${name}`, node: name, labels: { 'k8s-app': app, component: app }, mirror: true, owner: `Node/${name}`, priorityClassName: 'system-node-critical' });
    return node;
  }

  setNodeReady(name: string, ready: boolean): void {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`fake: no node ${name}`);
    obj(n, 'status')['conditions'] = [readyCondition(ready)];
    this.touch(n);
  }

  /** What the Node's kubelet reports (`status.nodeInfo.kubeletVersion`), as after the kubelet restarts at another version. */
  setKubeletVersion(name: string, version: string): void {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`fake: no node ${name}`);
    obj(n, 'status')['nodeInfo'] = { ...(obj(n, 'status')['nodeInfo'] as JsonObject | undefined), kubeletVersion: version };
    this.touch(n);
  }

  addPod(p: PodSpecInput): JsonObject {
    const ns = p.namespace ?? 'default';
    const annotations: Record<string, string> = { ...(p.annotations ?? {}) };
    if (p.mirror) annotations['kubernetes.io/config.mirror'] = 'mirror-hash';
    const metadata: JsonObject = { name: p.name, namespace: ns, uid: this.uid(), resourceVersion: this.nextRv(), labels: { ...(p.labels ?? {}) }, annotations };
    if (p.owner) {
      const [kind, oname] = p.owner.split('/');
      metadata['ownerReferences'] = [{ apiVersion: kind === 'Node' ? 'v1' : 'apps/v1', kind: kind ?? '', name: oname ?? '', uid: `uid-${oname ?? ''}`, controller: true }];
    }
    const phase = p.phase ?? (p.node ? 'Running' : 'Pending');
    const ready = p.ready ?? phase === 'Running';
    const spec: JsonObject = { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] };
    if (p.node) spec['nodeName'] = p.node;
    if (p.priorityClassName) spec['priorityClassName'] = p.priorityClassName;
    const pod: JsonObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata,
      spec,
      status: podStatus(phase, ready),
    };
    this.pods.set(`${ns}/${p.name}`, pod);
    return pod;
  }

  /** Make a pod Running and Ready (or not), e.g. a replacement replica becoming available. */
  setPodReady(namespace: string, name: string, ready: boolean, node?: string): void {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) throw new Error(`fake: no pod ${namespace}/${name}`);
    if (node) obj(p, 'spec')['nodeName'] = node;
    p['status'] = podStatus(ready || obj(p, 'spec')['nodeName'] ? 'Running' : 'Pending', ready);
    this.touch(p);
  }

  /** Put a pod in a phase (e.g. `Pending`, `Failed`) with its container not ready. */
  setPodPhase(namespace: string, name: string, phase: string): void {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p) throw new Error(`fake: no pod ${namespace}/${name}`);
    p['status'] = podStatus(phase, false);
    this.touch(p);
  }

  addPdb(p: PdbInput): JsonObject {
    const ns = p.namespace ?? 'default';
    const selector: JsonObject = {};
    if (p.matchLabels) selector['matchLabels'] = { ...p.matchLabels };
    if (p.matchExpressions) selector['matchExpressions'] = p.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) }));
    const spec: JsonObject = p.nullSelector ? {} : { selector };
    if (p.unhealthyPodEvictionPolicy) spec['unhealthyPodEvictionPolicy'] = p.unhealthyPodEvictionPolicy;
    if (p.minAvailable !== undefined) spec['minAvailable'] = p.minAvailable;
    if (p.maxUnavailable !== undefined) spec['maxUnavailable'] = p.maxUnavailable;
    const pdb: JsonObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: p.name, namespace: ns, uid: this.uid(), resourceVersion: this.nextRv() }, spec };
    this.pdbs.set(`${ns}/${p.name}`, pdb);
    return pdb;
  }

  podsOn(node: string): string[] {
    return [...this.pods.values()].filter((p) => obj(p, 'spec')['nodeName'] === node).map((p) => `${str(obj(p, 'metadata')['namespace'])}/${str(obj(p, 'metadata')['name'])}`);
  }

  // -------------------------------------------------------------------------------------------
  // Instances → nodes

  private async sync(): Promise<void> {
    const source = this.opts.instances;
    if (!source) return;
    const instances = await source();
    const running = new Set<string>();
    for (const i of instances) {
      if (i.state !== 'running' || !i.privateDnsName) continue;
      running.add(i.privateDnsName);
      if (this.nodes.has(i.privateDnsName)) continue;
      const controlPlane = i.controlPlane ?? Object.keys(i.tags).some((k) => k === 'k8s.io/role/control-plane' || k === 'k8s.io/role/master');
      const labels: Record<string, string> = { 'topology.kubernetes.io/zone': i.zone, 'node.kubernetes.io/instance-type': 'fake' };
      const ig = i.instanceGroup ?? i.tags['kops.k8s.io/instancegroup'];
      const join = this.opts.joinRequests ?? 0;
      this.addNode(i.privateDnsName, { providerId: i.providerId ?? `aws:///${i.zone}/${i.id}`, labels, controlPlane, ready: join === 0, ...(ig ? { instanceGroup: ig } : {}), ...(i.kubeletVersion ? { kubeletVersion: i.kubeletVersion } : {}) });
      if (join > 0) this.joining.set(i.privateDnsName, join);
      const n = this.nodes.get(i.privateDnsName);
      if (n && i.privateIp) (obj(n, 'status')['addresses'] as Json[]).push({ type: 'InternalIP', address: i.privateIp });
      this.backed.add(i.privateDnsName);
    }
    for (const name of [...this.backed]) {
      if (running.has(name)) continue;
      this.backed.delete(name);
      this.joining.delete(name);
      this.nodes.delete(name);
      for (const key of this.podsOn(name)) this.pods.delete(key);
    }
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const ct = req.headers['content-type'];
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', ...(ct ? { contentType: ct } : {}), ...(body ? { body } : {}) };
    this.requests.push(recorded);
    this.onRequest?.(recorded);
    if (this.unreachable) {
      req.socket.destroy();
      return;
    }
    const reset = this.resets.find((x) => x.times > 0 && x.match(recorded));
    if (reset) {
      reset.times--;
      this.resetRequests.push(recorded);
      req.socket.resetAndDestroy();
      return;
    }
    for (const [name, left] of this.joining) {
      if (left <= 1) {
        this.joining.delete(name);
        if (this.nodes.has(name)) this.setNodeReady(name, true);
      } else this.joining.set(name, left - 1);
    }
    for (const [key, left] of this.terminating) {
      if (left <= 1) {
        this.terminating.delete(key);
        this.pods.delete(key);
      } else this.terminating.set(key, left - 1);
    }
    try {
      if (req.headers.authorization !== `Bearer ${this.token}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      await this.sync();
      const url = new URL(req.url ?? '/', 'http://fake');
      const r = this.route(req.method ?? 'GET', url, body, ct ?? '');
      send(res, r.code, r.body);
    } catch (e) {
      send(res, 500, status(500, 'InternalError', `fake: ${(e as Error).message}`));
    }
  }

  private route(method: string, url: URL, body: string, ct: string): { code: number; body: Json } {
    const p = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    if (method === 'GET' && p === '/version') return ok({ major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    if (method === 'GET' && (p === '/readyz' || p === '/healthz' || p === '/livez')) return { code: 200, body: 'ok' };

    let m: RegExpMatchArray | null;
    if (p === '/api/v1/nodes' && method === 'GET') return ok(list('NodeList', filter([...this.nodes.values()], q), q));
    if (p === '/api/v1/nodes' && method === 'POST') return this.create('nodes', body, null, (name, o) => (this.nodes.has(name) ? false : (this.nodes.set(name, o), true)));
    if ((m = p.match(/^\/api\/v1\/nodes\/([^/]+)$/))) {
      const name = decodeURIComponent(m[1] ?? '');
      const node = this.nodes.get(name);
      if (!node) return notFound('nodes', name);
      if (method === 'GET') return ok(node);
      if (method === 'DELETE') {
        this.nodes.delete(name);
        this.backed.delete(name);
        this.joining.delete(name);
        return ok(node);
      }
      if (method === 'PATCH') return this.patch('nodes', name, node, body, ct, (n) => this.nodes.set(name, n));
    }
    if (p === '/api/v1/pods' && method === 'GET') return ok(list('PodList', filter([...this.pods.values()], q), q));
    if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && method === 'POST') {
      const ns = m[1] ?? '';
      return this.create('pods', body, ns, (name, o) => (this.pods.has(`${ns}/${name}`) ? false : (this.pods.set(`${ns}/${name}`, o), true)));
    }
    if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)) && method === 'GET') {
      const ns = m[1] ?? '';
      return ok(list('PodList', filter([...this.pods.values()].filter((x) => obj(x, 'metadata')['namespace'] === ns), q), q));
    }
    if ((m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/eviction)?$/))) {
      const ns = m[1] ?? '';
      const name = decodeURIComponent(m[2] ?? '');
      const pod = this.pods.get(`${ns}/${name}`);
      if (!pod) return notFound('pods', name);
      if (m[3]) {
        if (method !== 'POST') return { code: 405, body: status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource') };
        return this.evict(ns, name, pod, body);
      }
      if (method === 'GET') return ok(pod);
      if (method === 'DELETE') {
        this.pods.delete(`${ns}/${name}`);
        return ok(pod);
      }
    }
    if (p === '/apis/policy/v1/poddisruptionbudgets' && method === 'GET') return ok(list('PodDisruptionBudgetList', [...this.pdbs.values()].map((d) => this.withPdbStatus(d))));
    if ((m = p.match(/^\/apis\/policy\/v1\/namespaces\/([^/]+)\/poddisruptionbudgets$/)) && method === 'GET') {
      const ns = m[1] ?? '';
      return ok(list('PodDisruptionBudgetList', [...this.pdbs.values()].filter((d) => obj(d, 'metadata')['namespace'] === ns).map((d) => this.withPdbStatus(d))));
    }
    const secret = this.secrets.route(method, p, q, body);
    if (secret) return secret;
    return { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
  }

  /** POST of a new object: 201 with the stored object, 409 AlreadyExists when the name is taken. */
  private create(kind: string, body: string, namespace: string | null, store: (name: string, o: JsonObject) => boolean): { code: number; body: Json } {
    let o: Json;
    try {
      o = JSON.parse(body) as Json;
    } catch {
      return { code: 400, body: status(400, 'BadRequest', 'the object provided is not valid JSON') };
    }
    if (!isObject(o)) return { code: 400, body: status(400, 'BadRequest', 'the object provided is not a JSON object') };
    const meta = obj(o, 'metadata');
    const name = str(meta['name']);
    if (!name) return { code: 422, body: status(422, 'Invalid', `${kind} "" is invalid: metadata.name: Required value: name or generateName is required`) };
    if (namespace !== null) meta['namespace'] = namespace;
    meta['uid'] = this.uid();
    meta['resourceVersion'] = this.nextRv();
    if (!store(name, o)) return { code: 409, body: status(409, 'AlreadyExists', `${kind} "${name}" already exists`, 'Failure', { name, kind }) };
    return { code: 201, body: o };
  }

  private patch(kind: string, name: string, current: JsonObject, body: string, ct: string, store: (o: JsonObject) => void): { code: number; body: Json } {
    let patch: Json;
    try {
      patch = JSON.parse(body) as Json;
    } catch {
      return { code: 400, body: status(400, 'BadRequest', `error decoding patch: invalid JSON`) };
    }
    const type = ct.split(';')[0]?.trim();
    let next: Json;
    if (type === 'application/json-patch+json') {
      if (!Array.isArray(patch)) return { code: 400, body: status(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch') };
      try {
        next = applyJsonPatch(structuredClone(current), patch);
      } catch (e) {
        return { code: 422, body: status(422, 'Invalid', (e as Error).message) };
      }
    } else if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
      if (!isObject(patch)) return { code: 400, body: status(400, 'BadRequest', 'patch must be a JSON object') };
      const want = isObject(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
      if (typeof want === 'string' && want !== obj(current, 'metadata')['resourceVersion']) {
        return { code: 409, body: status(409, 'Conflict', `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`, 'Failure', { name, kind }) };
      }
      next = mergePatch(structuredClone(current), patch);
    } else {
      return { code: 415, body: status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`) };
    }
    if (!isObject(next)) return { code: 422, body: status(422, 'Invalid', 'patch produced a non-object') };
    this.touch(next);
    store(next);
    return ok(next);
  }

  private evict(ns: string, name: string, pod: JsonObject, body: string): { code: number; body: Json } {
    let parsed: Json = null;
    try {
      parsed = JSON.parse(body || 'null') as Json;
    } catch {
      /* handled below */
    }
    if (!isObject(parsed) || parsed['kind'] !== 'Eviction') return { code: 400, body: status(400, 'BadRequest', 'body must be a policy/v1 Eviction') };
    const labels = (obj(pod, 'metadata')['labels'] ?? {}) as Record<string, Json>;
    // The apiserver deletes without a budget check a pod that is terminating (deletionTimestamp
    // set), terminal or Pending (`canIgnorePDB`, pkg/registry/core/pod/storage/eviction.go).
    const phase = obj(pod, 'status')['phase'];
    const ignorePdb = obj(pod, 'metadata')['deletionTimestamp'] !== undefined || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
    const budgets = ignorePdb ? [] : [...this.pdbs.values()].filter((d) => obj(d, 'metadata')['namespace'] === ns && selectorMatches(d, labels));
    // The apiserver's own Status for this: code 500, no reason, no details.
    if (budgets.length > 1) return { code: 500, body: status(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') };
    for (const d of budgets) {
      const meta = obj(d, 'metadata');
      const st = obj(this.withPdbStatus(d), 'status');
      const healthy = Number(st['currentHealthy']);
      const desired = Number(st['desiredHealthy']);
      // A pod not Ready: AlwaysAllow evicts it; IfHealthyBudget when the budget is met and desires some.
      const unhealthyOk = obj(d, 'spec')['unhealthyPodEvictionPolicy'] === 'AlwaysAllow' || (healthy >= desired && desired > 0);
      const allowed = podReady(pod) ? healthy - desired > 0 : unhealthyOk;
      if (!allowed) {
        return {
          code: 429,
          body: status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", 'Failure', {
            causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${str(meta['name'])} needs ${desired} healthy pods and has ${healthy} currently` }],
          }),
        };
      }
    }
    const grace = this.opts.terminationRequests ?? 0;
    if (grace > 0) {
      if (!this.terminating.has(`${ns}/${name}`)) {
        obj(pod, 'metadata')['deletionTimestamp'] = new Date(Date.UTC(2026, 0, 1)).toISOString();
        this.terminating.set(`${ns}/${name}`, grace);
      }
    } else this.pods.delete(`${ns}/${name}`);
    const owner = ((obj(pod, 'metadata')['ownerReferences'] ?? []) as JsonObject[])[0];
    if (owner && owner['kind'] === 'ReplicaSet' && this.opts.recreateEvicted !== false) {
      this.addPod({ namespace: ns, name: `${str(owner['name'])}-${(++this.seq).toString(36).padStart(5, 'x')}`, labels: labels as Record<string, string>, owner: `ReplicaSet/${str(owner['name'])}`, phase: 'Pending', ready: false });
    }
    return { code: 201, body: status(201, '', '', 'Success') };
  }

  private withPdbStatus(d: JsonObject): JsonObject {
    const ns = obj(d, 'metadata')['namespace'];
    const matching = [...this.pods.values()].filter((p) => obj(p, 'metadata')['namespace'] === ns && selectorMatches(d, (obj(p, 'metadata')['labels'] ?? {}) as Record<string, Json>));
    const expected = matching.length;
    // The disruption controller counts no pod that is being deleted as healthy.
    const healthy = matching.filter((p) => podReady(p) && obj(p, 'metadata')['deletionTimestamp'] === undefined).length;
    const spec = obj(d, 'spec');
    let desired = 0;
    if (spec['minAvailable'] !== undefined) desired = scaled(spec['minAvailable'], expected, true);
    else if (spec['maxUnavailable'] !== undefined) desired = Math.max(0, expected - scaled(spec['maxUnavailable'], expected, true));
    return { ...d, status: { currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, disruptionsAllowed: Math.max(0, healthy - desired) } };
  }

  private nextRv(): string {
    return String(++this.rv);
  }

  private uid(): string {
    return `00000000-0000-4000-8000-${(++this.seq).toString(16).padStart(12, '0')}`;
  }

  private touch(o: JsonObject): void {
    obj(o, 'metadata')['resourceVersion'] = this.nextRv();
  }
}

/** An `instances()` source reading the emulator's (or any EC2 endpoint's) DescribeInstances. */
export function ec2InstanceSource(ec2: EC2Client): () => Promise<FakeInstance[]> {
  return async () => {
    const out: FakeInstance[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ ...(token ? { NextToken: token } : {}) }));
      for (const r of page.Reservations ?? []) {
        for (const i of r.Instances ?? []) {
          if (!i.InstanceId) continue;
          out.push({
            id: i.InstanceId,
            zone: i.Placement?.AvailabilityZone ?? '',
            privateDnsName: i.PrivateDnsName ?? '',
            ...(i.PrivateIpAddress ? { privateIp: i.PrivateIpAddress } : {}),
            state: i.State?.Name ?? 'unknown',
            tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
          });
        }
      }
      token = page.NextToken;
    } while (token);
    return out;
  };
}

/**
 * An `instances()` source reading the fake Compute API's instances (`FakeGceCompute.all`) of a
 * project: GCE node names are the instance names, the provider id `gce://<project>/<zone>/<name>`,
 * the role and instance group from kops's labels. Read from the fake's store, so it adds nothing
 * to the fake's call log.
 */
export function gceInstanceSource(compute: { all(project: string, collection: string): Record<string, unknown>[] }, project: string): () => Promise<FakeInstance[]> {
  return async () =>
    compute.all(project, 'instances').map((i) => {
      const name = String(i['name']);
      const zone = String(i['zone'] ?? '').split('/').pop() ?? '';
      const labels = (i['labels'] ?? {}) as Record<string, string>;
      const ig = labels['k8s-io-instance-group'];
      return {
        id: name,
        zone,
        privateDnsName: name,
        // GCE's RUNNING is EC2's running; anything else is not (yet) a node.
        state: i['status'] === 'RUNNING' ? 'running' : String(i['status'] ?? 'unknown').toLowerCase(),
        tags: {},
        providerId: `gce://${project}/${zone}/${name}`,
        controlPlane: 'k8s-io-role-control-plane' in labels || 'k8s-io-role-master' in labels,
        ...(ig ? { instanceGroup: ig } : {}),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(o: JsonObject, k: string): JsonObject {
  const v = o[k];
  if (isObject(v)) return v;
  const n: JsonObject = {};
  o[k] = n;
  return n;
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

function readyCondition(ready: boolean): JsonObject {
  return { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'KubeletNotReady', message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready' };
}

function podStatus(phase: string, ready: boolean): JsonObject {
  return {
    phase,
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [{ name: 'main', ready, restartCount: ready ? 0 : 3, image: 'registry.k8s.io/pause:3.10', imageID: '', state: ready ? { running: {} } : { waiting: { reason: phase === 'Running' ? 'CrashLoopBackOff' : 'ContainerCreating' } } }],
  };
}

function podReady(p: JsonObject): boolean {
  const st = obj(p, 'status');
  if (st['phase'] !== 'Running') return false;
  return ((st['conditions'] ?? []) as JsonObject[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** A budget's selector as the apiserver reads it: null selects nothing, `{}` everything; matchLabels AND matchExpressions. */
function selectorMatches(pdb: JsonObject, labels: Record<string, Json>): boolean {
  const sel = obj(pdb, 'spec')['selector'];
  if (!isObject(sel)) return false;
  const ml = (sel['matchLabels'] ?? {}) as Record<string, Json>;
  const has = (k: string): boolean => Object.hasOwn(labels, k);
  const exprs = (sel['matchExpressions'] ?? []) as JsonObject[];
  return (
    Object.entries(ml).every(([k, v]) => has(k) && labels[k] === v) &&
    exprs.every((r) => {
      const k = str(r['key']);
      const in_ = ((r['values'] ?? []) as Json[]).includes(labels[k] ?? null);
      return r['operator'] === 'In' ? has(k) && in_ : r['operator'] === 'NotIn' ? !has(k) || !in_ : r['operator'] === 'Exists' ? has(k) : r['operator'] === 'DoesNotExist' ? !has(k) : false;
    })
  );
}

/** An int-or-percent against a total (percentages round up, as the disruption controller does). */
function scaled(v: Json | undefined, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = typeof v === 'string' ? v.match(/^(\d+)%$/) : null;
  if (!m) return Number(v);
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** A list, paged as the apiserver pages it when the client sends `limit` (and `continue`). */
function list(kind: string, items: JsonObject[], q?: URLSearchParams): JsonObject {
  const apiVersion = kind.startsWith('PodDisruption') ? 'policy/v1' : 'v1';
  const limit = Number(q?.get('limit') ?? 0);
  if (!limit) return { apiVersion, kind, metadata: { resourceVersion: '1' }, items };
  const from = q?.get('continue') ? Number(Buffer.from(q.get('continue') ?? '', 'base64url').toString('utf8')) : 0;
  const page = items.slice(from, from + limit);
  const metadata: JsonObject = { resourceVersion: '1' };
  if (from + limit < items.length) {
    metadata['continue'] = Buffer.from(String(from + limit), 'utf8').toString('base64url');
    metadata['remainingItemCount'] = items.length - from - limit;
  }
  return { apiVersion, kind, metadata, items: page };
}

function labelsOf(o: JsonObject): Record<string, Json> {
  return (obj(o, 'metadata')['labels'] ?? {}) as Record<string, Json>;
}

/** labelSelector (`k=v`, `k!=v`, `k`, `!k`) and fieldSelector (`spec.nodeName`, `metadata.name`, `metadata.namespace`). */
function filter(items: JsonObject[], q: URLSearchParams): JsonObject[] {
  let out = items;
  const ls = q.get('labelSelector');
  if (ls) {
    for (const term of ls.split(',').map((t) => t.trim()).filter(Boolean)) {
      const ne = term.match(/^([^!=]+)!=(.*)$/);
      const eq = term.match(/^([^!=]+)==?(.*)$/);
      if (ne) out = out.filter((o) => labelsOf(o)[ne[1] ?? ''] !== ne[2]);
      else if (eq) out = out.filter((o) => labelsOf(o)[eq[1] ?? ''] === eq[2]);
      else if (term.startsWith('!')) out = out.filter((o) => !(term.slice(1) in labelsOf(o)));
      else out = out.filter((o) => term in labelsOf(o));
    }
  }
  const fs = q.get('fieldSelector');
  if (fs) {
    for (const term of fs.split(',')) {
      const m = term.match(/^([^!=]+)(!=|==?)(.*)$/);
      if (!m) continue;
      const [, field, op, value] = m;
      const get = (o: JsonObject): Json | undefined => {
        const [a, b] = (field ?? '').split('.');
        return obj(o, a ?? '')[b ?? ''];
      };
      out = out.filter((o) => ((get(o) ?? '') === value) === (op !== '!='));
    }
  }
  return out;
}

function status(code: number, reason: string, message: string, st: 'Failure' | 'Success' = 'Failure', details?: JsonObject): JsonObject {
  const s: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: st, code };
  if (message) s['message'] = message;
  if (reason) s['reason'] = reason;
  if (details) s['details'] = details;
  return s;
}

function notFound(kind: string, name: string): { code: number; body: Json } {
  return { code: 404, body: status(404, 'NotFound', `${kind} "${name}" not found`, 'Failure', { name, kind }) };
}

function ok(body: Json): { code: number; body: Json } {
  return { code: 200, body };
}

function send(res: ServerResponse, code: number, body: Json): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
}

/** RFC 7386 (and strategic merge for the fields kops-ts patches: maps merge, lists replace, null deletes). */
function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function applyJsonPatch(doc: JsonObject, ops: Json[]): JsonObject {
  for (const op of ops) {
    if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') throw new Error('invalid JSON patch operation');
    const parts = op['path'].split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error('the root cannot be patched');
    let parent: Json = doc;
    for (const k of parts) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(k)] : isObject(parent) ? parent[k] : undefined;
      if (next === undefined) throw new Error(`doc is missing path: ${op['path']}`);
      parent = next;
    }
    const value = op['value'] ?? null;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op['op'] === 'add') parent.splice(i, 0, value);
      else if (op['op'] === 'remove') parent.splice(i, 1);
      else if (op['op'] === 'replace') parent[i] = value;
      else if (op['op'] === 'test') {
        if (JSON.stringify(parent[i]) !== JSON.stringify(value)) throw new Error(`testing value ${op['path']} failed`);
      } else throw new Error(`unsupported op ${op['op']}`);
    } else if (isObject(parent)) {
      if (op['op'] === 'add' || op['op'] === 'replace') {
        if (op['op'] === 'replace' && !(last in parent)) throw new Error(`replace operation does not apply: doc is missing key: ${op['path']}`);
        parent[last] = value;
      } else if (op['op'] === 'remove') {
        if (!(last in parent)) throw new Error(`remove operation does not apply: doc is missing path: ${op['path']}`);
        delete parent[last];
      } else if (op['op'] === 'test') {
        if (JSON.stringify(parent[last]) !== JSON.stringify(value)) throw new Error(`testing value ${op['path']} failed`);
      } else throw new Error(`unsupported op ${op['op']}`);
    } else throw new Error(`doc is missing path: ${op['path']}`);
  }
  return doc;
}
