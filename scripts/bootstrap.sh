#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for dcops: the system packages the lab and the tests
# run for real (Prometheus, promtool, snmp_exporter, OpenSSH, git, iproute2, debootstrap for
# the lab's namespace servers), then a venv
# with the locked Python packages. Safe to run again: each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(prometheus prometheus-alertmanager prometheus-snmp-exporter prometheus-node-exporter openssh-server openssh-client git iproute2 python3-venv chromium debootstrap)
# The venv is built on Debian's Python when there is one: lab daemons (snmpsim) drop root
# and must be able to read the interpreter, which a Python under /root is not.
PYTHON=${DCOPS_PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )}
VENV=${DCOPS_VENV:-.venv}

log() { printf '[bootstrap] %s\n' "$*" >&2; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them first)"; exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts packaged daemons on install where it can; dcops starts its own copies.
  for svc in prometheus prometheus-alertmanager prometheus-snmp-exporter prometheus-node-exporter ssh; do
    command -v systemctl >/dev/null 2>&1 && systemctl stop "$svc" >/dev/null 2>&1 || true
  done
fi

# The editable install maps the top-level packages it finds, so a new dcops_* package
# (e.g. stacks/dcops_stacks) needs a reinstall: the package list is part of the stamp.
stamp="$VENV/.dcops-lock-$( (sha256sum requirements.lock pyproject.toml; ls -d dcops */dcops_*/ 2>/dev/null) | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  log "creating $VENV with $PYTHON"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r requirements.lock
  "$VENV/bin/python" -m pip install -q --no-deps -e .
  rm -f "$VENV"/.dcops-lock-*
  touch "$stamp"
fi
