#!/usr/bin/env bash
# Runs every test of the solution. Installs (first time) and starts what the tests need, on
# loopback only: RabbitMQ (Debian) and Azurite (npm) for the distributed tests, Debian's
# Chromium for the dashboard's browser test, python3-onnx for the ONNX checker. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
[[ -x /usr/sbin/rabbitmq-server || -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || missing+=(python3-onnx)   # the ONNX export test runs onnx.checker
if (( ${#missing[@]} )); then
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO="sudo"
  echo "test.sh: installing ${missing[*]} from Debian" >&2
  # Keep Debian's maintainer scripts from starting a system-wide broker: ours runs on loopback.
  made_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n "$made_policy" ]]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
bash infra/scripts/install-services.sh
bash infra/scripts/start-services.sh >/dev/null

dotnet test Pipeline.sln -c Release "$@"
