/**
 * The data of a launch template version, both ways: `requestData` builds the full data of a new
 * version from the desired state (refs resolved), `decodeData` reads a version back (user-data
 * decoded from base64 and, when gzipped, decompressed) into the shape the views compare.
 * AWS's request and response data have the same field names, so one decoder reads both: `apply`
 * decodes what it just sent to return the state after without another call.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RequestLaunchTemplateData } from '@aws-sdk/client-ec2';
import { error, ExitCode, KopsError } from '../../diagnostics.js';
import { fromAwsTags, toAwsTags } from './context.js';
import type { RefResolver } from '../types.js';
import type { LaunchTemplateDesired } from './launch-template.js';

/** One EBS block-device mapping of a version. */
export interface BlockDevice {
  readonly deviceName: string;
  readonly size?: number;
  readonly type?: string;
  readonly iops?: number;
  readonly throughput?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly deleteOnTermination?: boolean;
}

/** The data of one version, decoded (user-data as text); absent values are `undefined`. */
export interface LaunchTemplateData {
  readonly imageId?: string;
  readonly instanceType?: string;
  readonly iamInstanceProfile?: string;
  readonly securityGroupIds: readonly string[];
  readonly keyName?: string;
  readonly userData?: string;
  readonly userDataCompressed: boolean;
  readonly blockDevices: readonly BlockDevice[];
  readonly httpTokens?: string;
  readonly httpPutResponseHopLimit?: number;
  readonly httpEndpoint?: string;
  readonly associatePublicIp?: boolean;
  readonly instanceTags: Readonly<Record<string, string>>;
  readonly volumeTags: Readonly<Record<string, string>>;
  /** Spot market options: the maximum price ("" for Spot at up to the On-Demand price); undefined: On-Demand. */
  readonly spotMaxPrice?: string;
  /** Detailed (1-minute) CloudWatch monitoring. */
  readonly monitoring?: boolean;
  /** `standard` or `unlimited` (burstable types). */
  readonly cpuCredits?: string;
  /** `default`, `dedicated` or `host`. */
  readonly tenancy?: string;
  readonly ebsOptimized?: boolean;
  /** The Spot options' interruption behaviour (`terminate`, `stop`, `hibernate`). */
  readonly spotInterruptionBehavior?: string;
}

/** AWS limits user data to 16 KB before base64. */
export const USER_DATA_LIMIT = 16 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];

type Opt<T> = T | undefined;
/** What is read from a version: the common shape of AWS's request and response data. */
interface AwsLtData {
  ImageId?: Opt<string>;
  InstanceType?: Opt<string>;
  IamInstanceProfile?: Opt<{ Arn?: Opt<string>; Name?: Opt<string> }>;
  KeyName?: Opt<string>;
  UserData?: Opt<string>;
  SecurityGroupIds?: Opt<string[]>;
  NetworkInterfaces?: Opt<{ AssociatePublicIpAddress?: Opt<boolean>; Groups?: Opt<string[]> }[]>;
  BlockDeviceMappings?: Opt<{ DeviceName?: Opt<string>; Ebs?: Opt<AwsEbs> }[]>;
  MetadataOptions?: Opt<{ HttpTokens?: Opt<string>; HttpPutResponseHopLimit?: Opt<number>; HttpEndpoint?: Opt<string> }>;
  TagSpecifications?: Opt<{ ResourceType?: Opt<string>; Tags?: Opt<{ Key?: Opt<string>; Value?: Opt<string> }[]> }[]>;
  InstanceMarketOptions?: Opt<{ MarketType?: Opt<string>; SpotOptions?: Opt<{ MaxPrice?: Opt<string>; InstanceInterruptionBehavior?: Opt<string> }> }>;
  EbsOptimized?: Opt<boolean>;
  Monitoring?: Opt<{ Enabled?: Opt<boolean> }>;
  CreditSpecification?: Opt<{ CpuCredits?: Opt<string> }>;
  Placement?: Opt<{ Tenancy?: Opt<string> }>;
}
interface AwsEbs {
  VolumeSize?: Opt<number>;
  VolumeType?: Opt<string>;
  Iops?: Opt<number>;
  Throughput?: Opt<number>;
  Encrypted?: Opt<boolean>;
  KmsKeyId?: Opt<string>;
  DeleteOnTermination?: Opt<boolean>;
}

