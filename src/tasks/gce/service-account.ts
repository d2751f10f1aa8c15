/**
 * `ServiceAccount`: an IAM service account of the cluster's project, one per role (kops's
 * gcetasks/serviceaccount.go, built by src/model/gce/service-accounts.ts). Found by its email
 * among the project's accounts (one paged `serviceAccounts.list` per run); the legacy
 * `spec.cloudProvider.gce.serviceAccount` is a shared task (kops's `shared`), looked up with
 * `serviceAccounts.get` in its email's project, never created, changed or deleted. Display name and
 * description are patched in place; the account id is its identity (a different id is another
 * task). No orphan search: `update` never deletes an account, as kops's does not (instances
 * may still run as it until they are rolled); `delete cluster` sweeps the project's accounts
 * named as kops names this cluster's roles (`control-plane-`, `node-`, `bastion-` + the cut
 * cluster name; `clusterServiceAccounts`), as kops's GCE resource lister finds them. Any other
 * account of the project is the user's and never touched.
 *
 * IAM methods: serviceAccounts.list, get, create, patch, delete (projects.serviceAccounts, IAM v1).
 */
import { isGceAlreadyExists, isGceNotFound } from '../../cloud/gce/errors.js';
import type { IamServiceAccount } from '../../cloud/gce/iam-api.js';
import { KopsError } from '../../diagnostics.js';
import { gceServiceAccountId, GCE_SERVICE_ACCOUNT_ROLES } from '../../model/gce/names.js';
import type { TaskKind } from '../types.js';
import { sharedReadOnly } from './common.js';
import type { GceTaskContext } from './context.js';
import type { GceServiceAccountDesired } from './types.js';

export interface GceServiceAccountActual {
  readonly email: string;
  /** `projects/<p>/serviceAccounts/<email>`. */
  readonly name: string;
  readonly uniqueId: string;
  readonly displayName: string;
  readonly description: string;
  /** The user's (the legacy `spec.cloudProvider.gce.serviceAccount`): looked up, never changed or deleted. */
  readonly shared?: boolean;
}

function toActual(sa: IamServiceAccount, shared = false): GceServiceAccountActual {
  return { email: sa.email ?? '', name: sa.name ?? '', uniqueId: sa.uniqueId ?? '', displayName: sa.displayName ?? '', description: sa.description ?? '', ...(shared ? { shared } : {}) };
}

/** The project of an account's email, `<id>@<project>.iam.gserviceaccount.com` (kops's SplitServiceAccountEmail). */
export function serviceAccountProject(email: string): string | undefined {
  return /^[^@]+@([a-z][-a-z0-9.:]*)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
}

/** A shared account, looked up by email in its own project (it may be another one), as kops's Find does. */
async function findShared(ctx: GceTaskContext, email: string): Promise<GceServiceAccountActual | undefined> {
  try {
    const sa = await ctx.clients.iam.getServiceAccount(serviceAccountProject(email) ?? ctx.project, email);
    return sa.email === email ? toActual(sa, true) : undefined;
  } catch (e) {
    if (isGceNotFound(e)) return undefined;
    throw e;
  }
}

/** The project's service accounts, one paged list per run (find and findOrphans share it). */
export function projectServiceAccounts(ctx: GceTaskContext): Promise<IamServiceAccount[]> {
  return ctx.once('gce:serviceAccounts', () => ctx.clients.iam.listServiceAccounts(ctx.project));
}

/** The emails of the accounts kops names for this cluster's roles, in this project. */
export function clusterServiceAccountEmails(ctx: GceTaskContext): Set<string> {
  return new Set(GCE_SERVICE_ACCOUNT_ROLES.map((r) => `${gceServiceAccountId(r, ctx.clusterName)}@${ctx.project}.iam.gserviceaccount.com`));
}

export const serviceAccountKind: TaskKind<GceServiceAccountDesired, GceServiceAccountActual, GceTaskContext> = {
  kind: 'ServiceAccount',
  fields: {
    email: { mode: 'replace' },
  },

  async find(ctx, tasks) {
    const found = new Map<string, GceServiceAccountActual>();
    for (const t of tasks.filter((x) => x.shared)) {
      const sa = await findShared(ctx, t.desired.email);
      if (sa) found.set(t.name, sa);
    }
    const own = tasks.filter((x) => !x.shared);
    if (own.length === 0) return found;
    const list = await projectServiceAccounts(ctx);
    for (const t of own) {
      const sa = list.find((x) => x.email === t.desired.email);
      if (sa) found.set(t.name, toActual(sa));
    }
    return found;
  },

  view: (d) => ({ email: d.email, displayName: d.displayName, description: d.description }),
  actualView: (a) => ({ email: a.email, displayName: a.displayName, description: a.description }),

  async apply(ctx, req) {
    const d = req.desired;
    if (req.actual?.shared) throw sharedReadOnly('ServiceAccount', d.email);
    const body = { displayName: d.displayName, description: d.description };
    if (req.action === 'update' && req.actual) {
      return toActual(await ctx.clients.iam.patchServiceAccount(ctx.project, d.email, body, 'displayName,description'));
    }
    let sa: IamServiceAccount;
    try {
      sa = await ctx.clients.iam.createServiceAccount(ctx.project, d.accountId, body);
    } catch (e) {
      // Made by an earlier, interrupted run (or IAM's list lagging its create): it is this account.
      if (!isGceAlreadyExists(e)) throw e;
      sa = await ctx.clients.iam.getServiceAccount(ctx.project, d.email);
    }
    if (sa.email !== d.email) {
      throw new KopsError('GceServiceAccountEmail', `ServiceAccount ${req.name}: IAM created ${sa.email ?? '(no email)'}, expected ${d.email}`, {
        hint: 'the account id and the project make the email; check spec.project',
      });
    }
    return toActual(sa);
  },

  outputs: (a) => ({ id: a.uniqueId, name: a.name, email: a.email }),

  async delete(ctx, a) {
    if (a.shared) throw sharedReadOnly('ServiceAccount', a.email);
    try {
      await ctx.clients.iam.deleteServiceAccount(ctx.project, a.email);
    } catch (e) {
      if (!isGceNotFound(e)) throw e;
    }
  },
};

/**
 * `delete cluster`'s sweep (src/cloud/gce/deletion.ts): the project's accounts named as kops
 * names this cluster's roles, as the kind sees them. Not an orphan search: `update` never deletes
 * an account (instances may still run as it until they are rolled), as kops's update does not.
 */
export async function clusterServiceAccounts(ctx: GceTaskContext): Promise<GceServiceAccountActual[]> {
  const ours = clusterServiceAccountEmails(ctx);
  return (await projectServiceAccounts(ctx)).filter((sa) => sa.email && ours.has(sa.email)).map((sa) => toActual(sa));
}
