#!/usr/bin/env bash
# Local integration stack without Docker:
#   kafka     Apache Kafka 3.9 (KRaft, one broker+controller), jars resolved from Maven Central by infra/kafka/pom.xml
#   registry  the in-repo Confluent-API-compatible Schema Registry TEST DOUBLE (test/support/schema-registry/)
#   ferretdb  FerretDB v1.24 with the SQLite backend (MongoDB wire protocol), built from the Go module proxy
#   simulator the TIXnGO simulator (src/simulator/main.ts), when present
#
# Usage: scripts/stack.sh up | down [--wipe] [service...] | status | env | logs <service> [-f]
#
# Installs on first use into ${TIXNGO_STACK_CACHE:-$HOME/.cache/tixngo-bridge-stack} (outside the work tree);
# runtime state (data, pid files, logs, env) lives in <repo>/.stack/. Every service listens on 127.0.0.1 only.
# Ports: STACK_KAFKA_PORT (9092), STACK_KAFKA_CONTROLLER_PORT (9093), STACK_REGISTRY_PORT (8081),
#        STACK_FERRETDB_PORT (27017), STACK_SIMULATOR_PORT (8090).
# Timeouts: STACK_START_TIMEOUT_S (90, per service), STACK_STOP_TIMEOUT_S (20, SIGTERM before SIGKILL).
set -Eeuo pipefail
set +m # no job control: background children stay in our process group, so `setsid` below does not fork

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.stack"
# Node comes from the `node` dev dependency (npm ci puts Node 24 in node_modules/.bin); the machine's own Node
# only has to run npm.
export PATH="$ROOT/node_modules/.bin:$PATH"
CACHE="${TIXNGO_STACK_CACHE:-$HOME/.cache/tixngo-bridge-stack}"
HOST=127.0.0.1
SERVICES=(kafka registry ferretdb simulator)

KAFKA_POM="$ROOT/infra/kafka/pom.xml"
KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk # any 22-char base64url UUID; fixed, it is a throw-away cluster
KAFKA_JVM_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION="${STACK_FERRETDB_VERSION:-v1.24.2}"
SIMULATOR_MAIN="$ROOT/src/simulator/main.ts"
REGISTRY_MAIN="$ROOT/test/support/schema-registry/main.ts"
SIMULATOR_API_KEY=local-dev-api-key
START_TIMEOUT_S="${STACK_START_TIMEOUT_S:-90}"
STOP_TIMEOUT_S="${STACK_STOP_TIMEOUT_S:-20}"

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die() {
  warn "$*"
  exit 1
}

# ---------------------------------------------------------------------------------------------------------------
# Service table

default_port() {
  case "$1" in
    kafka) echo "${STACK_KAFKA_PORT:-9092}" ;;
    kafka-controller) echo "${STACK_KAFKA_CONTROLLER_PORT:-9093}" ;;
    registry) echo "${STACK_REGISTRY_PORT:-8081}" ;;
    ferretdb) echo "${STACK_FERRETDB_PORT:-27017}" ;;
    simulator) echo "${STACK_SIMULATOR_PORT:-8090}" ;;
  esac
}

port_env_of() {
  case "$1" in
    kafka) echo STACK_KAFKA_PORT ;;
    kafka-controller) echo STACK_KAFKA_CONTROLLER_PORT ;;
    registry) echo STACK_REGISTRY_PORT ;;
    ferretdb) echo STACK_FERRETDB_PORT ;;
    simulator) echo STACK_SIMULATOR_PORT ;;
  esac
}

# The port a service uses: the one recorded when it was started (while its port file exists), else env/default.
port_of() {
  local f="$STATE/$1/port"
  if [[ $1 == kafka-controller ]]; then f="$STATE/kafka/controller-port"; fi
  if [[ -s $f ]]; then cat "$f"; else default_port "$1"; fi
}

