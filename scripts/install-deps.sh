#!/bin/sh
# Installs the Debian 12 packages strata needs to build, test and run its demo,
# skipping those already present. Uses sudo when not root.
set -eu
PACKAGES="build-essential cmake ninja-build
  libeigen3-dev libcli11-dev nlohmann-json3-dev libgtest-dev zlib1g-dev
  pybind11-dev python3-dev python3-numpy python3-scipy python3-sklearn python3-pytest
  python3-pip python3-setuptools python3-wheel python3-venv
  strace"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
