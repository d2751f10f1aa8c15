/**
 * A small, faithful fake of the Kubernetes API server for tests (no real API server can run on
 * these machines). It speaks the real REST paths and the apiserver's `Status` error shapes, so
 * `@kubernetes/client-node` drives it exactly as it would drive a cluster. This file is the server:
 * the HTTP listener, the bearer token, fault injection, the request log, `/version`, `/readyz`,
 * `/healthz`, `/livez` and the routing to one module per resource family, each in this folder:
 *
 *  - nodes (`/api/v1/nodes`…): kube-nodes.ts
 *  - pods (`/api/v1/pods`, `/api/v1/namespaces/{ns}/pods`…): kube-pods.ts
 *  - the pods' `eviction` subresource (policy/v1), with its PodDisruptionBudget checks:
 *    kube-eviction.ts
 *  - poddisruptionbudgets (`/apis/policy/v1/…`), status computed on read: kube-pdbs.ts
 *  - secrets (`/api/v1/secrets`, `/api/v1/namespaces/{ns}/secrets`…): kube-secrets.ts
 *  - the POST of a new node or pod, and a node's PATCH (strategic-merge, merge and json-patch):
 *    kube-write.ts
 *  - Nodes backed by instances (the AWS emulator's or the fake Compute API's): kube-instances.ts
 *  - Status answers, lists paged with `limit`/`continue`, label and field selectors: kube-wire.ts;
 *    the stored objects and counters the modules share: kube-store.ts
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
import { routeEviction } from './kube-eviction.js';
import { syncInstances, type FakeInstance } from './kube-instances.js';
import { addNode, advanceJoins, routeNodes, setKubeletVersion, setNodeReady } from './kube-nodes.js';
import { addPdb, routePdbs, type PdbInput } from './kube-pdbs.js';
import { addPod, advanceTerminations, podsOn, routePods, setPodPhase, setPodReady, type PodSpecInput } from './kube-pods.js';
import { FakeSecrets } from './kube-secrets.js';
import { KubeStore } from './kube-store.js';
import { filter, ok, send, status, type Answer, type JsonObject } from './kube-wire.js';

export type { Json, JsonObject } from './kube-wire.js';
export type { FakeInstance } from './kube-instances.js';
export type { PodSpecInput } from './kube-pods.js';
export type { PdbInput } from './kube-pdbs.js';
export { ec2InstanceSource, gceInstanceSource } from './kube-instances.js';

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

export class FakeKubeApiServer {
  readonly token: string;
  readonly requests: RecordedRequest[] = [];
  /** Drop every connection without answering (the API unreachable). */
  unreachable = false;
  /** Sees every request once read whole, before it is handled (the fake's state is as the previous request left it). */
  onRequest?: (request: RecordedRequest) => void;
  /** Sees every request once its effect is made and its answer sent (the next request sees that effect). */
  onHandled?: (request: RecordedRequest) => void;
  /** The requests `resetRequest` reset, in order. */
  readonly resetRequests: RecordedRequest[] = [];
  private readonly resets: { match: (r: RecordedRequest) => boolean; times: number }[] = [];
  readonly nodes: Map<string, JsonObject>;
  /** Keyed `<namespace>/<name>`. */
  readonly pods: Map<string, JsonObject>;
  readonly pdbs: Map<string, JsonObject>;
  /** core/v1 Secrets (test/fakes/kube-secrets.ts). */
  readonly secrets: FakeSecrets;
  private readonly store: KubeStore;
  private server?: Server;
  private port = 0;

  private constructor(opts: FakeKubeOptions) {
    this.store = new KubeStore(opts);
    this.token = opts.token ?? 'fake-token';
    this.nodes = this.store.nodes;
    this.pods = this.store.pods;
    this.pdbs = this.store.pdbs;
    this.secrets = new FakeSecrets(() => this.store.uid(), () => this.store.nextRv(), filter);
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
    return addNode(this.store, name, o);
  }

  setNodeReady(name: string, ready: boolean): void {
    setNodeReady(this.store, name, ready);
  }

  /** What the Node's kubelet reports (`status.nodeInfo.kubeletVersion`), as after the kubelet restarts at another version. */
  setKubeletVersion(name: string, version: string): void {
    setKubeletVersion(this.store, name, version);
  }

  addPod(p: PodSpecInput): JsonObject {
    return addPod(this.store, p);
  }

  /** Make a pod Running and Ready (or not), e.g. a replacement replica becoming available. */
  setPodReady(namespace: string, name: string, ready: boolean, node?: string): void {
    setPodReady(this.store, namespace, name, ready, node);
  }

  /** Put a pod in a phase (e.g. `Pending`, `Failed`) with its container not ready. */
  setPodPhase(namespace: string, name: string, phase: string): void {
    setPodPhase(this.store, namespace, name, phase);
  }

  addPdb(p: PdbInput): JsonObject {
    return addPdb(this.store, p);
  }

  podsOn(node: string): string[] {
    return podsOn(this.store, node);
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
    advanceJoins(this.store);
    advanceTerminations(this.store);
    try {
      if (req.headers.authorization !== `Bearer ${this.token}`) return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      await syncInstances(this.store);
      const url = new URL(req.url ?? '/', 'http://fake');
      const r = this.route(req.method ?? 'GET', url, body, ct ?? '');
      send(res, r.code, r.body);
    } catch (e) {
      send(res, 500, status(500, 'InternalError', `fake: ${(e as Error).message}`));
    }
    this.onHandled?.(recorded);
  }

  private route(method: string, url: URL, body: string, ct: string): Answer {
    const p = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    if (method === 'GET' && p === '/version') return ok({ major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    if (method === 'GET' && (p === '/readyz' || p === '/healthz' || p === '/livez')) return { code: 200, body: 'ok' };
    return (
      routeNodes(this.store, method, p, q, body, ct) ??
      routePods(this.store, method, p, q, body) ??
      routeEviction(this.store, method, p, body) ??
      routePdbs(this.store, method, p) ??
      this.secrets.route(method, p, q, body) ??
      { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') }
    );
  }
}
