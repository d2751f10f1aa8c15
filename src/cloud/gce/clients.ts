/**
 * The Compute Engine clients of one GCE cluster (project + region). `@google-cloud/compute` and
 * `google-gax` are loaded with a dynamic `import()` the first time GCE clients are built, so an
 * AWS run never pays their start-up cost.
 *
 * Endpoint: `opts.endpoint`, else `KOPS_GCE_COMPUTE_ENDPOINT` (e.g. `http://127.0.0.1:6110`, a
 * local fake: REST transport, no credentials sent), else Google's endpoint with Application
 * Default Credentials.
 */
import type {
  AddressesClient,
  DisksClient,
  FirewallsClient,
  ForwardingRulesClient,
  GlobalOperationsClient,
  InstanceGroupManagersClient,
  InstanceTemplatesClient,
  InstancesClient,
  NetworksClient,
  RegionOperationsClient,
  RoutersClient,
  SubnetworksClient,
  TargetPoolsClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import type { ClientOptions } from 'google-gax';
import { KopsError } from '../../diagnostics.js';
import { GCE_DNS_ENDPOINT_ENV, gceDnsApi, type GceDnsApi } from './dns-api.js';
import { apiBase, GCE_IAM_ENDPOINT_ENV, GCE_RESOURCE_MANAGER_ENDPOINT_ENV, gceIamApi, gceResourceManagerApi, gceStorageIamApi, storageEmulatorBase, type GceIamApi, type GceResourceManagerApi, type GceStorageIamApi } from './iam-api.js';

export interface GceClients {
  readonly project: string;
  readonly region: string;
  readonly networks: NetworksClient;
  readonly subnetworks: SubnetworksClient;
  readonly firewalls: FirewallsClient;
  readonly disks: DisksClient;
  readonly addresses: AddressesClient;
  readonly targetPools: TargetPoolsClient;
  /** Legacy HTTP health checks (the only kind a target pool takes); not in the client library. */
  readonly httpHealthChecks: LegacyHttpHealthChecks;
  readonly forwardingRules: ForwardingRulesClient;
  /** Cloud Routers (the private subnets' Cloud NAT). */
  readonly routers: RoutersClient;
  readonly instanceTemplates: InstanceTemplatesClient;
  readonly instanceGroupManagers: InstanceGroupManagersClient;
  readonly instances: InstancesClient;
  readonly globalOperations: GlobalOperationsClient;
  readonly regionOperations: RegionOperationsClient;
  readonly zoneOperations: ZoneOperationsClient;
  /** IAM service accounts (REST through the same auth client; src/cloud/gce/iam-api.ts). */
  readonly iam: GceIamApi;
  /** The project's IAM policy (Resource Manager, REST through the same auth client). */
  readonly resourceManager: GceResourceManagerApi;
  /** The state store bucket's IAM policy (Cloud Storage JSON API, REST through the same auth client). */
  readonly storageIam: GceStorageIamApi;
  /** Cloud DNS: the API's records (REST through the same auth client; src/cloud/gce/dns-api.ts). */
  readonly dns: GceDnsApi;
}

/** A legacy `HttpHealthCheck` resource (`compute#httpHealthCheck`). */
export interface HttpHealthCheck {
  readonly id?: string;
  readonly name?: string;
  readonly selfLink?: string;
  /** cloud-provider-gcp's checks: `{"kubernetes.io/service-name":"<check name>"}`. */
  readonly description?: string;
  readonly port?: number;
  readonly requestPath?: string;
  readonly checkIntervalSec?: number;
  readonly timeoutSec?: number;
  readonly healthyThreshold?: number;
  readonly unhealthyThreshold?: number;
}

/**
 * `global/httpHealthChecks`: `@google-cloud/compute` has no client for the legacy health checks
 * that target pools require, so these calls go through the library's own authenticated
 * transport (`client.auth.request`) to the same endpoint. Mutations return the operation, as
 * `[operation]` like the generated clients, for `awaitOperation`. Errors are `GaxiosError`s.
 */
export interface LegacyHttpHealthChecks {
  get(project: string, name: string): Promise<HttpHealthCheck>;
  list(project: string, filter?: string): Promise<HttpHealthCheck[]>;
  insert(project: string, body: HttpHealthCheck): Promise<[unknown]>;
  patch(project: string, name: string, body: HttpHealthCheck): Promise<[unknown]>;
  delete(project: string, name: string): Promise<[unknown]>;
}

interface AuthRequester {
  request<T>(opts: { url: string; method: string; data?: unknown; params?: Record<string, string> }): Promise<{ data: T }>;
}

function legacyHttpHealthChecks(auth: AuthRequester, base: string): LegacyHttpHealthChecks {
  const url = (project: string, name?: string) => `${base}/compute/v1/projects/${encodeURIComponent(project)}/global/httpHealthChecks${name ? `/${encodeURIComponent(name)}` : ''}`;
  return {
    async get(project, name) {
      return (await auth.request<HttpHealthCheck>({ url: url(project, name), method: 'GET' })).data;
    },
    async list(project, filter) {
      const out: HttpHealthCheck[] = [];
      let pageToken: string | undefined;
      do {
        const params: Record<string, string> = { ...(filter ? { filter } : {}), ...(pageToken ? { pageToken } : {}) };
        const { data } = await auth.request<{ items?: HttpHealthCheck[]; nextPageToken?: string }>({ url: url(project), method: 'GET', params });
        out.push(...(data.items ?? []));
        pageToken = data.nextPageToken;
      } while (pageToken);
      return out;
    },
    async insert(project, body) {
      return [(await auth.request<unknown>({ url: url(project), method: 'POST', data: body })).data];
    },
    async patch(project, name, body) {
      return [(await auth.request<unknown>({ url: url(project, name), method: 'PATCH', data: body })).data];
    },
    async delete(project, name) {
      return [(await auth.request<unknown>({ url: url(project, name), method: 'DELETE' })).data];
    },
  };
}

export interface GceClientOptions {
  readonly project: string;
  readonly region: string;
  /** `http(s)://host[:port]`; default `KOPS_GCE_COMPUTE_ENDPOINT`, then Google's. */
  readonly endpoint?: string;
}

export const GCE_ENDPOINT_ENV = 'KOPS_GCE_COMPUTE_ENDPOINT';

/** The client constructor options for a custom endpoint (REST transport, no Authorization header). */
export async function endpointOptions(endpoint: string): Promise<ClientOptions> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new KopsError('InvalidGceEndpoint', `the GCE Compute endpoint "${endpoint}" is not a URL`, {
      hint: `set ${GCE_ENDPOINT_ENV} to http(s)://host[:port], or unset it to use Google's endpoint`,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KopsError('InvalidGceEndpoint', `the GCE Compute endpoint "${endpoint}" must be http:// or https://`, {
      hint: `set ${GCE_ENDPOINT_ENV} to http(s)://host[:port]`,
    });
  }
  const { googleAuthLibrary } = await import('google-gax');
  const protocol = url.protocol.slice(0, -1);
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port || (protocol === 'https' ? 443 : 80)),
    protocol,
    fallback: 'rest' as const,
    authClient: new googleAuthLibrary.PassThroughClient(),
  };
}

