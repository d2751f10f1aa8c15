/**
 * What `clientset()` of the command context needs, in one module that src/cli/context.ts imports
 * before an action runs (loadStoreModules), not when the CLI starts: the store backends, the
 * clientset and, under them, the YAML codec.
 */
export { Clientset } from '../statestore/clientset.js';
export { defaultRegion, openStateStore, parseStateStoreURL, resolveStateStoreURL } from '../statestore/open.js';
export { loadSecretKey } from '../secrets/key.js';
