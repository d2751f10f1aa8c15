/**
 * Test images registered through the EC2 API (RegisterImage) in the caller's own account, so a
 * test that needs an image works on every emulator: moto also preloads the images of
 * `amis.json` (MOTO_AMIS_PATH), LocalStack has no such file. The names are the fixture's (kops's
 * stable-channel Ubuntu images among them); the owner is the test's account, so a spec names
 * them `<account>/<name>`.
 *
 * moto keeps less of a registered image than AWS (docs/aws-errors.md, "Images"): no architecture,
 * root device type `standard`; nothing here depends on either.
 */
import { readFileSync } from 'node:fs';
import { DescribeImagesCommand, RegisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { MOTO_AMIS_PATH } from './moto.js';

export interface FixtureImage {
  readonly name: string;
  readonly architecture: 'x86_64' | 'arm64';
  readonly rootDeviceName: string;
  readonly description: string;
}

/** The images of the fixture file, as data (its moto-only fields, ids and owners, left out). */
export function fixtureImages(): FixtureImage[] {
  const raw = JSON.parse(readFileSync(MOTO_AMIS_PATH, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${MOTO_AMIS_PATH}: expected a JSON array of images`);
  return raw.map((r: unknown, i) => {
    const o = r as Record<string, unknown>;
    const { name, architecture, root_device_name: root, description } = o;
    if (typeof name !== 'string' || (architecture !== 'x86_64' && architecture !== 'arm64') || typeof root !== 'string') {
      throw new Error(`${MOTO_AMIS_PATH}[${i}]: expected name, architecture (x86_64 or arm64) and root_device_name`);
    }
    return { name, architecture, rootDeviceName: root, description: typeof description === 'string' ? description : '' };
  });
}

export interface RegisteredImage extends FixtureImage {
  readonly imageId: string;
  readonly ownerId: string;
  /** How an instance group's `spec.image` names it: `<owner>/<name>`. */
  readonly spec: string;
}

/** Registers `images` (default: every fixture image) in the account `ec2` acts in. */
export async function registerTestImages(ec2: EC2Client, images: readonly FixtureImage[] = fixtureImages()): Promise<RegisteredImage[]> {
  const ids: string[] = [];
  for (const img of images) {
    const out = await ec2.send(
      new RegisterImageCommand({
        Name: img.name,
        Description: img.description,
        Architecture: img.architecture,
        RootDeviceName: img.rootDeviceName,
        VirtualizationType: 'hvm',
        EnaSupport: true,
        BlockDeviceMappings: [{ DeviceName: img.rootDeviceName, Ebs: { VolumeSize: 8, VolumeType: 'gp3', DeleteOnTermination: true } }],
      }),
    );
    if (!out.ImageId) throw new Error(`RegisterImage of ${img.name} returned no ImageId`);
    ids.push(out.ImageId);
  }
  const described = await ec2.send(new DescribeImagesCommand({ ImageIds: ids }));
  return images.map((img, i) => {
    const d = described.Images?.find((x) => x.ImageId === ids[i]);
    if (!d?.OwnerId) throw new Error(`DescribeImages does not show the image just registered as ${ids[i]} (${img.name})`);
    return { ...img, imageId: ids[i]!, ownerId: d.OwnerId, spec: `${d.OwnerId}/${img.name}` };
  });
}
