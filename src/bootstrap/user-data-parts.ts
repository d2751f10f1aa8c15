/**
 * An instance group's `additionalUserData` (AWS): the user data becomes a MIME multipart archive,
 * as kops's (pkg/model/resources AWSMultipartMIME), which cloud-init splits into its parts and
 * handles each by its type: kops-ts's cloud-config first (it bootstraps the node), then the user's
 * parts in the spec's order. Without additionalUserData the user data stays the plain cloud-config.
 *
 * A part whose content is ASCII is sent as is (7bit, as kops); any other is sent base64
 * (cloud-init decodes it), so its bytes arrive unchanged. The boundary is kops's `MIMEBOUNDARY`
 * unless a part holds that text. On GCE, where kops-ts boots instances with a startup-script and no
 * cloud-init parts, the field is refused (src/model/validation-node-extras.ts).
 */
import type { UserDataPart } from '../model/api/types.js';

/** The part types cloud-init handles, as kops validates them (pkg/apis/kops/validation: validUserDataTypes). */
export const USER_DATA_TYPES: readonly string[] = [
  'text/x-include-once-url',
  'text/x-include-url',
  'text/cloud-config-archive',
  'text/upstart-job',
  'text/cloud-config',
  'text/part-handler',
  'text/x-shellscript',
  'text/cloud-boothook',
];

/** The file name of kops-ts's own part (kops's is nodeup.sh). */
export const KOPS_TS_PART_NAME = 'kops-ts.cfg';

/** A part name that can stand in a quoted header parameter. */
export const PART_NAME = /^[\x21\x23-\x5b\x5d-\x7e ]+$/;

function boundaryFor(contents: readonly string[]): string {
  for (let n = 0; ; n++) {
    const b = n === 0 ? 'MIMEBOUNDARY' : `MIMEBOUNDARY-${n}`;
    if (!contents.some((c) => c.includes(b))) return b;
  }
}

function part(boundary: string, name: string, type: string, content: string): string {
  const ascii = /^[\x00-\x7f]*$/.test(content);
  const body = ascii ? content.replace(/\n?$/, '\n') : `${(Buffer.from(content, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\n')}\n`;
  return [
    `--${boundary}`,
    `Content-Type: ${type}; charset="utf-8"`,
    'MIME-Version: 1.0',
    `Content-Transfer-Encoding: ${ascii ? '7bit' : 'base64'}`,
    `Content-Disposition: attachment; filename="${name}"`,
    '',
    body,
  ].join('\n');
}

/** The user data: `cloudConfig` alone without parts, else the multipart archive with it first. */
export function withAdditionalUserData(cloudConfig: string, parts: readonly UserDataPart[] | undefined): string {
  if (!parts || parts.length === 0) return cloudConfig;
  const boundary = boundaryFor([cloudConfig, ...parts.map((p) => p.content)]);
  return [
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    'MIME-Version: 1.0',
    '',
    part(boundary, KOPS_TS_PART_NAME, 'text/cloud-config', cloudConfig),
    ...parts.map((p) => part(boundary, p.name, p.type, p.content)),
    `--${boundary}--`,
    '',
  ].join('\n');
}
