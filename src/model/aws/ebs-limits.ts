/**
 * EBS's limits per volume type, shared by the root volume's checks and the extra volumes'
 * (src/model/validation-instancegroups.ts, validation-volumes.ts).
 *
 * Why check them at all: a launch template takes any values (CreateLaunchTemplateVersion does not
 * check a mapping against EBS), so a value out of range surfaces only when the autoscaling group
 * tries to launch, as a failed scaling activity nobody reads. Checked here, it is an error at
 * `create`/`edit`/`update` naming the field.
 *
 * The numbers are AWS's (EBS User Guide, "Amazon EBS volume types", as of 2025: gp3 up to 64 TiB,
 * 80,000 IOPS and 2,000 MiB/s). Sizes in GiB, throughput in MiB/s.
 */

export interface EbsTypeLimits {
  readonly size: readonly [number, number];
  /** Provisioned IOPS range; absent: the type takes no IOPS. */
  readonly iops?: readonly [number, number];
  /** At most this many IOPS per GiB of size (the minimum of the range is always allowed). */
  readonly iopsPerGiB?: number;
  /** Throughput range; absent: the type takes no throughput. */
  readonly throughput?: readonly [number, number];
  /** At most this much throughput (MiB/s) per provisioned IOPS (the minimum is always allowed). */
  readonly throughputPerIops?: number;
}

export const EBS_LIMITS: Readonly<Record<string, EbsTypeLimits>> = {
  gp3: { size: [1, 65_536], iops: [3000, 80_000], iopsPerGiB: 500, throughput: [125, 2000], throughputPerIops: 0.25 },
  gp2: { size: [1, 16_384] },
  io1: { size: [4, 16_384], iops: [100, 64_000], iopsPerGiB: 50 },
  io2: { size: [4, 65_536], iops: [100, 256_000], iopsPerGiB: 1000 },
  st1: { size: [125, 16_384] },
  sc1: { size: [125, 16_384] },
  standard: { size: [1, 1024] },
};

/** Every EBS volume type, in the order the hints list them. */
export const EBS_VOLUME_TYPES = Object.keys(EBS_LIMITS);

export interface EbsValues {
  readonly type: string;
  readonly size?: number;
  readonly iops?: number;
  readonly throughput?: number;
}

export interface EbsProblem {
  readonly field: 'size' | 'iops' | 'throughput';
  readonly summary: string;
  readonly hint: string;
}

/**
 * What EBS would refuse in these values (an unknown type: nothing; the caller reports the type).
 * Whether the type takes IOPS or throughput at all is the caller's rule (kops drops some, sends
 * others): only the values given are checked against the ranges.
 */
export function ebsLimitProblems(v: EbsValues): EbsProblem[] {
  const l = EBS_LIMITS[v.type];
  if (!l) return [];
  const out: EbsProblem[] = [];
  const range = (r: readonly [number, number], unit: string) => `${r[0]} to ${r[1]}${unit}`;
  if (v.size != null && v.size > 0 && (v.size < l.size[0] || v.size > l.size[1])) {
    out.push({ field: 'size', summary: `${v.size} GiB is outside ${v.type}'s ${range(l.size, ' GiB')}`, hint: `give a size from ${range(l.size, ' GiB')}` });
  }
  if (l.iops && v.iops != null && v.iops > 0) {
    if (v.iops < l.iops[0] || v.iops > l.iops[1]) {
      out.push({ field: 'iops', summary: `${v.iops} IOPS is outside ${v.type}'s ${range(l.iops, '')}`, hint: `give ${range(l.iops, '')} IOPS` });
    } else if (l.iopsPerGiB && v.size != null && v.size > 0 && v.iops > Math.max(l.iops[0], l.iopsPerGiB * v.size)) {
      out.push({
        field: 'iops',
        summary: `${v.iops} IOPS is more than ${v.type} allows on ${v.size} GiB (${l.iopsPerGiB} per GiB: ${l.iopsPerGiB * v.size})`,
        hint: `lower the IOPS, or make the volume at least ${Math.ceil(v.iops / l.iopsPerGiB)} GiB`,
      });
    }
  }
  if (l.throughput && v.throughput != null && v.throughput > 0) {
    if (v.throughput < l.throughput[0] || v.throughput > l.throughput[1]) {
      out.push({ field: 'throughput', summary: `${v.throughput} MiB/s is outside ${v.type}'s ${range(l.throughput, ' MiB/s')}`, hint: `give ${range(l.throughput, ' MiB/s')}` });
    } else if (l.throughputPerIops && v.iops != null && v.iops > 0 && v.throughput > Math.max(l.throughput[0], l.throughputPerIops * v.iops)) {
      out.push({
        field: 'throughput',
        summary: `${v.throughput} MiB/s is more than ${v.type} allows with ${v.iops} IOPS (${l.throughputPerIops} MiB/s per IOPS: ${l.throughputPerIops * v.iops})`,
        hint: `lower the throughput, or provision at least ${Math.ceil(v.throughput / l.throughputPerIops)} IOPS`,
      });
    }
  }
  return out;
}
