/**
 * `LaunchTemplate`: what the instances of one instance group boot from (kops's
 * `awstasks/launchtemplate*.go`). Named like the group: `<ig>.masters.<cluster>` for control
 * planes, `<ig>.<cluster>` otherwise.
 *
 * Versions, not replacements: a change of any data field creates a NEW VERSION carrying the full
 * data (we never rely on `SourceVersion`: moto ignores it, and a full version is self-describing)
 * and makes it the default. The autoscaling group launches `$Default` (see autoscaling-group.ts),
 * so what `find` compares — the default version — is exactly what new instances get, and the
 * `version` output is what the rolling update compares each instance's version with.
 * A change of the template's own tags only is a `CreateTags`, no new version.
 *
 * AWS caps a template at 10,000 versions; kops-ts never prunes old versions yet (moto lacks
 * `DeleteLaunchTemplateVersions`). At one version per changed `update`, the cap is far away.
 *
 * `find` costs two calls whatever the number of instance groups: one tag-filtered
 * `DescribeLaunchTemplates`, then, only if some template exists, one `DescribeLaunchTemplateVersions`
 * with `Versions: ['$Default']` and no template id, which AWS (and moto) answer with the default
 * version of EVERY template in the account and region. The trade-off: that second listing pages
 * through the account's templates (200 a page), not only this cluster's; the alternative, one call
 * per template, grows with the instance groups. (The versions call has no tag filter.)
 *
 * Orphans: the cluster's templates (`KubernetesCluster` and `kubernetes.io/cluster/<name>=owned`)
 * that no task describes any more — an instance group deleted from the spec — are planned as
 * deletions; apply deletes them after the orphan autoscaling groups that launched them.
 */
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteLaunchTemplateCommand,
  ModifyLaunchTemplateCommand,
  paginateDescribeLaunchTemplates,
  paginateDescribeLaunchTemplateVersions,
  type LaunchTemplate,
  type LaunchTemplateVersion,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { TAG_CLUSTER, clusterFilters, fromAwsTags, ownershipTagKey, tagSpec, tagsToSet, toAwsTags, type AwsTaskContext, type Tags } from './context.js';
import { METADATA_DEFAULTS, ROOT_DEFAULTS, decodeData, requestData, type BlockDevice, type LaunchTemplateData } from './launch-template-data.js';
import type { FieldRules, RefResolver, TaskKind, Val, View } from '../types.js';

export { decodeData, decodeUserData, encodeUserData, requestData, USER_DATA_LIMIT } from './launch-template-data.js';
export type { BlockDevice, LaunchTemplateData } from './launch-template-data.js';

/** The root EBS volume. Size in GiB. */
export interface RootVolume {
  /** The image's root device (`/dev/sda1`, `/dev/xvda`): the Image task's `rootDeviceName` output. */
  readonly deviceName: Val<string>;
  readonly size: number;
  /** Default `gp3`. */
  readonly type?: string;
  readonly iops?: number;
  readonly throughput?: number;
  /** Default `true`. */
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  /** Default `true`. */
  readonly deleteOnTermination?: boolean;
}

/**
 * An extra EBS volume after the root (kops's `spec.volumes`): a mapping of every launched instance.
 * The builder gives every value (kops's defaults applied), so the version is fully described.
 */
export interface ExtraVolume {
  readonly deviceName: string;
  readonly size: number;
  readonly type: string;
  readonly iops?: number;
  readonly throughput?: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly deleteOnTermination: boolean;
}

/** IMDS settings. Defaults: IMDSv2 only (`required`), hop limit 1 (pods cannot reach it), enabled. */
export interface MetadataOptions {
  readonly httpTokens?: 'required' | 'optional';
  readonly httpPutResponseHopLimit?: number;
  readonly httpEndpoint?: 'enabled' | 'disabled';
}

