/**
 * The control planes' addons script (addons.sh in their igconfig, run by bootstrap.sh after kubeadm
 * init or join; bootstrap-script.test.ts has that part), run with the real bash,
 * python3 (its YAML reading) and sha256sum on the files `writeBootstrapConfig` really writes, in a
 * temporary root with stubs for the network and the cluster (test/helpers/addons-sandbox.ts). The
 * stub curl serves stand-ins, not the upstream artefacts: with the pinned digests as written they
 * are refused (a changed artefact), and a test that needs one applied makes the description name
 * the stand-in's digest. On GCE the script reads with gcsget.py, and the cloud
 * controller is a stored manifest. helm's own download and check: addons-helm.test.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { NewClusterOptions } from '../../src/cloudup/new-cluster.js';
import { nodeWriteFiles, type NodeBootstrapInput } from '../../src/bootstrap/user-data.js';
import { PINNED_CCM_CHART, PINNED_CNI } from '../../src/bootstrap/addons.js';
import { addonsScript } from '../../src/bootstrap/addons-script.js';
import { awsCloudBootstrap } from '../../src/bootstrap/user-data.js';
import {
  acceptStandIn, AWS_INPUT as input, type Sandbox, CLUSTER, description, descriptionPath, gceScript, removeSandboxes, run, sandbox, script, setSha, sha256, stage, standInBytes,
} from '../helpers/addons-sandbox.js';

afterAll(removeSandboxes);

const CILIUM_URL = 'https://helm.cilium.io/cilium-1.17.4.tgz';
const CCM_URL = 'https://github.com/kubernetes/cloud-provider-aws/releases/download/helm-chart-aws-cloud-controller-manager-0.0.11/aws-cloud-controller-manager-0.0.11.tgz';

describe('addons.sh on a control plane', () => {
  it('applies the CNI (cilium chart) then the AWS cloud controller, once, with the admin kubeconfig; a second run changes nothing', async () => {
    const sb = sandbox();
    const vars = await stage(sb);
    expect(vars).toMatchObject({ CNI: 'cilium', ADDONS_ALLOW_UNPINNED: '0' });
    expect(vars.CCM_ADDON).toBe('addons/aws-cloud-controller-manager/0.0.11-v1.36.1/addon.yaml');
    // The descriptions carry the pinned digests; the stand-ins the stub curl serves pass for them.
    expect(acceptStandIn(sb, vars.CNI_ADDON!)).toBe(PINNED_CNI.cilium.sha256);
    expect(acceptStandIn(sb, vars.CCM_ADDON!)).toBe(PINNED_CCM_CHART.sha256);
    const file = script(sb);
    const r = await run(sb, file);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const kubeconfig = `${sb.root}/etc/kubernetes/admin.conf`;
    const work = `${sb.root}/var/lib/kops-ts/addons`;
    // Server-side, forcing conflicts as kops's channels do: a field kops (on an adopted cluster) or
    // a hand edit set otherwise must not stop a control plane's bootstrap.
    expect(r.log).toEqual([
      `fetch kops/${CLUSTER}/${vars.CNI_ADDON}`,
      `curl ${CILIUM_URL}`,
      'helm template cilium kube-system 1.36.3',
      `kubectl KUBECONFIG=${kubeconfig} apply --server-side --force-conflicts --field-manager=kops-ts -f ${work}/cilium-1.17.4/rendered.yaml :: # rendered cilium from ${work}/cilium-1.17.4/artefact with ${readFileSync(`${work}/cilium-1.17.4/values.json`, 'utf8')}`,
      `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`,
      `curl ${CCM_URL}`,
      'helm template aws-cloud-controller-manager kube-system 1.36.3',
      expect.stringContaining(`kubectl KUBECONFIG=${kubeconfig} apply --server-side --force-conflicts --field-manager=kops-ts -f ${work}/aws-cloud-controller-manager-0.0.11-v1.36.1/rendered.yaml :: # rendered aws-cloud-controller-manager`),
    ]);
    // helm got the values the reference carries (the cluster's name for the controller).
    const ccmValues = JSON.parse(readFileSync(`${work}/aws-cloud-controller-manager-0.0.11-v1.36.1/values.json`, 'utf8')) as { args: string[]; image: { tag: string } };
    expect(ccmValues.args).toContain(`--cluster-name=${CLUSTER}`);
    expect(ccmValues.image.tag).toBe('v1.36.1');
    expect(r.stdout).not.toContain('no pinned sha256');
    expect(r.stdout).toContain('kops-ts: applied addon cilium 1.17.4\n');

    writeFileSync(sb.log, '');
    const again = await run(sb, file);
    expect(again.code).toBe(0);
    // It reads the descriptions again (a new version would be applied), but downloads and applies nothing.
    expect(again.log).toEqual([`fetch kops/${CLUSTER}/${vars.CNI_ADDON}`, `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`]);
    expect(again.stdout).toBe('kops-ts: addon cilium 1.17.4 already applied\nkops-ts: addon aws-cloud-controller-manager 0.0.11-v1.36.1 already applied\n');
  });

  it('calico is a manifest, applied as downloaded; cni: {} applies only the cloud controller', async () => {
    const sb = sandbox();
    const vars = await stage(sb, { networking: 'calico' });
    acceptStandIn(sb, vars.CNI_ADDON!);
    acceptStandIn(sb, vars.CCM_ADDON!);
    const r = await run(sb, script(sb));
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const url = 'https://raw.githubusercontent.com/projectcalico/calico/v3.29.3/manifests/calico.yaml';
    expect(r.log.slice(0, 3)).toEqual([
      `fetch kops/${CLUSTER}/${vars.CNI_ADDON}`,
      `curl ${url}`,
      `kubectl KUBECONFIG=${sb.root}/etc/kubernetes/admin.conf apply --server-side --force-conflicts --field-manager=kops-ts -f ${sb.root}/var/lib/kops-ts/addons/calico-3.29.3/artefact :: artefact of ${url}`,
    ]);

    const byo = sandbox();
    const byoVars = await stage(byo, { networking: 'cni' });
    expect(byoVars).toMatchObject({ CNI: 'none', ADDONS_ALLOW_UNPINNED: '0' });
    expect(byoVars.CNI_ADDON).toBeUndefined();
    acceptStandIn(byo, byoVars.CCM_ADDON!);
    const b = await run(byo, script(byo));
    expect(b.code).toBe(0);
    expect(b.log.filter((l) => l.startsWith('kubectl')).map((l) => l.split(' :: ')[0]!.split('/').pop())).toEqual(['rendered.yaml']);
    expect(b.log[0]).toBe(`fetch kops/${CLUSTER}/${byoVars.CCM_ADDON}`);
  });

  it('a downloaded artefact that is not the pinned one (cilium, calico, the controller\'s chart) is refused against the digest as written, and nothing is applied', async () => {
    for (const [networking, which, name, url, pinned] of [
      ['cilium', 'CNI_ADDON', 'cilium 1.17.4', CILIUM_URL, PINNED_CNI.cilium.sha256],
      ['calico', 'CNI_ADDON', 'calico 3.29.3', PINNED_CNI.calico.url, PINNED_CNI.calico.sha256],
      ['cni', 'CCM_ADDON', 'aws-cloud-controller-manager 0.0.11-v1.36.1', CCM_URL, PINNED_CCM_CHART.sha256],
    ] as const) {
      const sb = sandbox();
      const vars = await stage(sb, { networking });
      // As update wrote it: the description names the real artefact's digest.
      expect(description(sb, vars[which]!).source.sha256).toBe(pinned);
      const r = await run(sb, script(sb));
      expect(r.code, name).toBe(1);
      expect(r.stderr).toBe(`kops-ts: addon ${name} (${url}): the download's sha256 is ${sha256(standInBytes(url))}, not the pinned ${pinned!}; refusing to apply it\n`);
      expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('helm'))).toEqual([]);
      expect(existsSync(`${sb.root}/var/lib/kops-ts/addons/${name.replace(' ', '-')}.applied`)).toBe(false);
    }
  });

  it('an unpinned reference (test-only: no sha256 in the description) is refused unless addons.sh sets ADDONS_ALLOW_UNPINNED=1, which update writes only for one', async () => {
    for (const env of [(t: string) => t, (t: string) => t.replace(/^ADDONS_ALLOW_UNPINNED=.*\n/m, '')]) {
      const sb = sandbox();
      const vars = await stage(sb, {}, env);
      setSha(sb, vars.CNI_ADDON!, undefined);
      const r = await run(sb, script(sb));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`kops-ts: addon cilium 1.17.4 (${CILIUM_URL}) has no pinned sha256; refusing to apply it (ADDONS_ALLOW_UNPINNED=1 accepts unpinned addons)\n`);
      expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('helm'))).toEqual([]);
    }
    // Allowed, it is used with a line that says so; a pinned artefact is still checked.
    const sb = sandbox();
    const vars = await stage(sb, {}, (t) => t.replace("ADDONS_ALLOW_UNPINNED='0'", "ADDONS_ALLOW_UNPINNED='1'"));
    setSha(sb, vars.CNI_ADDON!, undefined);
    const r = await run(sb, script(sb));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`kops-ts: addon cilium 1.17.4 (${CILIUM_URL}) has no pinned sha256; using it because ADDONS_ALLOW_UNPINNED=1\n`);
    expect(r.stdout).toContain('kops-ts: applied addon cilium 1.17.4\n');
    expect(r.stderr).toBe(`kops-ts: addon aws-cloud-controller-manager 0.0.11-v1.36.1 (${CCM_URL}): the download's sha256 is ${sha256(standInBytes(CCM_URL))}, not the pinned ${PINNED_CCM_CHART.sha256!}; refusing to apply it\n`);
  });

  it('is in every control-plane group\'s igconfig, naming the addons update wrote, and in no user data; no worker group has it', async () => {
    const sb = sandbox();
    const vars = await stage(sb);
    const stored = readFileSync(descriptionPath(sb, `igconfig/control-plane/${input.instanceGroup}/addons.sh`), 'utf8');
    const named = { CNI_ADDON: vars.CNI_ADDON!, CCM_ADDON: vars.CCM_ADDON!, ADDONS_ALLOW_UNPINNED: '0' } as const;
    // Its header names the sha256 of each description as planned: the CNI's with the load balancer's
    // name (which cilium's k8sServiceHost is, without kube-proxy) left out, the controller's as stored.
    const cni = readFileSync(descriptionPath(sb, vars.CNI_ADDON!), 'utf8');
    expect(cni).toContain('k8sServiceHost: api-lb.elb.us-east-1.amazonaws.com\n');
    const digests = {
      [vars.CNI_ADDON!]: sha256(cni.replace('api-lb.elb.us-east-1.amazonaws.com', '<the API load balancer>')),
      [vars.CCM_ADDON!]: sha256(readFileSync(descriptionPath(sb, vars.CCM_ADDON!))),
    };
    expect(stored).toBe(addonsScript(awsCloudBootstrap('us-east-1'), named, digests));
    expect(stored).toContain(`CNI_ADDON='${vars.CNI_ADDON!}'\nCCM_ADDON='${vars.CCM_ADDON!}'\n`);
    // No store location in it: its sha256, in the launch template, moves only with the addons.
    expect(stored).not.toContain('state-bucket');
    expect(existsSync(descriptionPath(sb, 'igconfig/node/nodes-us-east-1a/addons.sh'))).toBe(false);
    expect(existsSync(descriptionPath(sb, 'igconfig/node/nodes-us-east-1a/kubeadm-join.yaml'))).toBe(true);
    const has = (i: NodeBootstrapInput) => nodeWriteFiles(i).some((w) => w.path.endsWith('addons.sh'));
    expect([has(input), has({ ...input, initCandidate: false }), has({ ...input, role: 'node', initCandidate: false })]).toEqual([false, false, false]);
  });
});

describe('addons.sh on a control plane of a GCE cluster', () => {
  const stageGce = (sb: Sandbox, o: Partial<NewClusterOptions> = {}, env?: (text: string) => string) => stage(sb, { ...o, gce: true }, env);
  const manifestOf = (sb: Sandbox, vars: Record<string, string>) => description(sb, vars.CCM_ADDON!) as { version: string; source: { object: string; sha256: string } };

  it('applies the CNI then the GCE cloud controller, its manifest read from the store, not downloaded; once', async () => {
    const sb = sandbox();
    const vars = await stageGce(sb);
    expect(vars).toMatchObject({ CNI: 'cilium', ADDONS_ALLOW_UNPINNED: '0' });
    acceptStandIn(sb, vars.CNI_ADDON!);
    expect(vars.CCM_ADDON).toMatch(/^addons\/gcp-cloud-controller-manager\/v35\.0\.2-[0-9a-f]{12}\/addon\.yaml$/);
    const desc = manifestOf(sb, vars);
    const file = gceScript(sb);
    const r = await run(sb, file);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const kubeconfig = `${sb.root}/etc/kubernetes/admin.conf`;
    const work = `${sb.root}/var/lib/kops-ts/addons`;
    const manifest = readFileSync(descriptionPath(sb, desc.source.object), 'utf8');
    expect(r.log).toEqual([
      `fetch kops/${CLUSTER}/${vars.CNI_ADDON}`,
      'curl https://helm.cilium.io/cilium-1.17.4.tgz',
      'helm template cilium kube-system 1.36.3',
      expect.stringContaining(`kubectl KUBECONFIG=${kubeconfig} apply --server-side --force-conflicts --field-manager=kops-ts -f ${work}/cilium-1.17.4/rendered.yaml :: `),
      `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`,
      `fetch kops/${CLUSTER}/${desc.source.object}`,
      `kubectl KUBECONFIG=${kubeconfig} apply --server-side --force-conflicts --field-manager=kops-ts -f ${work}/gcp-cloud-controller-manager-${desc.version}/artefact :: ${manifest.split('\n')[0]}`,
    ]);
    // What was applied is the stored manifest, byte for byte.
    expect(readFileSync(`${work}/gcp-cloud-controller-manager-${desc.version}/artefact`, 'utf8')).toBe(manifest);
    expect(manifest).toContain('kind: DaemonSet');
    expect(r.stdout).toContain(`kops-ts: applied addon gcp-cloud-controller-manager ${desc.version}\n`);

    writeFileSync(sb.log, '');
    const again = await run(sb, file);
    expect(again.code).toBe(0);
    expect(again.log).toEqual([`fetch kops/${CLUSTER}/${vars.CNI_ADDON}`, `fetch kops/${CLUSTER}/${vars.CCM_ADDON}`]);
    expect(again.stdout).toBe(`kops-ts: addon cilium 1.17.4 already applied\nkops-ts: addon gcp-cloud-controller-manager ${desc.version} already applied\n`);
  });

  it('a manifest object whose sha256 is not the description\'s is refused, even with ADDONS_ALLOW_UNPINNED=1, and nothing is applied', async () => {
    const sb = sandbox();
    const vars = await stageGce(sb, { networking: 'cni' }, (t) => t.replace("ADDONS_ALLOW_UNPINNED='0'", "ADDONS_ALLOW_UNPINNED='1'"));
    expect(vars.CNI_ADDON).toBeUndefined();
    expect(vars.ADDONS_ALLOW_UNPINNED).toBe('0');
    const desc = manifestOf(sb, vars);
    const tampered = `${readFileSync(descriptionPath(sb, desc.source.object), 'utf8')}---\nkind: ClusterRoleBinding\n`;
    writeFileSync(descriptionPath(sb, desc.source.object), tampered);
    const r = await run(sb, gceScript(sb));
    const actual = sha256(tampered);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kops-ts: addon gcp-cloud-controller-manager ${desc.version} (${desc.source.object}): the download's sha256 is ${actual}, not the pinned ${desc.source.sha256}; refusing to apply it\n`);
    expect(r.log.filter((l) => l.startsWith('kubectl') || l.startsWith('curl') || l.startsWith('helm'))).toEqual([]);
    expect(existsSync(`${sb.root}/var/lib/kops-ts/addons/gcp-cloud-controller-manager-${desc.version}.applied`)).toBe(false);

    // A description without the digest, or naming an object outside addons/, is refused before any read.
    for (const [edit, message] of [
      [(d: { source: Record<string, unknown> }) => { delete d.source.sha256; }, `kops-ts: addon gcp-cloud-controller-manager ${desc.version}: a stored manifest without its sha256 is refused\n`],
      [(d: { source: Record<string, unknown> }) => { d.source.object = 'addons/x/../../pki/private/keyset.yaml'; }, `kops-ts: addon gcp-cloud-controller-manager ${desc.version} names an invalid manifest object\n`],
    ] as const) {
      const bad = sandbox();
      const badVars = await stageGce(bad, { networking: 'cni' }, (t) => t.replace("ADDONS_ALLOW_UNPINNED='0'", "ADDONS_ALLOW_UNPINNED='1'"));
      const doc = description(bad, badVars.CCM_ADDON!);
      edit(doc);
      writeFileSync(descriptionPath(bad, badVars.CCM_ADDON!), stringify(doc));
      const b = await run(bad, gceScript(bad));
      expect(b.code).toBe(1);
      expect(b.stderr).toBe(message);
      expect(b.log).toEqual([`fetch kops/${CLUSTER}/${badVars.CCM_ADDON}`]);
    }
  });
});
