#!/usr/bin/env bash
# Hardware smoke test for the e-ink nameplate on a Raspberry Pi with a Waveshare e-Paper HAT.
# Usage: scripts/hw-smoke-eink.sh [CONFIG.yaml]   (config with eink.backend: spi and eink.panel set)
# Checks SPI and GPIO access, then draws each nameplate state on the panel (full, then partial).
set -euo pipefail
CONFIG="${1:-/etc/counter-edge/config.yaml}"
CLI="${COUNTER_EDGE_CLI:-npx tsx device/main.ts}"
cd "$(dirname "$0")/.."

fail() { echo "FAIL: $*" >&2; exit 1; }

grep -Eq '^\s*dtparam=spi=on' /boot/firmware/config.txt /boot/config.txt 2>/dev/null \
  || fail "SPI is off: add dtparam=spi=on to /boot/firmware/config.txt and reboot"
[ -e /dev/spidev0.0 ] || fail "/dev/spidev0.0 missing (SPI overlay not loaded?)"
[ -w /dev/spidev0.0 ] || fail "/dev/spidev0.0 not writable by $(id -un): sudo usermod -aG spi $(id -un), then log in again"
[ -w /sys/class/gpio/export ] || fail "/sys/class/gpio/export not writable by $(id -un): sudo usermod -aG gpio $(id -un)"
node -e "require('spi-device')" 2>/dev/null || fail "spi-device did not build: sudo apt-get install -y build-essential python3 && npm rebuild spi-device"
echo "ok: SPI and GPIO accessible as $(id -un)"

for state in in_service paused away closed not_open; do
  echo "--- $state (watch the panel)"
  $CLI nameplate test --state "$state" --config "$CONFIG" || fail "nameplate test --state $state"
  sleep 2
done
$CLI nameplate preview --state paused --out /tmp/nameplate-paused.png --config "$CONFIG"
echo "ok: compare the panel with /tmp/nameplate-paused.png"
