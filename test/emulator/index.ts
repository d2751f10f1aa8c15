/** The one switch between emulators: `KOPS_TS_EMULATOR=moto` (default) or `localstack`. */
import { startLocalStack } from './localstack.js';
import { startMoto, type RunningEmulator } from './moto.js';

export type EmulatorName = 'moto' | 'localstack';

export function selectedEmulator(env: NodeJS.ProcessEnv = process.env): EmulatorName {
  const v = (env.KOPS_TS_EMULATOR ?? 'moto').toLowerCase();
  if (v === 'moto' || v === 'localstack') return v;
  throw new Error(`KOPS_TS_EMULATOR=${v}: expected "moto" or "localstack"`);
}

export async function startEmulator(name: EmulatorName, logFile?: string): Promise<RunningEmulator> {
  return name === 'localstack' ? startLocalStack() : startMoto(logFile ? { logFile } : {});
}
