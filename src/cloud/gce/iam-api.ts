/**
 * The two Google APIs the per-role service accounts need and `@google-cloud/compute` has no
 * client for, called over REST through the auth client the Compute clients already hold (as the
 * legacy health checks are, src/cloud/gce/clients.ts):
 *
 *  - IAM v1 (`iam.googleapis.com`): `projects.serviceAccounts` get, list, create, patch, delete;
 *  - Resource Manager v1 (`cloudresourcemanager.googleapis.com`): `projects.getIamPolicy`,
 *    `projects.setIamPolicy`.
 *
 * Endpoints: `KOPS_GCE_IAM_ENDPOINT` / `KOPS_GCE_RESOURCE_MANAGER_ENDPOINT`, else the Compute
 * override (`KOPS_GCE_COMPUTE_ENDPOINT`: the tests' fake serves all three), else Google's. Errors
 * are the transport's `GaxiosError`s with Google's body `{error:{code,message,status}}` (these
 * APIs give a canonical `status` such as `NOT_FOUND`, `ALREADY_EXISTS`, `ABORTED`, no `errors[]`).
 */

/** An IAM service account (`projects/<p>/serviceAccounts/<email>`). */
export interface IamServiceAccount {
  readonly name?: string;
  readonly projectId?: string;
  readonly uniqueId?: string;
  readonly email?: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly etag?: string;
  readonly disabled?: boolean;
}

/** An IAM Condition (`expr`): a CEL expression with a title and an optional description. */
export interface IamCondition {
  readonly title?: string;
  readonly description?: string;
  readonly expression?: string;
}

export interface IamBinding {
  readonly role: string;
  readonly members?: readonly string[];
  readonly condition?: IamCondition;
}

/** A project's IAM policy as Resource Manager returns it; `etag` guards the read-modify-write. */
export interface IamPolicy {
  readonly version?: number;
  readonly etag?: string;
  readonly bindings?: readonly IamBinding[];
  readonly auditConfigs?: readonly unknown[];
}

export interface GceIamApi {
  getServiceAccount(project: string, email: string): Promise<IamServiceAccount>;
  listServiceAccounts(project: string): Promise<IamServiceAccount[]>;
  createServiceAccount(project: string, accountId: string, body: { displayName?: string; description?: string }): Promise<IamServiceAccount>;
  patchServiceAccount(project: string, email: string, body: { displayName?: string; description?: string }, updateMask: string): Promise<IamServiceAccount>;
  deleteServiceAccount(project: string, email: string): Promise<void>;
}

export interface GceResourceManagerApi {
  /** `requestedPolicyVersion` 3: conditional bindings are returned as they are (and kept on write). */
  getIamPolicy(project: string): Promise<IamPolicy>;
  setIamPolicy(project: string, policy: IamPolicy): Promise<IamPolicy>;
}

/** A bucket's IAM policy (Cloud Storage JSON API v1 `b/<bucket>/iam`); same shape, `etag` guards the write. */
export interface GceStorageIamApi {
  /** The bucket's metadata (`storage.buckets.get`): pre-flight reads its `iamConfiguration`. */
  getBucket(bucket: string): Promise<StorageBucket>;
  getBucketIamPolicy(bucket: string): Promise<IamPolicy>;
  setBucketIamPolicy(bucket: string, policy: IamPolicy): Promise<IamPolicy>;
}

/** What kops-ts reads of a bucket's resource (Cloud Storage JSON API v1 `b/<bucket>`). */
export interface StorageBucket {
  readonly name?: string;
  readonly iamConfiguration?: { readonly uniformBucketLevelAccess?: { readonly enabled?: boolean } };
}

export interface AuthRequester {
  request<T>(opts: { url: string; method: string; data?: unknown; params?: Record<string, string> }): Promise<{ data: T }>;
}

export const GCE_IAM_ENDPOINT_ENV = 'KOPS_GCE_IAM_ENDPOINT';
export const GCE_RESOURCE_MANAGER_ENDPOINT_ENV = 'KOPS_GCE_RESOURCE_MANAGER_ENDPOINT';

/** The base URL of an API: its own variable, else the Compute override (the fake), else Google's host. */
export function apiBase(own: string | undefined, computeOverride: string | undefined, google: string): string {
  const e = own ?? computeOverride;
  return e ? new URL(e).origin : google;
}

