#!/usr/bin/env bash
# Install the Debian packages the project needs, only those that are missing.
# Usage: scripts/install_system.sh [--test]   (--test adds what the browser tests need)
set -euo pipefail

packages=(fluidsynth fluid-soundfont-gm ffmpeg libsndfile1 rubberband-cli)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing Debian packages: ${missing[*]}"
sudo_cmd=()
[[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
