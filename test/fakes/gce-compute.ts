/**
 * A small fake of the Compute Engine REST API v1 on node:http, faithful in what the GCE task kinds
 * and `@google-cloud/compute` (REST fallback) rely on. See docs/gce.md for what it models and not.
 *
 * - paths under `/compute/v1/projects/<p>/`: `global/{networks,firewalls,httpHealthChecks,
 *   instanceTemplates}`, `regions/<r>/{subnetworks,addresses,targetPools,forwardingRules,routers}`,
 *   `zones/<z>/{disks,instanceGroupManagers,instances}`: list (GET collection), get (GET item),
 *   insert (POST collection), delete (DELETE item), patch (PATCH item, where the API has it),
 *   custom methods (POST item/<method>), and `aggregated/<collection>` for the zonal/regional ones;
 * - every mutation returns an operation (`compute#operation`, scope global/regional/zonal, status
 *   DONE; with `error.errors[]` when a fault hook fails it) that `operations/<name>` and
 *   `operations/<name>/wait` return;
 * - `resetRequest`: a matching request's connection is reset without an answer (ECONNRESET);
 * - errors in Google's JSON shape `{error:{code,message,errors:[{message,domain,reason}]}}`: 404
 *   `notFound`, 409 `alreadyExists`, 400 `invalid` (bad names, unknown fields, bad values),
 *   400 `resourceInUseByAnotherResource` (a network used by a subnetwork, firewall rule, router or
 *   forwarding rule; a target pool by a forwarding rule or group; a health check by a target pool;
 *   an address a forwarding rule holds is released, the rule keeping the IP), 412 `conditionNotMet` (stale fingerprint);
 * - labels and `labelFingerprint` only where the API has them (disks, addresses, forwarding rules,
 *   instances; instance templates in `properties.labels`), `setLabels` checks the fingerprint;
 *   aggregated lists page across scopes and warn `NO_RESULTS_ON_PAGE` for empty ones;
 *   disks grow with `resize` (never shrink);
 * - `maxResults` (default and cap 500) with `pageToken`/`nextPageToken`, and `filter` with the
 *   comparisons `field = "v"`, `field != "v"`, `field eq regex`, `field ne regex` (joined by spaces
 *   or AND), dotted fields such as `labels.k8s-io-cluster-name`;
 * - managed instance groups run their instances: `targetSize` instances named
 *   `<baseInstanceName>-<4 chars>` from the template (`version.instanceTemplate`), `resize`,
 *   `setInstanceTemplate` (new instances only), `setTargetPools`, `listManagedInstances`,
 *   `deleteInstances` and `abandonInstances` (both lower `targetSize`, as GCE documents), and an
 *   instance deleted with `instances.delete` is recreated by its group under the same name with
 *   the group's current template (`bootPolls`: PROVISIONING/CREATING for that many reads of
 *   `listManagedInstances` first); an instance has the template's `networkInterfaces` (`nic0`, ...)
 *   each with an internal `networkIP` from its subnetwork's primary range (the next free address
 *   from `.2`; `10.128.0.0/20` when the subnetwork is not in the fake), access configs as the
 *   template has them (no `natIP`); `instances.stop` makes one `TERMINATED` (it keeps its IP),
 *   `instances.start` `RUNNING` again; target pools list their own instances and those of the groups
 *   that name them, `removeInstance` takes either out (a group adds the VMs it creates later);
 * - locations: `projects/<p>` (`projects.get`), `regions/<r>` and `zones/<z>` (get) from a fixed
 *   catalog of real regions and zones (`REGIONS`); with `projects` set, every call naming another
 *   project gets GCE's 404 for the project;
 * - IAM: with `permissions` set, a call whose permission (`permissionOf`, the permission Google's
 *   REST reference names for the method) is not in the set gets Google's 403 `forbidden`
 *   (`Required 'compute.networks.create' permission for 'projects/p/global/networks/n'`), before any
 *   effect; `used` records every permission asked for;
 * - `iam`: IAM service accounts and the project's IAM policy (Resource Manager) under `/v1/projects/`
 *   on the same endpoint (test/fakes/gce-iam.ts), with the same `permissions` and `used`;
 * - `requireToken`: when set, a Compute call without `Authorization: Bearer <it>` gets Google's 401
 *   `UNAUTHENTICATED` (as a request with no or a bad token does);
 * - `dns`: Cloud DNS managed zones and record sets under `/dns/v1/projects/` on the same endpoint
 *   (test/fakes/gce-dns.ts), with the same `permissions` and `used`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FakeGceDns } from './gce-dns.js';
import { FakeGceIam, GoogleApiError } from './gce-iam.js';

export type Json = Record<string, unknown>;

export interface GceCall {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body?: Json;
}

export interface GceFault {
  readonly status: number;
  readonly reason: string;
  readonly message?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type Scope = { readonly type: 'global' } | { readonly type: 'regions'; readonly name: string } | { readonly type: 'zones'; readonly name: string };

interface CollectionSpec {
  readonly scope: Scope['type'];
  readonly kind: string;
  /** Top-level fields insert accepts (besides name and description). */
  readonly fields: readonly string[];
  readonly labels: boolean;
  readonly patch: boolean;
}

const COLLECTIONS: Readonly<Record<string, CollectionSpec>> = {
  networks: { scope: 'global', kind: 'compute#network', fields: ['autoCreateSubnetworks', 'routingConfig', 'mtu'], labels: false, patch: true },
  firewalls: {
    scope: 'global',
    kind: 'compute#firewall',
    fields: ['network', 'priority', 'direction', 'sourceRanges', 'sourceTags', 'targetTags', 'allowed', 'denied', 'disabled', 'destinationRanges'],
    labels: false,
    patch: true,
  },
  httpHealthChecks: {
    scope: 'global',
    kind: 'compute#httpHealthCheck',
    fields: ['port', 'requestPath', 'host', 'checkIntervalSec', 'timeoutSec', 'healthyThreshold', 'unhealthyThreshold'],
    labels: false,
    patch: true,
  },
  instanceTemplates: { scope: 'global', kind: 'compute#instanceTemplate', fields: ['properties'], labels: false, patch: false },
  subnetworks: {
    scope: 'regions',
    kind: 'compute#subnetwork',
    fields: ['network', 'ipCidrRange', 'secondaryIpRanges', 'privateIpGoogleAccess', 'region', 'stackType', 'purpose'],
    labels: false,
    patch: true,
  },
  addresses: { scope: 'regions', kind: 'compute#address', fields: ['address', 'addressType', 'networkTier', 'labels', 'region'], labels: true, patch: false },
  targetPools: { scope: 'regions', kind: 'compute#targetPool', fields: ['healthChecks', 'instances', 'sessionAffinity', 'region'], labels: false, patch: false },
  forwardingRules: {
    scope: 'regions',
    kind: 'compute#forwardingRule',
    fields: ['IPAddress', 'IPProtocol', 'portRange', 'ports', 'allPorts', 'target', 'backendService', 'network', 'subnetwork', 'loadBalancingScheme', 'networkTier', 'labels', 'region'],
    labels: true,
    patch: false,
  },
  disks: { scope: 'zones', kind: 'compute#disk', fields: ['sizeGb', 'type', 'labels', 'sourceImage', 'zone'], labels: true, patch: false },
  instanceGroupManagers: {
    scope: 'zones',
    kind: 'compute#instanceGroupManager',
    fields: ['baseInstanceName', 'instanceTemplate', 'targetSize', 'targetPools', 'zone', 'versions', 'updatePolicy'],
    labels: false,
    patch: false,
  },
  instances: { scope: 'zones', kind: 'compute#instance', fields: [], labels: true, patch: false },
  routers: { scope: 'regions', kind: 'compute#router', fields: ['network', 'nats', 'bgp', 'bgpPeers', 'interfaces', 'region'], labels: false, patch: true },
};

