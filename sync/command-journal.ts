// Remembers the answers to recent commands across restarts, so a command the center re-sends after
// the counter restarted (it never saw the cmd_res) is answered again instead of run twice.
// A small JSON file in the state directory, written atomically and off the hot path (debounced).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { defaultScheduler } from './sync-time.ts';
import type { CommandResult } from './mqtt-commands.ts';

export interface JournalEntry { cmd_id: string; name: string; result: CommandResult }

export class CommandJournal {
  private entries: JournalEntry[] = [];
  private timer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();

  private readonly scheduler: Scheduler;

  constructor(private readonly deps: { path: string; logger: Logger; max?: number; debounceMs?: number; scheduler?: Scheduler }) {
    this.scheduler = defaultScheduler(deps.scheduler);
  }

  /** Entries from the last run; a missing file is empty, a damaged one is reported and ignored. */
  async load(): Promise<JournalEntry[]> {
    let text: string;
    try {
      text = await readFile(this.deps.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.warn(`command journal ${this.deps.path} unreadable; starting empty`, { err });
      return [];
    }
    try {
      const parsed = JSON.parse(text) as { entries?: unknown };
      const ok = Array.isArray(parsed.entries) ? parsed.entries.filter(isEntry) : [];
      this.entries = ok.slice(-this.max());
      return [...this.entries];
    } catch (err) {
      this.deps.logger.warn(`command journal ${this.deps.path} is not valid JSON; starting empty`, { err });
      return [];
    }
  }

  record(entry: JournalEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.max()) this.entries.splice(0, this.entries.length - this.max());
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

  private write(): Promise<void> {
    const body = JSON.stringify({ version: 1, entries: this.entries });
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
  return !!x && typeof x.cmd_id === 'string' && typeof x.name === 'string' && !!x.result && (x.result.status === 'ok' || x.result.status === 'error');
}
