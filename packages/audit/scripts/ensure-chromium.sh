#!/bin/sh
# Installs Debian's chromium for the HTML report's browser test when it is missing.
# Idempotent; a lock keeps two parallel test runs from racing apt.
set -eu
[ -x /usr/bin/chromium ] && exit 0
exec 9>/tmp/crashsafe-ensure-chromium.lock
flock 9
[ -x /usr/bin/chromium ] && exit 0
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x /usr/bin/chromium ]
