/** The fake relay's own shortcuts must produce exactly what a real encoder would. */
import { describe, expect, it } from 'vitest';
import { FakeRelay } from '../../fakes/hubble-relay/fake-relay.js';
import { SyntheticFlows } from '../../fakes/hubble-relay/synthetic.js';
import { decodeGetFlowsResponse } from '../../../main/flows/flow-decoder.js';
import { flowRecordOf } from '../../../main/flows/hubble-flow.js';

describe('SyntheticFlows', () => {
  it('hand-framed bytes decode to the same flow as the response object encoded by proto-loader', () => {
    const relay = new FakeRelay();
    const s = new SyntheticFlows(relay, 40);
    for (const i of [0, 3, 5, 9, 11, 39, 123_456, 2_000_001]) {
      const { resp, encoded } = s.make(i, 1_767_323_045_123 + i);
      // Flatten the prototype-backed flow for the reference encoder.
      const plain = { ...resp, flow: { ...Object.getPrototypeOf(resp.flow), ...resp.flow } };
      const ref = decodeGetFlowsResponse(relay.encode(plain));
      const fast = decodeGetFlowsResponse(encoded);
      expect(fast).toEqual(ref);
      expect(flowRecordOf(fast.flow)).toEqual(flowRecordOf(plain.flow));
      expect(fast.flow.uuid).toBe(`syn-${i}`);
    }
  });
});
