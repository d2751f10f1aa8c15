/**
 * `EBSVolume`: an etcd member's data volume (kops's `awstasks/ebsvolume.go`), named
 * `<member>.etcd-<cluster>.<cluster name>` (`a.etcd-main.example.com`). etcd-manager on the
 * control-plane node finds and attaches it by its tags (`k8s.io/etcd/main: a/a,b,c`,
 * `k8s.io/role/control-plane: 1`, ...), which the builder supplies with Name and ownership.
 *
 * Size, type, IOPS and throughput change in place (`ModifyVolume`; a volume can only grow).
 * Zone, encryption and KMS key cannot change in place, and replacing the volume would destroy
 * the member's data, so kops-ts refuses, as kops does (`CheckChanges` → `CannotChangeField`):
 * - `find`, the one kind function that sees desired and actual together, throws a `KopsError`
 *   listing every such volume, so `update` fails at plan time with "cannot change
 *   availabilityZone of an etcd volume in place" and changes nothing;
 * - `apply` checks again before touching the volume (defence in depth: it never deletes).
 * These fields are therefore NOT `mode: 'replace'`: no plan may ever replace an etcd volume.
 *
 * `find`: ONE paged `DescribeVolumes` filtered by the cluster tag, matched by the Name tag.
 */
import { CreateTagsCommand, CreateVolumeCommand, DeleteVolumeCommand, ModifyVolumeCommand, paginateDescribeVolumes, type Volume } from '@aws-sdk/client-ec2';
import { KopsError, error, type Diagnostic } from '../../diagnostics.js';
import { clusterFilters, fromAwsTags, tagSpec, tagsToSet, toAwsTags, type AwsTaskContext, type Tags } from './context.js';
import { taskKey, type FieldRules, type Task, type TaskKind } from '../types.js';

export interface EbsVolumeDesired {
  readonly availabilityZone: string;
  /** GiB; default 20 (kops's etcd default). */
  readonly sizeGb?: number;
  /** Default `gp3`. */
  readonly volumeType?: string;
  /** Default 3000 for gp3 (its baseline); AWS's own for other types unless given. */
  readonly iops?: number;
  /** MiB/s; default 125 for gp3. */
  readonly throughput?: number;
  /** Default `true`. */
  readonly encrypted?: boolean;
  /** A KMS key id or ARN; unset: the account's default EBS key (not compared). */
  readonly kmsKeyId?: string;
  readonly tags: Tags;
}

