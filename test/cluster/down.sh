#!/usr/bin/env bash
# Stops the control plane that up.sh started (only the processes whose pids it recorded) and
# removes the per-run state (keys, tokens, etcd data). Cached binaries stay.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -d "$RUN_DIR/pids" ] || { log "nothing to stop ($RUN_DIR/pids not found)"; exit 0; }
# All at once: the cluster is thrown away, so no component needs the others to stop cleanly.
pids=()
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f="$RUN_DIR/pids/$name.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  # Only signal a pid that still runs one of our cached binaries (pids get reused).
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$CACHE_DIR/bin/"; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$name:$pid")
  fi
  rm -f "$f"
done
for entry in "${pids[@]}"; do
  name="${entry%%:*}"; pid="${entry#*:}"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "$name (pid $pid) ignored SIGTERM for 5 s; killing"; kill -KILL "$pid" 2>/dev/null; }
done
if [ "${NETCITY_CLUSTER_KEEP_LOGS:-}" = "1" ]; then
  rm -rf "$RUN_DIR/etcd" "$RUN_DIR/pki" "$RUN_DIR"/*.kubeconfig
else
  rm -rf "$RUN_DIR"
fi
rm -f "$CACHE_DIR/kubeconfig" "$CACHE_DIR/env"
log "stopped"
