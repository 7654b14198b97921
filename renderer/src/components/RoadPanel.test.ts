import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RoadExplanation } from '../../../main/api/contract';
import { createState } from '../lib/state.svelte';
import type { Transport } from '../lib/transport';
import RoadPanel from './RoadPanel.svelte';
import Legend from './Legend.svelte';

const transport: Transport = { kind: 'browser', call: vi.fn(async () => undefined as never), onEvent: () => () => undefined };
createState(transport);

const explanation: RoadExplanation = {
  edgeId: 'road:a->b:denied',
  source: { id: 'wl:shop/Deployment/recommendation', label: 'recommendation' },
  target: { id: 'wl:payments/Deployment/payment', label: 'payment' },
  observed: { verdict: 'denied', count: 45, dropped: 45, dropReasons: { POLICY_DENIED: 45 }, allowedBy: [], deniedBy: [] },
  ports: [
    {
      protocol: 'TCP',
      port: 8443,
      predicted: 'denied',
      summary: 'denied: destination isolated by NetworkPolicy payments/default-deny',
      steps: [
        { direction: 'egress', layer: 'networkpolicy', effect: 'not-isolated', text: 'egress: source not isolated' },
        { direction: 'ingress', layer: 'networkpolicy', policy: 'NetworkPolicy/payments/default-deny', effect: 'default-deny', text: 'ingress: denied by NetworkPolicy payments/default-deny' },
      ],
    },
  ],
  disagreements: ['TCP 8443: policies say allowed, flows were denied.'],
};

describe('RoadPanel', () => {
  it('shows the road, its observed and predicted verdicts, each step of the why, and disagreements', () => {
    render(RoadPanel, { explanation });
    expect(screen.getByRole('heading', { name: 'recommendation → payment' })).toBeTruthy();
    expect(screen.getByText(/45 flows, 45 dropped/)).toBeTruthy();
    expect(screen.getByText(/POLICY_DENIED \(45\)/)).toBeTruthy();
    expect(screen.getByText('TCP 8443')).toBeTruthy();
    expect(screen.getByText(/ingress: denied by NetworkPolicy payments\/default-deny/)).toBeTruthy();
    expect(screen.getByTestId('disagreements').textContent).toContain('policies say allowed');
  });
});

describe('Legend', () => {
  it('names every road style and evidence marker', () => {
    render(Legend);
    const text = screen.getByTestId('legend').textContent ?? '';
    for (const words of ['allowed (solid, arrow)', 'denied (dashed, bar)', 'unknown (dotted)', 'observed (flows)', 'predicted (policies)', 'probed (active check)', 'district = namespace', 'house = pod'])
      expect(text).toContain(words);
  });
});