/** Base64 user data → text, gunzipping it when it is gzip (kops's `compressUserData`). */
export function decodeUserData(b64: string): { text: string; compressed: boolean } {
  const bytes = Buffer.from(b64, 'base64');
  const compressed = bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  return { text: (compressed ? gunzipSync(bytes) : bytes).toString('utf8'), compressed };
}

/** Decodes the data of a version (also used on the request just sent). */
export function decodeData(d: AwsLtData): LaunchTemplateData {
  const ud = d.UserData ? decodeUserData(d.UserData) : undefined;
  const tagsOf = (type: string) => fromAwsTags(d.TagSpecifications?.find((s) => s.ResourceType === type)?.Tags);
  const nis = d.NetworkInterfaces ?? [];
  const md = d.MetadataOptions;
  return {
    imageId: d.ImageId,
    instanceType: d.InstanceType,
    iamInstanceProfile: d.IamInstanceProfile?.Arn ?? d.IamInstanceProfile?.Name,
    // kops once put groups in SecurityGroupIds; both places count.
    securityGroupIds: [...nis.flatMap((n) => n.Groups ?? []), ...(d.SecurityGroupIds ?? [])].sort(),
    keyName: d.KeyName,
    userData: ud?.text,
    userDataCompressed: ud?.compressed ?? false,
    blockDevices: (d.BlockDeviceMappings ?? []).flatMap(({ DeviceName: deviceName, Ebs: e }) =>
      e && deviceName
        ? [{ deviceName, size: e.VolumeSize, type: e.VolumeType, iops: e.Iops, throughput: e.Throughput, encrypted: e.Encrypted, kmsKeyId: e.KmsKeyId, deleteOnTermination: e.DeleteOnTermination }]
        : [],
    ),
    httpTokens: md?.HttpTokens,
    httpPutResponseHopLimit: md?.HttpPutResponseHopLimit,
    httpEndpoint: md?.HttpEndpoint,
    associatePublicIp: nis.length > 0 ? nis.some((n) => n.AssociatePublicIpAddress === true) : undefined,
    instanceTags: tagsOf('instance'),
    volumeTags: tagsOf('volume'),
    spotMaxPrice: d.InstanceMarketOptions?.MarketType === 'spot' ? (d.InstanceMarketOptions.SpotOptions?.MaxPrice ?? '') : undefined,
    monitoring: d.Monitoring?.Enabled ?? undefined,
    cpuCredits: d.CreditSpecification?.CpuCredits ?? undefined,
    tenancy: d.Placement?.Tenancy ?? undefined,
    ebsOptimized: d.EbsOptimized ?? undefined,
    spotInterruptionBehavior: d.InstanceMarketOptions?.MarketType === 'spot' ? (d.InstanceMarketOptions.SpotOptions?.InstanceInterruptionBehavior ?? undefined) : undefined,
  };
}

/** The raw user-data bytes sent to AWS (gzipped when asked). */
export function encodeUserData(text: string, compress: boolean): Buffer {
  const raw = Buffer.from(text, 'utf8');
  return compress ? gzipSync(raw) : raw;
}

/**
 * User data over AWS's limit. kops-ts always gzips, its own cloud-config is a few KB and the
 * group's fileAssets, hooks and sysctlParameters travel in the state store: what grows it is the
 * group's additionalUserData. Thrown when the model builds it (before any change) and, as a last
 * net, when a version is requested.
 */
export function userDataTooLarge(what: string, size: number, compressed: boolean, spec?: { readonly path: string }): KopsError {
  const summary = `user-data of ${what} is ${size} bytes${compressed ? ' gzipped' : ''}, over AWS's ${USER_DATA_LIMIT}-byte limit`;
  const hint = `${compressed ? 'it is gzipped already; ' : ''}what makes it large is the instance group's spec.additionalUserData (its parts are added after kops-ts's bootstrap): shrink them, or move files into spec.fileAssets, which instances read from the state store`;
  // Found by the model: the spec is at fault (exit 2, the field named), not the cloud.
  if (spec) return new KopsError('UserDataTooLarge', summary, { hint, exitCode: ExitCode.USAGE_OR_CHANGES, diagnostics: [error('UserDataTooLarge', summary, { path: spec.path, hint })] });
  return new KopsError('UserDataTooLarge', summary, { hint });
}

