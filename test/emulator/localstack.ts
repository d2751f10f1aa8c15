/**
 * LocalStack through testcontainers, for machines with a Docker engine
 * (`KOPS_TS_EMULATOR=localstack`). The tests only ever see an endpoint, whichever emulator runs.
 */
import type { RunningEmulator } from './moto.js';

export async function startLocalStack(): Promise<RunningEmulator> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (e) {
    throw new Error(
      `KOPS_TS_EMULATOR=localstack needs a Docker engine, and none was found (${(e as Error).message}); ` +
        'unset KOPS_TS_EMULATOR to use moto_server',
    );
  }
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  const container = await new LocalstackContainer(process.env.KOPS_TS_LOCALSTACK_IMAGE ?? 'localstack/localstack:4').start();
  return {
    endpoint: container.getConnectionUri(),
    async stop() {
      await container.stop();
    },
  };
}
