// `npm run bench [-- --quick]`: the spine's figures, each next to a raw baseline measured in the same
// run on the same machine. The last line is one JSON object with the tracked keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { SqliteOutbox } from '../../sync/sqlite-outbox.ts';
import { benchOutbox } from './outbox-bench.ts';
import { benchMqtt } from './mqtt-bench.ts';
import { benchEink } from './eink-bench.ts';
import { benchRenderLoad } from './render-load-bench.ts';
import { benchServiceRss } from './service-rss.ts';
import { benchCenter } from './center-bench.ts';
import { benchSdLatency } from './sd-latency.ts';
import { benchPeer } from './peer-bench.ts';
import { benchStartup } from './startup.ts';

const quick = process.argv.includes('--quick');
const dirs: string[] = [];
const log = (title: string, figures: unknown) => process.stdout.write(`\n## ${title}\n${JSON.stringify(figures, null, 2)}\n`);

/** The MQTT benchmark over the real SQLite outbox (FULL sync), not just the in-memory one. */
const sqliteFactory = async (clock: Clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-bench-'));
  dirs.push(dir);
  return new SqliteOutbox({ path: join(dir, 'outbox.db'), window: 'BENCH', hall: 'main', utcOffsetMinutes: 480, clock,
    logger: createLogger({ level: 'error' }), synchronous: 'FULL', maxBytes: 2_000_000_000, retainPublishedHours: 24,
    requireAck: false, groupCommitMax: 1000 });
};

const started = Date.now();
try {
  // The machine may be shared: the load average goes next to the figures (start here, end in the JSON).
  process.stdout.write(`counter-edge bench (${quick ? 'quick' : 'full'}), node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const outbox = await benchOutbox({ quick });
  log('outbox (SQLite WAL, worker thread) vs raw better-sqlite3 batched inserts', outbox);
  const mqtt = await benchMqtt({ quick, outboxFactory: sqliteFactory, rounds: quick ? 1 : 3 });
  log('drain and press→PUBACK over the SQLite outbox vs raw mqtt.js QoS 1 with the same window', mqtt);
  const eink = await benchEink({ quick });
  log('e-ink nameplate render', eink);
  const renderLoad = await benchRenderLoad({ quick });
  log('event-loop delay during 300 nameplate shows + 200 last.png requests vs an idle loop', renderLoad);
  // RSS of the counter process itself (compiled build on plain node, as the systemd unit runs it).
  const rss = await benchServiceRss({ quick, drivers: 'all' });
  log(`counter process RSS: idle, and after ${rss.events} events through outbox and broker`, rss);
  // The center: ingest into SQLite and PostgreSQL next to raw batched inserts and a bare MQTT subscriber.
  const center = await benchCenter({ quick });
  log('center ingest (commit path and whole ingest) vs raw batched inserts / bare subscriber', center);
  const sd = await benchSdLatency({ quick, delays: quick ? [0, 20] : [0, 5, 20] });
  log('slow SD card: every outbox fsync/fdatasync delayed (LD_PRELOAD shim); 0 ms is the baseline', sd ?? 'skipped: no C compiler');
  const peer = await benchPeer({ quick });
  log('peer: mqtt.js + mqtt-level-store vs ours, kill -9 during an outage, then drain', peer);
  const startup = await benchStartup({ quick });
  log('start-up: spawn → READY=1 (sd_notify), compiled build, unit flags; baseline bare node', startup ?? 'skipped: unix-dgram not built');
  const sdAt = (ms: number) => sd?.runs.find((r) => r.fsync_delay_ms === ms);
  const summary = {
    append_ratio: outbox.append_ratio,
    append_eps: outbox.append_eps,
    raw_append_eps: outbox.raw_append_eps,
    commit_p50_ms: outbox.commit_p50_ms,
    commit_p99_ms: outbox.commit_p99_ms,
    loop_delay_p99_ms: outbox.loop_delay_p99_ms,
    drain_ratio: mqtt.drain_ratio,
    drain_eps: mqtt.drain_eps,
    raw_drain_eps: mqtt.raw_drain_eps,
    press_to_puback_p99_ms: mqtt.press_to_puback_p99_ms,
    rss_idle_mb: rss.rss_idle_mb,
    rss_after_mb: rss.rss_after_mb,
    rss_flat_ratio: Math.round((rss.rss_after_mb / rss.rss_idle_mb) * 100) / 100,
    rss_events: rss.events,
    rss_peak_mb: rss.rss_peak_mb,
    rss_drivers: 'all',
    sd20_append_eps: sdAt(20)?.append_eps,
    sd20_commit_p99_ms: sdAt(20)?.commit_p99_ms,
    sd20_press_to_led_p99_ms: sdAt(20)?.press_to_led_p99_ms,
    sd20_main_thread_loop_p99_ms: sdAt(20)?.main_thread_sqlite_loop_delay_p99_ms,
    sd5_commit_p99_ms: sdAt(5)?.commit_p99_ms,
    sd5_press_to_led_p99_ms: sdAt(5)?.press_to_led_p99_ms,
    sd0_commit_p99_ms: sdAt(0)?.commit_p99_ms,
    sd0_press_to_led_p99_ms: sdAt(0)?.press_to_led_p99_ms,
    peer_events_lost: peer.peer.lost,
    peer_kept_reported: peer.peer.kept_reported,
    peer_drain_eps: peer.peer.drain_eps,
    ours_events_lost: peer.ours.lost,
    ours_kept_reported: peer.ours.kept_reported,
    ours_restart_drain_eps: peer.ours.drain_eps,
    startup_ready_ms: startup?.ready_ms,
    startup_ready_no_network_ms: startup?.ready_no_network_ms,
    startup_bare_node_ms: startup?.bare_node_ms,
    load_avg_1m: Math.round(loadavg()[0]! * 10) / 10,
    bench_harness_rss_after_mb: outbox.rss_after_mb,
    render_800x480_ms: eink.render_800x480_ms,
    render_load_idle_p99_ms: renderLoad.idle_p99_ms,
    render_load_burst_p99_ms: renderLoad.burst_p99_ms,
    render_load_renders: renderLoad.nameplate_renders + renderLoad.png_renders,
    center_raw_mqtt_eps: center.raw_mqtt_eps,
    center_sqlite: center.sqlite,
    center_postgres: center.postgres ?? null,
    quick,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  process.stdout.write('\n' + JSON.stringify(summary) + '\n');
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
