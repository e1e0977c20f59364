// MQTT benchmark: how fast the publisher drains an outbox backlog compared with raw mqtt.js QoS 1
// publishing the same payloads with the same window to the same broker, and the press → PUBACK
// latency at a steady 200 events/s. Run alone: `tsx test/bench/mqtt-bench.ts [--quick]`.
import { connectAsync, type MqttClient } from 'mqtt';
import { systemClock, type Clock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import type { EventEnvelope } from '../../core/events.ts';
import type { Outbox } from '../../sync/outbox.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { hasMosquitto, mqttConfig, startAedes, startMosquitto, type TestBroker } from '../helpers/brokers.ts';

export interface MqttBenchOptions {
  quick: boolean;
  /** Builds a fresh, empty outbox per run (the lead passes the SQLite one); default: in-memory. */
  outboxFactory?: (clock: Clock) => Promise<Outbox>;
  window?: number;
  /** Interleaved drain rounds (ours, raw, ours, raw, ...); medians are reported. Default 3. */
  rounds?: number;
}

export interface MqttBenchResult {
  broker: string;
  outbox: string;
  events: number;
  window: number;
  rounds: number;
  drain_eps: number;
  raw_drain_eps: number;
  drain_ratio: number;
  press_to_puback_p50_ms: number;
  press_to_puback_p99_ms: number;
  press_rate_eps: number;
}

const sampleInput = (i: number) => ({
  type: 'evaluation.submitted', staff_id: 'S0123', case_id: `T${String(i).padStart(5, '0')}`,
  data: { level: 'very_satisfied', ticket: `T${i}`, score: 5 },
});

/** Wraps an outbox to time every markPublished call (the moment a PUBACK was recorded). */
function timed(outbox: Outbox, onMarked: (seqs: number[], at: number) => void): Outbox {
  return new Proxy(outbox, {
    get(target, prop, receiver) {
      if (prop === 'markPublished') {
        return async (seqs: number[]) => { onMarked(seqs, performance.now()); return target.markPublished(seqs); };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function fill(outbox: Outbox, n: number): Promise<void> {
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < n; i++) {
    last = outbox.append(sampleInput(i)).durable;
    if (i % 5000 === 4999) await last;
  }
  await last;
}

function makeSync(url: string, protocol: 4 | 5, window: number, outbox: Outbox, clock: Clock, boot: number): MqttSync {
  return new MqttSync({
    config: mqttConfig(url, { protocol_version: protocol, inflight_window: window }), window: { id: 'A07', hall: 'main' },
    logger: createLogger({ level: 'error' }), clock, outbox, boot, version: 'bench', configHash: 'bench',
  });
}

async function drainWithPublisher(url: string, protocol: 4 | 5, n: number, window: number, factory: NonNullable<MqttBenchOptions['outboxFactory']>) {
  const clock = systemClock();
  let marked = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => { done = r; });
  const inner = await factory(clock);
  const info = await inner.start();
  const outbox = timed(inner, (seqs) => { marked += seqs.length; if (marked >= n) done(); });
  await fill(outbox, n);
  const payloads: string[] = (await inner.readPending(0, n)).map((e: EventEnvelope) => JSON.stringify(e));
  const sync = makeSync(url, protocol, window, outbox, clock, info.boot);
  const connected = new Promise<void>((r) => sync.once('connected', () => r()));
  await sync.start();
  await connected;
  const t0 = performance.now();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await sync.stop();
  await inner.stop();
  return { eps: n / seconds, payloads };
}

async function drainRaw(url: string, protocol: 4 | 5, payloads: string[], window: number): Promise<number> {
  const client: MqttClient = await connectAsync(url, { protocolVersion: protocol, clean: true, reconnectPeriod: 0 });
  const n = payloads.length;
  let next = 0;
  let acked = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      const i = next++;
      client.publish('zwfw/v1/main/A07/evt/evaluation/submitted', payloads[i]!, { qos: 1 }, (err) => {
        if (err) { reject(err); return; }
        if (++acked === n) { resolve(); return; }
        if (next < n) send();
      });
    };
    for (let k = 0; k < Math.min(window, n); k++) send();
  });
  const seconds = (performance.now() - t0) / 1000;
  await client.endAsync();
  return n / seconds;
}

async function pressLatency(url: string, protocol: 4 | 5, window: number, factory: NonNullable<MqttBenchOptions['outboxFactory']>, seconds: number) {
  const clock = systemClock();
  const appendedAt = new Map<number, number>();
  const latencies: number[] = [];
  const inner = await factory(clock);
  const info = await inner.start();
  const outbox = timed(inner, (seqs, at) => {
    for (const s of seqs) {
      const t = appendedAt.get(s);
      if (t !== undefined) { latencies.push(at - t); appendedAt.delete(s); }
    }
  });
  const sync = makeSync(url, protocol, window, outbox, clock, info.boot);
  const connected = new Promise<void>((r) => sync.once('connected', () => r()));
  await sync.start();
  await connected;
  const rate = 200;
  const total = rate * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    // Schedule against the start time so a slow tick does not lower the rate.
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { envelope } = outbox.append(sampleInput(i));
    appendedAt.set(envelope.seq, performance.now());
  }
  const deadline = performance.now() + 10_000;
  while (latencies.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const achieved = total / ((performance.now() - start) / 1000);
  await sync.stop();
  await inner.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  if (latencies.length < total) throw new Error(`only ${latencies.length} of ${total} events were acknowledged`);
  return { p50: pct(50), p99: pct(99), rate: Math.min(rate, achieved) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchMqtt(opts: MqttBenchOptions): Promise<MqttBenchResult> {
  const n = opts.quick ? 20_000 : 100_000;
  const window = opts.window ?? 500;
  const rounds = opts.rounds ?? 3;
  const factory = opts.outboxFactory ?? (async (clock: Clock) => new MemoryOutbox({ clock, boot: 1 }));
  const useMosquitto = hasMosquitto();
  const broker: TestBroker = useMosquitto ? await startMosquitto() : await startAedes();
  const protocol: 4 | 5 = useMosquitto ? 5 : 4;
  try {
    // Warm up both paths (JIT, broker allocations) so the first measured run is not penalised.
    const warm = await drainWithPublisher(broker.url, protocol, 2000, window, factory);
    await drainRaw(broker.url, protocol, warm.payloads, window);
    // Interleaved rounds, median of each: a shared 2-core machine makes single runs swing by 2x.
    const oursEps: number[] = [];
    const rawEps: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const ours = await drainWithPublisher(broker.url, protocol, n, window, factory);
      oursEps.push(ours.eps);
      rawEps.push(await drainRaw(broker.url, protocol, ours.payloads, window));
    }
    const drain = median(oursEps);
    const raw = median(rawEps);
    const press = await pressLatency(broker.url, protocol, window, factory, opts.quick ? 3 : 10);
    const outboxName = opts.outboxFactory ? 'custom' : 'memory';
    const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      broker: useMosquitto ? 'mosquitto (MQTT 5, set_tcp_nodelay true)' : 'aedes (MQTT 3.1.1)',
      outbox: outboxName, events: n, window,
      rounds, drain_eps: round(drain), raw_drain_eps: round(raw), drain_ratio: round(drain / raw, 3),
      press_to_puback_p50_ms: round(press.p50, 2), press_to_puback_p99_ms: round(press.p99, 2), press_rate_eps: round(press.rate),
    };
  } finally {
    await broker.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchMqtt({ quick: process.argv.includes('--quick') });
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
