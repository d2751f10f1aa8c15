/**
 * `Image`: an AMI that launch templates boot from. Find-only: images belong to their publisher,
 * so every Image task is `shared` (the planner reports one that is not found as an error before
 * anything is created) and `apply` refuses.
 *
 * The spec names an image as kops does: an AMI id (`ami-0abc...`), or `<owner>/<name>` where the
 * owner is an account id or an alias (`ubuntu`, `amazon`, `debian`, ...). All images of a plan
 * are resolved with ONE DescribeImages call (kops resolves each image three times per group).
 */
import { DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2';
import { KopsError } from '../../diagnostics.js';
import type { AwsTaskContext } from './context.js';
import type { TaskKind } from '../types.js';

export interface ImageDesired {
  /** As written in the spec: `ami-...` or `<owner>/<name>`. */
  readonly spec: string;
}

export interface ImageActual {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly creationDate: string;
  readonly architecture: string;
  readonly rootDeviceName: string;
}

/** kops's owner aliases (pkg/model/... resolveImage): well-known publishers' account ids. */
export const OWNER_ALIASES: Readonly<Record<string, string>> = {
  ubuntu: '099720109477',
  canonical: '099720109477',
  amazon: 'amazon',
  debian: '136693071363',
  redhat: '309956199498',
  flatcar: '075585003325',
};

export interface ParsedImage {
  readonly id?: string;
  readonly owner?: string;
  readonly name?: string;
}

export function parseImageSpec(spec: string): ParsedImage {
  if (/^ami-[0-9a-f]+$/.test(spec)) return { id: spec };
  const slash = spec.indexOf('/');
  if (slash <= 0) return { name: spec };
  const owner = spec.slice(0, slash);
  return { owner: OWNER_ALIASES[owner] ?? owner, name: spec.slice(slash + 1) };
}

function toActual(i: Image): ImageActual {
  return {
    id: i.ImageId ?? '',
    name: i.Name ?? '',
    ownerId: i.OwnerId ?? '',
    creationDate: i.CreationDate ?? '',
    architecture: i.Architecture ?? '',
    rootDeviceName: i.RootDeviceName ?? '',
  };
}

/** Pick, for one spec, the newest matching image (names may be patterns with `*`). */
function matches(spec: ParsedImage, image: ImageActual): boolean {
  if (spec.id) return image.id === spec.id;
  if (spec.owner && spec.owner !== 'amazon' && image.ownerId !== spec.owner) return false;
  const pattern = new RegExp(`^${(spec.name ?? '').replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return pattern.test(image.name);
}

export const imageKind: TaskKind<ImageDesired, ImageActual, AwsTaskContext> = {
  kind: 'Image',
  fields: { id: { mode: 'ignore' } },

  async find(ctx, tasks) {
    const parsed = tasks.map((t) => ({ task: t, spec: parseImageSpec(t.desired.spec) }));
    const ids = parsed.flatMap((p) => (p.spec.id ? [p.spec.id] : []));
    const names = parsed.flatMap((p) => (p.spec.name ? [p.spec.name] : []));
    const owners = [...new Set(parsed.flatMap((p) => (p.spec.owner ? [p.spec.owner] : [])))];
    const found = new Map<string, ImageActual>();
    if (tasks.length === 0) return found;
    const images: ImageActual[] = [];
    // One call for the named images, one for ids (a DescribeImages call cannot OR the two).
    if (names.length > 0) {
      const out = await ctx.clients.ec2.send(
        new DescribeImagesCommand({
          Filters: [{ Name: 'name', Values: [...new Set(names)] }],
          ...(owners.length > 0 && !owners.includes('amazon') ? { Owners: owners } : {}),
        }),
      );
      images.push(...(out.Images ?? []).map(toActual));
    }
    if (ids.length > 0) {
      const out = await ctx.clients.ec2.send(new DescribeImagesCommand({ ImageIds: [...new Set(ids)] }));
      images.push(...(out.Images ?? []).map(toActual));
    }
    for (const { task, spec } of parsed) {
      const newest = images.filter((i) => matches(spec, i)).sort((a, b) => b.creationDate.localeCompare(a.creationDate))[0];
      if (newest) found.set(task.name, newest);
    }
    return found;
  },

  view: () => ({}),
  actualView: () => ({}),

  async apply(_ctx, req) {
    throw new KopsError('ImageNotFound', `image "${req.desired.spec}" was not found in this region`, {
      hint: 'check the instance group\'s spec.image (an AMI id, or <owner>/<name> as in kops), and that it exists in the cluster\'s region',
    });
  },

  outputs: (a) => ({ id: a.id, name: a.name, rootDeviceName: a.rootDeviceName }),
};
