/**
 * A tiny HTTP proxy in front of the AWS emulator that SIGKILLs a child process at its k-th
 * mutating AWS call, counted at the HTTP layer:
 *
 * - `before`: the k-th mutating request arrives and the child is killed; the request never
 *   reaches AWS (a crash just before the call);
 * - `after`: the k-th mutating request is forwarded, AWS answers, and the child is killed before
 *   the answer reaches it (the call happened; the caller never learned its result: the worst case
 *   for idempotence).
 *
 * Mutating: any call of a query-protocol service (EC2, AutoScaling, ELBv2, IAM, STS) whose action
 * is not `Describe*`/`List*`/`Get*`, and any non-GET/HEAD request to Route53 or S3. Requests that
 * arrive after the kill are dropped (the connection is destroyed), as a dead process sends nothing.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type KillMode = 'before' | 'after';

export interface MutatingCall {
  readonly service: string;
  readonly operation: string;
}

export interface KillTarget {
  /** 1-based: kill at this mutating call. */
  readonly k: number;
  readonly mode: KillMode;
  readonly kill: () => void;
}

export interface KillProxy {
  readonly endpoint: string;
  /** The mutating calls seen since the last `arm`/`disarm`, in arrival order. */
  readonly mutating: readonly MutatingCall[];
  /** Whether the armed target fired. */
  readonly killed: boolean;
  arm(target: KillTarget): void;
  /** Forward everything, count only. */
  disarm(): void;
  close(): Promise<void>;
}

const QUERY_SERVICES = new Set(['ec2', 'autoscaling', 'elasticloadbalancing', 'iam', 'sts']);

function signingService(req: IncomingMessage): string {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unknown';
}

/** The mutating call this request is, or undefined for a read. */
export function mutatingCall(req: IncomingMessage, body: string): MutatingCall | undefined {
  const service = signingService(req);
  const method = req.method ?? 'GET';
  if (QUERY_SERVICES.has(service)) {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const action = new URLSearchParams(body).get('Action') ?? url.searchParams.get('Action') ?? 'unknown';
    return /^(Describe|List|Get)/.test(action) ? undefined : { service, operation: action };
  }
  if (method === 'GET' || method === 'HEAD') return undefined;
  return { service, operation: `${method} ${new URL(req.url ?? '/', 'http://proxy').pathname}` };
}

export async function startKillProxy(target: string): Promise<KillProxy> {
  const upstream = new URL(target);
  let armed: KillTarget | undefined;
  let mutating: MutatingCall[] = [];
  let killed = false;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      if (killed) {
        req.socket.destroy();
        return;
      }
      const call = mutatingCall(req, body.toString('utf8'));
      let killAfter = false;
      if (call) {
        mutating.push(call);
        if (armed && mutating.length === armed.k) {
          if (armed.mode === 'before') {
            killed = true;
            armed.kill();
            req.socket.destroy();
            return;
          }
          killAfter = true;
        }
      }
      const out = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          if (killAfter && armed) {
            killed = true;
            armed.kill();
            req.socket.destroy();
            return;
          }
          if (killed) {
            req.socket.destroy();
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(parts));
        });
      });
      out.on('error', () => req.socket.destroy());
      out.end(body);
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
    get mutating() {
      return mutating;
    },
    get killed() {
      return killed;
    },
    arm(t) {
      armed = t;
      mutating = [];
      killed = false;
    },
    disarm() {
      armed = undefined;
      mutating = [];
      killed = false;
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}
