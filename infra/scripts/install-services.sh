#!/usr/bin/env bash
# Installs what the distributed mode needs locally: RabbitMQ (Debian package) and Azurite (npm).
# Idempotent and quick when both are already present.
# Usage: infra/scripts/install-services.sh
# Env: AZURITE_PREFIX (install folder), AZURITE_VERSION (default 3.37.0).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,6p' "$0"; exit 0
fi

if [[ -x "$RABBITMQ_BIN/rabbitmq-server" ]]; then
  log "rabbitmq-server: already installed"
else
  log "rabbitmq-server: installing from Debian"
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  # The package would start a system-wide broker on all interfaces; ours runs from start-services.sh on
  # loopback. policy-rc.d answering 101 tells Debian's maintainer scripts not to start services.
  made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    made_policy=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
  [[ -n "$made_policy" ]] && $SUDO rm -f /usr/sbin/policy-rc.d
  if command -v systemctl >/dev/null && systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
    $SUDO systemctl stop rabbitmq-server || true
  fi
fi

if [[ -x "$AZURITE_PREFIX/node_modules/.bin/azurite-blob" ]]; then
  log "azurite $AZURITE_VERSION: already installed in $AZURITE_PREFIX"
else
  if ! command -v npm >/dev/null; then
    log "npm: installing nodejs and npm from Debian"
    SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  log "azurite $AZURITE_VERSION: installing into $AZURITE_PREFIX (about a minute)"
  mkdir -p "$AZURITE_PREFIX"
  npm install --prefix "$AZURITE_PREFIX" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >/dev/null
fi
log "install-services: done"
