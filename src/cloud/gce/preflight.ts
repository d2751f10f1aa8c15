/**
 * `update cluster`'s GCE pre-flight: before any plan, the project, the region and every zone the
 * spec names must exist (`projects.get`, `regions.get`, `zones.get`), and so must the legacy
 * `spec.cloudProvider.gce.serviceAccount` (IAM `serviceAccounts.get`). Each failure is an error
 * naming the field that holds the value and what to do; nothing is changed.
 */
import { KopsError, error, type Diagnostic } from '../../diagnostics.js';
import type { Cluster, InstanceGroup } from '../../model/api/types.js';
import { regionOfZone } from '../../model/validation-util.js';
import { GCE_ENDPOINT_ENV, endpointOptions } from './clients.js';
import { describeGceError, gceErrorCode, isGceNotFound } from './errors.js';
import type { GceIamApi } from './iam-api.js';
import { legacyServiceAccountOf } from '../../model/gce/service-accounts.js';
import { serviceAccountProject } from '../../tasks/gce/service-account.js';

/** The three look-ups pre-flight makes (the Compute API's `projects`, `regions`, `zones`). */
export interface GceLocations {
  getProject(project: string): Promise<unknown>;
  getRegion(project: string, region: string): Promise<unknown>;
  getZone(project: string, zone: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function gceLocations(endpoint: string | undefined, wrap: <T extends object>(client: T, name: string) => T = (c) => c): Promise<GceLocations> {
  const compute = await import('@google-cloud/compute');
  const o = endpoint ? await endpointOptions(endpoint) : { fallback: 'rest' as const };
  const projects = wrap(new compute.ProjectsClient(o), 'projects');
  const regions = wrap(new compute.RegionsClient(o), 'regions');
  const zones = wrap(new compute.ZonesClient(o), 'zones');
  return {
    getProject: (project) => projects.get({ project }),
    getRegion: (project, region) => regions.get({ project, region }),
    getZone: (project, zone) => zones.get({ project, zone }),
    async close() {
      await Promise.all([projects.close(), regions.close(), zones.close()].map((p) => p.catch(() => undefined)));
    },
  };
}

/** The cluster's region: its first subnet's `region`, else the region of its zone. */
export function regionOfGceCluster(cluster: Cluster): string {
  const first = cluster.spec.subnets?.[0];
  return first?.region ?? (first?.zone ? regionOfZone(first.zone, 'gce') : '');
}

/** Every zone the spec names, with the field that names it first. */
function zonesOf(cluster: Cluster, igs: readonly InstanceGroup[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [i, s] of (cluster.spec.subnets ?? []).entries()) if (s.zone && !out.has(s.zone)) out.set(s.zone, `Cluster spec.subnets[${i}].zone`);
  for (const ig of igs) for (const z of ig.spec.zones ?? []) if (!out.has(z)) out.set(z, `InstanceGroup/${ig.metadata.name} spec.zones`);
  return out;
}

/** A call refused for lack of a permission: Google's 403 names it (`Required 'compute.x.y' permission for ...`). */
export function missingPermission(e: unknown): string | undefined {
  const d = describeGceError(e);
  if (d.status !== 403) return undefined;
  return /Required '([a-zA-Z.]+)' permission/.exec(d.message)?.[1] ?? '';
}

function forbidden(e: unknown, what: string): Diagnostic | undefined {
  const p = missingPermission(e);
  if (p === undefined) return undefined;
  return error('GcePermissionDenied', `${what}: the credentials lack ${p ? `the permission ${p}` : 'a permission'} (${describeGceError(e).message})`, {
    hint: 'nothing was changed; grant the role that holds it to the account Application Default Credentials use (docs/gce.md, "Permissions"), then re-run',
  });
}

/** Checks the project, region and zones; throws a `KopsError` listing every problem. */
export async function gcePreflight(loc: GceLocations, cluster: Cluster, igs: readonly InstanceGroup[]): Promise<void> {
  const project = cluster.spec.project ?? '';
  const name = cluster.metadata.name;
  const problems: Diagnostic[] = [];
  const fail = (e: unknown, what: string, notFound: () => Diagnostic): void => {
    if (isGceNotFound(e)) problems.push(notFound());
    else {
      const f = forbidden(e, what);
      if (f) problems.push(f);
      else throw e;
    }
  };
  try {
    await loc.getProject(project);
  } catch (e) {
    fail(e, `project "${project}"`, () =>
      error('GceProjectNotFound', `Cluster ${name} spec.project: project "${project}" does not exist (or the Compute Engine API is not enabled in it)`, {
        hint: `nothing was changed; set spec.project to an existing project id (kops-ts edit cluster ${name}), or enable the API: gcloud services enable compute.googleapis.com --project ${project}`,
      }),
    );
    throw new KopsError(problems[0]?.code ?? 'GcePreflightFailed', 'pre-flight checks failed; nothing was changed', { diagnostics: problems });
  }
  const region = regionOfGceCluster(cluster);
  const checks: Promise<void>[] = [];
  if (region) {
    checks.push(
      loc.getRegion(project, region).then(
        () => undefined,
        (e: unknown) =>
          fail(e, `region "${region}"`, () =>
            error('GceRegionNotFound', `Cluster ${name} spec.subnets[0].region: region "${region}" does not exist in project ${project}`, {
              hint: 'set the subnets\' region to a GCE region (gcloud compute regions list), e.g. us-central1',
            }),
          ),
      ),
    );
  }
  for (const [zone, field] of zonesOf(cluster, igs)) {
    checks.push(
      loc.getZone(project, zone).then(
        (z) => {
          const zr = regionOfZone(zone, 'gce');
          if (region && zr !== region) {
            problems.push(error('GceZoneOutsideRegion', `${field}: zone "${zone}" is in region ${zr}, not the cluster's region ${region}`, { hint: `use zones of ${region}; gcloud compute zones list shows each zone with its region` }));
          }
          void z;
        },
        (e: unknown) =>
          fail(e, `zone "${zone}"`, () =>
            error('GceZoneNotFound', `${field}: zone "${zone}" does not exist in project ${project}`, { hint: `use a zone of ${region || 'the cluster\'s region'} (gcloud compute zones list)` }),
          ),
      ),
    );
  }
  await Promise.all(checks);
  if (problems.length > 0) {
    problems.sort((a, b) => a.summary.localeCompare(b.summary));
    throw new KopsError(problems[0]!.code, `pre-flight checks failed; nothing was changed`, { diagnostics: problems });
  }
}

/**
 * The legacy `spec.cloudProvider.gce.serviceAccount` (every instance runs as it) must exist: kops
 * looks it up as a shared account, and a template naming a missing one fails only when GCE
 * creates its instances. Looked up in its email's project; `default` (GCE's default compute
 * account) always exists. Throws `GceServiceAccountNotFound` naming the field.
 */
export async function gceLegacyServiceAccountPreflight(iam: Pick<GceIamApi, 'getServiceAccount'>, cluster: Cluster): Promise<void> {
  const email = legacyServiceAccountOf(cluster.spec);
  if (email === undefined || email === 'default') return;
  const name = cluster.metadata.name;
  const field = `Cluster ${name} spec.cloudProvider.gce.serviceAccount`;
  const project = serviceAccountProject(email) ?? cluster.spec.project ?? '';
  const fix = `create it (gcloud iam service-accounts create ${email.split('@')[0] ?? ''} --project ${project}), or remove the field (kops-ts edit cluster ${name}) to let kops-ts create one account per role`;
  let problem: Diagnostic;
  try {
    await iam.getServiceAccount(project, email);
    return;
  } catch (e) {
    const d = describeGceError(e);
    if (isGceNotFound(e)) {
      problem = error('GceServiceAccountNotFound', `${field}: service account "${email}" does not exist in project ${project}`, { hint: `nothing was changed; ${fix}` });
    } else if (d.status === 403) {
      // IAM answers 403 both for a missing permission and for an account it cannot see.
      problem = error('GcePermissionDenied', `${field}: service account "${email}" cannot be read: ${d.message}`, {
        hint: `nothing was changed; the credentials need iam.serviceAccounts.get on it (docs/gce.md, "Permissions"), or the account does not exist: ${fix}`,
      });
    } else throw e;
  }
  throw new KopsError(problem.code, 'pre-flight checks failed; nothing was changed', { diagnostics: [problem] });
}

export { gceErrorCode, GCE_ENDPOINT_ENV };