/** Regions and their zones (a subset of GCE's real catalog). */
export const REGIONS: Readonly<Record<string, readonly string[]>> = {
  'us-central1': ['a', 'b', 'c', 'f'],
  'us-east1': ['b', 'c', 'd'],
  'us-west1': ['a', 'b', 'c'],
  'europe-west1': ['b', 'c', 'd'],
  'europe-west4': ['a', 'b', 'c'],
  'asia-northeast1': ['a', 'b', 'c'],
};

/**
 * The IAM permission Google checks for a Compute REST call (`compute.<collection>.<verb>`), or
 * undefined for a path the fake does not serve.
 */
export function permissionOf(method: string, path: string): string | undefined {
  const m = /^\/compute\/v1\/projects\/[^/]+(?:\/(.*))?$/.exec(path);
  if (!m) return undefined;
  const segs = (m[1] ?? '').split('/').filter((x) => x !== '');
  if (segs.length === 0) return 'compute.projects.get';
  if (segs[0] === 'aggregated') return `compute.${segs[1] ?? ''}.list`;
  let rest: string[];
  let opScope: string;
  if (segs[0] === 'global') {
    rest = segs.slice(1);
    opScope = 'globalOperations';
  } else if (segs[0] === 'regions' || segs[0] === 'zones') {
    if (segs.length <= 2) return `compute.${segs[0]}.${segs.length === 1 ? 'list' : 'get'}`;
    rest = segs.slice(2);
    opScope = segs[0] === 'regions' ? 'regionOperations' : 'zoneOperations';
  } else return undefined;
  const [collection, name, custom] = rest as [string, string | undefined, string | undefined];
  if (collection === 'operations') return `compute.${opScope}.get`;
  if (name === undefined) return `compute.${collection}.${method === 'POST' ? 'create' : 'list'}`;
  if (custom === undefined) return `compute.${collection}.${method === 'DELETE' ? 'delete' : method === 'PATCH' ? 'update' : 'get'}`;
  if (collection === 'instanceGroupManagers') return `compute.instanceGroupManagers.${custom === 'listManagedInstances' ? 'get' : 'update'}`;
  return `compute.${collection}.${custom}`;
}

const NAME_RE = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_RE = /^[a-z0-9_-]{0,63}$/;

