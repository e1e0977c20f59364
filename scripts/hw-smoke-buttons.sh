#!/usr/bin/env bash
# Hardware smoke check for the evaluation buttons on a real Raspberry Pi (not run in CI).
# Checks the overlay, input/LED devices, GPIO chips, groups and optional packages, then runs
# `counter-edge hw buttons --leds` so a technician presses every key and watches the lines.
# usage: scripts/hw-smoke-buttons.sh [--config /etc/counter-edge/config.yaml] [--user counter-edge] [--no-run]
set -u
CONFIG=/etc/counter-edge/config.yaml
SVC_USER=counter-edge
RUN=1
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --user) SVC_USER="$2"; shift 2 ;;
    --no-run) RUN=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

fails=0
ok()   { printf '  ok    %s\n' "$*"; }
warn() { printf '  WARN  %s\n' "$*"; }
bad()  { printf '  FAIL  %s\n' "$*"; fails=$((fails + 1)); }

echo "== board"
if [ -r /proc/device-tree/model ]; then ok "$(tr -d '\0' < /proc/device-tree/model)"; else warn "no /proc/device-tree/model: not a Raspberry Pi?"; fi
ok "kernel $(uname -r) ($(uname -m)); node $(node --version 2>/dev/null || echo missing)"

echo "== config.txt overlays"
CFGTXT=/boot/firmware/config.txt; [ -r "$CFGTXT" ] || CFGTXT=/boot/config.txt
if [ -r "$CFGTXT" ]; then
  lines=$(grep -E '^\s*dtoverlay=(counter-edge-evaluator|gpio-key|gpio-led)' "$CFGTXT" || true)
  if [ -n "$lines" ]; then echo "$lines" | sed 's/^/  ok    /'; else warn "no counter-edge-evaluator / gpio-key / gpio-led overlay in $CFGTXT (fine for USB/HID/Firmata evaluators)"; fi
else
  warn "no config.txt found"
fi

echo "== input devices (evdev backend)"
if grep -q 'counter-edge-keys' /proc/bus/input/devices 2>/dev/null; then
  ok "gpio-keys device counter-edge-keys present"
else
  warn "no input device named counter-edge-keys"
fi
grep -E '^N: Name=' /proc/bus/input/devices 2>/dev/null | sed 's/^N: Name=/  info  input: /'
for l in /dev/input/counter-edge-keys /dev/input/counter-edge-keypad; do [ -e "$l" ] && ok "$l -> $(readlink -f "$l")"; done

echo "== LEDs"
found=0
for d in /sys/class/leds/eval-*; do
  [ -e "$d" ] || continue; found=1
  grp=$(stat -c %G "$d/brightness"); perm=$(stat -c %A "$d/brightness")
  if grep -qw timer "$d/trigger"; then t="timer trigger"; else t="no timer trigger (JS blink)"; fi
  ok "$(basename "$d"): brightness $perm group $grp, $t"
done
[ $found = 1 ] || warn "no /sys/class/leds/eval-* (LEDs not wired or overlay missing)"

echo "== GPIO chips (onoff backend)"
for c in /sys/class/gpio/gpiochip*; do
  [ -e "$c" ] || continue
  printf '  info  %s label=%s base=%s ngpio=%s\n' "$(basename "$c")" "$(cat "$c/label")" "$(cat "$c/base")" "$(cat "$c/ngpio")"
done
command -v pinctrl >/dev/null && pinctrl get 5,6,13,19,26 2>/dev/null | sed 's/^/  info  /'

echo "== service user $SVC_USER"
if id "$SVC_USER" >/dev/null 2>&1; then
  groups=$(id -nG "$SVC_USER")
  for g in input gpio dialout; do
    if echo " $groups " | grep -q " $g "; then ok "in group $g"; else bad "$SVC_USER is not in group $g (usermod -aG $g $SVC_USER)"; fi
  done
else
  warn "no user $SVC_USER"
fi

echo "== optional packages"
APPDIR=$(cd "$(dirname "$0")/.." && pwd)
for p in koffi onoff node-hid serialport; do
  if (cd "$APPDIR" && node -e "import('$p').then(()=>process.exit(0),()=>process.exit(1))") 2>/dev/null; then ok "$p loads"; else warn "$p does not load (needed only by its backend; koffi only for the evdev grab)"; fi
done

echo "== service"
if systemctl is-active --quiet counter-edge 2>/dev/null; then
  warn "counter-edge is running and owns the device; stop it for this test: systemctl stop counter-edge"
fi

echo "== summary: $fails failure(s)"
[ $RUN = 1 ] || exit $((fails > 0))
echo "== counter-edge hw buttons --leds (press every key, hold one for the hold time; Ctrl-C to end)"
if command -v counter-edge >/dev/null; then
  exec counter-edge hw buttons --leds --raw --config "$CONFIG"
else
  cd "$APPDIR" && exec npx tsx device/main.ts hw buttons --leds --raw --config "$CONFIG"
fi
