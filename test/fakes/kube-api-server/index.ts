export { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions, type TestUser } from './server.js';
export { writeTestKubeconfig, type WriteKubeconfigOptions } from './kubeconfig.js';
export { makeCerts, makeUnrelatedCa } from './certs.js';
export { objectsFromSnapshot, podObject, type SeedObject } from './objects.js';
export type { ExecHandler, ExecContext, ExecResult } from './streams.js';
export { ciliumObjects, flannelObjects } from './cni-objects.js';
