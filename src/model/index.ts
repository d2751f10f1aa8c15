/** The cluster spec model: API types, parsing, validation and completion. */
export * from './api/types.js';
export { parseManifests, checkObject, objectLabel } from './api/parse.js';
export type { ParseResult } from './api/parse.js';
export { toYaml, toJson, sortObjects } from './api/serialize.js';
export { parseKopsYaml, stringifyKopsYaml } from './api/yaml.js';
export { validateCluster, parseKubernetesVersion } from './validation.js';
export type { ValidateOptions } from './validation.js';
export { completeCluster, assignSubnetCIDRs, memberNames } from './completion.js';
export type { CompletedCluster } from './completion.js';
export { regionOfZone } from './validation-util.js';
export { zoneOfInstanceGroup } from './validation-etcd.js';
