#!/usr/bin/env bash
# Starts RabbitMQ and Azurite (blob) in the background on 127.0.0.1, waits until both serve,
# writes pid files under $STATE_DIR and prints the connection settings (as env assignments).
# Idempotent: a service that is already running is left alone and reported.
# Usage: infra/scripts/start-services.sh        (run install-services.sh once first)
# Env: STATE_DIR (default <repo>/.ci/state), RABBITMQ_PORT (5672), AZURITE_BLOB_PORT (10000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,7p' "$0"; exit 0
fi

start_rabbitmq() {
  if port_open "$RABBITMQ_PORT"; then
    log "rabbitmq: already running on 127.0.0.1:$RABBITMQ_PORT"
    return
  fi
  [[ -x "$RABBITMQ_BIN/rabbitmq-server" ]] || { log "rabbitmq-server not installed: run infra/scripts/install-services.sh"; exit 1; }
  mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  cat > "$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
loopback_users.guest = true
log.console = false
log.file.level = warning
# A long ingest or purify decision may hold its delivery longer than the default 30 min.
consumer_timeout = 14400000
CONF
  : > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  rm -f "$RABBITMQ_PID"
  log "rabbitmq: starting (node $RABBITMQ_NODENAME, state in $RABBITMQ_STATE)"
  "$RABBITMQ_BIN/rabbitmq-server" -detached
  # `wait` blocks until the pid file appears and the app has booted; await_startup fails if called too early.
  for _ in $(seq 1 60); do [[ -s "$RABBITMQ_PID" ]] && break; sleep 0.5; done
  [[ -s "$RABBITMQ_PID" ]] || { log "rabbitmq: no pid file after 30 s; see $RABBITMQ_LOG_BASE"; exit 1; }
  if ! timeout 90 "$RABBITMQ_BIN/rabbitmqctl" wait --timeout 90 "$RABBITMQ_PID" >/dev/null; then
    log "rabbitmq: did not become ready; see $RABBITMQ_LOG_BASE"; exit 1
  fi
  for _ in $(seq 1 40); do port_open "$RABBITMQ_PORT" && break; sleep 0.25; done
  port_open "$RABBITMQ_PORT" || { log "rabbitmq: port $RABBITMQ_PORT not listening; see $RABBITMQ_LOG_BASE"; exit 1; }
  log "rabbitmq: ready (pid $(cat "$RABBITMQ_PID"))"
}

start_azurite() {
  if azurite_ready; then
    log "azurite: already running on 127.0.0.1:$AZURITE_BLOB_PORT"
    return
  fi
  local bin="$AZURITE_PREFIX/node_modules/.bin/azurite-blob"
  [[ -x "$bin" ]] || { log "azurite not installed in $AZURITE_PREFIX: run infra/scripts/install-services.sh"; exit 1; }
  mkdir -p "$AZURITE_STATE/data"
  log "azurite: starting (data in $AZURITE_STATE/data)"
  # --skipApiVersionCheck: Azure.Storage.Blobs 12.30 speaks a newer service version than Azurite 3.37 knows.
  nohup "$bin" --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" --location "$AZURITE_STATE/data" \
    --skipApiVersionCheck --silent > "$AZURITE_STATE/azurite.log" 2>&1 < /dev/null &
  echo $! > "$AZURITE_PID"
  for _ in $(seq 1 120); do
    azurite_ready && { log "azurite: ready (pid $(cat "$AZURITE_PID"))"; return; }
    pid_alive "$AZURITE_PID" || { log "azurite: exited; see $AZURITE_STATE/azurite.log"; tail -5 "$AZURITE_STATE/azurite.log" >&2; exit 1; }
    sleep 0.5
  done
  log "azurite: not ready after 60 s; see $AZURITE_STATE/azurite.log"; exit 1
}

mkdir -p "$STATE_DIR"
start_rabbitmq
start_azurite

cat <<SETTINGS
RABBITMQ_HOST=127.0.0.1
RABBITMQ_PORT=$RABBITMQ_PORT
RABBITMQ_USER=guest
RABBITMQ_PASS=guest
AZURE_STORAGE_CONNECTION_STRING='$AZURITE_CONNECTION_STRING'
# for the services: Pipeline__Transport=RabbitMq Pipeline__BlobStore=Azure
#   Pipeline__AzureConnectionString=\$AZURE_STORAGE_CONNECTION_STRING Pipeline__RabbitMq__Host=127.0.0.1
SETTINGS
