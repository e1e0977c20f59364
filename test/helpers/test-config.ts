// Writes a temporary YAML config for running the real service as a child process: simulated
// buttons only (the other drivers off), a free API port chosen by the service (port 0), fast MQTT
// reconnects, and a state directory of its own. Everything it creates is removed by cleanup().
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const TEST_KEYS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied'] as const;

export interface TestConfigOptions {
  mqttUrl: string;
  window?: string;
  hall?: string;
  /** 5 (default) or 4 (MQTT 3.1.1, needed for aedes). */
  protocolVersion?: 4 | 5;
  /** Where the outbox lives; default: `state` inside the temp directory. */
  stateDir?: string;
  /** Never above info: the test learns the API port from the info line "counter started". */
  logLevel?: 'debug' | 'info';
  /** Merged over the generated mqtt section (e.g. keepalive_s, reconnect_max_ms). */
  mqtt?: Record<string, unknown>;
  /** Merged over the generated outbox section. */
  outbox?: Record<string, unknown>;
}

export interface TestConfig {
  /** The temp directory holding the config (and the state directory unless one was given). */
  dir: string;
  path: string;
  stateDir: string;
  /** Topic root of the configured window, e.g. zwfw/v1/main/F01/ */
  root: string;
  /** The outbox database file inside the state directory. */
  dbPath: string;
  cleanup(): Promise<void>;
}

export async function writeTestConfig(opts: TestConfigOptions): Promise<TestConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'counter-edge-fault-'));
  const stateDir = opts.stateDir ?? join(dir, 'state');
  const window = opts.window ?? 'F01';
  const hall = opts.hall ?? 'main';
  const config = {
    window: { id: window, hall, name: '故障测试窗口' },
    state_dir: stateDir,
    log_level: opts.logLevel ?? 'info',
    mqtt: {
      url: opts.mqttUrl,
      protocol_version: opts.protocolVersion ?? 5,
      // A short keepalive lets the broker notice a vanished client quickly (the last will).
      keepalive_s: 5,
      connect_timeout_ms: 3000,
      reconnect_min_ms: 100,
      reconnect_max_ms: 1000,
      ...opts.mqtt,
    },
    outbox: { synchronous: 'FULL', ...opts.outbox },
    api: { host: '127.0.0.1', port: 0, simulator: false },
    // debounce 0: the simulated key is clean, and presses in quick succession must all count.
    buttons: { backend: 'sim', keys: [...TEST_KEYS], debounce_ms: 0 },
    fingerprint: { enabled: false },
    printer: { enabled: false },
    eink: { enabled: false },
  };
  const path = join(dir, 'config.yaml');
  await writeFile(path, `# written by test/helpers/test-config.ts\n${stringify(config)}`);
  return {
    dir, path, stateDir, root: `zwfw/v1/${hall}/${window}/`, dbPath: join(stateDir, 'outbox.db'),
    async cleanup() { await rm(dir, { recursive: true, force: true }); },
  };
}