export interface LaunchTemplateDesired {
  /** An AMI id (the builder resolves image names, e.g. `ref('Image', name)`). */
  readonly imageId: Val<string>;
  readonly instanceType: string;
  /** An instance profile name, or its ARN (`arn:...`). */
  readonly iamInstanceProfile?: Val<string>;
  /** Put on the primary network interface, as kops does. */
  readonly securityGroupIds: readonly Val<string>[];
  readonly keyName?: Val<string>;
  /** The user-data text; sent base64 (gzipped first with `compressUserData`). */
  readonly userData?: string;
  readonly compressUserData?: boolean;
  readonly rootVolume?: RootVolume;
  /** Mapped after the root volume, in this order. */
  readonly volumes?: readonly ExtraVolume[];
  readonly metadataOptions?: MetadataOptions;
  /** Default `false`. */
  readonly associatePublicIp?: boolean;
  /** Tags for the instances and volumes launched; default: `tags`. */
  readonly instanceTags?: Tags;
  /** The template's own tags (Name, ownership, ...), also the default instance tags. */
  readonly tags: Tags;
  /** Launch Spot instances at up to this price per hour (kops's `maxPrice` without a mixed policy). */
  readonly spotMaxPrice?: string;
  /** Detailed (1-minute) CloudWatch monitoring (kops's `detailedInstanceMonitoring`); default false. */
  readonly detailedMonitoring?: boolean;
  /** `standard` or `unlimited` for burstable types (kops's `cpuCredits`); unset: the type's default. */
  readonly cpuCredits?: 'standard' | 'unlimited';
  /** `default`, `dedicated` or `host` (kops's `tenancy`); unset: the VPC's. */
  readonly tenancy?: 'default' | 'dedicated' | 'host';
  /** EbsOptimized (kops's `rootVolumeOptimization`); unset: the instance type's default. */
  readonly ebsOptimized?: boolean;
  /** With `spotMaxPrice` only: what an interrupted Spot instance does (kops's `instanceInterruptionBehavior`). */
  readonly spotInterruptionBehavior?: 'terminate' | 'stop' | 'hibernate';
}

export interface LaunchTemplateActual {
  readonly id: string;
  readonly name: string;
  /** The default version number: what the autoscaling group launches. */
  readonly version: number;
  readonly latestVersion: number;
  readonly tags: Readonly<Record<string, string>>;
  /** The default version's data. */
  readonly data: LaunchTemplateData;
}

/**
 * Fields and their meaning. A version is fully ours, so an absent optional value is `null` in both
 * views (and so compared): removing the SSH key from the spec must remove it from the template.
 */
const FIELDS: FieldRules = {
  imageId: {},
  instanceType: {},
  iamInstanceProfile: { security: 'iam' },
  securityGroupIds: { compare: 'set', security: 'ingress' },
  keyName: { security: 'ingress' },
  userData: { blob: true },
  compressUserData: {},
  rootDeviceName: {},
  rootVolumeSize: {},
  rootVolumeType: {},
  rootVolumeIops: {},
  rootVolumeThroughput: {},
  rootVolumeEncrypted: {},
  rootVolumeKmsKeyId: {},
  rootVolumeDeleteOnTermination: {},
  volumes: {},
  httpTokens: { security: 'exposure' },
  httpPutResponseHopLimit: { security: 'exposure' },
  httpEndpoint: { security: 'exposure' },
  associatePublicIp: { security: 'exposure' },
  instanceTags: {},
  volumeTags: {},
  spotMaxPrice: {},
  detailedMonitoring: {},
  cpuCredits: {},
  tenancy: {},
  ebsOptimized: {},
  spotInterruptionBehavior: {},
  tags: { compare: 'tags' },
};

/** The fields stored on the template itself rather than in a version. */
const TEMPLATE_FIELDS = new Set(['tags']);

function desiredView(d: LaunchTemplateDesired, refs: RefResolver): View {
  const opt = (v: Val<string> | undefined) => (v === undefined ? null : refs.resolve(v));
  const md = { ...METADATA_DEFAULTS, ...d.metadataOptions };
  const r = d.rootVolume ? { ...ROOT_DEFAULTS, ...d.rootVolume } : undefined;
  const instanceTags = { ...(d.instanceTags ?? d.tags) };
  return {
    imageId: refs.resolve(d.imageId),
    instanceType: d.instanceType,
    iamInstanceProfile: opt(d.iamInstanceProfile),
    securityGroupIds: d.securityGroupIds.map((g) => refs.resolve(g)),
    keyName: opt(d.keyName),
    userData: d.userData ?? null,
    compressUserData: d.userData === undefined ? null : (d.compressUserData ?? false),
    rootDeviceName: r ? refs.resolve(r.deviceName) : null,
    rootVolumeSize: r?.size ?? null,
    rootVolumeType: r?.type ?? null,
    rootVolumeIops: r?.iops ?? null,
    rootVolumeThroughput: r?.throughput ?? null,
    rootVolumeEncrypted: r?.encrypted ?? null,
    rootVolumeKmsKeyId: r?.kmsKeyId ?? null,
    rootVolumeDeleteOnTermination: r?.deleteOnTermination ?? null,
    volumes: volumesView(d.volumes ?? []),
    httpTokens: md.httpTokens,
    httpPutResponseHopLimit: md.httpPutResponseHopLimit,
    httpEndpoint: md.httpEndpoint,
    associatePublicIp: d.associatePublicIp ?? false,
    instanceTags,
    volumeTags: instanceTags,
    spotMaxPrice: d.spotMaxPrice ?? null,
    detailedMonitoring: d.detailedMonitoring ?? false,
    cpuCredits: d.cpuCredits ?? null,
    tenancy: d.tenancy ?? null,
    ebsOptimized: d.ebsOptimized ?? null,
    spotInterruptionBehavior: d.spotMaxPrice !== undefined ? (d.spotInterruptionBehavior ?? null) : null,
    tags: { ...d.tags },
  };
}