export interface EbsVolumeActual {
  readonly id: string;
  readonly name: string;
  readonly availabilityZone: string;
  readonly sizeGb: number;
  readonly volumeType: string;
  readonly iops?: number;
  readonly throughput?: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

export const KIND = 'EBSVolume';

/** The desired state with kops's etcd defaults filled in. Pure. */
export function withDefaults(d: EbsVolumeDesired): EbsVolumeDesired & { sizeGb: number; volumeType: string; encrypted: boolean } {
  const volumeType = d.volumeType ?? 'gp3';
  const gp3 = volumeType === 'gp3';
  return {
    ...d,
    sizeGb: d.sizeGb ?? 20,
    volumeType,
    encrypted: d.encrypted ?? true,
    iops: d.iops ?? (gp3 ? 3000 : undefined),
    throughput: d.throughput ?? (gp3 ? 125 : undefined),
  };
}

/**
 * Changes AWS cannot make to this volume without destroying its data: zone, encryption and KMS
 * key, and shrinking. Empty when the desired state can be reached in place. Pure.
 */
export function ebsVolumeProblems(name: string, desired: EbsVolumeDesired, actual: EbsVolumeActual): Diagnostic[] {
  const d = withDefaults(desired);
  const task = taskKey(KIND, name);
  const hint = 'an etcd volume holds the member\'s data: restore the previous value in the spec, or move the member by an etcd backup and restore';
  const out: Diagnostic[] = [];
  const immutable: [string, unknown, unknown][] = [
    ['availabilityZone', actual.availabilityZone, d.availabilityZone],
    ['encrypted', actual.encrypted, d.encrypted],
    ['kmsKeyId', actual.kmsKeyId, d.kmsKeyId],
  ];
  for (const [field, have, want] of immutable) {
    if (want === undefined || have === want) continue;
    out.push(error('CannotChangeField', `cannot change ${field} of an etcd volume in place (${String(have)} -> ${String(want)})`, { task, hint }));
  }
  if (d.sizeGb < actual.sizeGb) {
    out.push(error('CannotChangeField', `cannot shrink an EBS volume (${actual.sizeGb} -> ${d.sizeGb} GiB)`, { task, hint: 'an EBS volume can only grow: set the etcd member\'s volumeSize back to at least the current size' }));
  }
  return out;
}

function refuse(diags: readonly Diagnostic[]): KopsError {
  const first = diags[0];
  const message = diags.length === 1 ? `${first?.summary} (${first?.task})` : `${diags.length} etcd volumes cannot be changed in place; first: ${first?.summary} (${first?.task})`;
  return new KopsError(first?.code ?? 'CannotChangeField', message, { diagnostics: diags });
}

export function toActual(v: Volume): EbsVolumeActual {
  const tags = fromAwsTags(v.Tags);
  return {
    id: v.VolumeId ?? '',
    name: tags.Name ?? '',
    availabilityZone: v.AvailabilityZone ?? '',
    sizeGb: v.Size ?? 0,
    volumeType: v.VolumeType ?? '',
    iops: v.Iops,
    throughput: v.Throughput,
    encrypted: v.Encrypted ?? false,
    kmsKeyId: v.KmsKeyId,
    state: v.State ?? '',
    tags,
  };
}

/** Matches the listing to the tasks; a name held by two volumes is an error (which has the data?). */
function match(tasks: readonly Task<EbsVolumeDesired>[], volumes: readonly EbsVolumeActual[]): { found: Map<string, EbsVolumeActual>; problems: Diagnostic[] } {
  const found = new Map<string, EbsVolumeActual>();
  const problems: Diagnostic[] = [];
  for (const t of tasks) {
    const mine = volumes.filter((v) => v.name === t.name);
    const [v] = mine;
    if (mine.length > 1) {
      problems.push(
        error('DuplicateResource', `found ${mine.length} EBS volumes named ${t.name} (${mine.map((m) => m.id).join(', ')})`, {
          task: taskKey(KIND, t.name),
          hint: 'find the one that holds the etcd data (attached, newest snapshot) and delete or rename the other',
        }),
      );
    } else if (v) {
      problems.push(...ebsVolumeProblems(t.name, t.desired, v));
      found.set(t.name, v);
    }
  }
  return { found, problems };
}

async function modify(ctx: AwsTaskContext, a: EbsVolumeActual, changed: ReadonlySet<string>, d: ReturnType<typeof withDefaults>): Promise<EbsVolumeActual> {
  const input = {
    VolumeId: a.id,
    ...(changed.has('sizeGb') ? { Size: d.sizeGb } : {}),
    ...(changed.has('volumeType') ? { VolumeType: d.volumeType as 'gp3' } : {}),
    ...(changed.has('iops') && d.iops !== undefined ? { Iops: d.iops } : {}),
    ...(changed.has('throughput') && d.throughput !== undefined ? { Throughput: d.throughput } : {}),
  };
  const out = await ctx.clients.ec2.send(new ModifyVolumeCommand(input));
  // On AWS the modification runs on (modifying → optimizing); the target values are the state after.
  const m = out.VolumeModification;
  return {
    ...a,
    sizeGb: m?.TargetSize ?? input.Size ?? a.sizeGb,
    volumeType: m?.TargetVolumeType ?? input.VolumeType ?? a.volumeType,
    iops: m?.TargetIops ?? input.Iops ?? a.iops,
    throughput: m?.TargetThroughput ?? input.Throughput ?? a.throughput,
  };
}

const MODIFIABLE = ['sizeGb', 'volumeType', 'iops', 'throughput'];

export const ebsVolumeKind: TaskKind<EbsVolumeDesired, EbsVolumeActual, AwsTaskContext> = {
  kind: KIND,
  fields: {
    // Not `replace`, on purpose: see the file comment (find refuses these changes).
    availabilityZone: {},
    encrypted: {},
    kmsKeyId: {},
    sizeGb: {},
    volumeType: {},
    iops: {},
    throughput: {},
    tags: { compare: 'tags' },
  } satisfies FieldRules,

  async find(ctx, tasks) {
    if (tasks.length === 0) return new Map();
    const volumes: EbsVolumeActual[] = [];
    const pages = paginateDescribeVolumes({ client: ctx.clients.ec2 }, { Filters: clusterFilters(ctx.clusterName), MaxResults: 500 });
    for await (const page of pages) {
      for (const v of page.Volumes ?? []) if (v.State !== 'deleting' && v.State !== 'deleted') volumes.push(toActual(v));
    }
    const { found, problems } = match(tasks, volumes);
    if (problems.length > 0) throw refuse(problems);
    return found;
  },

  view(desired) {
    const d = withDefaults(desired);
    return {
      availabilityZone: d.availabilityZone,
      encrypted: d.encrypted,
      kmsKeyId: d.kmsKeyId,
      sizeGb: d.sizeGb,
      volumeType: d.volumeType,
      iops: d.iops,
      throughput: d.throughput,
      tags: { ...d.tags },
    };
  },

  actualView(a) {
    return {
      availabilityZone: a.availabilityZone,
      encrypted: a.encrypted,
      kmsKeyId: a.kmsKeyId,
      sizeGb: a.sizeGb,
      volumeType: a.volumeType,
      iops: a.iops,
      throughput: a.throughput,
      tags: { ...a.tags },
    };
  },

  async apply(ctx, req) {
    const d = withDefaults(req.desired);
    const a = req.actual;
    if (!a) {
      const v = await ctx.clients.ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: d.availabilityZone,
          Size: d.sizeGb,
          VolumeType: d.volumeType as 'gp3',
          Encrypted: d.encrypted,
          ...(d.iops !== undefined ? { Iops: d.iops } : {}),
          ...(d.throughput !== undefined ? { Throughput: d.throughput } : {}),
          ...(d.kmsKeyId !== undefined ? { KmsKeyId: d.kmsKeyId } : {}),
          TagSpecifications: tagSpec('volume', d.tags),
        }),
      );
      return toActual(v);
    }
    const problems = ebsVolumeProblems(req.name, req.desired, a);
    if (problems.length > 0) throw refuse(problems);
    let after = a;
    const tags = tagsToSet(a.tags, d.tags);
    if (Object.keys(tags).length > 0) {
      await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [a.id], Tags: toAwsTags(tags) }));
      after = { ...after, tags: { ...a.tags, ...tags } };
    }
    const changed = new Set(req.fields.map((f) => f.field));
    if (MODIFIABLE.some((f) => changed.has(f))) after = await modify(ctx, after, changed, d);
    return after;
  },

  outputs: (a) => ({ id: a.id, name: a.name, availabilityZone: a.availabilityZone }),

  async delete(ctx, actual) {
    try {
      await ctx.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: actual.id }));
    } catch (e) {
      if ((e as { name?: unknown }).name !== 'InvalidVolume.NotFound') throw e;
    }
  },
};