/** The full data of a version, every ref resolved (apply time). */
export function requestData(name: string, d: LaunchTemplateDesired, refs: RefResolver): RequestLaunchTemplateData {
  const instanceTags = toAwsTags(d.instanceTags ?? d.tags);
  const md = { ...METADATA_DEFAULTS, ...d.metadataOptions };
  const data: RequestLaunchTemplateData = {
    ImageId: refs.known(d.imageId),
    InstanceType: d.instanceType as RequestLaunchTemplateData['InstanceType'],
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        DeleteOnTermination: true,
        AssociatePublicIpAddress: d.associatePublicIp ?? false,
        Groups: d.securityGroupIds.map((g) => refs.known(g)),
      },
    ],
    MetadataOptions: { HttpTokens: md.httpTokens, HttpPutResponseHopLimit: md.httpPutResponseHopLimit, HttpEndpoint: md.httpEndpoint },
    TagSpecifications: [
      { ResourceType: 'instance', Tags: instanceTags },
      { ResourceType: 'volume', Tags: instanceTags },
    ],
  };
  // kops: a Spot price on the template only when the group has no mixed-instances policy (AWS
  // refuses a template requesting Spot in a mixed group: the price is the policy's SpotMaxPrice).
  if (d.spotMaxPrice !== undefined) {
    const behavior = d.spotInterruptionBehavior !== undefined ? { InstanceInterruptionBehavior: d.spotInterruptionBehavior } : {};
    data.InstanceMarketOptions = { MarketType: 'spot', SpotOptions: { MaxPrice: d.spotMaxPrice, ...behavior } };
  }
  // kops: EbsOptimized only when the spec says (true or false); unset, the instance type's default.
  if (d.ebsOptimized !== undefined) data.EbsOptimized = d.ebsOptimized;
  // kops: monitoring always (off unless asked), credits and tenancy only when the spec gives them.
  data.Monitoring = { Enabled: d.detailedMonitoring ?? false };
  if (d.cpuCredits !== undefined) data.CreditSpecification = { CpuCredits: d.cpuCredits };
  if (d.tenancy !== undefined) data.Placement = { Tenancy: d.tenancy as 'default' };
  if (d.iamInstanceProfile !== undefined) {
    const p = refs.known(d.iamInstanceProfile);
    data.IamInstanceProfile = p.startsWith('arn:') ? { Arn: p } : { Name: p };
  }
  if (d.keyName !== undefined) data.KeyName = refs.known(d.keyName);
  if (d.userData !== undefined) {
    const bytes = encodeUserData(d.userData, d.compressUserData ?? false);
    if (bytes.length > USER_DATA_LIMIT) throw userDataTooLarge(`LaunchTemplate/${name}`, bytes.length, d.compressUserData ?? false);
    data.UserData = bytes.toString('base64');
  }
  const mappings: BlockDeviceRequest[] = [];
  if (d.rootVolume) {
    const r = { ...ROOT_DEFAULTS, ...d.rootVolume };
    mappings.push(ebsMapping({ ...r, deviceName: refs.known(r.deviceName) }));
  }
  for (const v of d.volumes ?? []) {
    const root = mappings[0]?.DeviceName;
    if (v.deviceName === root) {
      throw new KopsError('VolumeOnRootDevice', `LaunchTemplate/${name}: the extra volume ${v.deviceName} is the image's root device`, {
        hint: 'give the volume in spec.volumes another device name, e.g. /dev/xvdd',
      });
    }
    mappings.push(ebsMapping(v));
  }
  if (mappings.length > 0) data.BlockDeviceMappings = mappings;
  return data;
}

type BlockDeviceRequest = NonNullable<RequestLaunchTemplateData['BlockDeviceMappings']>[number];

function ebsMapping(v: BlockDevice): BlockDeviceRequest {
  return {
    DeviceName: v.deviceName,
    Ebs: {
      VolumeSize: v.size,
      VolumeType: v.type as 'gp3',
      Encrypted: v.encrypted,
      DeleteOnTermination: v.deleteOnTermination,
      ...(v.iops !== undefined ? { Iops: v.iops } : {}),
      ...(v.throughput !== undefined ? { Throughput: v.throughput } : {}),
      ...(v.kmsKeyId !== undefined ? { KmsKeyId: v.kmsKeyId } : {}),
    },
  };
}

/** What kops-ts asks for when the spec says nothing. */
export const METADATA_DEFAULTS = { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' } as const;
export const ROOT_DEFAULTS = { type: 'gp3', encrypted: true, deleteOnTermination: true } as const;
