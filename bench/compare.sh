#!/usr/bin/env bash
# Synod vs etcd vs ZooKeeper: three members of each on 127.0.0.1, fsync on, one system at a time.
#
#   bench/compare.sh [RESULTS.jsonl] [--seconds S] [--warmup-seconds S] [--ramp-seconds S]
#                    [--clients 1,16,128] [--workloads put,get-linearizable,get-serializable,mix]
#                    [--systems synod,etcd,zookeeper] [--no-build] [--jfr DIR] [--logs DIR] [--keep-data]
#                    [--repeat N] [--synod-defaults] [--synod-flags "FLAGS"] [--synod-name NAME]
#                    [--load-flags "FLAGS"]
#
# For each system in turn: start 3 members with data under a temporary directory, wait (bounded)
# until a put and a linearizable get succeed through every member, run
# io.synod.bench.load.LoadGenerator for every point, stop the members it started (SIGTERM, SIGKILL
# after 20 s) and append the JSON lines to RESULTS (default bench/results-<date>.jsonl). The first
# line appended is a "_run" record with the machine and versions. Each point also carries the
# servers' CPU time per operation (all three members together, from /proc/PID/stat). Progress and the systems' logs go
# to stderr / the temporary directory, which is removed at the end (unless --keep-data).
#
#   Synod:     bin/synod up --data DIR --auto-compaction-retention 10000 (client ports 2379, 22379, 32379),
#              JAVA_SERVER_OPTS below.
#   etcd:      Debian's etcd 3.4 (package etcd-server) with --auto-compaction-mode revision
#              --auto-compaction-retention 10000, client ports 12379/12479/12579, peer 12380/...
#   ZooKeeper: 3.9.5 from synod-bench's class path (org.apache.zookeeper:zookeeper + metrics-core +
#              snappy-java), client ports 12181-12183, quorum 12888-12890, election 13888-13890.
#   --logs DIR: copy every member's log there before the temporary directory goes.
#   --repeat N: measure every point N times back to back (one line each, "round" 1..N), e.g. a
#              10-minute sustained run reported per minute: --seconds 60 --repeat 10.
#   --synod-defaults: start Synod exactly as `bin/synod up` does by default (its own compaction
#              retention instead of the 10,000 revisions above).
#   --synod-flags "FLAGS": more flags for every Synod member (e.g. "--read-leases").
#   --synod-name NAME: the system name Synod's lines carry (default synod), to tell variants apart.
#   --load-flags "FLAGS": more flags for the load generator, e.g. "--watchers 1000 --put-rate 100"
#              (watch fan-out instead of the workloads).
#   --jfr DIR: also record each Synod member with JFR (settings=profile) while the load runs, into
#              DIR/synod-member-N.jfr. It costs the members some CPU: use it for a profile, not for
#              the figures.
#
# The script only ever signals processes it started (and the member JVMs that bin/synod started for
# it, found as that process's children). Every wait is bounded.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

results="bench/results-$(date +%F).jsonl"
seconds=10
warmup=20
ramp=2
clients="1,16,128"
workloads="put,get-linearizable,get-serializable,mix"
systems="synod,etcd,zookeeper"
build=1
jfr_dir=""
keep=0
logs_dir=""
repeat=1
synod_defaults=0
synod_flags=""
load_flags=""
synod_name="synod"
args_text="$*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --warmup-seconds) warmup="$2"; shift 2 ;;
    --ramp-seconds) ramp="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --workloads) workloads="$2"; shift 2 ;;
    --systems) systems="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --jfr) jfr_dir="$2"; shift 2 ;;
    --keep-data) keep=1; shift ;;
    --logs) logs_dir="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --synod-defaults) synod_defaults=1; shift ;;
    --synod-flags) synod_flags="$2"; shift 2 ;;
    --synod-name) synod_name="$2"; shift 2 ;;
    --load-flags) load_flags="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "compare: unknown option $1" >&2; exit 2 ;;
    *) results="$1"; shift ;;
  esac
done

# Synod and etcd both keep the newest 10,000 revisions (etcd's revision-mode auto compaction; etcd
# 3.4 applies it every 5 minutes, Synod as soon as a tenth of the retention has passed). Synod keeps
# its history on the heap, etcd on disk.
retention=10000

# The server JVMs of Synod and ZooKeeper get the same heap and collector (Synod keeps its store
# and every retained revision on the heap); the load generator gets 512 MiB.
export JAVA_SERVER_OPTS="${JAVA_SERVER_OPTS:--Xmx2g -XX:+UseSerialGC}"
JAVA_CLIENT_OPTS="-Xmx512m -XX:+UseSerialGC"

