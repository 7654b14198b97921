#!/usr/bin/env bash
# Starts a real Kubernetes control plane on 127.0.0.1 for integration tests:
#   etcd -> kube-apiserver -> kube-controller-manager + kube-scheduler -> kwok (fake kubelets).
# Binaries come from build.sh (cached per version). Certificates, service-account keys, tokens and
# the kubeconfig are made anew for every run under $CACHE_DIR/run; nothing listens beyond loopback.
# Writes: $CACHE_DIR/kubeconfig (contexts netcity-admin and netcity-restricted) and $CACHE_DIR/env
# (source it, or use env.sh). Stop with down.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t0=$(date +%s)

if [ -f "$RUN_DIR/pids/kube-apiserver.pid" ] && kill -0 "$(cat "$RUN_DIR/pids/kube-apiserver.pid")" 2>/dev/null; then
  log "already up (pid $(cat "$RUN_DIR/pids/kube-apiserver.pid")); kubeconfig: $CACHE_DIR/kubeconfig (down.sh to stop)"
  exit 0
fi

"$CLUSTER_DIR/build.sh"
KUBE_BIN="$(kube_bin_dir)"; ETCD_BIN="$(etcd_bin_dir)"; KWOK_BIN="$(kwok_bin_dir)"
t_built=$(date +%s)

for p in "$APISERVER_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" "$KCM_PORT" "$SCHEDULER_PORT" "$KWOK_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port 127.0.0.1:$p is already in use: stop what holds it (down.sh if it is ours) or set NETCITY_*_PORT (see test/cluster/lib.sh)"
  fi
done

# Any failure from here on stops what was started, so a failed up leaves no daemons behind.
cleanup_on_failure() { local rc=$?; [ "$rc" = 0 ] || { log "up.sh failed (exit $rc); stopping what it started"; NETCITY_CLUSTER_KEEP_LOGS=1 "$CLUSTER_DIR/down.sh" >/dev/null 2>&1; }; }
trap cleanup_on_failure EXIT

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR/pki" "$RUN_DIR/logs" "$RUN_DIR/pids" "$RUN_DIR/exec"
chmod 700 "$RUN_DIR"
PKI="$RUN_DIR/pki"

# ---- PKI: one CA signs the API server's and kwok's serving certificates (EC P-256: fast to make).
ossl() { openssl "$@" 2>>"$RUN_DIR/logs/openssl.log"; }
ossl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key"
ossl req -x509 -new -key "$PKI/ca.key" -subj "/CN=netcity-test-ca" -days 2 -out "$PKI/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
serving_cert() { # <name> <CN> <subjectAltName>
  ossl ecparam -name prime256v1 -genkey -noout -out "$PKI/$1.key"
  ossl req -new -key "$PKI/$1.key" -subj "/CN=$2" -out "$PKI/$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$3" >"$PKI/$1.ext"
  ossl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
    -extfile "$PKI/$1.ext" -out "$PKI/$1.crt"
}
serving_cert apiserver kube-apiserver \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
serving_cert kwok kwok "IP:127.0.0.1,DNS:localhost"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key"
ossl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"

