/** The cluster spec model: API types, parsing and writing, validation and completion. */
export * from './api/types.js';
export { parseManifests, checkObject, objectLabel } from './api/parse.js';
export type { ParseResult } from './api/parse.js';
export { toYaml, toJson, sortObjects } from './api/serialize.js';
export { parseKopsYaml, stringifyKopsYaml } from './api/yaml.js';
export { validateCluster, SUPPORTED_CLOUDS } from './validation.js';
export type { ValidateOptions } from './validation.js';
export { SUPPORTED_NETWORKING } from './validation-network.js';
export { completeCluster, assignSubnetCIDRs, defaultEtcdClusters, memberNames } from './completion.js';
export type { CompletedCluster } from './completion.js';
export { parseKubernetesVersion, normalizeKubernetesVersion } from './kubernetes-version.js';
export { regionOfZone } from './validation-util.js';
export { zoneOfInstanceGroup } from './validation-etcd.js';
export { parseCidr, cidrProblem, contains, overlaps, split, splitBitsFor, subnetsOfSize, upperHalf } from './cidr.js';
export type { Cidr } from './cidr.js';
export * from './defaults.js';
