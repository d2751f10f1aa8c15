/**
 * Starts `moto_server` (the AWS emulator installed on these machines) on a free loopback port.
 * Its output goes to a file: moto logs every request, and an unread pipe blocks it after ~64 KiB.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface RunningEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The AMIs the emulator knows: a fixture with the Canonical images kops's stable channel names. */
export const MOTO_AMIS_PATH = fileURLToPath(new URL('./amis.json', import.meta.url));

/**
 * moto_server started through a launcher that fixes one moto bug (see moto_server.py): a group
 * launching from a launch template version made by CreateLaunchTemplateVersion with user data.
 * `python3` must be the interpreter moto is installed in (it is where moto_server is).
 */
export const MOTO_LAUNCHER = fileURLToPath(new URL('./moto_server.py', import.meta.url));

export async function startMoto(opts: { logFile?: string; binary?: string; amisPath?: string } = {}): Promise<RunningEmulator> {
  const port = await freePort();
  const fd = openSync(opts.logFile ?? '/dev/null', 'a');
  const child: ChildProcess = spawn(opts.binary ?? 'python3', [...(opts.binary ? [] : [MOTO_LAUNCHER]), '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', fd, fd],
    detached: false,
    // The images AWS has and moto lacks: kops's default (Canonical Ubuntu 24.04) among them.
    env: { ...process.env, MOTO_AMIS_PATH: opts.amisPath ?? MOTO_AMIS_PATH },
  });
  closeSync(fd);
  const endpoint = `http://127.0.0.1:${port}`;
  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `moto_server exited (code ${code ?? 'none'}, signal ${signal ?? 'none'})`;
      resolve();
    });
    child.once('error', (e) => {
      exited = `moto_server could not start: ${e.message}`;
      resolve();
    });
  });

  const deadline = Date.now() + 30_000;
  // Poll readiness: each attempt is an awaited HTTP request, not a sleep.
  for (;;) {
    if (exited) throw new Error(`${exited}; is moto installed for python3 (python3 -c "import moto")?`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30s`);
    }
    await new Promise<void>((r) => setImmediate(r));
    await Promise.race([exitPromise, new Promise<void>((r) => setTimeout(r, 50))]);
  }

  return {
    endpoint,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