type Gax = typeof import('google-gax');

let sharedGax: Promise<Gax> | undefined;

/**
 * `google-gax` with one change, passed to every client as its `gaxInstance` (the constructors'
 * documented way to choose the gax they run on): the REST transport's `loadProtoJSON` remembers
 * the protos it built by the object it was given. Each Compute client's constructor hands gax
 * the same 11 MB protos object, and gax's own cache keys it by a hash of its JSON text: about
 * 45 ms of `JSON.stringify` and hashing per client, 14 clients per cluster, on every command.
 * Built from the same object, the protos are the same; the first client still builds them.
 */
function gaxWithProtoMemo(): Promise<Gax> {
  sharedGax ??= import('google-gax').then((gax) => {
    const built = new WeakMap<object, ReturnType<Gax['fallback']['GrpcClient']['prototype']['loadProtoJSON']>>();
    class GrpcClient extends gax.fallback.GrpcClient {
      override loadProtoJSON(json: Parameters<Gax['fallback']['GrpcClient']['prototype']['loadProtoJSON']>[0], ignoreCache = false) {
        const known = ignoreCache ? undefined : built.get(json);
        if (known) return known;
        const root = super.loadProtoJSON(json, ignoreCache);
        built.set(json, root);
        return root;
      }
    }
    return { ...gax, fallback: { ...gax.fallback, GrpcClient } } as Gax;
  });
  return sharedGax;
}

