#!/usr/bin/env bash
# The system parts the test suite needs, installed when missing: the one setup script that
# `make test` and .ci/run share. A part that is missing and cannot be installed here (not root,
# no passwordless sudo, no apt) is reported in one line; the tests that need it then fail with
# the same instruction. Never downloads a browser build of its own: Debian's packages only.
#
# Each line of PARTS: the command the tests look for, then the Debian package that provides it
# (chromium for the HTML tests; postgresql for a throwaway server the PostgreSQL tests start
# on a private socket, never the system's own cluster).
set -uo pipefail

PARTS=(
  "chromium chromium"
  "postgres postgresql"
)

have() {
  case "$1" in
    chromium) command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ;;
    # Debian keeps the server's programs under /usr/lib/postgresql/VERSION/bin, off the PATH
    postgres) command -v postgres >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for part in "${PARTS[@]}"; do
  read -r cmd pkg <<<"$part"
  have "$cmd" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "test-deps: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]} (the tests that need it will fail until then)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${missing[*]} and no apt-get here; install the package(s) ${missing[*]} with this system's package manager" >&2
  exit 0
fi

echo "test-deps: installing ${missing[*]} (Debian packages, once)" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The package lists of a new machine may be empty or old: install, and on failure refresh
# them and try once more.
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  if ! { "${SUDO[@]}" apt-get update -qq &&
         "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    echo "test-deps: could not install ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
  fi
fi
