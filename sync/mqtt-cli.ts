// `counter-edge mqtt check`: can this counter reach its broker with the configured URL,
// credentials and TLS files? Connects once under a separate client id (so the running service
// keeps its session), prints the outcome and exits 0 (connected) or 1 (with the reason).
import type { CliCommand } from '../config/cli-context.ts';
import { systemScheduler } from '../core/scheduler.ts';
import { MqttConnection, safeUrl } from './mqtt-connection.ts';

export const mqttCheckCommand: CliCommand = async (args, ctx) => {
  const timeoutArg = args.find((a) => a.startsWith('--timeout='));
  const timeoutMs = timeoutArg ? Number(timeoutArg.slice('--timeout='.length)) : 10_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    ctx.err(`mqtt check: --timeout must be a positive number of milliseconds, got "${timeoutArg}"`);
    return 2;
  }
  const { config } = ctx;
  const url = safeUrl(config.mqtt.url);
  const connection = new MqttConnection({
    config: config.mqtt,
    clientId: `${config.mqtt.client_id ?? `counter-edge-${config.window.hall}-${config.window.id}`}-check`,
    username: config.mqtt.username ?? config.window.id,
    logger: ctx.logger,
  });
  // A CLI is a composition root: it takes the system's scheduler. Its sleeps keep the process alive
  // (the connection's retry timers are unref'd and would not), in short steps so success ends it soon.
  const scheduler = systemScheduler();
  let ok = false;
  connection.once('up', () => { ok = true; });
  await connection.start();
  const STEP_MS = 50;
  for (let waited = 0; !ok && waited < timeoutMs; waited += STEP_MS) await scheduler.sleep(Math.min(STEP_MS, timeoutMs - waited));
  const reason = connection.lastError;
  await connection.stop(1000);
  const proto = config.mqtt.protocol_version === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  if (ok) {
    ctx.out(`ok: connected to ${url} (${proto}) as ${config.mqtt.username ?? config.window.id}`);
    return 0;
  }
  ctx.err(`failed: cannot connect to ${url} (${proto}) within ${timeoutMs} ms: ${reason ?? 'no answer'}`);
  return 1;
};
