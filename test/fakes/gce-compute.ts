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
 *
 * This file is the server (start/stop, the fault hooks, token and IAM checks, routing) and the
 * test-facing API; the rest is in the same folder by concept: gce-compute-wire.ts (errors, checks,
 * fingerprints, bodies), -store.ts (the state), -collections.ts (what every collection does),
 * -networks.ts, -load-balancing.ts, -instances.ts, -instance-groups.ts (each family's own
 * behaviour), -operations.ts, -listing.ts (paging, filters), -locations.ts, -permissions.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { aggregated, present, routeCollection } from './gce-compute-collections.js';
import { location } from './gce-compute-locations.js';
import { readOperation } from './gce-compute-operations.js';
import { authorize } from './gce-compute-permissions.js';
import { ComputeState, type Scope } from './gce-compute-store.js';
import { HttpError, readBody, send, takeFault, type FaultRule, type GceCall, type GceFault, type Json } from './gce-compute-wire.js';
import { FakeGceDns } from './gce-dns.js';
import { FakeGceIam, GoogleApiError } from './gce-iam.js';

export type { GceCall, GceFault, Json } from './gce-compute-wire.js';
export { REGIONS } from './gce-compute-locations.js';
export { permissionOf } from './gce-compute-permissions.js';

export class FakeGceCompute {
  /** Every request, in order. */
  readonly calls: GceCall[] = [];
  /** Told of every request as it arrives, before it is answered (a test's trigger). */
  onCall: ((c: GceCall) => void) | undefined;
  /** The stored resources and operations (gce-compute-store.ts); reads this fake's knobs. */
  private readonly state = new ComputeState(this);
  private server: Server | undefined;
  private endpointURL = '';
  private readonly faults: FaultRule[] = [];
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
    this.state.opFaults.push({ match, fault, times });
  }

  /** Calls so far whose method and path match. */
  count(method: string, path: RegExp): number {
    return this.calls.filter((c) => c.method === method && path.test(c.path)).length;
  }

  /** A stored resource (a copy), e.g. `get('p', 'zones/us-central1-a', 'disks', 'd1')`. */
  get(project: string, scope: string, collection: string, name: string): Json | undefined {
    const r = this.state.coll(`projects/${project}/${scope}`, collection).get(name);
    return r === undefined ? undefined : present(this.state, collection, r);
  }

  /** Names of the stored resources of a collection, sorted. */
  names(project: string, scope: string, collection: string): string[] {
    return [...this.state.coll(`projects/${project}/${scope}`, collection).keys()].sort();
  }

  /** Every stored resource of a collection in every scope of a project (for "nothing left" checks). */
  all(project: string, collection: string): Json[] {
    return this.state.all(project, collection);
  }

  /** Changes a stored resource behind the client's back (drift). */
  mutate(project: string, scope: string, collection: string, name: string, fn: (r: Json) => void): void {
    const r = this.state.coll(`projects/${project}/${scope}`, collection).get(name);
    if (!r) throw new Error(`no ${collection}/${name} in ${scope}`);
    fn(r);
  }

  // -------------------------------------------------------------------------------------------

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
      authorize(call, this.projects, this.permissions, this.used);
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

  private route(call: GceCall): Json {
    const p = /^\/compute\/v1\/projects\/([^/]+)\/?((?:regions|zones)(?:\/[^/]+)?)?$/.exec(call.path);
    if (p) return location((path) => this.state.url(path), decodeURIComponent(p[1] as string), (p[2] ?? '').split('/').filter((x) => x !== ''), call);
    const m = /^\/compute\/v1\/projects\/([^/]+)\/(.*)$/.exec(call.path);
    if (!m) throw new HttpError(404, 'notFound', `The requested URL ${call.path} was not found on this server.`);
    const project = m[1] as string;
    const segs = (m[2] as string).split('/').map(decodeURIComponent);
    if (segs[0] === 'aggregated' && segs.length === 2 && call.method === 'GET') return aggregated(this.state, project, segs[1] as string, call.query);
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
    if (collection === 'operations' && name) return readOperation(this.state, call, scopePath, name, method);
    return routeCollection(this.state, call, project, scope, scopePath, rest);
  }
}