SYNOD_ENDPOINTS="127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379"
SYNOD_PORTS="2379 22379 32379 2380 22380 32380"
ETCD_CLIENT=(12379 12479 12579)
ETCD_PEER=(12380 12480 12580)
ZK_CLIENT=(12181 12182 12183)
ZK_QUORUM=(12888 12889 12890)
ZK_ELECTION=(13888 13889 13890)

log() { echo "$(date +%T) compare: $*" >&2; }

mkdir -p "$(dirname "$results")"
[[ -n "$jfr_dir" ]] && mkdir -p "$jfr_dir" && jfr_dir="$(cd "$jfr_dir" && pwd)"
[[ -n "$logs_dir" ]] && mkdir -p "$logs_dir" && logs_dir="$(cd "$logs_dir" && pwd)"
tmp="$(mktemp -d /tmp/synod-compare.XXXXXX)"

# PIDs this script started (or that bin/synod started for it); the only ones it ever signals.
declare -a started=()
# The load generator (under timeout) while it runs, so that a signal stops it at once.
helper=""

alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z* ]]
}

# Stops the given PIDs: SIGTERM, then SIGKILL to those still alive after 20 s.
stop_pids() {
  local pid i any
  [[ $# -eq 0 ]] && return 0
  for pid in "$@"; do alive "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 200; i++)); do
    any=0
    for pid in "$@"; do alive "$pid" && any=1; done
    [[ $any -eq 0 ]] && break
    sleep 0.1
  done
  for pid in "$@"; do
    if alive "$pid"; then
      log "pid $pid still alive after 20 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
  return 0
}

cleanup() {
  local status=$?
  if [[ -n "$helper" ]]; then
    stop_pids "$helper"
    helper=""
  fi
  if [[ ${#started[@]} -gt 0 ]]; then
    log "cleaning up pids ${started[*]}"
    stop_pids "${started[@]}"
    started=()
  fi
  if [[ -n "$logs_dir" ]]; then
    find "$tmp" -maxdepth 1 -name '*.log' -exec cp {} "$logs_dir/" \; 2>/dev/null || true
  fi
  if [[ $keep -eq 1 ]]; then
    log "data and logs kept in $tmp"
  else
    rm -rf "$tmp"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background and waits for it: bash runs a trap only once a foreground command
# ends, but it interrupts `wait` at once, so SIGTERM to this script is not held up by a long run.
run_waited() {
  "$@" &
  helper=$!
  local status=0
  wait "$helper" || status=$?
  helper=""
  return $status
}

ports_free() {
  local port
  for port in "$@"; do
    if ss -Htln "sport = :$port" | grep -q .; then
      log "port $port is already in use: not starting"
      return 1
    fi
  done
}

if [[ $build -eq 1 ]]; then
  log "building (mvn -q -B install -DskipTests, at most 20 min)"
  timeout 1200 mvn -q -B install -DskipTests >&2
fi
cp_file="$root/synod-bench/target/classpath.txt"
[[ -f "$cp_file" ]] || { log "missing $cp_file: build first"; exit 1; }
bench_cp="$root/synod-bench/target/classes:$(cat "$cp_file")"

if ! command -v etcd >/dev/null && [[ ",$systems," == *,etcd,* ]]; then
  log "etcd not found: apt-get install -y etcd-server"
  timeout 600 apt-get install -y etcd-server >&2 || log "could not install etcd-server"
fi

n_clients=$(tr ',' '\n' <<<"$clients" | grep -c .)
n_workloads=$(tr ',' '\n' <<<"$workloads" | grep -c .)
# Writing the keys (bounded by 300 s inside), warm-up, every point with its ramp and drain, margin.
run_bound=$((300 + warmup + n_clients * n_workloads * repeat * (ramp + seconds + 8) + 60))

etcd_version="$(etcd --version 2>/dev/null | head -1 | awk '{print $3}' || true)"
zk_jar="$(tr ':' '\n' <"$cp_file" | grep '/zookeeper-[0-9][^/]*\.jar$' | head -1)"
zk_version="$(basename "$zk_jar" .jar | sed 's/^zookeeper-//')"
{
  printf '{"system": "_run", "time": "%s", "nproc": %s, "kernel": "%s", "java": "%s", ' \
    "$(date -u +%FT%TZ)" "$(nproc)" "$(uname -r)" "$(java -version 2>&1 | head -1 | sed 's/"/\\"/g')"
  printf '"etcd": "%s", "zookeeper": "%s", "seconds": %s, "warmup_seconds": %s, "ramp_seconds": %s, ' \
    "$etcd_version" "$zk_version" "$seconds" "$warmup" "$ramp"
  printf '"disk": "%s", "args": "%s"}\n' "$(df -T "$tmp" | awk 'NR==2 {print $2 " on " $1}')" \
    "$(sed 's/[\\"]/\\&/g' <<<"$args_text")"
} >>"$results"

# Probes until every member answers (bounded), then runs the load; appends the JSON lines.
# measure SYSTEM ENDPOINTS SERVER_PIDS [LoadGenerator options...]; the servers' CPU time is read from
# /proc/PID/stat around every point.
measure() {
  local system="$1" endpoints="$2" server_pids="$3"
  shift 3
  log "$system: waiting for the cluster to answer (at most 120 s)"
  if ! run_waited timeout 150 java $JAVA_CLIENT_OPTS -cp "$bench_cp" io.synod.bench.load.LoadGenerator --probe \
      --system "$system" --endpoints "$endpoints" --ready-timeout-seconds 120 "$@"; then
    log "$system: cluster did not answer"
    printf '{"system": "%s", "error": "cluster did not answer within 120 s"}\n' "$system" >>"$results"
    return 1
  fi
  if [[ -n "$jfr_dir" && "$system" == "$synod_name" ]]; then
    local pid
    for pid in "${member_pids[@]}"; do
      timeout 30 jcmd "$pid" JFR.start name=synod-compare settings=profile maxsize=512m >&2 || true
    done
  fi
  log "$system: running the load (bounded by ${run_bound} s)"
  local status=0
  run_waited timeout -k 10 "$run_bound" java $JAVA_CLIENT_OPTS -cp "$bench_cp" io.synod.bench.load.LoadGenerator \
    --system "$system" --endpoints "$endpoints" --workloads "$workloads" --clients "$clients" \
    --seconds "$seconds" --warmup-seconds "$warmup" --ramp-seconds "$ramp" \
    --server-pids "$server_pids" --clock-ticks "$(getconf CLK_TCK)" --repeat "$repeat" $load_flags "$@" >>"$results" \
    || status=$?
  if [[ -n "$jfr_dir" && "$system" == "$synod_name" ]]; then
    local i=0
    for pid in "${member_pids[@]}"; do
      i=$((i + 1))
      timeout 60 jcmd "$pid" JFR.dump name=synod-compare filename="$jfr_dir/synod-member-$i.jfr" >&2 || true
    done
  fi
  if [[ $status -ne 0 ]]; then
    log "$system: load generator exited with $status"
    printf '{"system": "%s", "error": "load generator exited with %s"}\n' "$system" "$status" >>"$results"
  fi
  return $status
}

# ---- Synod -------------------------------------------------------------------------------------
member_pids=()
run_synod() {
  # shellcheck disable=SC2086
  ports_free $SYNOD_PORTS || return 1
  local data="$tmp/synod" pid i
  mkdir -p "$data"
  log "synod: bin/synod up --data $data (JAVA_SERVER_OPTS=$JAVA_SERVER_OPTS)"
  local flags=(--auto-compaction-retention "$retention")
  [[ $synod_defaults -eq 1 ]] && flags=()
  # shellcheck disable=SC2206
  [[ -n "$synod_flags" ]] && flags+=($synod_flags)
  "$root/bin/synod" up --data "$data" ${flags[@]+"${flags[@]}"} >"$tmp/synod-up.log" 2>&1 &
  local up=$!
  started+=("$up")
  # bin/synod may build first; then it starts three member JVMs as its children.
  member_pids=()
  for ((i = 0; i < 3000; i++)); do
    mapfile -t member_pids < <(pgrep -P "$up" -f "io.synod.server.ServerMain --id" || true)
    [[ ${#member_pids[@]} -ge 3 ]] && break
    alive "$up" || break
    sleep 0.2
  done
  if [[ ${#member_pids[@]} -lt 3 ]]; then
    log "synod: members did not start (see below)"
    tail -20 "$tmp/synod-up.log" >&2 || true
    stop_pids "$up" ${member_pids[@]+"${member_pids[@]}"}
    started=()
    return 1
  fi
  started+=("${member_pids[@]}")
  log "synod: bin/synod pid $up, members ${member_pids[*]}"
  local status=0
  measure "$synod_name" "$SYNOD_ENDPOINTS" "$(IFS=,; echo "${member_pids[*]}")" || status=$?
  log "synod: stopping"
  stop_pids "$up"
  stop_pids "${member_pids[@]}"
  started=()
  for i in 1 2 3; do cp "$data/node-$i.log" "$tmp/synod-node-$i.log" 2>/dev/null || true; done
  return $status
}

# ---- etcd --------------------------------------------------------------------------------------
run_etcd() {
  command -v etcd >/dev/null || { log "etcd: no etcd binary"; return 1; }
  ports_free "${ETCD_CLIENT[@]}" "${ETCD_PEER[@]}" || return 1
  local cluster="" i pids=() endpoints=""
  for i in 0 1 2; do
    cluster+="${cluster:+,}e$((i + 1))=http://127.0.0.1:${ETCD_PEER[$i]}"
    endpoints+="${endpoints:+,}127.0.0.1:${ETCD_CLIENT[$i]}"
  done
  for i in 0 1 2; do
    mkdir -p "$tmp/etcd-$((i + 1))"
    etcd --name "e$((i + 1))" --data-dir "$tmp/etcd-$((i + 1))" \
      --listen-client-urls "http://127.0.0.1:${ETCD_CLIENT[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${ETCD_CLIENT[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${ETCD_PEER[$i]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER[$i]}" \
      --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token synod-compare \
      --auto-compaction-mode revision --auto-compaction-retention "$retention" \
      --logger zap --log-outputs stderr >"$tmp/etcd-$((i + 1)).log" 2>&1 &
    pids+=($!)
    started+=($!)
  done
  log "etcd: $(etcd --version | head -1), pids ${pids[*]}"
  local status=0
  measure etcd "$endpoints" "$(IFS=,; echo "${pids[*]}")" || status=$?
  log "etcd: stopping"
  stop_pids "${pids[@]}"
  started=()
  return $status
}

# ---- ZooKeeper ---------------------------------------------------------------------------------
run_zookeeper() {
  [[ -n "$zk_jar" ]] || { log "zookeeper: no zookeeper jar on synod-bench's class path"; return 1; }
  ports_free "${ZK_CLIENT[@]}" "${ZK_QUORUM[@]}" "${ZK_ELECTION[@]}" || return 1
  local i pids=() endpoints="" dir servers=""
  for i in 0 1 2; do
    servers+="server.$((i + 1))=127.0.0.1:${ZK_QUORUM[$i]}:${ZK_ELECTION[$i]}"$'\n'
    endpoints+="${endpoints:+,}127.0.0.1:${ZK_CLIENT[$i]}"
  done
  for i in 0 1 2; do
    dir="$tmp/zk-$((i + 1))"
    mkdir -p "$dir/data"
    echo "$((i + 1))" >"$dir/data/myid"
    cat >"$dir/zoo.cfg" <<EOF
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=${ZK_CLIENT[$i]}
clientPortAddress=127.0.0.1
maxClientCnxns=0
forceSync=yes
admin.enableServer=false
4lw.commands.whitelist=srvr,mntr,ruok
${servers}
EOF
    # shellcheck disable=SC2086
    java $JAVA_SERVER_OPTS -Dzookeeper.admin.enableServer=false -cp "$bench_cp" \
      org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" >"$tmp/zk-$((i + 1)).log" 2>&1 &
    pids+=($!)
    started+=($!)
  done
  log "zookeeper: $zk_version from $zk_jar, pids ${pids[*]}"
  local status=0
  measure zookeeper "$endpoints" "$(IFS=,; echo "${pids[*]}")" --protocol zookeeper || status=$?
  log "zookeeper: stopping"
  stop_pids "${pids[@]}"
  started=()
  return $status
}

failed=()
IFS=',' read -r -a system_list <<<"$systems"
for system in "${system_list[@]}"; do
  case "$system" in
    synod) run_synod || failed+=(synod) ;;
    etcd) run_etcd || failed+=(etcd) ;;
    zookeeper) run_zookeeper || failed+=(zookeeper) ;;
    *) log "unknown system $system"; failed+=("$system") ;;
  esac
  if [[ $keep -eq 1 ]]; then log "logs in $tmp"; fi
done

log "results appended to $results"
if [[ ${#failed[@]} -gt 0 ]]; then
  log "failed: ${failed[*]}"
  exit 1
fi
