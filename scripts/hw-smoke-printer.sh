#!/usr/bin/env bash
# Hardware smoke test for a USB receipt printer on a real Raspberry Pi (not run in CI).
# Checks usblp, the device file and the lp group, asks the printer's DLE EOT status with plain
# shell tools, then runs `counter-edge print test`. Usage:
#   scripts/hw-smoke-printer.sh [--config /etc/counter-edge/config.yaml] [--device /dev/usb/lp0]
# The config should say printer.backend: device and printer.device_path: the same device.
set -euo pipefail

CONFIG=/etc/counter-edge/config.yaml
DEVICE=/dev/usb/lp0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG="$2"; shift 2 ;;
    --device) DEVICE="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

fail=0
say() { printf '%s\n' "$*"; }
bad() { printf 'FAIL: %s\n' "$*" >&2; fail=1; }

if lsmod 2>/dev/null | grep -q '^usblp'; then say "ok: kernel module usblp loaded"
else bad "usblp is not loaded: plug the printer in (USB-B), or sudo modprobe usblp; check dmesg | grep -i usblp"; fi

if lsusb 2>/dev/null | grep -Eiq 'printer|pos|epson|xprinter|gprinter|hprt|winbond|0416:|0fe6:|1fc9:|28e9:'; then
  say "ok: a printer-like USB device: $(lsusb | grep -Ei 'printer|pos|epson|xprinter|gprinter|hprt|winbond|0416:|0fe6:|1fc9:|28e9:' | head -1)"
else say "note: no known printer vendor in lsusb (fine if $DEVICE exists)"; fi

if [ -c "$DEVICE" ]; then say "ok: $DEVICE exists ($(stat -c '%U:%G %a' "$DEVICE"))"
else bad "$DEVICE does not exist (printer off or unplugged? a printer seen as a serial port is /dev/ttyUSB0 or /dev/ttyACM0: use backend serial)"; fi

USER_TO_CHECK="${SUDO_USER:-$(id -un)}"
if id -nG "$USER_TO_CHECK" | tr ' ' '\n' | grep -qx lp; then say "ok: $USER_TO_CHECK is in the lp group"
else bad "$USER_TO_CHECK is not in lp: sudo usermod -aG lp $USER_TO_CHECK (log in again); the service user needs it too"; fi

if systemctl is-active --quiet cups 2>/dev/null; then
  say "note: CUPS is running; if it claims the printer, $DEVICE is busy: sudo systemctl disable --now cups"
fi

[ "$fail" -eq 0 ] || { echo "fix the problems above, then run again" >&2; exit 1; }

# DLE EOT 4 (paper sensor): 0x12 = paper ok, 0x1e = near end, 0x72/0x7e = paper out.
say "asking the paper sensor (DLE EOT 4) ..."
reply=$( { exec 3<>"$DEVICE"; printf '\x10\x04\x04' >&3; timeout 2 head -c1 <&3 | od -An -tx1 | tr -d ' \n'; exec 3>&-; } 2>/dev/null || true)
case "$reply" in
  12) say "ok: status reply 0x12: paper present" ;;
  1e) say "ok: status reply 0x1e: paper near end" ;;
  72|7e) bad "status reply 0x$reply: paper out (load a roll, close the cover)" ;;
  "") say "note: no status reply within 2 s; this printer may have no back channel: set printer.status_query: false" ;;
  *) say "note: unexpected status reply 0x$reply" ;;
esac
[ "$fail" -eq 0 ] || exit 1

if systemctl is-active --quiet counter-edge 2>/dev/null; then
  say "the counter-edge service owns $DEVICE: the test page is queued there (watch: journalctl -u counter-edge -f)"
  exec counter-edge --config "$CONFIG" print test
fi
say "printing the test page directly. Expected on paper: title 打印机测试页, a 1234567890 ruler exactly one line wide,"
say "Chinese text, bold and double-size lines, 张𠮷 (printed as an image), a table, a QR code that scans as"
say "'counter-edge test <window>', then a cut."
exec counter-edge --config "$CONFIG" print test --direct
