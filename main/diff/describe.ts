/** Short human text for the pieces of a policy rule: selectors, peers, ports. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** {matchLabels: {app: x}, matchExpressions: [{key, operator, values}]} -> "app=x, tier in (a,b)"; {} -> "all". */
export function selectorText(sel: unknown): string {
  if (typeof sel === 'string') return sel || 'all'; // Calico selector expressions
  if (!isObj(sel)) return JSON.stringify(sel);
  const parts: string[] = [];
  const labels = isObj(sel.matchLabels) ? sel.matchLabels : {};
  for (const k of Object.keys(labels).sort()) parts.push(`${k}=${String(labels[k])}`);
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs) {
    if (!isObj(e)) continue;
    const values = Array.isArray(e.values) ? `(${(e.values as unknown[]).map(String).sort().join(',')})` : '';
    parts.push(`${String(e.key)} ${String(e.operator).toLowerCase()}${values ? ' ' + values : ''}`);
  }
  for (const k of Object.keys(sel).sort()) if (k !== 'matchLabels' && k !== 'matchExpressions') parts.push(`${k}: ${JSON.stringify(sel[k])}`);
  return parts.length ? parts.join(', ') : 'all';
}

/** One port entry in NetworkPolicy, ANP or Cilium shape -> "TCP/8080", "TCP/8000-8100", "UDP/dns". */
function onePort(p: unknown): string[] {
  if (typeof p === 'number' || typeof p === 'string') return [String(p)];
  if (!isObj(p)) return [JSON.stringify(p)];
  if (Array.isArray(p.ports)) {
    // Cilium toPorts: {ports: [{port, protocol}], rules?}
    const list = (p.ports as unknown[]).flatMap(onePort);
    return p.rules ? list.map((s) => `${s} (+L7 rules)`) : list;
  }
  if (isObj(p.portNumber)) return onePort(p.portNumber); // ANP
  if (isObj(p.portRange)) {
    const r = p.portRange;
    return [`${String(r.protocol ?? 'TCP')}/${String(r.start)}-${String(r.end)}`];
  }
  if (typeof p.namedPort === 'string') return [`named ${p.namedPort}`];
  const proto = String(p.protocol ?? 'TCP');
  if (p.port === undefined) return [`${proto}/any`];
  return [`${proto}/${String(p.port)}${p.endPort !== undefined ? `-${String(p.endPort)}` : ''}`];
}

export function portsText(ports: unknown): string {
  if (ports === undefined || ports === null) return 'all ports';
  const list = Array.isArray(ports) ? ports.flatMap(onePort) : onePort(ports);
  return list.length ? [...new Set(list)].sort().join(', ') : 'no ports';
}

/** One peer (NetworkPolicy from/to entry, ANP peer, Cilium endpoint selector...) -> short text. */
function onePeer(peer: unknown): string {
  if (!isObj(peer)) return String(peer);
  const parts: string[] = [];
  for (const k of Object.keys(peer).sort()) {
    const v = peer[k];
    if (k === 'ipBlock' && isObj(v)) {
      const except = Array.isArray(v.except) && v.except.length ? ` except ${(v.except as unknown[]).join(', ')}` : '';
      parts.push(`${String(v.cidr)}${except}`);
    } else if (/selector$/i.test(k)) parts.push(`${k.replace(/Selector$/, '')} ${selectorText(v)}`);
    else if (isObj(v) && (isObj(v.namespaceSelector) || isObj(v.podSelector) || isObj(v.namespaces) || isObj(v.pods))) {
      parts.push(`${k}: ${onePeer(v)}`);
    } else parts.push(`${k} ${JSON.stringify(v)}`);
  }
  return parts.join(' & ') || 'anything';
}

/** A rule's peers (all keys except ports/action/name) -> "from pod app=cart & namespace all; 10.0.0.0/8". */
export function peersText(rule: Obj, skip: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const k of Object.keys(rule).sort()) {
    if (skip.has(k)) continue;
    const v = rule[k];
    const items = Array.isArray(v) ? v.map((x) => (isObj(x) ? onePeer(x) : String(x))) : [isObj(v) ? onePeer(v) : JSON.stringify(v)];
    out.push(`${k} ${items.length ? items.join('; ') : 'nothing'}`);
  }
  return out.join(' | ') || 'any peer';
}
