#!/usr/bin/env bash
# Local integration stack without Docker:
#   kafka     Apache Kafka 3.9 (KRaft, one broker+controller) and its command-line tools, jars resolved from
#             Maven Central by infra/kafka/pom.xml (runs on the `java` on PATH, 11 or later)
#   registry  Apicurio Registry 3.3.3 (its Confluent-compatible API under /apis/ccompat/v7), the application
#             tarball from Maven Central; needs a JDK 21 or later (JAVA_HOME, else the newest in /usr/lib/jvm)
#   ferretdb  FerretDB v1.24 with the SQLite backend (MongoDB wire protocol), built from the Go module proxy
#   simulator the TIXnGO simulator (src/simulator/main.ts), when present
#
# Usage: scripts/stack.sh up | down [--wipe] [service...] | status | env | logs <service> [-f]
#        scripts/stack.sh kafka-tool <tool> [args...]   Kafka's own tools against the stack's broker, e.g.
#          kafka-tool consumer-groups --describe --group tixngo-bridge-inject   (tools: consumer-groups, topics, get-offsets,
#          console-consumer, console-producer, configs, delete-records, log-dirs, or a main class)
#
# Installs on first use into ${TIXNGO_STACK_CACHE:-$HOME/.cache/tixngo-bridge-stack} (outside the work tree);
# runtime state (data, pid files, logs, env) lives in <repo>/.stack/. Every service listens on 127.0.0.1 only.
# Ports: STACK_KAFKA_PORT (9092), STACK_KAFKA_CONTROLLER_PORT (9093), STACK_REGISTRY_PORT (8081),
#        STACK_REGISTRY_MGMT_PORT (9001, the registry's health endpoints), STACK_FERRETDB_PORT (27017),
#        STACK_SIMULATOR_PORT (8090).
# Profiling: STACK_FERRETDB_DEBUG_ADDR (host:port) serves FerretDB's /debug/pprof there (off by default).
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
APICURIO_VERSION=3.3.3
APICURIO_ARTIFACT="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"
APICURIO_JVM_OPTS=(-Xms64m -Xmx256m -XX:+UseSerialGC -Djava.awt.headless=true)
# The Confluent-compatible API of Apicurio; SCHEMA_REGISTRY_URL points here.
REGISTRY_API=/apis/ccompat/v7
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
    registry-mgmt) echo "${STACK_REGISTRY_MGMT_PORT:-9001}" ;;
    ferretdb) echo "${STACK_FERRETDB_PORT:-27017}" ;;
    simulator) echo "${STACK_SIMULATOR_PORT:-8090}" ;;
  esac
}

port_env_of() {
  case "$1" in
    kafka) echo STACK_KAFKA_PORT ;;
    kafka-controller) echo STACK_KAFKA_CONTROLLER_PORT ;;
    registry) echo STACK_REGISTRY_PORT ;;
    registry-mgmt) echo STACK_REGISTRY_MGMT_PORT ;;
    ferretdb) echo STACK_FERRETDB_PORT ;;
    simulator) echo STACK_SIMULATOR_PORT ;;
  esac
}

# The port a service uses: the one recorded when it was started (while its port file exists), else env/default.
port_of() {
  local f="$STATE/$1/port"
  if [[ $1 == kafka-controller ]]; then f="$STATE/kafka/controller-port"; fi
  if [[ $1 == registry-mgmt ]]; then f="$STATE/registry/mgmt-port"; fi
  if [[ -s $f ]]; then cat "$f"; else default_port "$1"; fi
}

# A substring of /proc/<pid>/cmdline proving that a pid from a pid file is still our process (not a recycled pid).
marker_of() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    registry) echo "apicurio-$APICURIO_VERSION/quarkus-run.jar" ;;
    ferretdb) echo "ferretdb" ;;
    simulator) echo "src/simulator/main.ts" ;;
  esac
}

log_of() { echo "$STATE/$1/$1.log"; }
pidfile_of() { echo "$STATE/$1/pid"; }

# Every port of a service: its main port first, then any second one (the controller, the management interface).
ports_of() {
  case "$1" in
    kafka) echo "$(port_of kafka) $(port_of kafka-controller)" ;;
    registry) echo "$(port_of registry) $(port_of registry-mgmt)" ;;
    *) port_of "$1" ;;
  esac
}

