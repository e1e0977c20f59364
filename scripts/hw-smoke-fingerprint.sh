#!/usr/bin/env bash
# Hardware smoke test for the fingerprint reader on a real Raspberry Pi (not run in CI).
# Checks the UART setup, the permissions, then runs `counter-edge hw fingerprint` so a technician
# can touch the reader and see match / no_match lines. Usage:
#   scripts/hw-smoke-fingerprint.sh [--config /etc/counter-edge/config.yaml] [--port /dev/serial0]
set -euo pipefail

CONFIG=/etc/counter-edge/config.yaml
PORT=/dev/serial0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

fail=0
say() { printf '%s\n' "$*"; }
bad() { printf 'FAIL: %s\n' "$*" >&2; fail=1; }

BOOTCFG=/boot/firmware/config.txt
[ -f "$BOOTCFG" ] || BOOTCFG=/boot/config.txt
if grep -Eq '^\s*enable_uart=1' "$BOOTCFG" 2>/dev/null; then say "ok: enable_uart=1 in $BOOTCFG"
else bad "enable_uart=1 missing in $BOOTCFG (sudo raspi-config → Interface Options → Serial Port: login shell NO, hardware YES; reboot)"; fi

CMDLINE=/boot/firmware/cmdline.txt
[ -f "$CMDLINE" ] || CMDLINE=/boot/cmdline.txt
if grep -Eq 'console=(serial0|ttyAMA0|ttyS0)' "$CMDLINE" 2>/dev/null; then
  bad "the serial console still uses the UART ($CMDLINE): disable it in raspi-config, or the kernel talks to the reader"
else say "ok: no serial console on the UART"; fi

if [ -e "$PORT" ]; then say "ok: $PORT exists -> $(readlink -f "$PORT")"; else bad "$PORT does not exist (UART not enabled?)"; fi

USER_TO_CHECK="${SUDO_USER:-$(id -un)}"
if id -nG "$USER_TO_CHECK" | tr ' ' '\n' | grep -qx dialout; then say "ok: $USER_TO_CHECK is in the dialout group"
else bad "$USER_TO_CHECK is not in dialout: sudo usermod -aG dialout $USER_TO_CHECK (log in again); the service user needs it too"; fi

if systemctl is-active --quiet counter-edge 2>/dev/null; then
  say "note: the counter-edge service owns $PORT; stop it for this test: sudo systemctl stop counter-edge"
fi

[ "$fail" -eq 0 ] || { echo "fix the problems above, then run again" >&2; exit 1; }

say "starting: touch the reader with an enrolled finger (match) and an unknown one (no_match). Ctrl-C to stop."
say "expected: 'status ok', a 'module: capacity ...' line, then one line per touch; the R503 ring breathes blue."
exec counter-edge --config "$CONFIG" hw fingerprint
