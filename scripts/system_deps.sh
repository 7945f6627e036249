#!/usr/bin/env bash
# System packages the tests need (Debian/Ubuntu): a browser for the widget test, PostgreSQL and Redis
# for the scale-out tests, nginx as the load balancer. Installed only when missing; needs root or sudo.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"


missing_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  echo "${missing[@]:-}"
}

step "System packages for the tests (chromium, PostgreSQL, Redis, nginx)"
missing="$(missing_packages)"
if [ -z "${missing// /}" ]; then
  info "all present"
  exit 0
fi
info "missing: $missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "these packages are missing and there is no sudo to install them: $missing
Install them with your package manager (Debian/Ubuntu: apt-get install $missing) and run again."
  SUDO="sudo"
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these packages yourself: $missing"
export DEBIAN_FRONTEND=noninteractive
info "apt-get update"
$SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
info "apt-get install $missing (a minute or two)"
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || die "apt-get install $missing failed"
info "installed: $missing"
