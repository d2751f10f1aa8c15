/**
 * The fake Compute API's access checks (test/fakes/gce-compute.ts), made on every
 * `/compute/v1/projects/<p>/...` call before any effect: the project must exist (GCE's 404 for the
 * project otherwise), and the caller must hold the IAM permission Google's REST reference names for
 * the method (`compute.<collection>.<verb>`; 403 `forbidden`, `Required 'compute.networks.create'
 * permission for 'projects/p/global/networks/n'`).
 */
import { HttpError, type GceCall } from './gce-compute-wire.js';

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

/**
 * The project exists (when `projects` is set), and the caller holds the call's permission (when
 * `permissions` is set); `used` records every permission asked for.
 */
export function authorize(call: GceCall, projects: ReadonlySet<string> | undefined, permissions: ReadonlySet<string> | undefined, used: Set<string>): void {
  const m = /^\/compute\/v1\/projects\/([^/]+)(\/.*)?$/.exec(call.path);
  if (!m) return;
  const project = decodeURIComponent(m[1] as string);
  if (projects && !projects.has(project)) throw new HttpError(404, 'notFound', `The resource 'projects/${project}' was not found`);
  const permission = permissionOf(call.method, call.path);
  if (!permission) return;
  used.add(permission);
  if (permissions && !permissions.has(permission)) {
    const resource = call.path.replace(/^\/compute\/v1\//, '').replace(/\/(wait|setLabels|resize|setInstanceTemplate|setTargetPools|addHealthCheck|removeHealthCheck|removeInstance|deleteInstances|abandonInstances|listManagedInstances|stop|start)$/, '');
    throw new HttpError(403, 'forbidden', `Required '${permission}' permission for '${resource}'`);
  }
}
