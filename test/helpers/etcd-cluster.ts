/**
 * Real etcd clusters for the tests of the boot-time programs that talk to kubeadm's stacked etcd
 * (etcd-prune.py, etcd-backup.py): the etcd 3.4 binary, TLS everywhere with client and peer
 * certificate authentication, every certificate issued by one etcd CA made with the project's own
 * PKI code (src/pki), each member on its own loopback address (Linux routes all of 127/8 to lo)
 * with one client port and one peer port shared by the addresses.
 *
 * `etcdTestbed(dir, members, extraIps)` writes the CA (`<dir>/pki/ca.{crt,key}`), each member's
 * server and peer certificates and a client certificate, and picks ports free on every address
 * (the members' and `extraIps`); `start` runs members and waits, by awaited requests, until each
 * is healthy; `kill` SIGKILLs one and awaits its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { generateCA, issueCertificate, type CertificateAndKey } from '../../src/pki/certs.js';
import { etcdMemberRequest } from '../../src/pki/cluster.js';

export interface EtcdMember {
  readonly name: string;
  readonly ip: string;
}

export interface EtcdTestbed {
  /** `<dir>/pki`: `ca.crt` and `ca.key` of the etcd CA. */
  readonly pki: string;
  readonly ca: CertificateAndKey;
  /** A client certificate of the etcd CA. */
  readonly client: CertificateAndKey;
  readonly clientPort: number;
  readonly peerPort: number;
  clientUrl(ip: string): string;
  peerUrl(ip: string): string;
  /** One HTTPS call with the client certificate: the JSON answer, or undefined when none. */
  etcd(url: string, body?: unknown): Promise<Record<string, unknown> | undefined>;
  healthy(ip: string): Promise<boolean>;
  /** Waits, by awaited requests, until every one of `ips` says it is healthy (a leader, quorum). */
  untilHealthy(ips: readonly string[]): Promise<void>;
  /** The member names `ip` lists (served from its own state, with or without quorum). */
  memberNames(ip: string): Promise<string[]>;
  /** Starts a new cluster of `members` (fresh data directories) and waits until each is healthy. */
  start(members: readonly EtcdMember[]): Promise<void>;
  kill(name: string): Promise<void>;
  killAll(): Promise<void>;
}

/** A port free on every one of `ips`. */
async function freePort(ips: readonly string[]): Promise<number> {
  const listen = (port: number, ip: string) => new Promise<number | undefined>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, ip, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  for (;;) {
    const port = await listen(0, ips[0]!);
    if (port === undefined) throw new Error(`cannot listen on ${ips[0]}`);
    let ok = true;
    for (const ip of ips.slice(1)) if ((await listen(port, ip)) === undefined) ok = false;
    if (ok) return port;
  }
}

export async function etcdTestbed(dir: string, members: readonly EtcdMember[], extraIps: readonly string[] = []): Promise<EtcdTestbed> {
  const pki = join(dir, 'pki');
  const ca = await generateCA({ commonName: 'etcd-manager-ca-main' });
  mkdirSync(pki, { recursive: true });
  writeFileSync(join(pki, 'ca.crt'), ca.certificate);
  writeFileSync(join(pki, 'ca.key'), ca.privateKey, { mode: 0o600 });
  const client = await issueCertificate(ca, { commonName: 'test-client', usages: ['client'] });
  for (const m of members) {
    for (const kind of ['server', 'peer'] as const) {
      const c = await issueCertificate(ca, etcdMemberRequest(kind, { name: m.name, ipAddresses: [m.ip] }));
      writeFileSync(join(dir, `${m.name}-${kind}.crt`), c.certificate);
      writeFileSync(join(dir, `${m.name}-${kind}.key`), c.privateKey, { mode: 0o600 });
    }
  }
  const ips = [...members.map((m) => m.ip), ...extraIps];
  const clientPort = await freePort(ips);
  let peerPort: number;
  do peerPort = await freePort(ips); while (peerPort === clientPort);
  const peerUrl = (ip: string) => `https://${ip}:${peerPort}`;
  const clientUrl = (ip: string) => `https://${ip}:${clientPort}`;

  const etcd = (url: string, body?: unknown) => new Promise<Record<string, unknown> | undefined>((resolve) => {
    const req = request(url, {
      method: body === undefined ? 'GET' : 'POST', ca: ca.certificate, cert: client.certificate, key: client.privateKey, agent: false, timeout: 3000,
      headers: { 'content-type': 'application/json' },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  const healthy = async (ip: string) => (await etcd(`${clientUrl(ip)}/health`))?.health === 'true';
  const untilHealthy = async (list: readonly string[]) => {
    const deadline = Date.now() + 30_000;
    for (const ip of list) {
      while (!(await healthy(ip))) {
        if (Date.now() > deadline) throw new Error(`etcd at ${ip} never became healthy`);
      }
    }
  };
  const running = new Map<string, ChildProcess>();
  const kill = async (name: string) => {
    const p = running.get(name);
    if (!p) return;
    running.delete(name);
    if (p.exitCode === null && p.signalCode === null) {
      const exited = once(p, 'exit');
      p.kill('SIGKILL');
      await exited;
    }
  };
  return {
    pki, ca, client, clientPort, peerPort, clientUrl, peerUrl, etcd, healthy, untilHealthy,
    async memberNames(ip) {
      const r = await etcd(`${clientUrl(ip)}/v3/cluster/member/list`, {});
      return ((r?.members ?? []) as { name?: string }[]).map((m) => m.name ?? '').sort();
    },
    async start(list) {
      const data = mkdtempSync(join(dir, 'data-'));
      const initial = list.map((m) => `${m.name}=${peerUrl(m.ip)}`).join(',');
      for (const m of list) {
        const p = spawn('etcd', [
          '--name', m.name, '--data-dir', join(data, m.name),
          '--listen-client-urls', clientUrl(m.ip), '--advertise-client-urls', clientUrl(m.ip),
          '--listen-peer-urls', peerUrl(m.ip), '--initial-advertise-peer-urls', peerUrl(m.ip),
          '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', data,
          '--heartbeat-interval', '50', '--election-timeout', '500',
          '--cert-file', join(dir, `${m.name}-server.crt`), '--key-file', join(dir, `${m.name}-server.key`),
          '--client-cert-auth', '--trusted-ca-file', join(pki, 'ca.crt'),
          '--peer-cert-file', join(dir, `${m.name}-peer.crt`), '--peer-key-file', join(dir, `${m.name}-peer.key`),
          '--peer-client-cert-auth', '--peer-trusted-ca-file', join(pki, 'ca.crt'),
          '--logger', 'zap', '--log-level', 'error',
        ], { stdio: 'ignore' });
        running.set(m.name, p);
      }
      await untilHealthy(list.map((m) => m.ip));
    },
    kill,
    async killAll() {
      for (const name of [...running.keys()]) await kill(name);
    },
  };
}
