/**
 * The fake Compute API's VMs and disks (test/fakes/gce-compute.ts): instances and persistent disks
 * (`/compute/v1/projects/<p>/zones/<z>/{instances,disks}[/<name>]`), `instances.stop` (the VM
 * `TERMINATED`, keeping its IP) and `instances.start` (`RUNNING` again), `disks.resize` (grow only).
 * Instances are created by their managed group (gce-compute-instance-groups.ts) from its template:
 * `networkInterfaces` `nic0`, ... each with an internal `networkIP` from its subnetwork's primary
 * range; one deleted directly is recreated by its group under the same name.
 */
import type { ComputeState, ResourceKind } from './gce-compute-store.js';
import { fingerprint, HttpError, type Json } from './gce-compute-wire.js';

/** A managed instance `name` of `mig`, created from the group's current template. */
export function createInstance(s: ComputeState, scopePath: string, mig: Json, name: string): void {
  const link = s.url(`${scopePath}/instances/${name}`);
  for (const [key, pools] of s.store) {
    if (!key.endsWith('/targetPools')) continue;
    for (const p of pools.values()) if ((mig.targetPools as string[]).includes(p.selfLink as string)) p.excluded = ((p.excluded as string[] | undefined) ?? []).filter((x) => x !== link);
  }
  const template = s.refTo(mig.instanceTemplate as string, 'instanceTemplates');
  const props = (template.properties as Json | undefined) ?? {};
  const labels = (props.labels as Json | undefined) ?? {};
  const meta = ((props.metadata as { items?: { key: string; value: string }[] } | undefined)?.items ?? []).map((i) => ({ ...i }));
  const [, project, , zone] = scopePath.split('/');
  const bootPolls = s.knobs.bootPolls;
  s.coll(scopePath, 'instances').set(name, {
    kind: 'compute#instance',
    id: String(s.nextId++),
    name,
    creationTimestamp: new Date().toISOString(),
    zone: s.url(`projects/${project}/zones/${zone}`),
    machineType: s.url(`projects/${project}/zones/${zone}/machineTypes/${String(props.machineType)}`),
    status: bootPolls > 0 ? 'PROVISIONING' : 'RUNNING',
    ...(bootPolls > 0 ? { bootLeft: bootPolls } : {}),
    labels: structuredClone(labels),
    labelFingerprint: fingerprint(labels),
    networkInterfaces: ((props.networkInterfaces as Json[] | undefined) ?? []).map((nic, i) => networkInterface(s, project as string, zone as string, nic, i)),
    tags: structuredClone(props.tags ?? {}),
    metadata: { items: [...meta, { key: 'instance-template', value: (mig.instanceTemplate as string).replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '') }, { key: 'created-by', value: (mig.selfLink as string).replace(/^https:\/\/www.googleapis.com\/compute\/v1\//, '') }] },
    selfLink: s.url(`${scopePath}/instances/${name}`),
  });
}

/**
 * An instance's network interface from its template's: `nicN`, full URLs, and an internal IP:
 * the next address of the subnetwork's primary range no instance of the project holds, from `.2`
 * (GCE keeps `.0`, `.1` and the last two), or of `10.128.0.0/20` for a subnetwork not in the fake.
 */
function networkInterface(s: ComputeState, project: string, zone: string, nic: Json, index: number): Json {
  const region = zone.replace(/-[a-z]$/, '');
  const full = (link: unknown, kind: string): string | undefined => {
    if (typeof link !== 'string' || link === '') return undefined;
    if (link.startsWith('https://')) return link;
    const rel = link.replace(/^\/?(compute\/v1\/)?/, '');
    return s.url(rel.startsWith('projects/') ? rel : `projects/${project}/${kind === 'networks' ? 'global' : `regions/${region}`}/${kind}/${rel}`);
  };
  const network = full(nic.network, 'networks') ?? s.url(`projects/${project}/global/networks/default`);
  const subnetwork = full(nic.subnetwork, 'subnetworks');
  const m = subnetwork ? /projects\/([^/]+)\/regions\/([^/]+)\/subnetworks\/([^/]+)$/.exec(subnetwork) : null;
  const cidr = (m ? (s.store.get(`projects/${m[1]}/regions/${m[2]}/subnetworks`)?.get(m[3] as string)?.ipCidrRange as string | undefined) : undefined) ?? '10.128.0.0/20';
  const [base, bits] = cidr.split('/') as [string, string];
  const start = base.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const held = new Set(s.all(project, 'instances').flatMap((i) => ((i.networkInterfaces as Json[] | undefined) ?? []).map((n) => n.networkIP)));
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

export const INSTANCE_KINDS: Readonly<Record<string, ResourceKind>> = {
  instances: {
    scope: 'zones',
    kind: 'compute#instance',
    fields: [],
    labels: true,
    patch: false,
    removed(s, scopePath, name) {
      // A managed instance deleted directly is recreated by its group, under the same name.
      const mig = [...s.coll(scopePath, 'instanceGroupManagers').values()].find((g) => (g.members as string[]).includes(name));
      if (mig) createInstance(s, scopePath, mig, name);
    },
    custom(_s, _scopePath, r, method) {
      if (method !== 'stop' && method !== 'start') return false;
      // The operation is DONE once the instance is TERMINATED (or RUNNING); the internal IP stays.
      r.status = method === 'stop' ? 'TERMINATED' : 'RUNNING';
      return true;
    },
  },
  disks: {
    scope: 'zones',
    kind: 'compute#disk',
    fields: ['sizeGb', 'type', 'labels', 'sourceImage', 'zone'],
    labels: true,
    patch: false,
    build(s, r, body, at) {
      r.sizeGb = String(body.sizeGb ?? '10');
      const type = (body.type as string | undefined) ?? s.url(`${at.scopePath}/diskTypes/pd-standard`);
      if (!/\/diskTypes\/(pd-standard|pd-ssd|pd-balanced|pd-extreme|hyperdisk-balanced)$/.test(type)) {
        throw new HttpError(400, 'invalid', `Invalid value for field 'resource.type': '${type}'. The URL is malformed or the disk type does not exist.`);
      }
      r.type = type.startsWith('https://') ? type : s.url(type.replace(/^\/?(compute\/v1\/)?/, ''));
      r.status = 'READY';
    },
    custom(_s, _scopePath, r, method, body) {
      if (method !== 'resize') return false;
      const size = Number(body.sizeGb);
      if (!Number.isInteger(size) || size <= Number(r.sizeGb)) {
        throw new HttpError(400, 'invalid', `Invalid value for field 'resource.sizeGb': '${String(body.sizeGb)}'. New disk size '${String(body.sizeGb)}' GB must be larger than existing size '${String(r.sizeGb)}' GB.`);
      }
      r.sizeGb = String(size);
      return true;
    },
  },
};