export function gceIamApi(auth: AuthRequester, base: string): GceIamApi {
  const p = (project: string) => `${base}/v1/projects/${encodeURIComponent(project)}/serviceAccounts`;
  const one = (project: string, email: string) => `${p(project)}/${encodeURIComponent(email)}`;
  return {
    async getServiceAccount(project, email) {
      return (await auth.request<IamServiceAccount>({ url: one(project, email), method: 'GET' })).data;
    },
    async listServiceAccounts(project) {
      const out: IamServiceAccount[] = [];
      let pageToken: string | undefined;
      do {
        const params: Record<string, string> = { pageSize: '100', ...(pageToken ? { pageToken } : {}) };
        const { data } = await auth.request<{ accounts?: IamServiceAccount[]; nextPageToken?: string }>({ url: p(project), method: 'GET', params });
        out.push(...(data.accounts ?? []));
        pageToken = data.nextPageToken || undefined;
      } while (pageToken);
      return out;
    },
    async createServiceAccount(project, accountId, body) {
      return (await auth.request<IamServiceAccount>({ url: p(project), method: 'POST', data: { accountId, serviceAccount: body } })).data;
    },
    async patchServiceAccount(project, email, body, updateMask) {
      return (await auth.request<IamServiceAccount>({ url: one(project, email), method: 'PATCH', data: { serviceAccount: body, updateMask } })).data;
    },
    async deleteServiceAccount(project, email) {
      await auth.request<unknown>({ url: one(project, email), method: 'DELETE' });
    },
  };
}

export function gceResourceManagerApi(auth: AuthRequester, base: string): GceResourceManagerApi {
  const url = (project: string, verb: string) => `${base}/v1/projects/${encodeURIComponent(project)}:${verb}`;
  return {
    async getIamPolicy(project) {
      return (await auth.request<IamPolicy>({ url: url(project, 'getIamPolicy'), method: 'POST', data: { options: { requestedPolicyVersion: 3 } } })).data;
    },
    async setIamPolicy(project, policy) {
      return (await auth.request<IamPolicy>({ url: url(project, 'setIamPolicy'), method: 'POST', data: { policy } })).data;
    },
  };
}

/**
 * Cloud Storage's bucket metadata and IAM (`storage.buckets.get`, `getIamPolicy`/`setIamPolicy`;
 * the policy is read as version 3, so conditional bindings come back whole). The base is
 * `STORAGE_EMULATOR_HOST` (as the state store's, `host:port` or a URL), else the Compute override,
 * else Google's. A write over a concurrent change is refused with 412 `conditionNotMet`.
 */
export function gceStorageIamApi(auth: AuthRequester, base: string): GceStorageIamApi {
  const url = (bucket: string) => `${base}/storage/v1/b/${encodeURIComponent(bucket)}/iam`;
  return {
    async getBucket(bucket) {
      return (await auth.request<StorageBucket>({ url: `${base}/storage/v1/b/${encodeURIComponent(bucket)}`, method: 'GET' })).data;
    },
    async getBucketIamPolicy(bucket) {
      return (await auth.request<IamPolicy>({ url: url(bucket), method: 'GET', params: { optionsRequestedPolicyVersion: '3' } })).data;
    },
    async setBucketIamPolicy(bucket, policy) {
      return (await auth.request<IamPolicy>({ url: url(bucket), method: 'PUT', data: policy })).data;
    },
  };
}

/** `STORAGE_EMULATOR_HOST` (`host:port` or a URL) as a base URL, or undefined. */
export function storageEmulatorBase(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`;
  return new URL(url.replace(/\/+$/, '').replace(/\/storage\/v1$/, '')).origin;
}

/** Google's canonical status of an IAM / Resource Manager error (`NOT_FOUND`, `ABORTED`, ...), if any. */
export function googleStatusOf(e: unknown): string | undefined {
  const data = (e as { response?: { data?: unknown } } | null)?.response?.data;
  const body = typeof data === 'string' && data.startsWith('{') ? safeParse(data) : data;
  const s = (body as { error?: { status?: unknown } } | undefined)?.error?.status;
  return typeof s === 'string' ? s : undefined;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
