/**
 * Whether a Docker engine is reachable, asked the way the Docker CLI finds one: `DOCKER_HOST`
 * (`unix://...` or `tcp://host:port`), else `/var/run/docker.sock`; then a real `GET /_ping`,
 * which an engine answers `OK`. A socket file alone, or anything else listening, is not an engine.
 */
import { request } from 'node:http';

export type DockerAddress = { readonly socketPath: string } | { readonly host: string; readonly port: number };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Where the engine would be, from `DOCKER_HOST`; a value that is neither unix:// nor tcp:// is an error. */
export function dockerAddress(env: NodeJS.ProcessEnv = process.env): DockerAddress {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const tcp = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(host);
  if (tcp) return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  throw new Error(`DOCKER_HOST=${host}: expected unix:///path/to/docker.sock or tcp://host:port`);
}

export function describeDockerAddress(a: DockerAddress): string {
  return 'socketPath' in a ? `unix://${a.socketPath}` : `tcp://${a.host}:${a.port}`;
}

export interface DockerProbe {
  readonly reachable: boolean;
  readonly address: string;
  /** Why not, when not. */
  readonly reason?: string;
}

/** Pings the engine (at most `timeoutMs`). Never throws: a bad DOCKER_HOST is an unreachable engine with its reason. */
export async function probeDocker(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<DockerProbe> {
  let address: DockerAddress;
  try {
    address = dockerAddress(env);
  } catch (e) {
    return { reachable: false, address: env.DOCKER_HOST ?? '', reason: (e as Error).message };
  }
  const where = describeDockerAddress(address);
  return new Promise<DockerProbe>((resolve) => {
    const req = request({ ...address, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.slice(0, 64)));
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === 'OK') resolve({ reachable: true, address: where });
        else resolve({ reachable: false, address: where, reason: `GET /_ping answered ${res.statusCode} ${JSON.stringify(body.trim().slice(0, 40))}, not a Docker engine's 200 OK` });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ reachable: false, address: where, reason: e.message }));
    req.end();
  });
}
