// Remembers the answers to recent commands across restarts, so a command the center re-sends after
// the counter restarted (it never saw the cmd_res) is answered again instead of run twice.
// A small JSON file in the state directory, written atomically and off the hot path (debounced).
// Only commands that ran are recorded (the processor's job), and the file is bounded in entries and
// in bytes: the newest answers stay.
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { defaultScheduler } from './sync-time.ts';
import type { CommandResult } from './mqtt-commands.ts';

export interface JournalEntry { cmd_id: string; name: string; result: CommandResult }

/** Default bound of the journal's entries together, in bytes of JSON. */
export const MAX_JOURNAL_BYTES = 256 * 1024;
/** One entry may not be bigger than this (the processor keeps answers ≤ 8 KiB). */
const MAX_ENTRY_BYTES = 16 * 1024;
/** A file bigger than this is not parsed (a journal written by an unbounded older version). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export class CommandJournal {
  private entries: Array<{ entry: JournalEntry; bytes: number }> = [];
  private bytes = 0;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();

  private readonly scheduler: Scheduler;

  constructor(private readonly deps: { path: string; logger: Logger; max?: number; maxBytes?: number; debounceMs?: number; scheduler?: Scheduler }) {
    this.scheduler = defaultScheduler(deps.scheduler);
  }

  /** Entries from the last run; a missing file is empty, a damaged one is reported and ignored. */
  async load(): Promise<JournalEntry[]> {
    let text: string;
    try {
      const file = await open(this.deps.path, 'r');
      try {
        const { size } = await file.stat();
        if (size > MAX_FILE_BYTES) {
          this.deps.logger.warn(`command journal ${this.deps.path} is ${size} bytes (over ${MAX_FILE_BYTES}); not read, starting empty`);
          return [];
        }
        text = await file.readFile('utf8');
      } finally {
        await file.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.warn(`command journal ${this.deps.path} unreadable; starting empty`, { err });
      return [];
    }
    try {
      const parsed = JSON.parse(text) as { entries?: unknown };
      const ok = Array.isArray(parsed.entries) ? parsed.entries.filter(isEntry) : [];
      this.entries = [];
      this.bytes = 0;
      for (const entry of ok) this.add(entry);
      return this.entries.map((e) => e.entry);
    } catch (err) {
      this.deps.logger.warn(`command journal ${this.deps.path} is not valid JSON; starting empty`, { err });
      return [];
    }
  }

  record(entry: JournalEntry): void {
    if (!this.add(entry)) {
      this.deps.logger.warn(`command journal: the answer to ${entry.name} ${entry.cmd_id} is too big to keep across a restart`);
      return;
    }
    if (!this.timer) {
      this.timer = this.scheduler.timeout(this.deps.debounceMs ?? 200, () => { this.timer = undefined; void this.write(); });
    }
  }

  /** Writes what is pending now (at stop). */
  async flush(): Promise<void> {
    if (this.timer) { this.timer.cancel(); this.timer = undefined; await this.write(); }
    await this.writing;
  }

  private max(): number { return this.deps.max ?? 500; }

  /** Bytes of JSON the entries take together (bounded by maxBytes). */
  get sizeBytes(): number { return this.bytes; }

  /** Adds an entry, dropping the oldest beyond the count or byte bound; false when it alone is too big. */
  private add(entry: JournalEntry): boolean {
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    if (bytes > MAX_ENTRY_BYTES) return false;
    this.entries.push({ entry, bytes });
    this.bytes += bytes;
    const maxBytes = this.deps.maxBytes ?? MAX_JOURNAL_BYTES;
    while (this.entries.length > this.max() || this.bytes > maxBytes) this.bytes -= this.entries.shift()!.bytes;
    return true;
  }

  private write(): Promise<void> {
    const body = JSON.stringify({ version: 1, entries: this.entries.map((e) => e.entry) });
    const path = this.deps.path;
    this.writing = this.writing.then(async () => {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(`${path}.tmp`, body);
        await rename(`${path}.tmp`, path);
      } catch (err) {
        // Losing the journal only weakens idempotency across a restart; the command itself is done.
        this.deps.logger.warn(`command journal ${path} not written`, { err });
      }
    });
    return this.writing;
  }
}

function isEntry(e: unknown): e is JournalEntry {
  const x = e as JournalEntry;
  return !!x && typeof x.cmd_id === 'string' && x.cmd_id.length <= 128 && typeof x.name === 'string' && x.name.length <= 64 && !!x.result && (x.result.status === 'ok' || x.result.status === 'error');
}
