# Shared settings for install/start/stop-services.sh. Sourced, never run.
# Every value can be overridden from the environment.
# CI may run with a bare environment; Erlang (cookie) and npm need a HOME.
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_ROOT/.ci/state}"

RABBITMQ_PORT="${RABBITMQ_PORT:-5672}"
RABBITMQ_BIN="${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}"   # the real scripts, not the su-to-rabbitmq wrappers
RABBITMQ_STATE="$STATE_DIR/rabbitmq"
RABBITMQ_PID="$RABBITMQ_STATE/rabbitmq.pid"

AZURITE_VERSION="${AZURITE_VERSION:-3.37.0}"
# Outside the work tree so a fresh clone (CI) reuses an install made earlier on the same machine.
AZURITE_PREFIX="${AZURITE_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/pipeline/azurite-$AZURITE_VERSION}"
AZURITE_BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
AZURITE_STATE="$STATE_DIR/azurite"
AZURITE_PID="$AZURITE_STATE/azurite.pid"
AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1;"

export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-pipeline@localhost}"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$RABBITMQ_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
# Keep Erlang distribution (broker and CLI tools) on loopback too, not just AMQP.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CONFIG_FILE="$RABBITMQ_STATE/rabbitmq.conf"
export RABBITMQ_MNESIA_BASE="$RABBITMQ_STATE/mnesia"
export RABBITMQ_LOG_BASE="$RABBITMQ_STATE/log"
export RABBITMQ_PID_FILE="$RABBITMQ_PID"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_STATE/enabled_plugins"

log() { printf '%s\n' "$*" >&2; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

azurite_ready() {
  # Any HTTP answer (even 403 for an unsigned request) means the blob endpoint is serving.
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1?comp=list" || true)"
  [[ "$code" != "000" && -n "$code" ]]
}
