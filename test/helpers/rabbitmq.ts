// rabbitmq-server with the MQTT plugin, started by a test as its own Erlang node: a unique node
// name, free ports for AMQP, Erlang distribution, epmd and MQTT, and a temp directory for mnesia,
// logs, the cookie and the enabled-plugins file. The machine's own RabbitMQ (5672) and epmd (4369)
// are never used: the node starts its own epmd on a free port, and stop() ends that epmd too.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './brokers.ts';
import { findBinary, processRunner, type ProcessBroker } from './broker-process.ts';

/**
 * The server script itself. Debian's /usr/sbin/rabbitmq-server is a wrapper that, run as root,
 * switches to the rabbitmq user (who cannot read our temp directory): use the script it wraps.
 */
export function rabbitmqServerPath(): string | undefined {
  return findBinary('RABBITMQ_SERVER_BIN', ['rabbitmq-server'], ['/usr/lib/rabbitmq/bin']);
}

export interface RabbitBroker extends ProcessBroker { dir: string; nodeName: string }

export async function startRabbitmq(): Promise<RabbitBroker> {
  const bin = rabbitmqServerPath();
  if (!bin) throw new Error('rabbitmq-server not found (set RABBITMQ_SERVER_BIN or install rabbitmq-server)');
  const dir = await mkdtemp(join(tmpdir(), 'counter-edge-rabbitmq-'));
  const port = await freePort();
  const [amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `counter-edge-test-${port}@localhost`;
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  // No rabbitmq-env.conf of the machine (it may set NODENAME and ERL_FLAGS): an empty one of ours.
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  await writeFile(join(dir, 'rabbitmq.conf'), [
    `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
    `mqtt.listeners.tcp.default = 127.0.0.1:${port}`,
    'mqtt.allow_anonymous = true',
    'mqtt.vhost = /',
    'mqtt.exchange = amq.topic',
    'log.console = true',
    'log.console.level = warning',
    'log.file = false',
    '',
  ].join('\n'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: dir, // the Erlang cookie is written here
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  };
  // ~10 s to boot on an idle machine; on two busy cores it can take several times that.
  const runner = processRunner({ what: `rabbitmq-server (${nodeName})`, bin, args: [], env, cwd: dir, port, startTimeoutMs: 120_000, stopTimeoutMs: 30_000 });
  const stopEpmd = () => { spawnSync('epmd', ['-port', String(epmdPort), '-kill'], { env: { ...env, ERL_EPMD_PORT: String(epmdPort) }, stdio: 'ignore', timeout: 5000 }); };
  try {
    await runner.launch();
  } catch (err) {
    stopEpmd();
    const log = await readFile(join(dir, 'log', `${nodeName}.log`), 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw log ? new Error(`${(err as Error).message}\n${log.slice(-3000)}`) : err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    nodeName,
    get running() { return runner.running; },
    down: () => runner.kill(),
    up: () => runner.launch(),
    async restart() { await runner.kill(); await runner.launch(); },
    async stop() { await runner.kill(); stopEpmd(); await rm(dir, { recursive: true, force: true }); },
  };
}

/** "3.10.8" from the server's install path (…/rabbitmq_server-3.10.8/sbin/rabbitmq-server), or undefined. */
export function rabbitmqVersion(): string | undefined {
  const bin = rabbitmqServerPath();
  if (!bin) return undefined;
  try { return /rabbitmq_server-(\d+\.\d+\.\d+)/.exec(realpathSync(bin))?.[1]; } catch { return undefined; }
}

/** RabbitMQ speaks MQTT 5 from 3.13 on. */
export function rabbitmqSpeaksMqtt5(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 13);
}
