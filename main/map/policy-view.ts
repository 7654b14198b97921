/**
 * What the map needs from the policy engine, and nothing more: fences per house and a verdict
 * per road. Keeps the map model buildable (and testable) without the engine.
 */
import type { PeerId, Protocol } from '../model/types.js';

export interface FenceInfo {
  ingress: { isolated: boolean; by: string[] };
  egress: { isolated: boolean; by: string[] };
}

export interface PolicyView {
  fences(pod: PeerId): FenceInfo;
  verdict(src: PeerId, dst: PeerId, protocol: Protocol, port: number): 'allowed' | 'denied' | 'unknown';
  /** True when the port is allowed only because the road builder does not enforce the policies that deny it. */
  unenforced?(src: PeerId, dst: PeerId, protocol: Protocol, port: number): boolean;
  /** Ports a source may reach on a destination, per protocol ("80,8080-8090", "" for none). */
  allowedPorts?(src: PeerId, dst: PeerId): Record<Protocol, string>;
  /** Every workload pair with allowed ports, from the engine's full matrix (wl: ids). */
  forEachConnection?(fn: (src: PeerId, dst: PeerId, allowed: Record<Protocol, string>, unenforced?: Record<Protocol, string>) => void): void;
}