export class FakeGceCompute {
  /** Every request, in order. */
  readonly calls: GceCall[] = [];
  /** Told of every request as it arrives, before it is answered (a test's trigger). */
  onCall: ((c: GceCall) => void) | undefined;
  /** `scopePath/collection` → name → resource (scopePath: `projects/p/global`, `projects/p/zones/z`, ...). */
  private readonly store = new Map<string, Map<string, Json>>();
  private readonly operations = new Map<string, Json>();
  private server: Server | undefined;
  private endpointURL = '';
  private nextId = 1000;
  private opSeq = 0;
  private ipSeq = 10;
  private readonly faults: { match: (c: GceCall) => boolean; fault: GceFault; times: number }[] = [];
  private readonly opFaults: { match: (c: GceCall) => boolean; fault: GceFault; times: number }[] = [];
  private readonly resets: { match: (c: GceCall) => boolean; times: number }[] = [];
  /** The requests `resetRequest` reset, in order. */
  readonly resetCalls: GceCall[] = [];
  /**
   * How many `get`/`wait` calls see a new operation RUNNING before it is DONE (default 0: DONE at
   * once). The effect itself is applied when the call is made.
   */
  operationPolls = 0;
  /**
   * How many `listManagedInstances` reads see an instance its group (re)creates as
   * `currentAction: CREATING`, `status: PROVISIONING` before it is `NONE`/`RUNNING` (default 0:
   * running at once), as a real group's VM takes time to boot.
   */
  bootPolls = 0;
  /** The random suffix of MIG instance names (override for determinism). */
  random: () => number = Math.random;
  /** The projects that exist (undefined: every project). */
  projects: ReadonlySet<string> | undefined;
  /** The caller's permissions (undefined: every permission). */
  permissions: ReadonlySet<string> | undefined;
  /** The only access token Compute calls are accepted with (undefined: any request). */
  requireToken: string | undefined;
  /** Every permission a call asked for (enforced or not), in order of first use. */
  readonly used = new Set<string>();
  /** IAM service accounts and project IAM policies, served on the same endpoint. */
  readonly iam = new FakeGceIam();
  /** Cloud DNS managed zones and record sets, served on the same endpoint (test/fakes/gce-dns.ts). */
  readonly dns = new FakeGceDns();

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpointURL = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return this.endpointURL;
  }

  get endpoint(): string {
    return this.endpointURL;
  }

  get port(): number {
    return Number(new URL(this.endpointURL).port);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` requests `match` accepts fail with this HTTP error (before any effect). */
  failRequest(match: (c: GceCall) => boolean, fault: GceFault, times = 1): void {
    this.faults.push({ match, fault, times });
  }

  /**
   * The next `times` requests `match` accepts get no answer: the connection is reset (TCP RST)
   * after the request is read, before any effect. What a client sees when it sends a request on a
   * kept-alive connection the server has just closed as idle (the client then gets ECONNRESET).
   */
  resetRequest(match: (c: GceCall) => boolean, times = 1): void {
    this.resets.push({ match, times });
  }

  /** The next `times` mutations `match` accepts return an operation that is DONE with this error (no effect). */
  failOperation(match: (c: GceCall) => boolean, fault: GceFault, times = 1): void {
    this.opFaults.push({ match, fault, times });
  }

  /** Calls so far whose method and path match. */
  count(method: string, path: RegExp): number {
    return this.calls.filter((c) => c.method === method && path.test(c.path)).length;
  }

  /** A stored resource (a copy), e.g. `get('p', 'zones/us-central1-a', 'disks', 'd1')`. */
  get(project: string, scope: string, collection: string, name: string): Json | undefined {
    const r = this.coll(`projects/${project}/${scope}`, collection).get(name);
    return r === undefined ? undefined : this.present(`projects/${project}/${scope}`, collection, r);
  }

  /** Names of the stored resources of a collection, sorted. */
  names(project: string, scope: string, collection: string): string[] {
    return [...this.coll(`projects/${project}/${scope}`, collection).keys()].sort();
  }

  /** Every stored resource of a collection in every scope of a project (for "nothing left" checks). */
  all(project: string, collection: string): Json[] {
    const out: Json[] = [];
    for (const [key, m] of this.store) if (key.startsWith(`projects/${project}/`) && key.endsWith(`/${collection}`)) out.push(...m.values());
    return out;
  }

  /** Changes a stored resource behind the client's back (drift). */
  mutate(project: string, scope: string, collection: string, name: string, fn: (r: Json) => void): void {
    const r = this.coll(`projects/${project}/${scope}`, collection).get(name);
    if (!r) throw new Error(`no ${collection}/${name} in ${scope}`);
    fn(r);
  }

  // -------------------------------------------------------------------------------------------

  private coll(scopePath: string, collection: string): Map<string, Json> {
    const key = `${scopePath}/${collection}`;
    let m = this.store.get(key);
    if (!m) {
      m = new Map();
      this.store.set(key, m);
    }
    return m;
  }

  private url(path: string): string {
    return `https://www.googleapis.com/compute/v1/${path}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    let body: Json | undefined;
    try {
      const raw = await readBody(req);
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw) as Json;
        } catch {
          throw new HttpError(400, 'parseError', 'Parse Error');
        }
      }
      const call: GceCall = { method: req.method ?? 'GET', path: url.pathname, query, ...(body ? { body } : {}) };
      this.calls.push(call);
      this.onCall?.(call);
      const reset = this.resets.find((x) => x.times > 0 && x.match(call));
      if (reset) {
        reset.times--;
        this.resetCalls.push(call);
        req.socket.resetAndDestroy();
        return;
      }
      const fault = takeFault(this.faults, call);
      if (fault) throw new HttpError(fault.status, fault.reason, fault.message ?? `injected ${fault.reason}`);
      const dns = this.dns.handle(call.method, call.path, query, body, this.permissions, this.used);
      if (dns) {
        send(res, dns.status, dns.body);
        return;
      }
      const iam = this.iam.handle(call.method, call.path, query, body, this.permissions, this.used);
      if (iam) {
        send(res, 200, iam);
        return;
      }
      if (this.requireToken !== undefined && /^\/compute\//.test(call.path) && req.headers.authorization !== `Bearer ${this.requireToken}`) {
        throw new HttpError(401, 'required', 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
      }
      this.authorize(call);
      const result = this.route(call);
      send(res, 200, result);
    } catch (e) {
      if (e instanceof GoogleApiError) {
        send(res, e.code, e.body());
      } else if (e instanceof HttpError) {
        send(res, e.status, { error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }] } });
      } else {
        send(res, 500, { error: { code: 500, message: String(e), errors: [{ message: String(e), domain: 'global', reason: 'backendError' }] } });
      }
    }
  }

  /** The project exists, and the caller holds the call's permission (Google's 404 / 403 shapes). */
  private authorize(call: GceCall): void {
    const m = /^\/compute\/v1\/projects\/([^/]+)(\/.*)?$/.exec(call.path);
    if (!m) return;
    const project = decodeURIComponent(m[1] as string);
    if (this.projects && !this.projects.has(project)) throw new HttpError(404, 'notFound', `The resource 'projects/${project}' was not found`);
    const permission = permissionOf(call.method, call.path);
    if (!permission) return;
    this.used.add(permission);
    if (this.permissions && !this.permissions.has(permission)) {
      const resource = call.path.replace(/^\/compute\/v1\//, '').replace(/\/(wait|setLabels|resize|setInstanceTemplate|setTargetPools|addHealthCheck|removeHealthCheck|removeInstance|deleteInstances|abandonInstances|listManagedInstances|stop|start)$/, '');
      throw new HttpError(403, 'forbidden', `Required '${permission}' permission for '${resource}'`);
    }
  }

  /** `projects/<p>`, `regions[/<r>]`, `zones[/<z>]`: the catalog (`REGIONS`). */
  private location(project: string, segs: readonly string[], call: GceCall): Json {
    const url = (p: string) => this.url(`projects/${project}/${p}`);
    const region = (r: string): Json => ({ kind: 'compute#region', id: String(1000 + Object.keys(REGIONS).indexOf(r)), name: r, status: 'UP', selfLink: url(`regions/${r}`), zones: (REGIONS[r] ?? []).map((z) => url(`zones/${r}-${z}`)) });
    const zone = (z: string): Json => ({ kind: 'compute#zone', id: String(2000 + z.length), name: z, status: 'UP', region: url(`regions/${z.replace(/-[a-z]$/, '')}`), selfLink: url(`zones/${z}`) });
    const zones = Object.entries(REGIONS).flatMap(([r, zs]) => zs.map((z) => `${r}-${z}`));
    if (call.method !== 'GET') throw notFoundUrl(call);
    if (segs.length === 0) return { kind: 'compute#project', id: String(4242), name: project, selfLink: this.url(`projects/${project}`) };
    const [type, name] = segs as [string, string | undefined];
    if (type === 'regions') {
      if (name === undefined) return { kind: 'compute#regionList', items: Object.keys(REGIONS).map(region) };
      if (!REGIONS[name]) throw new HttpError(404, 'notFound', `The resource 'projects/${project}/regions/${name}' was not found`);
      return region(name);
    }
    if (name === undefined) return { kind: 'compute#zoneList', items: zones.map(zone) };
    if (!zones.includes(name)) throw new HttpError(404, 'notFound', `The resource 'projects/${project}/zones/${name}' was not found`);
    return zone(name);
  }

  private route(call: GceCall): Json {
    const p = /^\/compute\/v1\/projects\/([^/]+)\/?((?:regions|zones)(?:\/[^/]+)?)?$/.exec(call.path);
    if (p) return this.location(decodeURIComponent(p[1] as string), (p[2] ?? '').split('/').filter((x) => x !== ''), call);
    const m = /^\/compute\/v1\/projects\/([^/]+)\/(.*)$/.exec(call.path);
    if (!m) throw new HttpError(404, 'notFound', `The requested URL ${call.path} was not found on this server.`);
    const project = m[1] as string;
    const segs = (m[2] as string).split('/').map(decodeURIComponent);
    if (segs[0] === 'aggregated' && segs.length === 2 && call.method === 'GET') return this.aggregated(project, segs[1] as string, call.query);
    let scope: Scope;
    let rest: string[];
    if (segs[0] === 'global') {
      scope = { type: 'global' };
      rest = segs.slice(1);
    } else if ((segs[0] === 'regions' || segs[0] === 'zones') && segs.length >= 3) {
      scope = { type: segs[0], name: segs[1] as string };
      rest = segs.slice(2);
    } else {
      throw new HttpError(404, 'notFound', `The requested URL ${call.path} was not found on this server.`);
    }
    const scopePath = scope.type === 'global' ? `projects/${project}/global` : `projects/${project}/${scope.type}/${scope.name}`;
    const [collection, name, method] = rest as [string, string | undefined, string | undefined];
    if (collection === 'operations' && name) {
      const op = this.operations.get(`${scopePath}/operations/${name}`);
      if (!op) throw new HttpError(404, 'notFound', `The resource '${scopePath}/operations/${name}' was not found`);
      if ((call.method === 'GET' && !method) || (call.method === 'POST' && method === 'wait')) {
        const polls = (op.pendingPolls as number | undefined) ?? 0;
        if (polls > 0) {
          op.pendingPolls = polls - 1;
          const { pendingPolls: _p, error: _e, httpErrorStatusCode: _h, ...running } = op;
          return { ...running, status: 'RUNNING', progress: 50 };
        }
        const { pendingPolls: _p, ...done } = op;
        return done;
      }
      throw notFoundUrl(call);
    }
    const spec = COLLECTIONS[collection];
    if (!spec || spec.scope !== scope.type || rest.length > 3) throw notFoundUrl(call);
    const items = this.coll(scopePath, collection);
    const where = `${scopePath}/${collection}`;
    if (name === undefined) {
      if (call.method === 'GET') return this.list(scopePath, collection, spec, call.query);
      if (call.method === 'POST') return this.insert(call, project, scope, scopePath, collection, spec, call.body ?? {});
      throw notFoundUrl(call);
    }
    const existing = items.get(name);
    if (!existing) throw new HttpError(404, 'notFound', `The resource '${where}/${name}' was not found`);
    if (method === undefined) {
      if (call.method === 'GET') return this.present(scopePath, collection, existing);
      if (call.method === 'DELETE') return this.mutation(call, scopePath, where, name, 'delete', () => this.remove(scopePath, collection, name, existing));
      if (call.method === 'PATCH' && spec.patch) return this.mutation(call, scopePath, where, name, 'patch', () => this.patch(collection, spec, existing, call.body ?? {}));
      throw notFoundUrl(call);
    }
    if (call.method !== 'POST') throw notFoundUrl(call);
    if (collection === 'instanceGroupManagers' && method === 'listManagedInstances') {
      // A read served by POST: data, not an operation.
      const { page, next } = paginate(this.managedInstances(scopePath, existing), call.query);
      return { managedInstances: page, ...(next ? { nextPageToken: next } : {}) };
    }
    const b = call.body ?? {};
    return this.mutation(call, scopePath, where, name, method, () => this.custom(scopePath, collection, spec, existing, method, b, call));
  }

  private mutation(call: GceCall, scopePath: string, where: string, name: string, type: string, effect: () => void): Json {
    const fault = takeFault(this.opFaults, call);
    if (!fault) effect();
    const opName = `operation-${Date.now()}-${++this.opSeq}`;
    const [, , scopeType, scopeName] = scopePath.split('/');
    const op: Json = {
      kind: 'compute#operation',
      id: String(this.nextId++),
      name: opName,
      operationType: type,
      targetLink: this.url(`${where}/${name}`),
      targetId: String(this.nextId++),
      status: 'DONE',
      progress: 100,
      insertTime: new Date().toISOString(),
      startTime: new Date().toISOString(),
      endTime: new Date().toISOString(),
      selfLink: this.url(`${scopePath}/operations/${opName}`),
      ...(scopeType === 'zones' ? { zone: this.url(`projects/${scopePath.split('/')[1]}/zones/${scopeName}`) } : {}),
      ...(scopeType === 'regions' ? { region: this.url(`projects/${scopePath.split('/')[1]}/regions/${scopeName}`) } : {}),
      ...(fault
        ? {
            httpErrorStatusCode: fault.status,
            error: { errors: [{ code: fault.reason, message: fault.message ?? `injected ${fault.reason}` }] },
          }
        : {}),
    };
    this.operations.set(`${scopePath}/operations/${opName}`, { ...op, pendingPolls: this.operationPolls });
    if (this.operationPolls === 0) return op;
    const { error: _e, httpErrorStatusCode: _h, ...running } = op;
    return { ...running, status: 'RUNNING', progress: 0 };
  }

  private insert(call: GceCall, project: string, scope: Scope, scopePath: string, collection: string, spec: CollectionSpec, body: Json): Json {
    const name = body.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new HttpError(400, 'invalid', `Invalid value for field 'resource.name': '${String(name)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
    }
    checkFields(body, spec, []);
    if (spec.labels) checkLabels(body.labels);
    const items = this.coll(scopePath, collection);
    const where = `${scopePath}/${collection}`;
    if (items.has(name)) throw new HttpError(409, 'alreadyExists', `The resource '${where}/${name}' already exists`);
    const resource = this.build(project, scope, scopePath, collection, spec, body);
    return this.mutation(call, scopePath, where, name, 'insert', () => {
      items.set(name, resource);
      if (collection === 'instanceGroupManagers') this.reconcile(scopePath, resource);
    });
  }

  private build(project: string, scope: Scope, scopePath: string, collection: string, spec: CollectionSpec, body: Json): Json {
    const name = body.name as string;
    const r: Json = { kind: spec.kind, id: String(this.nextId++), creationTimestamp: new Date().toISOString(), ...structuredClone(body) };
    r.selfLink = this.url(`${scopePath}/${collection}/${name}`);
    if (scope.type === 'regions') r.region = this.url(`projects/${project}/regions/${scope.name}`);
    if (scope.type === 'zones') r.zone = this.url(`projects/${project}/zones/${scope.name}`);
    if (spec.labels) {
      r.labels = (body.labels as Json | undefined) ?? {};
      r.labelFingerprint = fingerprint(r.labels);
    }
    const need = (field: string): unknown => {
      if (body[field] === undefined || body[field] === '') throw new HttpError(400, 'required', `Required field 'resource.${field}' not specified`);
      return body[field];
    };
    switch (collection) {
      case 'networks':
        if (body.autoCreateSubnetworks === undefined) r.autoCreateSubnetworks = true;
        r.subnetworks = [];
        r.routingConfig = body.routingConfig ?? { routingMode: 'REGIONAL' };
        break;
      case 'subnetworks': {
        this.refTo(need('network') as string, 'networks');
        const cidr = need('ipCidrRange') as string;
        if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) throw new HttpError(400, 'invalid', `Invalid value for field 'resource.ipCidrRange': '${cidr}'. Invalid IPCidrRange: ${cidr}.`);
        r.gatewayAddress = cidr.replace(/\.\d+\/\d+$/, '.1');
        r.fingerprint = fingerprint(r);
        r.secondaryIpRanges = body.secondaryIpRanges ?? [];
        break;
      }
      case 'firewalls':
        this.refTo(need('network') as string, 'networks');
        r.priority = body.priority ?? 1000;
        r.direction = body.direction ?? 'INGRESS';
        r.disabled = body.disabled ?? false;
        r.sourceRanges = body.sourceRanges ?? (body.sourceTags ? [] : ['0.0.0.0/0']);
        break;
      case 'httpHealthChecks':
        r.port = body.port ?? 80;
        r.requestPath = body.requestPath ?? '/';
        r.checkIntervalSec = body.checkIntervalSec ?? 5;
        r.timeoutSec = body.timeoutSec ?? 5;
        r.healthyThreshold = body.healthyThreshold ?? 2;
        r.unhealthyThreshold = body.unhealthyThreshold ?? 2;
        break;
      case 'instanceTemplates': {
        const props = (body.properties as Json | undefined) ?? {};
        if (!props.machineType) throw new HttpError(400, 'required', "Required field 'resource.properties.machineType' not specified");
        if (props.labels !== undefined) checkLabels(props.labels);
        break;
      }
      case 'addresses':
        r.address = body.address ?? `203.0.113.${this.ipSeq++}`;
        r.addressType = body.addressType ?? 'EXTERNAL';
        r.status = 'RESERVED';
        break;
      case 'targetPools':
        for (const hc of (body.healthChecks as string[] | undefined) ?? []) this.refTo(hc, 'httpHealthChecks');
        r.healthChecks = body.healthChecks ?? [];
        // Each instance must exist; GCE keeps its full URL.
        r.instances = ((body.instances as string[] | undefined) ?? []).map((i) => this.refTo(i, 'instances').selfLink as string);
        r.sessionAffinity = body.sessionAffinity ?? 'NONE';
        break;
      case 'forwardingRules':
        if (body.target !== undefined) this.refTo(body.target as string, 'targetPools');
        // An internal load balancer's rule names its network (and subnetwork), which it then keeps in use.
        if (body.network !== undefined) r.network = this.refTo(body.network as string, 'networks').selfLink;
        if (body.subnetwork !== undefined) r.subnetwork = this.refTo(body.subnetwork as string, 'subnetworks').selfLink;
        r.IPProtocol = body.IPProtocol ?? 'TCP';
        r.loadBalancingScheme = body.loadBalancingScheme ?? 'EXTERNAL';
        if (r.IPAddress === undefined) r.IPAddress = `203.0.113.${this.ipSeq++}`;
        break;
      case 'disks': {
        r.sizeGb = String(body.sizeGb ?? '10');
        const type = (body.type as string | undefined) ?? this.url(`${scopePath}/diskTypes/pd-standard`);
        if (!/\/diskTypes\/(pd-standard|pd-ssd|pd-balanced|pd-extreme|hyperdisk-balanced)$/.test(type)) {
          throw new HttpError(400, 'invalid', `Invalid value for field 'resource.type': '${type}'. The URL is malformed or the disk type does not exist.`);
        }
        r.type = type.startsWith('https://') ? type : this.url(type.replace(/^\/?(compute\/v1\/)?/, ''));
        r.status = 'READY';
        break;
      }
      case 'routers':
        this.refTo(need('network') as string, 'networks');
        r.nats = this.routerNats(r, body.nats);
        break;
      case 'instanceGroupManagers': {
        need('baseInstanceName');
        const template = need('instanceTemplate') as string;
        this.refTo(template, 'instanceTemplates');
        r.targetSize = Number(body.targetSize ?? 0);
        r.targetPools = body.targetPools ?? [];
        r.versions = [{ instanceTemplate: template }];
        r.instanceGroup = this.url(`${scopePath}/instanceGroups/${name}`);
        r.fingerprint = fingerprint({ t: r.targetPools });
        r.status = { isStable: true };
        r.currentActions = { none: 0, creating: 0, deleting: 0, abandoning: 0, recreating: 0, refreshing: 0, restarting: 0 };
        r.members = [];
        break;
      }
      default:
        break;
    }
    return r;
  }

  /**
   * A router's `nats`, checked as Compute checks them and kept as sent, with the defaults Google
   * fills in (`endpointTypes`, `enableEndpointIndependentMapping`): a name, `natIpAllocateOption`
   * (`AUTO_ONLY`, or `MANUAL_ONLY` with `natIps`), `sourceSubnetworkIpRangesToNat`, and with
   * `LIST_OF_SUBNETWORKS` at least one subnetwork of the router's region and network, each with
   * `sourceIpRangesToNat`; subnetwork names are stored as full URLs.
   */
  private routerNats(router: Json, nats: unknown): Json[] {
    if (nats === undefined || nats === null) return [];
    if (!Array.isArray(nats)) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.nats'");
    const seen = new Set<string>();
    return (nats as Json[]).map((n, i) => {
      const field = (f: string) => `resource.nats[${i}].${f}`;
      if (typeof n.name !== 'string' || !NAME_RE.test(n.name)) throw new HttpError(400, 'invalid', `Invalid value for field '${field('name')}': '${String(n.name)}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
      if (seen.has(n.name)) throw new HttpError(400, 'invalid', `Invalid value for field '${field('name')}': '${n.name}'. Duplicate NAT name.`);
      seen.add(n.name);
      const alloc = n.natIpAllocateOption;
      if (alloc !== 'AUTO_ONLY' && alloc !== 'MANUAL_ONLY') throw new HttpError(400, alloc === undefined ? 'required' : 'invalid', `Invalid value for field '${field('natIpAllocateOption')}': '${String(alloc)}'.`);
      if (alloc === 'MANUAL_ONLY' && !((n.natIps as unknown[] | undefined) ?? []).length) throw new HttpError(400, 'invalid', `Invalid value for field '${field('natIps')}': NAT IPs must be specified with MANUAL_ONLY.`);
      const source = n.sourceSubnetworkIpRangesToNat;
      if (source !== 'ALL_SUBNETWORKS_ALL_IP_RANGES' && source !== 'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES' && source !== 'LIST_OF_SUBNETWORKS') {
        throw new HttpError(400, source === undefined ? 'required' : 'invalid', `Invalid value for field '${field('sourceSubnetworkIpRangesToNat')}': '${String(source)}'.`);
      }
      const subnetworks = (n.subnetworks as Json[] | undefined) ?? [];
      if (source === 'LIST_OF_SUBNETWORKS' && subnetworks.length === 0) throw new HttpError(400, 'invalid', `Invalid value for field '${field('subnetworks')}': at least one subnetwork is required with LIST_OF_SUBNETWORKS.`);
      if (source !== 'LIST_OF_SUBNETWORKS' && subnetworks.length > 0) throw new HttpError(400, 'invalid', `Invalid value for field '${field('subnetworks')}': subnetworks can only be listed with LIST_OF_SUBNETWORKS.`);
      const stored = subnetworks.map((x, j) => {
        const s = this.refTo(String(x.name ?? ''), 'subnetworks');
        if (s.region !== router.region || s.network !== router.network) {
          throw new HttpError(400, 'invalid', `Invalid value for field '${field(`subnetworks[${j}].name`)}': '${String(x.name)}'. The subnetwork must be in the router's region and network.`);
        }
        const ranges = (x.sourceIpRangesToNat as string[] | undefined) ?? [];
        if (ranges.length === 0 || ranges.some((v) => v !== 'ALL_IP_RANGES' && v !== 'PRIMARY_IP_RANGE' && v !== 'LIST_OF_SECONDARY_IP_RANGES')) {
          throw new HttpError(400, 'invalid', `Invalid value for field '${field(`subnetworks[${j}].sourceIpRangesToNat`)}': '${ranges.join(',')}'.`);
        }
        return { ...structuredClone(x), name: s.selfLink };
      });
      return { endpointTypes: ['ENDPOINT_TYPE_VM'], enableEndpointIndependentMapping: false, ...structuredClone(n), ...(subnetworks.length > 0 ? { subnetworks: stored } : {}) };
    });
  }

  /** A reference must name an existing resource of that collection (URL or partial path). */
  private refTo(link: string, collection: string): Json {
    const m = /projects\/([^/]+)\/(global|regions\/[^/]+|zones\/[^/]+)\/([^/]+)\/([^/?]+)$/.exec(link);
    const r = m && m[3] === collection ? this.store.get(`projects/${m[1]}/${m[2]}/${collection}`)?.get(m[4] as string) : undefined;
    if (!r) throw new HttpError(404, 'notFound', `The resource '${link.replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '')}' was not found`);
    return r;
  }

  /** What a GET shows: without fake-internal fields; a target pool with its groups' instances. */
  private present(scopePath: string, collection: string, r: Json): Json {
    const { members: _m, excluded: _x, bootLeft: _b, ...shown } = r;
    if (collection === 'instanceGroupManagers') {
      const size = (r.members as string[]).length;
      return { ...structuredClone(shown), currentActions: { ...(r.currentActions as Json), none: size } };
    }
    if (collection === 'targetPools') {
      const link = r.selfLink as string;
      const fromGroups: string[] = [];
      for (const [key, m] of this.store) {
        if (!key.endsWith('/instanceGroupManagers')) continue;
        for (const mig of m.values()) {
          if ((mig.targetPools as string[]).includes(link)) fromGroups.push(...(mig.members as string[]).map((i) => this.url(`${key.replace(/\/instanceGroupManagers$/, '')}/instances/${i}`)));
        }
      }
      const excluded = (r.excluded as string[] | undefined) ?? [];
      return { ...structuredClone(shown), instances: [...new Set([...(r.instances as string[]), ...fromGroups.filter((i) => !excluded.includes(i))])].sort() };
    }
    void scopePath;
    return structuredClone(shown);
  }

  private list(scopePath: string, collection: string, spec: CollectionSpec, query: Record<string, string>): Json {
    const all = [...this.coll(scopePath, collection).values()].map((r) => this.present(scopePath, collection, r)).filter(filterOf(query.filter));
    all.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
    const { page, next } = paginate(all, query);
    return {
      kind: `${spec.kind}List`,
      id: `${scopePath}/${collection}`,
      selfLink: this.url(`${scopePath}/${collection}`),
      items: page,
      ...(next ? { nextPageToken: next } : {}),
    };
  }

  /**
   * `aggregated/<collection>`: items keyed by scope (`zones/us-central1-a`), paged over the items
   * of every scope together; a scope the project uses with no item on the page gets GCE's
   * `NO_RESULTS_ON_PAGE` warning instead of a list.
   */
  private aggregated(project: string, collection: string, query: Record<string, string>): Json {
    const spec = COLLECTIONS[collection];
    if (!spec || spec.scope === 'global') throw new HttpError(404, 'notFound', `The requested URL /aggregated/${collection} was not found on this server.`);
    const filter = filterOf(query.filter);
    const prefix = `projects/${project}/`;
    const all: { scope: string; item: Json }[] = [];
    const scopes = new Set<string>();
    for (const [key, m] of [...this.store].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!key.startsWith(prefix) || !key.startsWith(`${prefix}${spec.scope}/`)) continue;
      const scopePath = key.slice(0, key.lastIndexOf('/'));
      scopes.add(scopePath.slice(prefix.length));
      if (!key.endsWith(`/${collection}`)) continue;
      const list = [...m.values()].map((r) => this.present(scopePath, collection, r)).filter(filter);
      list.sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
      for (const item of list) all.push({ scope: scopePath.slice(prefix.length), item });
    }
    const { page, next } = paginate(all, query);
    const items: Record<string, Json> = {};
    for (const s of [...scopes].sort()) {
      const here = page.filter((p) => p.scope === s).map((p) => p.item);
      items[s] = here.length > 0 ? { [collection]: here } : { warning: { code: 'NO_RESULTS_ON_PAGE', message: `There are no results for scope '${s}' on this page.`, data: [{ key: 'scope', value: s }] } };
    }
    return { kind: `${spec.kind}AggregatedList`, id: `projects/${project}/aggregated/${collection}`, items, ...(next ? { nextPageToken: next } : {}) };
  }

  private remove(scopePath: string, collection: string, name: string, r: Json): void {
    const link = r.selfLink as string;
    const inUse = (by: string, uses: (o: Json) => boolean): void => {
      for (const [key, m] of this.store) {
        if (!key.endsWith(`/${by}`)) continue;
        for (const o of m.values()) {
          if (uses(o)) {
            throw new HttpError(
              400,
              'resourceInUseByAnotherResource',
              `The ${collection.replace(/s$/, '')} resource '${link.replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '')}' is already being used by '${(o.selfLink as string).replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '')}'`,
            );
          }
        }
      }
    };
    if (collection === 'networks') {
      inUse('subnetworks', (o) => o.network === link);
      inUse('firewalls', (o) => o.network === link);
      inUse('routers', (o) => o.network === link);
      inUse('forwardingRules', (o) => o.network === link);
    }
    if (collection === 'subnetworks') inUse('forwardingRules', (o) => o.subnetwork === link);
    if (collection === 'subnetworks') inUse('routers', (o) => ((o.nats as Json[] | undefined) ?? []).some((n) => ((n.subnetworks as Json[] | undefined) ?? []).some((x) => x.name === link)));
    if (collection === 'instanceTemplates') inUse('instanceGroupManagers', (o) => o.instanceTemplate === link);
    if (collection === 'httpHealthChecks') inUse('targetPools', (o) => (o.healthChecks as string[]).includes(link));
    if (collection === 'targetPools') {
      inUse('forwardingRules', (o) => o.target === link);
      inUse('instanceGroupManagers', (o) => (o.targetPools as string[]).includes(link));
    }
    // An address a forwarding rule holds can be released: the rule keeps the IP, now ephemeral
    // (cloud-provider-gcp releases its static IP once its rule holds it, gce_loadbalancer_external.go;
    // kubernetes/kubernetes#13335 and #20662 "deleting it after it is attached demotes it").
    const items = this.coll(scopePath, collection);
    items.delete(name);
    if (collection === 'instanceGroupManagers') {
      const instances = this.coll(scopePath, 'instances');
      for (const i of r.members as string[]) instances.delete(i);
    }
    if (collection === 'instances') {
      // A managed instance deleted directly is recreated by its group, under the same name.
      const mig = [...this.coll(scopePath, 'instanceGroupManagers').values()].find((g) => (g.members as string[]).includes(name));
      if (mig) this.createInstance(scopePath, mig, name);
    }
  }

  private patch(collection: string, spec: CollectionSpec, r: Json, body: Json): void {
    checkFields(body, spec, ['fingerprint']);
    if (body.name !== undefined && body.name !== r.name) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.name': the name cannot be changed.");
    if (collection === 'subnetworks') {
      if (body.fingerprint !== r.fingerprint) throw new HttpError(412, 'conditionNotMet', 'Supplied fingerprint does not match current metadata fingerprint.');
      if (body.ipCidrRange !== undefined && body.ipCidrRange !== r.ipCidrRange) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.ipCidrRange': use expandIpCidrRange.");
    }
    if (collection === 'routers') {
      if (body.network !== undefined && body.network !== r.network) throw new HttpError(400, 'invalid', "Invalid value for field 'resource.network': a router's network cannot be changed.");
      if (body.nats !== undefined) body = { ...body, nats: this.routerNats(r, body.nats) };
    }
    const { fingerprint: _f, ...rest } = body;
    Object.assign(r, structuredClone(rest));
    if (collection === 'subnetworks') r.fingerprint = fingerprint({ ...r, fingerprint: undefined });
  }

  private custom(scopePath: string, collection: string, spec: CollectionSpec, r: Json, method: string, body: Json, call: GceCall): void {
    const bad = (): never => {
      throw notFoundUrl(call);
    };
    if (method === 'setLabels') {
      if (!spec.labels) bad();
      if (body.labelFingerprint !== r.labelFingerprint) {
        throw new HttpError(412, 'conditionNotMet', `Labels fingerprint either invalid or resource labels have changed`);
      }
      checkLabels(body.labels);
      r.labels = structuredClone(body.labels ?? {});
      r.labelFingerprint = fingerprint(r.labels);
      return;
    }
    if (collection === 'targetPools' && (method === 'addHealthCheck' || method === 'removeHealthCheck')) {
      const links = ((body.healthChecks as { healthCheck?: string }[] | undefined) ?? []).map((h) => h.healthCheck ?? '');
      for (const l of links) this.refTo(l, 'httpHealthChecks');
      const have = r.healthChecks as string[];
      r.healthChecks = method === 'addHealthCheck' ? [...new Set([...have, ...links])] : have.filter((h) => !links.includes(h));
      return;
    }
    if (collection === 'targetPools' && method === 'removeInstance') {
      // GCE: the instances leave the pool, also those a MIG added; the MIG adds the VMs it creates later.
      const links = ((body.instances as { instance?: string }[] | undefined) ?? []).map((i) => this.refTo(i.instance ?? '', 'instances').selfLink as string);
      r.instances = (r.instances as string[]).filter((i) => !links.includes(i));
      r.excluded = [...new Set([...((r.excluded as string[] | undefined) ?? []), ...links])];
      return;
    }
    if (collection === 'instances' && (method === 'stop' || method === 'start')) {
      // The operation is DONE once the instance is TERMINATED (or RUNNING); the internal IP stays.
      r.status = method === 'stop' ? 'TERMINATED' : 'RUNNING';
      return;
    }
    if (collection === 'disks' && method === 'resize') {
      const size = Number(body.sizeGb);
      if (!Number.isInteger(size) || size <= Number(r.sizeGb)) {
        throw new HttpError(400, 'invalid', `Invalid value for field 'resource.sizeGb': '${String(body.sizeGb)}'. New disk size '${String(body.sizeGb)}' GB must be larger than existing size '${String(r.sizeGb)}' GB.`);
      }
      r.sizeGb = String(size);
      return;
    }
    if (collection !== 'instanceGroupManagers') bad();
    switch (method) {
      case 'resize': {
        const size = Number(call.query.size);
        if (!Number.isInteger(size) || size < 0) throw new HttpError(400, 'invalid', `Invalid value for field 'size': '${call.query.size ?? ''}'. Must be greater than or equal to 0`);
        r.targetSize = size;
        this.reconcile(scopePath, r);
        return;
      }
      case 'setInstanceTemplate': {
        const t = body.instanceTemplate as string | undefined;
        if (!t) throw new HttpError(400, 'required', "Required field 'instanceTemplate' not specified");
        this.refTo(t, 'instanceTemplates');
        r.instanceTemplate = t;
        r.versions = [{ instanceTemplate: t }];
        return;
      }
      case 'setTargetPools': {
        if (body.fingerprint !== undefined && body.fingerprint !== r.fingerprint) throw new HttpError(412, 'conditionNotMet', 'Supplied fingerprint does not match current fingerprint.');
        const pools = (body.targetPools as string[] | undefined) ?? [];
        for (const p of pools) this.refTo(p, 'targetPools');
        r.targetPools = pools;
        r.fingerprint = fingerprint({ t: pools });
        return;
      }
      case 'deleteInstances':
      case 'abandonInstances': {
        const names = this.memberNames(r, body);
        const instances = this.coll(scopePath, 'instances');
        r.members = (r.members as string[]).filter((m) => !names.includes(m));
        r.targetSize = Math.max(0, (r.targetSize as number) - names.length);
        if (method === 'deleteInstances') for (const n of names) instances.delete(n);
        else for (const n of names) (instances.get(n)?.metadata as { items?: { key: string }[] } | undefined)?.items?.splice(0);
        return;
      }
      default:
        bad();
    }
  }

  private memberNames(mig: Json, body: Json): string[] {
    const urls = (body.instances as string[] | undefined) ?? [];
    return urls.map((u) => {
      const n = u.split('/').pop() ?? '';
      if (!(mig.members as string[]).includes(n)) {
        throw new HttpError(400, 'invalid', `Instance '${u}' is not a member of instance group manager '${mig.name as string}'`);
      }
      return n;
    });
  }

  private reconcile(scopePath: string, mig: Json): void {
    const members = mig.members as string[];
    const instances = this.coll(scopePath, 'instances');
    while (members.length > (mig.targetSize as number)) instances.delete(members.pop() as string);
    while (members.length < (mig.targetSize as number)) {
      let n: string;
      do n = `${mig.baseInstanceName as string}-${randomSuffix(this.random)}`;
      while (instances.has(n));
      members.push(n);
      this.createInstance(scopePath, mig, n);
    }
  }

  private createInstance(scopePath: string, mig: Json, name: string): void {
    const link = this.url(`${scopePath}/instances/${name}`);
    for (const [key, pools] of this.store) {
      if (!key.endsWith('/targetPools')) continue;
      for (const p of pools.values()) if ((mig.targetPools as string[]).includes(p.selfLink as string)) p.excluded = ((p.excluded as string[] | undefined) ?? []).filter((x) => x !== link);
    }
    const template = this.refTo(mig.instanceTemplate as string, 'instanceTemplates');
    const props = (template.properties as Json | undefined) ?? {};
    const labels = (props.labels as Json | undefined) ?? {};
    const meta = ((props.metadata as { items?: { key: string; value: string }[] } | undefined)?.items ?? []).map((i) => ({ ...i }));
    const [, project, , zone] = scopePath.split('/');
    this.coll(scopePath, 'instances').set(name, {
      kind: 'compute#instance',
      id: String(this.nextId++),
      name,
      creationTimestamp: new Date().toISOString(),
      zone: this.url(`projects/${project}/zones/${zone}`),
      machineType: this.url(`projects/${project}/zones/${zone}/machineTypes/${String(props.machineType)}`),
      status: this.bootPolls > 0 ? 'PROVISIONING' : 'RUNNING',
      ...(this.bootPolls > 0 ? { bootLeft: this.bootPolls } : {}),
      labels: structuredClone(labels),
      labelFingerprint: fingerprint(labels),
      networkInterfaces: ((props.networkInterfaces as Json[] | undefined) ?? []).map((nic, i) => this.networkInterface(project as string, zone as string, nic, i)),
      tags: structuredClone(props.tags ?? {}),
      metadata: { items: [...meta, { key: 'instance-template', value: (mig.instanceTemplate as string).replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '') }, { key: 'created-by', value: (mig.selfLink as string).replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '') }] },
      selfLink: this.url(`${scopePath}/instances/${name}`),
    });
  }

  /**
   * An instance's network interface from its template's: `nicN`, full URLs, and an internal IP:
   * the next address of the subnetwork's primary range no instance of the project holds, from `.2`
   * (GCE keeps `.0`, `.1` and the last two), or of `10.128.0.0/20` for a subnetwork not in the fake.
   */
  private networkInterface(project: string, zone: string, nic: Json, index: number): Json {
    const region = zone.replace(/-[a-z]$/, '');
    const full = (link: unknown, kind: string): string | undefined => {
      if (typeof link !== 'string' || link === '') return undefined;
      if (link.startsWith('https://')) return link;
      const rel = link.replace(/^\/?(compute\/v1\/)?/, '');
      return this.url(rel.startsWith('projects/') ? rel : `projects/${project}/${kind === 'networks' ? 'global' : `regions/${region}`}/${kind}/${rel}`);
    };
    const network = full(nic.network, 'networks') ?? this.url(`projects/${project}/global/networks/default`);
    const subnetwork = full(nic.subnetwork, 'subnetworks');
    const m = subnetwork ? /projects\/([^/]+)\/regions\/([^/]+)\/subnetworks\/([^/]+)$/.exec(subnetwork) : null;
    const cidr = (m ? (this.store.get(`projects/${m[1]}/regions/${m[2]}/subnetworks`)?.get(m[3] as string)?.ipCidrRange as string | undefined) : undefined) ?? '10.128.0.0/20';
    const [base, bits] = cidr.split('/') as [string, string];
    const start = base.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const held = new Set(this.all(project, 'instances').flatMap((i) => ((i.networkInterfaces as Json[] | undefined) ?? []).map((n) => n.networkIP)));
    let ip = '';
    for (let off = 2; off < size - 2 && ip === ''; off++) {
      const v = start + off;
      const text = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
      if (!held.has(text)) ip = text;
    }
    if (ip === '') throw new HttpError(400, 'invalid', `IP space of '${subnetwork ?? cidr}' is exhausted.`);
    return {
      kind: 'compute#networkInterface',
      name: `nic${index}`,
      network,
      ...(subnetwork ? { subnetwork } : {}),
      networkIP: ip,
      stackType: 'IPV4_ONLY',
      ...(nic.accessConfigs !== undefined ? { accessConfigs: structuredClone(nic.accessConfigs) } : {}),
      fingerprint: fingerprint({ nic: index, ip }),
    };
  }

  /** Managed instances, with the template each was created from. */
  private managedInstances(scopePath: string, mig: Json): Json[] {
    const instances = this.coll(scopePath, 'instances');
    return (mig.members as string[]).map((n) => {
      const i = instances.get(n) as Json;
      const tpl = ((i.metadata as { items: { key: string; value: string }[] }).items.find((x) => x.key === 'instance-template')?.value ?? '') as string;
      const booting = typeof i.bootLeft === 'number' && i.bootLeft > 0;
      if (booting) {
        i.bootLeft = (i.bootLeft as number) - 1;
        if (i.bootLeft === 0) i.status = 'RUNNING';
      }
      return { instance: i.selfLink, id: i.id, instanceStatus: booting ? 'PROVISIONING' : i.status, currentAction: booting ? 'CREATING' : 'NONE', version: { instanceTemplate: this.url(tpl) } };
    });
  }
}