# The port roles of a service, as port_of and port_env_of know them.
port_roles_of() {
  case "$1" in
    kafka) echo "kafka kafka-controller" ;;
    registry) echo "registry registry-mgmt" ;;
    *) echo "$1" ;;
  esac
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
      # Apicurio's readiness (storage initialised) on the management port, then the API the clients use.
      curl -fsS -o /dev/null --max-time 2 "http://$HOST:$(port_of registry-mgmt)/health/ready" 2>/dev/null &&
        curl -fsS -o /dev/null --max-time 2 "http://$HOST:$port$REGISTRY_API/subjects" 2>/dev/null
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

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }

check_tools() {
  need_tool java "install OpenJDK 17 (apt-get install openjdk-17-jdk-headless)"
  local major
  major="$(java_major java)"
  [[ -n $major && $major -ge 11 ]] || die "java ${major:-?} is too old for Kafka 3.9: install OpenJDK 17 (apt-get install openjdk-17-jdk-headless)"
  need_tool curl "install curl (apt-get install curl)"
  need_tool setsid "install util-linux (apt-get install util-linux)"
  need_tool flock "install util-linux (apt-get install util-linux)"
  [[ -d $ROOT/node_modules/tsx && -d $ROOT/node_modules/mongodb && -x $ROOT/node_modules/.bin/node ]] ||
    die "node_modules is missing or incomplete in $ROOT: run npm ci (it also installs Node 24 from the npm registry)"
}