# A substring of /proc/<pid>/cmdline proving that a pid from a pid file is still our process (not a recycled pid).
marker_of() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    registry) echo "test/support/schema-registry/main.ts" ;;
    ferretdb) echo "ferretdb" ;;
    simulator) echo "src/simulator/main.ts" ;;
  esac
}

log_of() { echo "$STATE/$1/$1.log"; }
pidfile_of() { echo "$STATE/$1/pid"; }

ports_of() {
  if [[ $1 == kafka ]]; then
    echo "$(port_of kafka) $(port_of kafka-controller)"
  else
    port_of "$1"
  fi
}

is_known_service() {
  local s
  for s in "${SERVICES[@]}"; do [[ $s == "$1" ]] && return 0; done
  return 1
}

normalize_service() {
  case "$1" in
    schema-registry | sr) echo registry ;;
    mongo | mongodb) echo ferretdb ;;
    sim | tixngo) echo simulator ;;
    *) echo "$1" ;;
  esac
}

simulator_present() { [[ -f $SIMULATOR_MAIN ]]; }

# ---------------------------------------------------------------------------------------------------------------
# Process and port probes

pid_of() {
  local f
  f="$(pidfile_of "$1")"
  [[ -s $f ]] || return 1
  local pid
  pid="$(cat "$f")"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  echo "$pid"
}

# True when the pid file names a live process that is this service (checked on its command line).
is_alive() {
  local pid
  pid="$(pid_of "$1")" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(marker_of "$1")"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# "pid 123 (python3 -m http.server ...)" for whoever listens on a port, when ss or lsof can tell.
port_owner() {
  local port="$1" pid=""
  if command -v ss >/dev/null; then
    pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true)"
  fi
  if [[ -z $pid ]] && command -v lsof >/dev/null; then
    pid="$(lsof -nP -t -iTCP:"$port" -sTCP:LISTEN 2>/dev/null | head -n1 || true)"
  fi
  if [[ -n $pid ]]; then
    printf 'pid %s (%s)' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100 | sed 's/ *$//')"
  else
    printf 'an unknown process'
  fi
}

health_check() {
  local port
  port="$(port_of "$1")"
  case "$1" in
    kafka)
      grep -q "Kafka Server started" "$(log_of kafka)" 2>/dev/null && port_open "$port"
      ;;
    registry)
      curl -fsS -o /dev/null --max-time 2 "http://$HOST:$port/subjects" 2>/dev/null
      ;;
    ferretdb)
      # A real round trip through the driver the service uses, not only a TCP accept.
      port_open "$port" && (cd "$ROOT" && node -e '
        const { MongoClient } = require("mongodb");
        const c = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
        c.db("admin").command({ ping: 1 }).then(() => c.close().then(() => process.exit(0)), () => process.exit(1));
      ' "mongodb://$HOST:$port/") >/dev/null 2>&1
      ;;
    simulator)
      curl -fsS -o /dev/null --max-time 2 "http://$HOST:$port/_sim/health" 2>/dev/null
      ;;
  esac
}

# ---------------------------------------------------------------------------------------------------------------
# Tools and installation (cache outside the work tree; every artefact is built in a temp path, then renamed)

MVN_HINT="install Maven 3.8+ (apt-get install maven)"
GO_HINT="install Go >= 1.24 (apt-get install golang-go on Debian trixie, or the official Go tarball)"

need_tool() {
  local tool="$1" hint="$2"
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: $hint"
}

check_tools() {
  need_tool java "install OpenJDK 17 (apt-get install openjdk-17-jdk-headless)"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ -n $major && $major -ge 11 ]] || die "java ${major:-?} is too old for Kafka 3.9: install OpenJDK 17 (apt-get install openjdk-17-jdk-headless)"
  need_tool curl "install curl (apt-get install curl)"
  need_tool setsid "install util-linux (apt-get install util-linux)"
  need_tool flock "install util-linux (apt-get install util-linux)"
  [[ -d $ROOT/node_modules/tsx && -d $ROOT/node_modules/mongodb && -x $ROOT/node_modules/.bin/node ]] ||
    die "node_modules is missing or incomplete in $ROOT: run npm ci (it also installs Node 24 from the npm registry)"
}

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1; }