function takeFault(list: { match: (c: GceCall) => boolean; fault: GceFault; times: number }[], call: GceCall): GceFault | undefined {
  const f = list.find((x) => x.times > 0 && x.match(call));
  if (!f) return undefined;
  f.times--;
  return f.fault;
}

/**
 * Fields the fake does not model are refused with the API's "Unknown name" 400, so a kind that
 * starts sending one fails loudly here. The client sends every repeated field (as `[]`) and some
 * empty messages: those carry nothing and are accepted.
 */
function checkFields(body: Json, spec: CollectionSpec, extra: readonly string[]): void {
  for (const [k, v] of Object.entries(body)) {
    if (k === 'name' || k === 'description' || k === 'kind' || extra.includes(k) || spec.fields.includes(k)) continue;
    if (v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) continue;
    throw new HttpError(400, 'invalid', `Invalid JSON payload received. Unknown name "${k}" at 'resource': Cannot find field.`);
  }
}

function notFoundUrl(call: GceCall): HttpError {
  return new HttpError(404, 'notFound', `The requested URL ${call.method} ${call.path} was not found on this server.`);
}

function checkLabels(labels: unknown): void {
  if (labels === undefined) return;
  if (typeof labels !== 'object' || labels === null) throw new HttpError(400, 'invalid', "Invalid value for field 'labels'");
  for (const [k, v] of Object.entries(labels)) {
    if (!/^[a-z]/.test(k) || !LABEL_RE.test(k) || typeof v !== 'string' || !LABEL_RE.test(v)) {
      throw new HttpError(400, 'invalid', `Invalid value for field 'labels': '${k}=${String(v)}'. Label keys and values must match [a-z0-9_-]{0,63}, keys starting with a letter.`);
    }
  }
}

