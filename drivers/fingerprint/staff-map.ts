// Which staff member each module slot belongs to: a small JSON file in the state directory.
// It holds slot numbers and staff ids only — never a template. Written atomically (temp file,
// fsync, rename) so a power cut leaves either the old or the new map, never half of one.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const STAFF_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

interface FileShape { version: 1; slots: Record<string, string> }

export class StaffMap {
  private slots = new Map<number, string>();

  constructor(private readonly file: string) {}

  get path(): string { return this.file; }

  /** Reads the file; a missing file is an empty map, a broken one an error naming the file. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') { this.slots = new Map(); return; }
      throw new Error(`fingerprint staff map ${this.file}: cannot read: ${(err as Error).message}`);
    }
    let data: unknown;
    try { data = JSON.parse(text); } catch (err) {
      throw new Error(`fingerprint staff map ${this.file}: not valid JSON: ${(err as Error).message}`);
    }
    this.slots = parseShape(data, this.file);
  }

  staffAt(slot: number): string | undefined { return this.slots.get(slot); }

  slotsOf(staffId: string): number[] {
    return [...this.slots].filter(([, s]) => s === staffId).map(([slot]) => slot).sort((a, b) => a - b);
  }

  entries(): Array<{ staff_id: string; slot: number }> {
    return [...this.slots].sort((a, b) => a[0] - b[0]).map(([slot, staff_id]) => ({ staff_id, slot }));
  }

  async set(slot: number, staffId: string): Promise<void> {
    const next = new Map(this.slots);
    next.set(slot, staffId);
    await this.save(next);
  }

  async removeSlots(slots: number[]): Promise<void> {
    const next = new Map(this.slots);
    for (const s of slots) next.delete(s);
    await this.save(next);
  }

  /** The in-memory map changes only after the file is safely on disk. */
  private async save(next: Map<number, string>): Promise<void> {
    const shape: FileShape = { version: 1, slots: Object.fromEntries([...next].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])) };
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const handle = await fs.open(tmp, 'w', 0o640);
      try {
        await handle.writeFile(JSON.stringify(shape, null, 2) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.file);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new Error(`fingerprint staff map ${this.file}: cannot write: ${(err as Error).message}`);
    }
    await syncDir(path.dirname(this.file));
    this.slots = next;
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse to fsync a directory, which is fine.
  try {
    const h = await fs.open(dir, 'r');
    try { await h.sync(); } finally { await h.close(); }
  } catch { /* best effort */ }
}

function parseShape(data: unknown, file: string): Map<number, string> {
  const slots = (data as Partial<FileShape> | null)?.slots;
  if (typeof data !== 'object' || data === null || (data as FileShape).version !== 1 || typeof slots !== 'object' || slots === null) {
    throw new Error(`fingerprint staff map ${file}: expected {"version":1,"slots":{...}}`);
  }
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(slots)) {
    const slot = Number(k);
    if (!/^\d+$/.test(k) || slot > 0xffff) throw new Error(`fingerprint staff map ${file}: slots.${k}: slot must be an integer 0..65535`);
    if (typeof v !== 'string' || !STAFF_ID_PATTERN.test(v)) throw new Error(`fingerprint staff map ${file}: slots.${k}: staff id must match ${STAFF_ID_PATTERN}`);
    out.set(slot, v);
  }
  return out;
}