# The java of a JDK 21 or later, for the registry (Apicurio 3 is built for Java 21): JAVA_HOME's when it is
# recent enough, else the newest under /usr/lib/jvm (STACK_JVM_DIR), else the one on PATH. Fails saying what to
# install.
REGISTRY_JAVA_MIN=21
JVM_DIR="${STACK_JVM_DIR:-/usr/lib/jvm}"
registry_java() {
  local c major best="" best_major=0
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    major="$(java_major "$JAVA_HOME/bin/java")"
    if [[ -n $major && $major -ge $REGISTRY_JAVA_MIN ]]; then
      echo "$JAVA_HOME/bin/java"
      return 0
    fi
  fi
  for c in "$JVM_DIR"/*/bin/java $(command -v java || true); do
    [[ -x $c ]] || continue
    major="$(java_major "$c")"
    if [[ -n $major && $major -ge $REGISTRY_JAVA_MIN && $major -gt $best_major ]]; then
      best="$c"
      best_major="$major"
    fi
  done
  if [[ -n $best ]]; then
    echo "$best"
    return 0
  fi
  warn "the registry (Apicurio Registry $APICURIO_VERSION) needs a JDK $REGISTRY_JAVA_MIN or later and none was found" \
    "(JAVA_HOME: ${JAVA_HOME:-unset}; $JVM_DIR: $(ls "$JVM_DIR" 2>/dev/null | tr '\n' ' '); java on PATH: $(java_major java 2>/dev/null || true))." \
    "Install one (apt-get install openjdk-21-jdk-headless, or any JDK >= $REGISTRY_JAVA_MIN) and, unless it lands in $JVM_DIR," \
    "point JAVA_HOME at it. Kafka keeps using the java on PATH."
  return 1
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

# Applied in this order; each says why and what it changes.
FERRETDB_PATCHES=("$ROOT/infra/ferretdb/sqlite-id-pushdown.patch" "$ROOT/infra/ferretdb/sqlite-bulk-update.patch")
# The cache key names the patches too, so a changed patch builds a new binary.
ferretdb_bin() { echo "$CACHE/ferretdb-$FERRETDB_VERSION-$(cat "${FERRETDB_PATCHES[@]}" | sha256sum | cut -c1-12)/ferretdb"; }

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
  # Upstream's SQLite backend never uses its own `_id` index and writes a bulk update one transaction per
  # document; the patches say why and what they change.
  # GIT_CEILING_DIRECTORIES: should the cache sit inside some git work tree, git apply must still patch here.
  local patch
  for patch in "${FERRETDB_PATCHES[@]}"; do
    if ! (cd "$src" && GIT_CEILING_DIRECTORIES="$(dirname "$src")" git apply -p1 "$patch") >>"$log" 2>&1; then
      rm -rf "$src"
      warn "applying $patch failed; last 40 lines of $log:"
      tail -n 40 "$log" >&2
      return 1
    fi
  done
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

apicurio_home() { echo "$CACHE/apicurio-$APICURIO_VERSION"; }

# Apicurio publishes its whole Quarkus application as a tar.gz on Maven Central (classifier `all`): unpack and run.
install_registry() {
  local home tmp log="$STATE/install-registry.log"
  home="$(apicurio_home)"
  [[ -f $home/quarkus-run.jar ]] && return 0
  need_tool mvn "$MVN_HINT"
  say "installing Apicurio Registry $APICURIO_VERSION into $home (maven, once; a 160 MB download)"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.apicurio.XXXXXX")"
  chmod 755 "$tmp"
  # Run inside tmp: without a project, the plugin writes its marker files under the working directory.
  if ! (cd "$tmp" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack \
    -Dartifact="$APICURIO_ARTIFACT" -DoutputDirectory="$tmp/app") >"$log" 2>&1; then
    rm -rf "$tmp"
    warn "downloading Apicurio Registry failed; last 40 lines of $log:"
    tail -n 40 "$log" >&2
    return 1
  fi
  if [[ ! -f $tmp/app/quarkus-run.jar ]]; then
    rm -rf "$tmp"
    warn "maven unpacked $APICURIO_ARTIFACT but it holds no quarkus-run.jar"
    return 1
  fi
  mv -T "$tmp/app" "$home" 2>/dev/null || true # lost a race with a concurrent install: theirs is complete
  rm -rf "$tmp"
  say "registry ready ($(du -sh "$home" | cut -f1))"
}

# Installs what the services to start are missing, in parallel (maven is mostly network, go build mostly CPU).
install_for() {
  local pk="" pr="" pf="" rc=0
  # Tool checks first, so a missing tool fails `up` at once rather than after the other install.
  if [[ " $* " == *" kafka "* && ! -d "$(kafka_libs)" ]]; then need_tool mvn "$MVN_HINT"; fi
  if [[ " $* " == *" registry "* ]]; then
    [[ -f "$(apicurio_home)/quarkus-run.jar" ]] || need_tool mvn "$MVN_HINT"
    registry_java >/dev/null || return 1
  fi
  if [[ " $* " == *" ferretdb "* && ! -x "$(ferretdb_bin)" ]]; then need_tool go "$GO_HINT"; fi
  if [[ " $* " == *" kafka "* && ! -d "$(kafka_libs)" ]]; then
    install_kafka &
    pk=$!
  fi
  if [[ " $* " == *" registry "* && ! -f "$(apicurio_home)/quarkus-run.jar" ]]; then
    install_registry &
    pr=$!
  fi
  if [[ " $* " == *" ferretdb "* && ! -x "$(ferretdb_bin)" ]]; then
    install_ferretdb &
    pf=$!
  fi
  if [[ -n $pk ]]; then wait "$pk" || rc=1; fi
  if [[ -n $pr ]]; then wait "$pr" || rc=1; fi
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
  if [[ $svc == registry ]]; then default_port registry-mgmt >"$STATE/registry/mgmt-port"; fi
}

forget_ports() { rm -f "$(pidfile_of "$1")" "$STATE/$1/port" "$STATE/$1/controller-port" "$STATE/$1/mgmt-port"; }

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

# Apicurio differs from Confluent's registry in defaults that matter here: no compatibility rule unless one is set
# (Confluent: BACKWARD), the management interface on 0.0.0.0:9000, storage in memory, subject listings capped at
# 1,000. So: a global BACKWARD rule, both interfaces on 127.0.0.1, an H2 file under .stack/ (schemas survive a
# restart), a cap no test run reaches, and no access log (a line per request).
start_registry() {
  local dir="$STATE/registry" java
  java="$(registry_java)" || return 1
  mkdir -p "$dir/data"
  record_ports registry
  spawn registry "$java" "${APICURIO_JVM_OPTS[@]}" \
    -Dquarkus.http.host="$HOST" -Dquarkus.http.port="$(port_of registry)" \
    -Dquarkus.management.host="$HOST" -Dquarkus.management.port="$(port_of registry-mgmt)" \
    -Dapicurio.rules.global.compatibility=BACKWARD \
    -Dapicurio.datasource.url="jdbc:h2:file:$dir/data/registry" \
    -Dapicurio.ccompat.max-subjects=1000000 \
    -Dquarkus.http.access-log.enabled=false \
    -jar "$(apicurio_home)/quarkus-run.jar"
}

start_ferretdb() {
  local dir="$STATE/ferretdb"
  mkdir -p "$dir/data" "$dir/state"
  record_ports ferretdb
  # --log-level=error: at warn, FerretDB logs ~25 lines for every driver close ("no such command: 'endSessions'").
  spawn ferretdb "$(ferretdb_bin)" --handler=sqlite --sqlite-url="file:$dir/data/" \
    --listen-addr="$HOST:$(port_of ferretdb)" --state-dir="$dir/state" \
    --telemetry=disable --log-level=error --debug-addr="${STACK_FERRETDB_DEBUG_ADDR:--}"
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
    forget_ports "$svc"
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
  forget_ports "$svc"
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

# What the bridge, the support CLI (`npm run cli -- status`, `trace`, `replay` of any role) and the tests need
# against this stack. PATH: this checkout's Node 24 and tools first.
env_lines() {
  cat <<EOF
export KAFKA_BROKERS=$HOST:$(port_of kafka)
export SCHEMA_REGISTRY_URL=http://$HOST:$(port_of registry)$REGISTRY_API
export MONGODB_URI=mongodb://$HOST:$(port_of ferretdb)/
export TIXNGO_BASE_URL=http://$HOST:$(port_of simulator)/v3
export TIXNGO_API_KEY=$SIMULATOR_API_KEY
export INJECT_SALES_CHANNEL_CODE=BRIDGE
export INJECT_POS_CODE=POS-TIXNGO
export BRIDGE_ORGANIZATIONS=ORG1
export CANCEL_SHIPMENT_MODES=MOBILE
export CONTROL_SHIPMENT_MODES=MOBILE
case ":\$PATH:" in *":$ROOT/node_modules/.bin:"*) ;; *) export PATH="$ROOT/node_modules/.bin:\$PATH" ;; esac
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
    forget_ports "$svc"
    local role
    for role in $(port_roles_of "$svc"); do
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
      registry) start_registry || die "up aborted: no JDK for the registry" ;;
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
      rm -f "$STATE/env" "$STATE/install-kafka.log" "$STATE/install-registry.log" "$STATE/install-ferretdb.log" "$STATE/.lock"
      rmdir "$STATE" 2>/dev/null || true
    fi
    say "wiped state of: ${targets[*]}"
  fi
}

# Exit status: 0 when every service (the simulator only if it exists) is running, 3 otherwise.
cmd_status() {
  local svc all=0
  for svc in "${SERVICES[@]}"; do
    local ports second=controller
    [[ $svc == registry ]] && second=management
    ports="$(ports_of "$svc" | sed "s/^/$HOST:/; s/ / $second $HOST:/")"
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

# Kafka's command-line tools by the name of their bin/kafka-<name>.sh script (or a main class), on the broker's
# classpath (infra/kafka/pom.xml adds kafka-tools).
kafka_tool_class() {
  case "$1" in
    consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    topics) echo org.apache.kafka.tools.TopicCommand ;;
    get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    console-producer) echo kafka.tools.ConsoleProducer ;;
    configs) echo kafka.admin.ConfigCommand ;;
    delete-records) echo org.apache.kafka.tools.DeleteRecordsCommand ;;
    log-dirs) echo org.apache.kafka.tools.LogDirsCommand ;;
    *.*) echo "$1" ;;
    *) return 1 ;;
  esac
}
KAFKA_TOOLS="consumer-groups topics get-offsets console-consumer console-producer configs delete-records log-dirs"

# Runs a Kafka tool against the stack's broker; --bootstrap-server is added unless given.
cmd_kafka_tool() {
  (($# > 0)) || die "usage: scripts/stack.sh kafka-tool <tool> [args...]   (tool: $KAFKA_TOOLS, or a main class)"
  local tool="$1" class libs
  shift
  class="$(kafka_tool_class "$tool")" || die "kafka-tool: unknown tool '$tool' (one of: $KAFKA_TOOLS, or a main class)"
  libs="$(kafka_libs)"
  [[ -d $libs ]] || die "Kafka's jars are not installed yet: run scripts/stack.sh up"
  need_tool java "install OpenJDK 17 (apt-get install openjdk-17-jdk-headless)"
  local args=("$@")
  [[ " $* " == *" --bootstrap-server"* ]] || args+=(--bootstrap-server "$HOST:$(port_of kafka)")
  exec java -Xmx256m -Djava.awt.headless=true -Dlog4j.configuration="file:$ROOT/infra/kafka/tools-log4j.properties" \
    -cp "$libs/*" "$class" "${args[@]}"
}

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
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
    kafka-tool) cmd_kafka_tool "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
