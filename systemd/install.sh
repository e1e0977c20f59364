#!/usr/bin/env bash
# Installs counter-edge on a Raspberry Pi OS (bookworm or later) as a systemd service.
# Run from the project folder as root: sudo bash systemd/install.sh [--config FILE]
set -euo pipefail

PREFIX=/opt/counter-edge
CONF_DIR=/etc/counter-edge
UNIT=/etc/systemd/system/counter-edge.service
SRC=$(cd "$(dirname "$0")/.." && pwd)
CONFIG_SRC=""
[ "${1:-}" = "--config" ] && CONFIG_SRC=${2:?--config needs a file}

[ "$(id -u)" = 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
command -v node >/dev/null || { echo "install.sh: node (>= 20) is missing: apt-get install nodejs npm" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "install.sh: node $major is too old; need >= 20" >&2; exit 1; }

# Build tools for the native addons (better-sqlite3, serialport, unix-dgram, onoff's epoll, spi-device).
apt-get install -y --no-install-recommends build-essential python3 libudev-dev >/dev/null

# The service user, in the groups that own the devices (created if the image lacks one).
for g in gpio spi dialout lp input; do getent group "$g" >/dev/null || groupadd --system "$g"; done
id counter-edge >/dev/null 2>&1 || useradd --system --home-dir /var/lib/counter-edge --shell /usr/sbin/nologin counter-edge
usermod -a -G gpio,spi,dialout,lp,input counter-edge

# The program: a copy of this folder with production dependencies only.
mkdir -p "$PREFIX"
tar -C "$SRC" --exclude=node_modules --exclude=.git --exclude=.state -cf - . | tar -C "$PREFIX" -xf -
# Compile to plain JavaScript (dist/), then drop the build tools: the service runs on node alone.
(cd "$PREFIX" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)

# Config: keep an existing one; otherwise the given file or the production example to edit.
install -d -m 0750 -o root -g counter-edge "$CONF_DIR"
if [ ! -f "$CONF_DIR/config.yaml" ]; then
  install -m 0640 -o root -g counter-edge "${CONFIG_SRC:-$PREFIX/config/examples/production-tls.yaml}" "$CONF_DIR/config.yaml"
  echo "install.sh: edit $CONF_DIR/config.yaml (window id, broker, hardware), then: systemctl restart counter-edge"
fi
node "$PREFIX/bin/counter-edge.js" config check "$CONF_DIR/config.yaml" || echo "install.sh: the config has errors (above); fix them before starting" >&2

# udev rule for the evaluation keypad and the device-tree overlay for gpio-keys (see docs/buttons.md).
install -m 0644 "$PREFIX/drivers/buttons/pi/99-counter-edge-buttons.rules" /etc/udev/rules.d/
udevadm control --reload-rules 2>/dev/null || true
if command -v dtc >/dev/null && [ -d /boot/firmware/overlays ]; then
  dtc -@ -I dts -O dtb -o /boot/firmware/overlays/counter-edge-evaluator.dtbo "$PREFIX/drivers/buttons/pi/counter-edge-evaluator.dts" \
    && echo "install.sh: overlay installed; add 'dtoverlay=counter-edge-evaluator' to /boot/firmware/config.txt and reboot"
fi

install -m 0644 "$PREFIX/systemd/counter-edge.service" "$UNIT"
systemctl daemon-reload
systemctl enable counter-edge.service
systemctl restart counter-edge.service || true
systemctl --no-pager status counter-edge.service | head -n 15 || true
