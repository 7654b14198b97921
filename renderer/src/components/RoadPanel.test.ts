import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RoadExplanation } from '../../../main/api/contract';
import { createState } from '../lib/state.svelte';
import type { Transport } from '../lib/transport';
import RoadPanel from './RoadPanel.svelte';
import { roadMarkdown, segments } from '../lib/road-text';
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
        { direction: 'egress', layer: 'networkpolicy', effect: 'not-isolated', text: 'source not isolated' },
        { direction: 'ingress', layer: 'networkpolicy', policy: 'NetworkPolicy/payments/default-deny', effect: 'default-deny', text: 'denied by NetworkPolicy payments/default-deny' },
      ],
    },
  ],
  disagreements: ['TCP 8443: policies say allowed, flows were denied.'],
  policies: [{ key: 'NetworkPolicy/payments/default-deny', kind: 'NetworkPolicy', name: 'payments/default-deny', yaml: 'kind: NetworkPolicy\nmetadata:\n  name: default-deny\n' }],
  draft: { yaml: 'kind: NetworkPolicy\n', summary: 'Allows TCP 8443 from recommendation to payment: ingress to payments/payment.' },
};

describe('RoadPanel', () => {
  it('shows the road, its observed and predicted verdicts, each step of the why, and disagreements', () => {
    render(RoadPanel, { explanation });
    expect(screen.getByRole('heading', { name: 'shop/recommendation → payments/payment' })).toBeTruthy();
    expect(screen.getByText(/45 flows, 45 dropped/)).toBeTruthy();
    expect(screen.getByText(/POLICY_DENIED \(45\)/)).toBeTruthy();
    expect(screen.getByText('TCP 8443')).toBeTruthy();
    expect(screen.getByTestId('disagreements').textContent).toContain('policies say allowed');
    // The policy named in a step is a link to its YAML; the step text is not repeated.
    const link = screen.getByTestId('policy-link');
    expect(link.textContent).toBe('NetworkPolicy payments/default-deny');
    expect(screen.getByTestId('road-panel').textContent!.match(/denied by NetworkPolicy/g)).toHaveLength(1);
    expect(screen.getByTestId('draft-policy')).toBeTruthy();
  });

  it('shows a port the road builder leaves open as "allowed — policy not enforced by …", with what the policies would do', () => {
    const port = { ...explanation.ports[0], predicted: 'allowed' as const, unenforced: { verdict: 'denied' as const, policies: ['NetworkPolicy/payments/default-deny'], by: 'Flannel' } };
    const { container } = render(RoadPanel, { explanation: { ...explanation, ports: [port] } });
    expect(container.querySelector('[data-testid="unenforced"]')!.textContent).toBe('allowed — policy not enforced by Flannel');
    expect(container.querySelector('[data-testid="road-panel"]')!.textContent).toContain('would make this denied; Flannel does not enforce it');
    expect(roadMarkdown({ ...explanation, ports: [port] })).toContain('**TCP 8443: allowed — policy not enforced by Flannel (as written: denied)**');
  });

  it('splits policy mentions without taking a longer name for a shorter one', () => {
    const pols = [
      { key: 'NetworkPolicy/data/default-deny', kind: 'NetworkPolicy', name: 'data/default-deny', yaml: '' },
      { key: 'NetworkPolicy/data/default-deny-ingress', kind: 'NetworkPolicy', name: 'data/default-deny-ingress', yaml: '' },
    ];
    expect(segments('isolated by NetworkPolicy data/default-deny-ingress, NetworkPolicy data/default-deny', pols)).toEqual([
      { text: 'isolated by ' },
      { text: 'NetworkPolicy data/default-deny-ingress', policy: 'NetworkPolicy/data/default-deny-ingress' },
      { text: ', ' },
      { text: 'NetworkPolicy data/default-deny', policy: 'NetworkPolicy/data/default-deny' },
    ]);
  });

  it('copies as Markdown: title, evidence, each step once, the draft as a YAML block', () => {
    const md = roadMarkdown(explanation);
    expect(md.split('\n')[0]).toBe('### shop/recommendation → payments/payment');
    expect(md).toContain('**Observed:** denied, 45 flows, 45 dropped');
    expect(md).toContain('- ingress: denied by NetworkPolicy payments/default-deny');
    expect(md).toContain('```yaml\nkind: NetworkPolicy\n```');
  });
});

describe('Legend', () => {
  it('names every road style and evidence marker', () => {
    render(Legend);
    const text = screen.getByTestId('legend').textContent ?? '';
    for (const words of ['allowed road (solid, arrow)', 'denied road (dashed, bar)', 'unknown (dotted)', 'policy not enforced', 'observed (flows)', 'predicted (policies only)', 'probed (active check)', 'district = namespace', 'pod running', 'selected'])
      expect(text).toContain(words);
  });
});
