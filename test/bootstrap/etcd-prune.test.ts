/**
 * `etcd-prune.py` against a real three-member etcd cluster (five in one case; the etcd 3.4
 * binary): TLS everywhere with client and peer certificate authentication, every certificate issued
 * by one etcd CA made with the project's own PKI code (src/pki), each member on its own loopback
 * address (Linux routes all of 127/8 to lo) with one client port and one peer port shared by the
 * addresses (test/helpers/etcd-cluster.ts). The joining control plane is 127.0.0.5 unless a case
 * says otherwise; the cloud's lister is `printf` of the addresses a case says exist (or a failing
 * command).
 *
 * What must hold: a member is removed only when no existing control plane other than this instance
 * has its peer address and it does not answer its health, and only while the healthy members that
 * stay are a majority; whatever happens the script exits 0; its temporary client key is removed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ETCD_PRUNE_PY } from '../../src/bootstrap/etcd-prune.js';
import { etcdTestbed, type EtcdTestbed } from '../helpers/etcd-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'kops-ts-etcd-prune-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, 'etcd-prune.py');
writeFileSync(script, ETCD_PRUNE_PY);
/** The script's TMPDIR: empty again after every run (the client key is removed). */
const scratch = join(dir, 'scratch');
mkdirSync(scratch);

const MEMBERS = [
  { name: 'a', ip: '127.0.0.2' },
  { name: 'b', ip: '127.0.0.3' },
  { name: 'c', ip: '127.0.0.4' },
  // Only in the five-member case.
  { name: 'd', ip: '127.0.0.6' },
  { name: 'e', ip: '127.0.0.7' },
] as const;
type Name = (typeof MEMBERS)[number]['name'];
const SELF = '127.0.0.5';

let tb: EtcdTestbed;
beforeAll(async () => {
  tb = await etcdTestbed(dir, MEMBERS, [SELF]);
});

const peerUrl = (ip: string) => tb.peerUrl(ip);
const untilHealthy = (ips: readonly string[]) => tb.untilHealthy(ips);
const memberNames = (ip: string) => tb.memberNames(ip);
const startCluster = (size: 3 | 5 = 3) => tb.start(MEMBERS.slice(0, size));
const kill = (name: Name) => tb.kill(name);

afterEach(() => tb.killAll());

const ip = (name: Name) => MEMBERS.find((m) => m.name === name)!.ip;

/** Runs the script with `lister` as its arguments; `self` is this instance's address, `pkiDir` where the etcd CA is. */
function prune(lister: string[], self = SELF, pkiDir = tb.pki): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', TMPDIR: scratch, KOPS_TS_SELF_ADDRESS: self, KOPS_TS_ETCD_PKI: pkiDir, KOPS_TS_ETCD_CLIENT_PORT: String(tb.clientPort) };
  return new Promise((resolve) => {
    execFile('python3', [script, ...lister], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
const listing = (...ips: string[]) => ['printf', '%s\\n', ...ips];

const removedLine = (name: Name) => `kops-ts: removed etcd member ${name} (${peerUrl(ip(name))}): no control plane at ${ip(name)}`;

describe('etcd-prune.py against a real etcd cluster', () => {
  it('removes a member killed without leaving whose control plane no longer exists, and keeps the others', async () => {
    await startCluster();
    await kill('c');
    await untilHealthy([ip('a'), ip('b')]);
    const r = await prune(listing(ip('a'), ip('b'), SELF));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l !== '').sort()).toEqual([
      `kops-ts: kept etcd member a (${peerUrl(ip('a'))}): control plane at ${ip('a')} exists`,
      `kops-ts: kept etcd member b (${peerUrl(ip('b'))}): control plane at ${ip('b')} exists`,
      removedLine('c'),
    ]);
    expect(await memberNames(ip('a'))).toEqual(['a', 'b']);
    expect(readdirSync(scratch)).toEqual([]);
    expect(r.stdout).not.toContain('PRIVATE KEY');
  });

  it('keeps a dead member whose address is still an existing control plane (a stopped instance may start again)', async () => {
    await startCluster();
    await kill('c');
    await untilHealthy([ip('a'), ip('b')]);
    const r = await prune(listing(ip('a'), ip('b'), ip('c'), SELF));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`kops-ts: kept etcd member c (${peerUrl(ip('c'))}): control plane at ${ip('c')} exists\n`);
    expect(r.stdout).not.toContain('removed');
    expect(await memberNames(ip('a'))).toEqual(['a', 'b', 'c']);
  });

  it('keeps a live member whose address the cloud does not list (the list may lag): it answers its health', async () => {
    await startCluster();
    const r = await prune(listing(ip('a'), ip('b'), SELF));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`kops-ts: kept etcd member c (${peerUrl(ip('c'))}): no control plane at ${ip('c')}, but it answers its health (the cloud's list may lag)\n`);
    expect(r.stdout).not.toContain('removed');
    expect(await memberNames(ip('a'))).toEqual(['a', 'b', 'c']);
  });

  it('removes a dead member on this instance\'s own address: a former instance\'s, since this one has not joined', async () => {
    await startCluster();
    await kill('c');
    await untilHealthy([ip('a'), ip('b')]);
    const r = await prune(listing(ip('a'), ip('b'), ip('c')), ip('c'));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`${removedLine('c')}\n`);
    expect(await memberNames(ip('a'))).toEqual(['a', 'b']);
  });

  it('removes two dead members of five one at a time, re-reading the list, while the healthy ones stay a majority', async () => {
    await startCluster(5);
    await kill('d');
    await kill('e');
    await untilHealthy([ip('a'), ip('b'), ip('c')]);
    const r = await prune(listing(ip('a'), ip('b'), ip('c'), SELF));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n').filter((l) => l.includes('removed'))).toEqual([removedLine('d'), removedLine('e')]);
    expect(await memberNames(ip('a'))).toEqual(['a', 'b', 'c']);
  });

  it('removes nothing when two of three members are dead: the one left is no majority, and a line says why', async () => {
    await startCluster();
    await kill('b');
    await kill('c');
    const r = await prune(listing(ip('a'), SELF));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^kops-ts: kept etcd member b \(https:\/\/127\.0\.0\.3:\d+\): removing it would leave [01] healthy of 2 members, not a majority; no member removed$/m);
    expect(r.stdout).not.toContain('removed etcd member');
    expect(await memberNames(ip('a'))).toEqual(['a', 'b', 'c']);
  });

  it('removes nothing and exits 0 when the control planes cannot be listed, saying why on stderr', async () => {
    await startCluster();
    await kill('c');
    await untilHealthy([ip('a'), ip('b')]);
    const r = await prune(['sh', '-c', 'echo "kops-ts: EC2 refused DescribeInstances: UnauthorizedOperation" >&2; exit 3']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'kops-ts: cannot list control planes: EC2 refused DescribeInstances: UnauthorizedOperation; no member removed\n' });
    expect(await memberNames(ip('a'))).toEqual(['a', 'b', 'c']);
  });

  it('removes nothing when the etcd CA cannot sign a client certificate, and exits 0', async () => {
    const r = await prune(listing(ip('a')), SELF, join(dir, 'missing'));
    expect(r).toEqual({
      code: 0, stdout: '',
      stderr: `kops-ts: cannot make an etcd client certificate with the etcd CA in ${join(dir, 'missing')} (openssl ca exited 1); no member removed\n`,
    });
    expect(readdirSync(scratch)).toEqual([]);
  });
});
