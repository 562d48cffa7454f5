#!/usr/bin/env bash
# Stops the RabbitMQ and Azurite started by start-services.sh (found through their pid files
# under $STATE_DIR). Data stays in $STATE_DIR; pass --clean to delete it as well.
# Usage: infra/scripts/stop-services.sh [--clean]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

case "${1:-}" in
  -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
esac

if pid_alive "$RABBITMQ_PID"; then
  log "rabbitmq: stopping (pid $(cat "$RABBITMQ_PID"))"
  "$RABBITMQ_BIN/rabbitmqctl" stop "$RABBITMQ_PID" >/dev/null 2>&1 || kill "$(cat "$RABBITMQ_PID")" 2>/dev/null || true
  rm -f "$RABBITMQ_PID"
else
  log "rabbitmq: not running (from $RABBITMQ_STATE)"
fi
# epmd was started by the broker on loopback; it is shared and harmless, so it is left running.

if pid_alive "$AZURITE_PID"; then
  pid="$(cat "$AZURITE_PID")"
  log "azurite: stopping (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$AZURITE_PID"
else
  log "azurite: not running (from $AZURITE_STATE)"
fi

if [[ "${1:-}" == "--clean" ]]; then
  rm -rf "$RABBITMQ_STATE" "$AZURITE_STATE"
  log "state removed"
fi
