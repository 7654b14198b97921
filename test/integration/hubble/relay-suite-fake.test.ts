/** The Hubble client suite against the fake Relay (the same suite runs against the real one: relay-suite-real.test.ts). */
import { FakeRelay, responseFromJson } from '../../fakes/hubble-relay/fake-relay.js';
import { describeHubbleSuite, NODES } from './suite.js';

describeHubbleSuite('the fake Relay', async (events) => {
  let relay = new FakeRelay({ nodes: NODES, bufferSize: 2 * 4095 });
  const port = await relay.start();
  relay.emit(Object.values(events).flat().map(responseFromJson));
  return {
    address: relay.address,
    emit: async (_node, lines) => relay.emit(lines.map(responseFromJson)),
    stopNode: async (node) => relay.nodeStatus('NODE_UNAVAILABLE', [node], 'connection refused'),
    restartRelay: async () => {
      // A new process on the same port; the nodes (here: the ring) keep their flows.
      const ring = relay.snapshot();
      await relay.stop();
      relay = new FakeRelay({ nodes: NODES, bufferSize: 2 * 4095 });
      relay.emit(ring);
      await relay.start(port);
    },
    close: () => relay.stop(),
  };
});
