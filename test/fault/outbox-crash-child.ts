// Child process for the crash test: appends, reports what is durable, and keeps appending until the
// parent kills it with SIGKILL (no stop(), no checkpoint: what a power cut leaves, minus the OS cache).
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { SqliteOutbox } from '../../sync/sqlite-outbox.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: outbox-crash-child.ts <db path>');
const outbox = new SqliteOutbox({
  path, window: 'A07', hall: 'main', utcOffsetMinutes: 480, clock: systemClock(), logger: createLogger({ level: 'error' }),
  synchronous: 'FULL', maxBytes: 64 * 1024 * 1024, retainPublishedHours: 24, requireAck: false, groupCommitMax: 100,
  seqReserve: 50,
});
const info = await outbox.start();
let durableUpTo = info.lastSeq;
process.stdout.write(`start ${info.boot} ${info.lastSeq}\n`);
for (let round = 0; ; round++) {
  const batch = Array.from({ length: 37 }, (_, i) => outbox.append({ type: 'evaluation.submitted', data: { round, i } }));
  const last = batch[batch.length - 1]!;
  void last.durable.then(() => {
    durableUpTo = Math.max(durableUpTo, last.envelope.seq);
    process.stdout.write(`durable ${info.boot} ${durableUpTo}\n`);
  });
  await new Promise((r) => setTimeout(r, 2));
}