# ---- Static tokens: admin (system:masters), a restricted user (one namespace), and one per component.
tok() { openssl rand -hex 24; }
ADMIN_TOKEN=$(tok); RESTRICTED_TOKEN=$(tok); KCM_TOKEN=$(tok); SCHED_TOKEN=$(tok); KWOK_TOKEN=$(tok)
cat >"$PKI/tokens.csv" <<CSV
$ADMIN_TOKEN,netcity-admin,uid-admin,"system:masters"
$RESTRICTED_TOKEN,netcity-restricted,uid-restricted
$KCM_TOKEN,system:kube-controller-manager,uid-kcm
$SCHED_TOKEN,system:kube-scheduler,uid-scheduler
$KWOK_TOKEN,kwok-controller,uid-kwok,"system:masters"
CSV
chmod 600 "$PKI"/*.key "$PKI/tokens.csv"

SERVER="https://127.0.0.1:$APISERVER_PORT"
CA_DATA=$(base64 -w0 <"$PKI/ca.crt")
component_kubeconfig() { # <file> <user> <token>
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: netcity-test
  cluster: {server: "$SERVER", certificate-authority-data: "$CA_DATA"}
users:
- name: $2
  user: {token: "$3"}
contexts:
- name: $2
  context: {cluster: netcity-test, user: $2}
current-context: $2
YAML
  chmod 600 "$1"
}
component_kubeconfig "$RUN_DIR/kcm.kubeconfig" kube-controller-manager "$KCM_TOKEN"
component_kubeconfig "$RUN_DIR/scheduler.kubeconfig" kube-scheduler "$SCHED_TOKEN"
component_kubeconfig "$RUN_DIR/kwok.kubeconfig" kwok "$KWOK_TOKEN"
KUBECONFIG_OUT="$CACHE_DIR/kubeconfig"
cat >"$KUBECONFIG_OUT" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: netcity-test
  cluster: {server: "$SERVER", certificate-authority-data: "$CA_DATA"}
users:
- name: netcity-admin
  user: {token: "$ADMIN_TOKEN"}
- name: netcity-restricted
  user: {token: "$RESTRICTED_TOKEN"}
contexts:
- name: netcity-admin
  context: {cluster: netcity-test, user: netcity-admin}
- name: netcity-restricted
  context: {cluster: netcity-test, user: netcity-restricted, namespace: "$RESTRICTED_NS"}
current-context: netcity-admin
YAML
chmod 600 "$KUBECONFIG_OUT"

start() { # <name> <binary> <args...>: one daemon in its own session, logs and pid under run/
  local name="$1"; shift
  setsid nohup "$@" >"$RUN_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/pids/$name.pid"
  printf '%s\0' "$@" >"$RUN_DIR/pids/$name.args" # for restart.sh
}
wait_for() { # <what> <seconds> <command...>
  local what="$1" secs="$2"; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$what not ready after ${secs}s; last log lines:"
      tail -20 "$RUN_DIR/logs/"*"$what"*.log >&2 2>/dev/null || true
      die "$what did not become ready within ${secs}s (logs: $RUN_DIR/logs/)"
    fi
    sleep 0.3
  done
}
api() { # <method> <path> [json]: admin call to the API server
  curl -fsS --cacert "$PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -X "$1" "$SERVER$2" ${3:+--data-binary "$3"}
}

# ---- etcd
start etcd "$ETCD_BIN/etcd" --name netcity --data-dir "$RUN_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "netcity=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

# ---- kube-apiserver
start kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
  --authorization-mode=RBAC --anonymous-auth=false \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
  --kubelet-preferred-address-types=InternalIP --kubelet-certificate-authority="$PKI/ca.crt" \
  --endpoint-reconciler-type=none --profiling=false \
  --watch-cache-sizes=configmaps#0
# configmaps bypass the watch cache: their watches read etcd directly, so after an etcd compaction
# a watch from an old resourceVersion gets a real 410 Gone (the informer relist test needs one).
wait_for kube-apiserver 120 api GET /readyz

# ---- RBAC for the restricted user: read one namespace, nothing cluster-wide.
api POST /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$RESTRICTED_NS\"}}" >/dev/null
api POST "/apis/rbac.authorization.k8s.io/v1/namespaces/$RESTRICTED_NS/roles" '{
  "apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"netcity-restricted-read"},
  "rules":[
    {"apiGroups":[""],"resources":["pods","services","endpoints","serviceaccounts","namespaces","events","configmaps"],"verbs":["get","list","watch"]},
    {"apiGroups":["apps"],"resources":["deployments","replicasets","statefulsets","daemonsets"],"verbs":["get","list","watch"]},
    {"apiGroups":["batch"],"resources":["jobs","cronjobs"],"verbs":["get","list","watch"]},
    {"apiGroups":["networking.k8s.io"],"resources":["networkpolicies"],"verbs":["get","list","watch"]},
    {"apiGroups":["discovery.k8s.io"],"resources":["endpointslices"],"verbs":["get","list","watch"]},
    {"apiGroups":["cilium.io"],"resources":["ciliumnetworkpolicies"],"verbs":["get","list","watch"]}]}' >/dev/null
api POST "/apis/rbac.authorization.k8s.io/v1/namespaces/$RESTRICTED_NS/rolebindings" '{
  "apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"netcity-restricted-read"},
  "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"netcity-restricted-read"},
  "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"netcity-restricted"}]}' >/dev/null

# ---- kube-controller-manager (ReplicaSets, DaemonSets, EndpointSlices, service accounts, GC)
start kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --kubeconfig="$RUN_DIR/kcm.kubeconfig" --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
  --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --controllers='*,-node-ipam-controller' \
  --kube-api-qps=100 --kube-api-burst=200 --concurrent-namespace-syncs=5 \
  --profiling=false
# ---- kube-scheduler (binds pods to the kwok nodes)
start kube-scheduler "$KUBE_BIN/kube-scheduler" \
  --kubeconfig="$RUN_DIR/scheduler.kubeconfig" --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
  --leader-elect=false --profiling=false

# ---- kwok: stages from the kwok module itself (node init + lease heartbeat, pod ready/complete/delete),
# plus a port-forward rule: port 4245 (Hubble Relay's) of any kube-system pod forwards to a fake relay
# on loopback; kwok matches pods by exact name only, and the relay comes from a Deployment.
KWOK_DIR=$(cd "$BUILD_DIR/kwok" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
[ -d "$KWOK_DIR/kustomize/stage" ] || die "kwok module source not found in the Go module cache ($KWOK_DIR): run build.sh kwok"
{
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo '---'; cat "$KWOK_DIR/kustomize/stage/$f"
  done
  cat <<YAML
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: hubble-relay-to-fake-relay
spec:
  selector:
    matchNamespaces: [kube-system]
  forwards:
  - ports: [4245]
    target: {address: 127.0.0.1, port: $FAKE_RELAY_PORT}
---
# Exec runs the command on this machine, so it is allowed in one test namespace only (never where
# probes run: their commands would reach pod addresses, which exist only in the API here).
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: exec-in-test-namespace
spec:
  selector:
    matchNamespaces: [$EXEC_NS]
  execs:
  - local:
      workDir: $RUN_DIR/exec
      envs: [{name: NETCITY_KWOK_EXEC, value: "1"}]
---
# kwok's stages know nothing of ephemeral containers: start them as soon as they are added, as a
# kubelet would (probes add a debug container and wait for it to run).
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ephemeral-containers-running
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: DoesNotExist
    - key: '.status.phase'
      operator: In
      values: [Running]
    - key: '((.spec.ephemeralContainers // []) | length) > ((.status.ephemeralContainerStatuses // []) | length)'
      operator: In
      values: ['true']
  next:
    statusTemplate: |
      {{ \$now := Now }}
      ephemeralContainerStatuses:
      {{ range .spec.ephemeralContainers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        imageID: ""
        ready: false
        restartCount: 0
        started: true
        state:
          running:
            startedAt: {{ \$now | Quote }}
      {{ end }}
YAML
} >"$RUN_DIR/kwok.yaml"
start kwok "$KWOK_BIN/kwok" --kubeconfig="$RUN_DIR/kwok.kubeconfig" --config="$RUN_DIR/kwok.yaml" \
  --manage-all-nodes=true --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
  --tls-cert-file="$PKI/kwok.crt" --tls-private-key-file="$PKI/kwok.key" --cidr=10.244.0.1/16 \
  --node-lease-duration-seconds=40

for i in $(seq 0 $((NODE_COUNT - 1))); do
  api POST /api/v1/nodes "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"kwok-node-$i\",
    \"labels\":{\"kubernetes.io/hostname\":\"kwok-node-$i\",\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"amd64\",
      \"type\":\"kwok\",\"topology.kubernetes.io/zone\":\"zone-$((i % 2))\"},
    \"annotations\":{\"kwok.x-k8s.io/node\":\"fake\",\"node.alpha.kubernetes.io/ttl\":\"0\"}},
    \"spec\":{}}" >/dev/null
done
nodes_ready_json() { api GET /api/v1/nodes | python3 -c 'import json,sys; d=json.load(sys.stdin); n=sum(1 for i in d["items"] if any(c["type"]=="Ready" and c["status"]=="True" for c in i.get("status",{}).get("conditions",[]))); sys.exit(0 if n>='"$NODE_COUNT"' else 1)'; }
wait_for kwok 60 nodes_ready_json
# Pods need the namespace's default service account, which the controller manager creates.
wait_for kube-controller-manager 60 api GET /api/v1/namespaces/default/serviceaccounts/default

cat >"$CACHE_DIR/env" <<ENV
export NETCITY_TEST_KUBECONFIG="$KUBECONFIG_OUT"
export NETCITY_TEST_ADMIN_CONTEXT=netcity-admin
export NETCITY_TEST_RESTRICTED_CONTEXT=netcity-restricted
export NETCITY_TEST_RESTRICTED_NS="$RESTRICTED_NS"
export NETCITY_FAKE_RELAY_PORT="$FAKE_RELAY_PORT"
export NETCITY_TEST_CLUSTER_KIND=netcity-local
export NETCITY_TEST_ETCD_URL="http://127.0.0.1:$ETCD_PORT"
export NETCITY_TEST_EXEC_NS="$EXEC_NS"
ENV
t1=$(date +%s)
printf '%s up: build/cache check %ss, start %ss\n' "$(date -u +%FT%TZ)" "$((t_built - t0))" "$((t1 - t_built))" >>"$CACHE_DIR/build-times.log"
log "control plane up on $SERVER in $((t1 - t_built))s (build check $((t_built - t0))s); kubeconfig: $KUBECONFIG_OUT"
log "source test/cluster/env.sh to use it; test/cluster/down.sh to stop"
