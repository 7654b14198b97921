#!/usr/bin/env bash
# Stops one component of the running control plane and starts it again with the same arguments,
# for tests of what the app does while the API server is away (stale city, reconnect).
# Usage: restart.sh <etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok> [seconds down]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

name="${1:?usage: restart.sh <component> [seconds down]}"
down_for="${2:-0}"
pidf="$RUN_DIR/pids/$name.pid"; argsf="$RUN_DIR/pids/$name.args"
[ -f "$pidf" ] && [ -f "$argsf" ] || die "restart.sh: $name is not running under $RUN_DIR (start the control plane with up.sh)"
pid=$(cat "$pidf")
if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$CACHE_DIR/bin/"; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
log "$name stopped; starting again in ${down_for}s"
sleep "$down_for"
mapfile -d '' args <"$argsf"
setsid nohup "${args[@]}" >>"$RUN_DIR/logs/$name.log" 2>&1 </dev/null &
echo $! >"$pidf"
if [ "$name" = kube-apiserver ]; then
  token=$(awk -F, '$2 == "netcity-admin" { print $1 }' "$RUN_DIR/pki/tokens.csv")
  for _ in $(seq 1 600); do
    curl -fsS --cacert "$RUN_DIR/pki/ca.crt" -H "Authorization: Bearer $token" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS --cacert "$RUN_DIR/pki/ca.crt" -H "Authorization: Bearer $token" "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1 ||
    die "restart.sh: kube-apiserver not ready 120 s after restart (log: $RUN_DIR/logs/kube-apiserver.log)"
fi
log "$name running again (pid $(cat "$pidf"))"