export async function gceClients(opts: GceClientOptions): Promise<GceClients> {
  const [compute, gax] = await Promise.all([import('@google-cloud/compute'), gaxWithProtoMemo()]);
  const endpoint = opts.endpoint ?? process.env[GCE_ENDPOINT_ENV];
  // One auth for every client: against Google, one Application Default Credentials lookup and one
  // token cache for the cluster's calls, not one per client (each client sets the same default
  // scopes on it, Compute's).
  const o: ClientOptions = endpoint ? await endpointOptions(endpoint) : { fallback: 'rest' as const, auth: new gax.GoogleAuth() };
  // Each constructor writes into the options it is given: every client gets its own copy.
  const make = <T>(Client: new (o: ClientOptions, g: Gax) => T): T => new Client({ ...o }, gax);
  const networks = make(compute.NetworksClient);
  const base = endpoint ? new URL(endpoint).origin : 'https://compute.googleapis.com';
  const auth = networks.auth as unknown as AuthRequester;
  return {
    httpHealthChecks: legacyHttpHealthChecks(auth, base),
    iam: gceIamApi(auth, apiBase(process.env[GCE_IAM_ENDPOINT_ENV], endpoint, 'https://iam.googleapis.com')),
    resourceManager: gceResourceManagerApi(auth, apiBase(process.env[GCE_RESOURCE_MANAGER_ENDPOINT_ENV], endpoint, 'https://cloudresourcemanager.googleapis.com')),
    storageIam: gceStorageIamApi(auth, storageEmulatorBase(process.env.STORAGE_EMULATOR_HOST) ?? apiBase(undefined, endpoint, 'https://storage.googleapis.com')),
    dns: gceDnsApi(auth, apiBase(process.env[GCE_DNS_ENDPOINT_ENV], endpoint, 'https://dns.googleapis.com')),
    project: opts.project,
    region: opts.region,
    networks,
    subnetworks: make(compute.SubnetworksClient),
    firewalls: make(compute.FirewallsClient),
    disks: make(compute.DisksClient),
    addresses: make(compute.AddressesClient),
    targetPools: make(compute.TargetPoolsClient),
    forwardingRules: make(compute.ForwardingRulesClient),
    routers: make(compute.RoutersClient),
    instanceTemplates: make(compute.InstanceTemplatesClient),
    instanceGroupManagers: make(compute.InstanceGroupManagersClient),
    instances: make(compute.InstancesClient),
    globalOperations: make(compute.GlobalOperationsClient),
    regionOperations: make(compute.RegionOperationsClient),
    zoneOperations: make(compute.ZoneOperationsClient),
  };
}

/** Closes every client's transport (tests, and the end of a command). */
export async function closeGceClients(c: GceClients): Promise<void> {
  const all = [c.networks, c.subnetworks, c.firewalls, c.disks, c.addresses, c.targetPools, c.forwardingRules, c.routers, c.instanceTemplates, c.instanceGroupManagers, c.instances, c.globalOperations, c.regionOperations, c.zoneOperations];
  await Promise.all(all.map((x) => x.close().catch(() => undefined)));
}