/** The extra volumes compared as one list, by device name, absent values `null`. */
function volumesView(vs: readonly (BlockDevice | ExtraVolume)[]): View[string] {
  return [...vs]
    .sort((a, b) => (a.deviceName < b.deviceName ? -1 : a.deviceName > b.deviceName ? 1 : 0))
    .map((v) => ({
      device: v.deviceName,
      size: v.size ?? null,
      type: v.type ?? null,
      iops: v.iops ?? null,
      throughput: v.throughput ?? null,
      encrypted: v.encrypted ?? null,
      kmsKeyId: v.kmsKeyId ?? null,
      deleteOnTermination: v.deleteOnTermination ?? null,
    }));
}

/** Normalised: sorted groups, AWS's defaults for what a version leaves out. */
function actualDataView(a: LaunchTemplateActual): View {
  const d = a.data;
  // kops-ts writes the root's mapping first, then the extra volumes'.
  const r = d.blockDevices[0];
  return {
    imageId: d.imageId ?? null,
    instanceType: d.instanceType ?? null,
    iamInstanceProfile: d.iamInstanceProfile ?? null,
    securityGroupIds: [...d.securityGroupIds].sort(),
    keyName: d.keyName ?? null,
    userData: d.userData ?? null,
    compressUserData: d.userData === undefined ? null : d.userDataCompressed,
    rootDeviceName: r?.deviceName ?? null,
    rootVolumeSize: r?.size ?? null,
    rootVolumeType: r?.type ?? null,
    rootVolumeIops: r?.iops ?? null,
    rootVolumeThroughput: r?.throughput ?? null,
    rootVolumeEncrypted: r ? (r.encrypted ?? false) : null,
    rootVolumeKmsKeyId: r?.kmsKeyId ?? null,
    rootVolumeDeleteOnTermination: r ? (r.deleteOnTermination ?? true) : null,
    volumes: volumesView(d.blockDevices.slice(1).map((b) => ({ ...b, deleteOnTermination: b.deleteOnTermination ?? true, encrypted: b.encrypted ?? false }))),
    // Instance defaults when a version says nothing (account-level IMDS defaults aside).
    httpTokens: d.httpTokens ?? 'optional',
    httpPutResponseHopLimit: d.httpPutResponseHopLimit ?? 1,
    httpEndpoint: d.httpEndpoint ?? 'enabled',
    associatePublicIp: d.associatePublicIp ?? false,
    instanceTags: { ...d.instanceTags },
    volumeTags: { ...d.volumeTags },
    spotMaxPrice: d.spotMaxPrice ?? null,
    detailedMonitoring: d.monitoring ?? false,
    cpuCredits: d.cpuCredits ?? null,
    tenancy: d.tenancy ?? null,
    ebsOptimized: d.ebsOptimized ?? null,
    spotInterruptionBehavior: d.spotInterruptionBehavior ?? null,
    tags: { ...a.tags },
  };
}

async function listTemplates(ctx: AwsTaskContext): Promise<LaunchTemplate[]> {
  const out: LaunchTemplate[] = [];
  const pages = paginateDescribeLaunchTemplates({ client: ctx.clients.ec2 }, { Filters: clusterFilters(ctx.clusterName), MaxResults: 200 });
  for await (const page of pages) out.push(...(page.LaunchTemplates ?? []));
  return out;
}

/** The default version of every template in the account (see the file comment for why). */
async function listDefaultVersions(ctx: AwsTaskContext): Promise<Map<string, LaunchTemplateVersion>> {
  const out = new Map<string, LaunchTemplateVersion>();
  const pages = paginateDescribeLaunchTemplateVersions({ client: ctx.clients.ec2 }, { Versions: ['$Default'], MaxResults: 200 });
  for await (const page of pages) {
    for (const v of page.LaunchTemplateVersions ?? []) if (v.LaunchTemplateId) out.set(v.LaunchTemplateId, v);
  }
  return out;
}

