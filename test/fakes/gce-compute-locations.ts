/**
 * The fake Compute API's locations (test/fakes/gce-compute.ts): `GET /compute/v1/projects/<p>`
 * (`projects.get`), `GET .../regions[/<r>]` and `GET .../zones[/<z>]` from a fixed catalog of real
 * regions and zones (`REGIONS`); an unknown region or zone is 404 `notFound`.
 */
import { HttpError, notFoundUrl, type GceCall, type Json } from './gce-compute-wire.js';

/** Regions and their zones (a subset of GCE's real catalog). */
export const REGIONS: Readonly<Record<string, readonly string[]>> = {
  'us-central1': ['a', 'b', 'c', 'f'],
  'us-east1': ['b', 'c', 'd'],
  'us-west1': ['a', 'b', 'c'],
  'europe-west1': ['b', 'c', 'd'],
  'europe-west4': ['a', 'b', 'c'],
  'asia-northeast1': ['a', 'b', 'c'],
};

/** `projects/<p>`, `regions[/<r>]`, `zones[/<z>]`: the catalog (`REGIONS`); `link` makes a full URL of a path. */
export function location(link: (path: string) => string, project: string, segs: readonly string[], call: GceCall): Json {
  const url = (p: string) => link(`projects/${project}/${p}`);
  const region = (r: string): Json => ({ kind: 'compute#region', id: String(1000 + Object.keys(REGIONS).indexOf(r)), name: r, status: 'UP', selfLink: url(`regions/${r}`), zones: (REGIONS[r] ?? []).map((z) => url(`zones/${r}-${z}`)) });
  const zone = (z: string): Json => ({ kind: 'compute#zone', id: String(2000 + z.length), name: z, status: 'UP', region: url(`regions/${z.replace(/-[a-z]$/, '')}`), selfLink: url(`zones/${z}`) });
  const zones = Object.entries(REGIONS).flatMap(([r, zs]) => zs.map((z) => `${r}-${z}`));
  if (call.method !== 'GET') throw notFoundUrl(call);
  if (segs.length === 0) return { kind: 'compute#project', id: String(4242), name: project, selfLink: link(`projects/${project}`) };
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