kafka_libs() {
  local key
  key="$(sha256sum "$KAFKA_POM" | cut -c1-12)"
  echo "$CACHE/kafka-$(kafka_version)-$key/libs"
}

install_kafka() {
  local libs dest tmp
  libs="$(kafka_libs)"
  dest="$(dirname "$libs")"
  [[ -d $libs ]] && return 0
  need_tool mvn "$MVN_HINT"
  say "installing Kafka $(kafka_version) jars into $dest (maven, once)"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.kafka.XXXXXX")"
  chmod 755 "$tmp"
  if ! mvn -q -B -f "$KAFKA_POM" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >"$STATE/install-kafka.log" 2>&1; then
    rm -rf "$tmp"
    warn "resolving the Kafka jars failed; last 40 lines of $STATE/install-kafka.log:"
    tail -n 40 "$STATE/install-kafka.log" >&2
    return 1
  fi
  if ! compgen -G "$tmp/libs/kafka_2.13-*.jar" >/dev/null || ! compgen -G "$tmp/libs/reload4j-*.jar" >/dev/null; then
    rm -rf "$tmp"
    warn "maven finished but kafka_2.13 or reload4j is missing from the copied classpath"
    return 1
  fi
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp" # lost a race with a concurrent install: theirs is complete
  say "kafka jars ready ($(find "$libs" -name '*.jar' | wc -l) jars)"
}

FERRETDB_PATCH="$ROOT/infra/ferretdb/sqlite-id-pushdown.patch"
# The cache key names the patch too, so a changed patch builds a new binary.
ferretdb_bin() { echo "$CACHE/ferretdb-$FERRETDB_VERSION-$(sha256sum "$FERRETDB_PATCH" | cut -c1-12)/ferretdb"; }

