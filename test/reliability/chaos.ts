/**
 * Random faults for the reliability tests, reproducible from a seed: a fraction of AWS calls is
 * answered with a server error or the service's throttling error (through the fault proxy, in the
 * service's wire format), and a fraction of connections is reset before the request reaches AWS
 * (by a tiny proxy in front of the fault proxy). One draw per request decides its fate.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startFaultProxy, type AwsService, type FaultProxy, type ProxiedRequest } from '../fakes/aws-fault-proxy.js';

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosRates {
  /** Answered 500 InternalError (S3, EC2) / InternalFailure (the others). */
  readonly serverError: number;
  /** Answered with the service's throttling error. */
  readonly throttle: number;
  /** Connection reset before the request is forwarded. */
  readonly reset: number;
}

export const TEN_PERCENT: ChaosRates = { serverError: 0.04, throttle: 0.04, reset: 0.02 };

const SERVICES: readonly AwsService[] = ['ec2', 'autoscaling', 'elbv2', 'iam', 'sts', 'route53', 's3'];

/** AWS's throttling code per service (EC2's is its own; S3 says SlowDown). */
function throttleCode(s: AwsService): string {
  return s === 'ec2' ? 'RequestLimitExceeded' : s === 's3' ? 'SlowDown' : 'Throttling';
}
function serverErrorCode(s: AwsService): string {
  return s === 'ec2' || s === 's3' ? 'InternalError' : 'InternalFailure';
}

export interface Chaos {
  /** Give this to the clients (or AWS_ENDPOINT_URL). */
  readonly endpoint: string;
  readonly faults: FaultProxy;
  /** Connections reset so far. */
  readonly resets: number;
  /** Faults injected by the fault proxy so far (server errors and throttling). */
  injected(kind: 'serverError' | 'throttle'): number;
  /** Stop injecting (everything forwarded). */
  calm(): void;
  close(): Promise<void>;
}

export async function startChaos(target: string, seed: number, rates: ChaosRates = TEN_PERCENT): Promise<Chaos> {
  const random = seededRandom(seed);
  let calm = false;
  const faults = await startFaultProxy(target);
  // One draw per request: the rules below see the same request object, so they agree on its fate.
  const fate = new WeakMap<ProxiedRequest, 'serverError' | 'throttle' | 'ok'>();
  const decide = (r: ProxiedRequest): 'serverError' | 'throttle' | 'ok' => {
    let f = fate.get(r);
    if (!f) {
      const x = random();
      f = calm ? 'ok' : x < rates.serverError ? 'serverError' : x < rates.serverError + rates.throttle ? 'throttle' : 'ok';
      fate.set(r, f);
    }
    return f;
  };
  for (const service of SERVICES) {
    faults.inject({ service, code: serverErrorCode(service), status: 500, when: (r) => decide(r) === 'serverError' });
    faults.inject({ service, code: throttleCode(service), when: (r) => decide(r) === 'throttle' });
  }

  // The reset proxy, in front: its own draws, so resets do not depend on the fault proxy's.
  const resetRandom = seededRandom(seed ^ 0x5eed);
  const upstream = new URL(faults.endpoint);
  let resets = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (!calm && resetRandom() < rates.reset) {
        resets++;
        req.socket.resetAndDestroy();
        return;
      }
      const out = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => req.socket.destroy());
      out.end(Buffer.concat(chunks));
    })();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    get resets() {
      return resets;
    },
    injected(kind) {
      const codes = new Set(SERVICES.map(kind === 'serverError' ? serverErrorCode : throttleCode));
      return faults.rules.filter((r) => codes.has(r.code) && (kind === 'serverError') === (r.status === 500)).reduce((n, r) => n + r.fired, 0);
    },
    calm() {
      calm = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await faults.close();
    },
  };
}