function fingerprint(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v ?? {})).digest('base64').slice(0, 11) + '=';
}

function randomSuffix(random: () => number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 4; i++) s += chars[Math.floor(random() * chars.length)];
  return s;
}

function paginate<T>(all: T[], query: Record<string, string>): { page: T[]; next?: string } {
  const max = Math.min(500, Number(query.maxResults ?? 500) || 500);
  const start = query.pageToken ? Number(Buffer.from(query.pageToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'invalid', `Invalid value for field 'pageToken': '${query.pageToken ?? ''}'`);
  const page = all.slice(start, start + max);
  const nextStart = start + max;
  return nextStart < all.length ? { page, next: Buffer.from(String(nextStart)).toString('base64url') } : { page };
}

/** Compute's list filter, the subset: `a.b = "v"`, `a != "v"`, `a eq re`, `a ne re`, joined by spaces/AND. */
function filterOf(expr: string | undefined): (r: Json) => boolean {
  if (!expr || expr.trim() === '') return () => true;
  const clauses: ((r: Json) => boolean)[] = [];
  const re = /\(?\s*([A-Za-z][\w.-]*)\s*(=|!=|eq|ne)\s*(?:"([^"]*)"|'([^']*)'|([^\s)]+))\s*\)?(?:\s+AND\s+|\s+|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  const text = expr.trim();
  while ((m = re.exec(text)) !== null) {
    consumed = re.lastIndex;
    const [, field, op, dq, sq, bare] = m as unknown as [string, string, string, string | undefined, string | undefined, string | undefined];
    const value = dq ?? sq ?? bare ?? '';
    const get = (r: Json): unknown => field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Json)[k] : undefined), r);
    if (op === '=' || op === '!=') clauses.push((r) => (String(get(r) ?? '') === value) === (op === '='));
    else {
      const rx = new RegExp(`^(?:${value})$`);
      clauses.push((r) => rx.test(String(get(r) ?? '')) === (op === 'eq'));
    }
    if (consumed >= text.length) break;
  }
  if (consumed < text.length) throw new HttpError(400, 'invalid', `Invalid value for field 'filter': '${expr}'. Invalid list filter expression.`);
  return (r) => clauses.every((c) => c(r));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
