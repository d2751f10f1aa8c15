/**
 * What the CLI touches outside itself, injectable so that tests run commands in-process: output
 * streams, whether they are terminals, the environment, files and the editor.
 */
import { spawnSync } from 'node:child_process';
import { readBounded } from './input.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** SIGINT/SIGTERM delivery and an immediate exit, injectable so that tests signal in-process. */
export interface SignalSource {
  /** Calls `handler` on every SIGINT/SIGTERM until the returned function is called. */
  listen(handler: (sig: StopSignal) => void): () => void;
  /** Ends the process now. */
  exit(code: number): void;
}

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file (`-` = standard input); past a sanity limit it throws `InputTooLarge` without reading it whole. */
  readonly readFile: (path: string) => string;
  /** Opens `path` in the user's editor and waits; returns the editor's exit code. */
  readonly edit: (path: string) => number;
  /** Signals for the commands that hold the cluster lock; absent: the process default. */
  readonly signals?: SignalSource;
  /** Asks a question on the terminal and resolves with the answer line (`--interactive`); absent: no one to ask. */
  readonly prompt?: (question: string) => Promise<string>;
}

export const processSignals: SignalSource = {
  listen(handler) {
    const onInt = () => handler('SIGINT');
    const onTerm = () => handler('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    return () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
  },
  exit: (code) => process.exit(code),
};

/**
 * A write to the process's stdout or stderr that stops quietly once the reader has gone
 * (`kops-ts get all x -o yaml | head -1`): a closed pipe (EPIPE) drops this and every later write
 * to that stream, and the command runs on to its own end and exit code. Exiting instead would
 * stop an `update --yes` or a roll halfway because its reader quit; a stack trace would say the
 * command failed. Any other write error is thrown as before.
 */
function pipeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

let processWriters: { stdout: (t: string) => void; stderr: (t: string) => void } | undefined;

export function processIO(): CliIO {
  processWriters ??= { stdout: pipeWriter(process.stdout), stderr: pipeWriter(process.stderr) };
  const { stdout, stderr } = processWriters;
  return {
    stdout,
    stderr,
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    readFile: (p) => readBounded(p),
    edit: (path) => {
      const editor = process.env.KUBE_EDITOR ?? process.env.EDITOR ?? 'vi';
      const r = spawnSync(`${editor} "${path.replace(/"/g, '\\"')}"`, { stdio: 'inherit', shell: true });
      return r.status ?? 1;
    },
    signals: processSignals,
    prompt: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
