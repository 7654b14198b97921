/** Peer ids as people read them: "shop/cart (Deployment)" for wl:shop/Deployment/cart. */
export function peerName(id: string): string {
  if (id.startsWith('wl:')) {
    const [ns, kind, ...name] = id.slice(3).split('/');
    return `${ns}/${name.join('/')} (${kind})`;
  }
  if (id.startsWith('pod:') || id.startsWith('svc:') || id.startsWith('ns:') || id.startsWith('node:') || id.startsWith('ip:') || id.startsWith('dns:'))
    return id.slice(id.indexOf(':') + 1);
  return id;
}

/** "wl:a/Deployment/x → wl:b/StatefulSet/y TCP 80" with readable names. */
export function roadName(text: string): string {
  return text.replace(/\b(wl|pod|svc|ns|node|ip|dns):[^\s→]+/g, (m) => peerName(m));
}