function toActual(t: LaunchTemplate, v: LaunchTemplateVersion): LaunchTemplateActual {
  return {
    id: t.LaunchTemplateId ?? '',
    name: t.LaunchTemplateName ?? '',
    version: v.VersionNumber ?? t.DefaultVersionNumber ?? 1,
    latestVersion: t.LatestVersionNumber ?? v.VersionNumber ?? 1,
    tags: fromAwsTags(t.Tags),
    data: decodeData(v.LaunchTemplateData ?? {}),
  };
}

function isNotFound(e: unknown): boolean {
  const name = (e as { name?: unknown }).name;
  return name === 'InvalidLaunchTemplateId.NotFound' || name === 'InvalidLaunchTemplateName.NotFoundException';
}

/** A new default version with the full data (an update of the data fields). */
async function newDefaultVersion(ctx: AwsTaskContext, id: string, data: RequestLaunchTemplateData): Promise<number> {
  const out = await ctx.clients.ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, LaunchTemplateData: data }));
  const version = out.LaunchTemplateVersion?.VersionNumber;
  if (version === undefined) throw new Error(`CreateLaunchTemplateVersion on ${id} returned no version number`);
  await ctx.clients.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: String(version) }));
  return version;
}

export const launchTemplateKind: TaskKind<LaunchTemplateDesired, LaunchTemplateActual, AwsTaskContext> = {
  kind: 'LaunchTemplate',
  fields: FIELDS,

  async find(ctx, tasks) {
    const found = new Map<string, LaunchTemplateActual>();
    if (tasks.length === 0) return found;
    const wanted = new Set(tasks.map((t) => t.name));
    const templates = await ctx.once(`LaunchTemplate:templates:${ctx.clusterName}`, () => listTemplates(ctx));
    const mine = templates.filter((t) => t.LaunchTemplateName !== undefined && wanted.has(t.LaunchTemplateName));
    if (mine.length === 0) return found;
    const versions = await ctx.once('LaunchTemplate:defaultVersions', () => listDefaultVersions(ctx));
    for (const t of mine) {
      const v = versions.get(t.LaunchTemplateId ?? '');
      // Deleted between the two calls: absent.
      if (v) found.set(t.LaunchTemplateName ?? '', toActual(t, v));
    }
    return found;
  },

  async findOrphans(ctx, tasks) {
    const described = new Set(tasks.map((t) => t.name));
    const owned = ownershipTagKey(ctx.clusterName);
    const templates = await ctx.once(`LaunchTemplate:templates:${ctx.clusterName}`, () => listTemplates(ctx));
    const mine = templates.filter((t) => {
      const tags = fromAwsTags(t.Tags);
      return t.LaunchTemplateName !== undefined && !described.has(t.LaunchTemplateName) && tags[TAG_CLUSTER] === ctx.clusterName && tags[owned] === 'owned';
    });
    if (mine.length === 0) return [];
    const versions = await ctx.once('LaunchTemplate:defaultVersions', () => listDefaultVersions(ctx));
    return mine.map((t) => ({ name: t.LaunchTemplateName ?? '', actual: toActual(t, versions.get(t.LaunchTemplateId ?? '') ?? {}) }));
  },

  view: desiredView,
  actualView: actualDataView,

  async apply(ctx, req) {
    const data = requestData(req.name, req.desired, req.refs);
    const decoded = decodeData(data);
    const a = req.actual;
    if (!a) {
      const out = await ctx.clients.ec2.send(
        new CreateLaunchTemplateCommand({ LaunchTemplateName: req.name, LaunchTemplateData: data, TagSpecifications: tagSpec('launch-template', req.desired.tags) }),
      );
      const lt = out.LaunchTemplate ?? {};
      const version = lt.DefaultVersionNumber ?? 1;
      return { id: lt.LaunchTemplateId ?? '', name: req.name, version, latestVersion: lt.LatestVersionNumber ?? version, tags: { ...req.desired.tags }, data: decoded };
    }
    let { version, latestVersion } = a;
    let result = a.data;
    if (req.fields.some((f) => !TEMPLATE_FIELDS.has(f.field))) {
      version = await newDefaultVersion(ctx, a.id, data);
      latestVersion = Math.max(latestVersion, version);
      result = decoded;
    }
    const tags = tagsToSet(a.tags, req.desired.tags);
    if (Object.keys(tags).length > 0) {
      await ctx.clients.ec2.send(new CreateTagsCommand({ Resources: [a.id], Tags: toAwsTags(tags) }));
    }
    return { ...a, version, latestVersion, tags: { ...a.tags, ...tags }, data: result };
  },

  outputs: (a) => ({ id: a.id, name: a.name, version: String(a.version) }),

  async delete(ctx, actual) {
    try {
      await ctx.clients.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: actual.id }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};