install_ferretdb() {
  local bin src dir tmp
  bin="$(ferretdb_bin)"
  [[ -x $bin ]] && return 0
  need_tool go "$GO_HINT"
  say "building FerretDB $FERRETDB_VERSION into $(dirname "$bin") (go, once)"
  mkdir -p "$CACHE"
  local log="$STATE/install-ferretdb.log"
  : >"$log"
  # `go install …@v1.24.x` builds a binary that panics on start ("Invalid build/version/version.txt"): the release
  # process generates that file. So: download the module, copy it somewhere writable, write version.txt, build.
  dir="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" 2>>"$log" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || true
  if [[ -z $dir || ! -d $dir ]]; then
    warn "go mod download $FERRETDB_MODULE@$FERRETDB_VERSION failed; last 40 lines of $log:"
    tail -n 40 "$log" >&2
    return 1
  fi
  src="$(mktemp -d "$CACHE/.ferretdb-src.XXXXXX")"
  cp -R "$dir/." "$src/"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  # Upstream's SQLite backend never uses its own `_id` index; the patch says why and what it changes.
  # GIT_CEILING_DIRECTORIES: should the cache sit inside some git work tree, git apply must still patch here.
  if ! (cd "$src" && GIT_CEILING_DIRECTORIES="$(dirname "$src")" git apply -p1 "$FERRETDB_PATCH") >>"$log" 2>&1; then
    rm -rf "$src"
    warn "applying $FERRETDB_PATCH failed; last 40 lines of $log:"
    tail -n 40 "$log" >&2
    return 1
  fi
  tmp="$src/.ferretdb.bin"
  if ! (cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$tmp" ./cmd/ferretdb) >>"$log" 2>&1; then
    rm -rf "$src"
    warn "building FerretDB failed; last 40 lines of $log:"
    tail -n 40 "$log" >&2
    return 1
  fi
  mkdir -p "$(dirname "$bin")"
  mv -f "$tmp" "$bin.tmp.$$" && mv -f "$bin.tmp.$$" "$bin"
  rm -rf "$src"
  say "ferretdb binary ready"
}

# Installs what the services to start are missing, in parallel (maven is mostly network, go build mostly CPU).
install_for() {
  local pk="" pf="" rc=0
  # Tool checks first, so a missing tool fails `up` at once rather than after the other install.
  if [[ " $* " == *" kafka "* && ! -d "$(kafka_libs)" ]]; then need_tool mvn "$MVN_HINT"; fi
  if [[ " $* " == *" ferretdb "* && ! -x "$(ferretdb_bin)" ]]; then need_tool go "$GO_HINT"; fi
  if [[ " $* " == *" kafka "* && ! -d "$(kafka_libs)" ]]; then
    install_kafka &
    pk=$!
  fi
  if [[ " $* " == *" ferretdb "* && ! -x "$(ferretdb_bin)" ]]; then
    install_ferretdb &
    pf=$!
  fi
  if [[ -n $pk ]]; then wait "$pk" || rc=1; fi
  if [[ -n $pf ]]; then wait "$pf" || rc=1; fi
  return "$rc"
}

# ---------------------------------------------------------------------------------------------------------------
# Start / stop

# Backgrounds a command in its own session (so `down` can signal the whole process group), records pid and port.
spawn() {
  local svc="$1"
  shift
  local log
  log="$(log_of "$svc")"
  [[ -f $log ]] && mv -f "$log" "$log.1"
  # 9>&-: the child must not inherit the lock fd, or the lock would outlive this script.
  (cd "$ROOT" && exec setsid nohup "$@" >"$log" 2>&1 </dev/null 9>&-) &
  echo $! >"$(pidfile_of "$svc")"
}

record_ports() {
  local svc="$1"
  default_port "$svc" >"$STATE/$svc/port"
  if [[ $svc == kafka ]]; then default_port kafka-controller >"$STATE/kafka/controller-port"; fi
}

start_kafka() {
  local libs="$1" dir="$STATE/kafka"
  mkdir -p "$dir/data"
  record_ports kafka
  sed -e "s|@HOST@|$HOST|g" -e "s|@KAFKA_PORT@|$(port_of kafka)|g" \
    -e "s|@CONTROLLER_PORT@|$(port_of kafka-controller)|g" -e "s|@LOG_DIRS@|$dir/data|g" \
    "$ROOT/infra/kafka/server.properties" >"$dir/server.properties"
  local logcfg="-Dlog4j.configuration=file:$ROOT/infra/kafka/log4j.properties"
  if [[ ! -f $dir/data/meta.properties ]]; then
    if ! java "${KAFKA_JVM_OPTS[@]}" "$logcfg" -cp "$libs/*" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" --ignore-formatted >"$dir/format.log" 2>&1; then
      warn "formatting the Kafka storage failed (kafka wanted $HOST:$(port_of kafka)); last 40 lines of $dir/format.log:"
      tail -n 40 "$dir/format.log" >&2
      return 1
    fi
  fi
  spawn kafka java "${KAFKA_JVM_OPTS[@]}" "$logcfg" -Dkafka.logs.dir="$dir" -cp "$libs/*" \
    kafka.Kafka "$dir/server.properties"
}

start_registry() {
  mkdir -p "$STATE/registry"
  record_ports registry
  spawn registry node --import tsx "$REGISTRY_MAIN" --host "$HOST" --port "$(port_of registry)" \
    --data "$STATE/registry/schemas.json"
}

start_ferretdb() {
  local dir="$STATE/ferretdb"
  mkdir -p "$dir/data" "$dir/state"
  record_ports ferretdb
  # --log-level=error: at warn, FerretDB logs ~25 lines for every driver close ("no such command: 'endSessions'").
  spawn ferretdb "$(ferretdb_bin)" --handler=sqlite --sqlite-url="file:$dir/data/" \
    --listen-addr="$HOST:$(port_of ferretdb)" --state-dir="$dir/state" \
    --telemetry=disable --log-level=error --debug-addr=-
}

start_simulator() {
  mkdir -p "$STATE/simulator"
  record_ports simulator
  SIMULATOR_HOST="$HOST" SIMULATOR_PORT="$(port_of simulator)" SIMULATOR_API_KEY="$SIMULATOR_API_KEY" \
    spawn simulator node --import tsx "$SIMULATOR_MAIN"
}

# Signals the service's process group (it was started with setsid), waits, escalates to SIGKILL.
stop_service() {
  local svc="$1" pid
  if ! is_alive "$svc"; then
    rm -f "$(pidfile_of "$svc")" "$STATE/$svc/port" "$STATE/$svc/controller-port"
    return 0
  fi
  pid="$(pid_of "$svc")"
  local target="$pid"
  # Field 5 of /proc/<pid>/stat is the process group; read it after the ")" that closes the command name.
  [[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f3)" == "$pid" ]] && target="-$pid"
  kill -TERM -- "$target" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$svc (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT_S}s: SIGKILL"
    kill -KILL -- "$target" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$(pidfile_of "$svc")" "$STATE/$svc/port" "$STATE/$svc/controller-port"
  say "$svc stopped (pid $pid)"
}

wait_healthy() {
  local svc="$1" pid deadline=$((SECONDS + START_TIMEOUT_S))
  pid="$(pid_of "$svc")"
  until health_check "$svc"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      fail_start "$svc" "exited during start-up"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      fail_start "$svc" "was not healthy within ${START_TIMEOUT_S}s"
      return 1
    fi
    sleep 0.25
  done
}

fail_start() {
  local svc="$1" why="$2" log
  log="$(log_of "$svc")"
  warn "$svc $why (it wanted $HOST:$(ports_of "$svc" | sed "s/ / and $HOST:/")); last 40 lines of $log:"
  tail -n 40 "$log" >&2 || true
  stop_service "$svc" >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------------------------
# Commands

env_lines() {
  cat <<EOF
export KAFKA_BROKERS=$HOST:$(port_of kafka)
export SCHEMA_REGISTRY_URL=http://$HOST:$(port_of registry)
export MONGODB_URI=mongodb://$HOST:$(port_of ferretdb)/
export TIXNGO_BASE_URL=http://$HOST:$(port_of simulator)/v3
export TIXNGO_API_KEY=$SIMULATOR_API_KEY
EOF
}

cmd_env() { env_lines; }

cmd_up() {
  local t0=$SECONDS
  check_tools
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another scripts/stack.sh holds $STATE/.lock"

  local wanted=(kafka registry ferretdb)
  if simulator_present; then
    wanted+=(simulator)
  else
    say "simulator skipped: $SIMULATOR_MAIN does not exist yet"
  fi

  # Decide per service: already running (leave it alone), or to start. A port held by anyone else fails `up`
  # before anything is started; it is never silently reused.
  local svc port to_start=() running=() conflicts=0
  for svc in "${wanted[@]}"; do
    if is_alive "$svc"; then
      running+=("$svc")
      continue
    fi
    rm -f "$(pidfile_of "$svc")" "$STATE/$svc/port" "$STATE/$svc/controller-port"
    local role
    for role in "$svc" $([[ $svc == kafka ]] && echo kafka-controller); do
      port="$(port_of "$role")"
      if port_open "$port"; then
        warn "port $HOST:$port wanted by $role is already in use by $(port_owner "$port"); stop that, or choose another port with $(port_env_of "$role")=<port>"
        conflicts=$((conflicts + 1))
      fi
    done
    to_start+=("$svc")
  done
  ((conflicts == 0)) || die "up aborted: $conflicts port conflict(s); nothing was started"

  ((${#to_start[@]} == 0)) || install_for "${to_start[@]}" || die "up aborted: installation failed"

  # Start everything first and wait afterwards, so the JVM start overlaps with the others.
  for svc in "${to_start[@]}"; do
    case "$svc" in
      kafka) start_kafka "$(kafka_libs)" || die "up aborted: kafka storage format failed" ;;
      registry) start_registry ;;
      ferretdb) start_ferretdb ;;
      simulator) start_simulator ;;
    esac
  done
  # A service that was running but not answering yet (another `up` is starting it) is waited on too.
  local failed=0
  for svc in "${wanted[@]}"; do
    if wait_healthy "$svc"; then
      if [[ " ${to_start[*]-} " == *" $svc "* ]]; then
        say "$svc started (pid $(pid_of "$svc"), $HOST:$(port_of "$svc"))"
      else
        say "$svc already running (pid $(pid_of "$svc"), $HOST:$(port_of "$svc"))"
      fi
    else
      failed=1
    fi
  done
  ((failed == 0)) || die "up failed: see the log lines above (scripts/stack.sh logs <service>)"

  env_lines >"$STATE/env.tmp" && mv -f "$STATE/env.tmp" "$STATE/env"
  say "ready in $((SECONDS - t0))s; environment (also in .stack/env, for \`source .stack/env\`):"
  env_lines
}

cmd_down() {
  local wipe=0 targets=() a
  for a in "$@"; do
    case "$a" in
      --wipe) wipe=1 ;;
      -*) die "down: unknown option $a" ;;
      *)
        a="$(normalize_service "$a")"
        is_known_service "$a" || die "down: unknown service '$a' (one of: ${SERVICES[*]})"
        targets+=("$a")
        ;;
    esac
  done
  ((${#targets[@]} > 0)) || targets=(simulator ferretdb registry kafka)
  [[ -d $STATE ]] || return 0
  exec 9>"$STATE/.lock"
  flock -w 600 9 || die "another scripts/stack.sh holds $STATE/.lock"
  local svc
  for svc in "${targets[@]}"; do stop_service "$svc"; done
  if ((wipe)); then
    for svc in "${targets[@]}"; do rm -rf "${STATE:?}/$svc"; done
    if ((${#targets[@]} == ${#SERVICES[@]})); then
      rm -f "$STATE/env" "$STATE/install-kafka.log" "$STATE/install-ferretdb.log" "$STATE/.lock"
      rmdir "$STATE" 2>/dev/null || true
    fi
    say "wiped state of: ${targets[*]}"
  fi
}

# Exit status: 0 when every service (the simulator only if it exists) is running, 3 otherwise.
cmd_status() {
  local svc all=0
  for svc in "${SERVICES[@]}"; do
    local ports
    ports="$(ports_of "$svc" | sed "s/^/$HOST:/; s/ / controller $HOST:/")"
    if is_alive "$svc"; then
      local health=healthy
      health_check "$svc" || health="NOT ANSWERING"
      [[ $health == healthy ]] || all=3
      printf '%-10s running  pid %-8s %-44s %s\n' "$svc" "$(pid_of "$svc")" "$ports" "$health"
    elif [[ $svc == simulator ]] && ! simulator_present; then
      printf '%-10s absent   %-12s %-44s %s\n' "$svc" "-" "$ports" "(src/simulator/main.ts does not exist)"
    else
      all=3
      printf '%-10s stopped  %-12s %s\n' "$svc" "-" "$ports"
    fi
  done
  return "$all"
}

cmd_logs() {
  local svc follow=0 a
  svc=""
  for a in "$@"; do
    case "$a" in
      -f | --follow) follow=1 ;;
      *) svc="$(normalize_service "$a")" ;;
    esac
  done
  [[ -n $svc ]] || die "usage: scripts/stack.sh logs <service> [-f]   (service: ${SERVICES[*]})"
  is_known_service "$svc" || die "logs: unknown service '$svc' (one of: ${SERVICES[*]})"
  local log
  log="$(log_of "$svc")"
  [[ -f $log ]] || die "no log yet for $svc ($log)"
  if ((follow)); then exec tail -n 100 -F "$log"; else tail -n "${STACK_LOG_LINES:-200}" "$log"; fi
}

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    logs) cmd_logs "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
