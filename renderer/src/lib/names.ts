/** Peer ids as people read them; the parsing is model/ids.ts's, the one place ids are built and read. */
import { peerDisplayName } from '../../../main/model/ids';

export const peerName = peerDisplayName;

/** "wl:a/Deployment/x → wl:b/StatefulSet/y TCP 80" with readable names. */
export function roadName(text: string): string {
  return text.replace(/\b(wl|pod|svc|ns|node|ip|dns):[^\s→]+/g, (m) => peerDisplayName(m));
}
