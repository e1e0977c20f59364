// `counter-edge mqtt check`: can this counter reach its broker with the configured URL,
// credentials and TLS files? Connects once under a separate client id (so the running service
// keeps its session), prints the outcome and exits 0 (connected) or 1 (with the reason).
import type { CliCommand } from '../config/cli-context.ts';
import { MqttConnection, safeUrl } from './mqtt-connection.ts';
import { brokerUrls, protocolName } from './mqtt-connect-plan.ts';

export const mqttCheckCommand: CliCommand = async (args, ctx) => {
  const timeoutArg = args.find((a) => a.startsWith('--timeout='));
  const timeoutMs = timeoutArg ? Number(timeoutArg.slice('--timeout='.length)) : 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    ctx.err(`mqtt check: --timeout must be a positive number of milliseconds, got "${timeoutArg}"`);
    return 2;
  }
  const { config } = ctx;
  const connection = new MqttConnection({
    config: config.mqtt,
    clientId: `${config.mqtt.client_id ?? `counter-edge-${config.window.hall}-${config.window.id}`}-check`,
    username: config.mqtt.username ?? config.window.id,
    logger: ctx.logger,
  });
  let timer: NodeJS.Timeout | undefined;
  // Referenced on purpose: the connection's retry timers are unref'd and would not keep a CLI alive.
  const connected = new Promise<boolean>((resolve) => {
    connection.once('up', () => resolve(true));
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  await connection.start();
  const ok = await connected;
  clearTimeout(timer);
  const reason = connection.lastError;
  const url = connection.safeUrl;
  const version = connection.protocolVersion;
  const user = connection.username;
  await connection.stop(1000);
  const setting = config.mqtt.protocol_version;
  const proto = version ? protocolName(version) : setting === 'auto' ? 'MQTT 5 or 3.1.1' : protocolName(setting);
  if (ok) {
    ctx.out(`ok: connected to ${url} (${proto}) ${user === undefined ? 'without a user name' : `as ${user}`}`);
    return 0;
  }
  ctx.err(`failed: cannot connect to ${brokerUrls(config.mqtt).map(safeUrl).join(', ')} (${proto}) within ${timeoutMs} ms: ${reason ?? 'no answer'}`);
  return 1;
};
