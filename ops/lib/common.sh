# Shared by the ops/ scripts: paths of the project-local runtime.
# shellcheck shell=bash
RECSTREAM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL_DIR="$RECSTREAM_ROOT/.local"          # git-ignored: wheels, tansu, librdkafka 2.16, stacks
LOCAL_BIN="$LOCAL_DIR/bin"
LOCAL_LIB="$LOCAL_DIR/lib"
TANSU="$LOCAL_BIN/tansu"
LOCAL_PYTHON="$LOCAL_DIR/python"           # pure-Python test helpers (prometheus_client)

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
