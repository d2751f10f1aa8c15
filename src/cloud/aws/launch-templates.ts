/**
 * Which launch-template version an autoscaling group launches, and whether an instance runs it
 * (the rolling update's `NeedsUpdate`; instance-groups.ts, which re-exports the pure parts):
 * `$Default` / `$Latest` resolved to a number through `DescribeLaunchTemplates`, batched, a
 * template deleted by hand left out (its instances are then `NeedsUpdate`).
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand, type LaunchTemplate } from '@aws-sdk/client-ec2';
import type { CloudInstanceStatus } from '../../rolling-update/types.js';
import type { AwsClients } from './clients.js';
import { awsErrorCode } from './errors.js';

/** DescribeLaunchTemplates takes at most 200 ids or names per call. */
const LAUNCH_TEMPLATE_CHUNK = 100;

/** The template a group launches: id or name, and its version word (`$Default`, `$Latest`, `3`). */
export interface GroupTemplate {
  readonly id?: string;
  readonly name?: string;
  readonly version: string;
}

export function groupTemplate(g: AutoScalingGroup): GroupTemplate | undefined {
  const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!lt || (!lt.LaunchTemplateId && !lt.LaunchTemplateName)) return undefined;
  return {
    ...(lt.LaunchTemplateId ? { id: lt.LaunchTemplateId } : {}),
    ...(lt.LaunchTemplateName ? { name: lt.LaunchTemplateName } : {}),
    version: lt.Version ?? '$Default',
  };
}

/** A launch template as far as version resolution needs it. */
export interface TemplateVersions {
  readonly id: string;
  readonly name: string;
  readonly defaultVersion: number;
  readonly latestVersion: number;
}

/** The version number a group launches (kops resolves `$Latest`/`$Default` the same way); undefined when unknown. */
export function resolveTemplateVersion(version: string, t: TemplateVersions | undefined): string | undefined {
  if (/^\d+$/.test(version)) return version;
  if (!t) return undefined;
  if (version === '$Latest') return String(t.latestVersion);
  if (version === '$Default') return String(t.defaultVersion);
  return undefined;
}

/** What an instance was launched from, by the EC2 tags first, else the group's record of it. */
export interface InstanceTemplate {
  readonly id?: string;
  readonly name?: string;
  readonly version?: string;
}

/**
 * `NeedsUpdate` when the instance was launched from another template or another version than the
 * group launches now, or when either is unknown (kops: the config names differ). Pure.
 */
export function templateStatus(group: { id: string; version: string } | undefined, inst: InstanceTemplate): CloudInstanceStatus {
  if (!group || inst.version === undefined) return 'NeedsUpdate';
  if (inst.id !== undefined && inst.id !== group.id) return 'NeedsUpdate';
  return inst.version === group.version ? 'UpToDate' : 'NeedsUpdate';
}

/** `InvalidLaunchTemplateId.NotFound`, `InvalidLaunchTemplateName.NotFoundException`, … */
function isTemplateGone(e: unknown): boolean {
  return /^InvalidLaunchTemplate(Id|Name)\.(NotFound|Malformed)/.test(awsErrorCode(e) ?? '');
}

export async function describeTemplates(clients: AwsClients, list: readonly GroupTemplate[]): Promise<{ byId: Map<string, TemplateVersions>; byName: Map<string, TemplateVersions> }> {
  const byId = new Map<string, TemplateVersions>();
  const byName = new Map<string, TemplateVersions>();
  // Only groups that name a version word need the template; ids are still needed to compare.
  const ids = [...new Set(list.flatMap((t) => (t.id ? [t.id] : [])))].sort();
  const names = [...new Set(list.flatMap((t) => (!t.id && t.name ? [t.name] : [])))].sort();
  const add = (lts: readonly LaunchTemplate[] | undefined): void => {
    for (const lt of lts ?? []) {
      if (!lt.LaunchTemplateId) continue;
      const v: TemplateVersions = { id: lt.LaunchTemplateId, name: lt.LaunchTemplateName ?? '', defaultVersion: lt.DefaultVersionNumber ?? 0, latestVersion: lt.LatestVersionNumber ?? 0 };
      byId.set(v.id, v);
      byName.set(v.name, v);
    }
  };
  for (let i = 0; i < ids.length; i += LAUNCH_TEMPLATE_CHUNK) await describeSome(clients, ids.slice(i, i + LAUNCH_TEMPLATE_CHUNK), 'LaunchTemplateIds', add);
  for (let i = 0; i < names.length; i += LAUNCH_TEMPLATE_CHUNK) await describeSome(clients, names.slice(i, i + LAUNCH_TEMPLATE_CHUNK), 'LaunchTemplateNames', add);
  return { byId, byName };
}

/**
 * One call for the chunk; when AWS refuses it because one template is gone (deleted by hand),
 * one call each, leaving the missing ones out: their groups' instances are then `NeedsUpdate`.
 */
async function describeSome(clients: AwsClients, keys: readonly string[], by: 'LaunchTemplateIds' | 'LaunchTemplateNames', add: (lts: readonly LaunchTemplate[] | undefined) => void): Promise<void> {
  const describe = async (list: readonly string[]) => (await clients.ec2.send(new DescribeLaunchTemplatesCommand({ [by]: [...list] }))).LaunchTemplates;
  try {
    add(await describe(keys));
  } catch (e) {
    if (!isTemplateGone(e)) throw e;
    for (const k of keys) {
      try {
        add(await describe([k]));
      } catch (e1) {
        if (!isTemplateGone(e1)) throw e1;
      }
    }
  }
}
