/**
 * The API test server in a worker thread, for benchmarks: the server's CPU (serialising 10,000
 * pods) then runs beside the client under test, as a real API server would, not inside it.
 * Messages: in {type:'addPod', pod} | {type:'close'}; out {type:'ready', url, caPem, users} | {type:'closed'}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateInventory, type ScenarioOptions } from '../../../main/model/scenario/generate.js';
import type { PodInfo } from '../../../main/model/types.js';
import { ciliumObjects } from './cni-objects.js';
import { startKubeApiServer } from './server.js';

const opts = workerData as ScenarioOptions;
const inventory = generateInventory(opts);
const api = await startKubeApiServer({ snapshot: { ...inventory, flows: [], roads: [] }, objects: ciliumObjects() });
parentPort!.on('message', (msg: { type: string; pod?: PodInfo }) => {
  if (msg.type === 'addPod' && msg.pod) api.addPod(msg.pod);
  if (msg.type === 'close') void api.close().then(() => parentPort!.postMessage({ type: 'closed' }));
});
parentPort!.postMessage({ type: 'ready', url: api.url, caPem: api.caPem, users: api.users, port: api.port, samplePod: inventory.pods[0] });
