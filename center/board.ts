// The hall board: one page served by `counter-edge center run` (default 127.0.0.1:8490). Tiles per
// window, a live feed over server-sent events (pushed right after each commit, so a change shows
// within a second), open 差评 with answer deadlines, and two supervisor actions: approve a pause and
// send a notice (commands with a cmd_id, answered on cmd_res, logged with who did it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { BoardState } from './board-state.ts';
import { boardPage } from './board-page.ts';
import type { StoredEvent } from './envelope.ts';
import { isBadRating } from './facts.ts';
import type { CenterIngest } from './ingest.ts';
import type { CenterStore, CommitResult } from './store.ts';
import { addWorkingDays, localDate, localMidnight, type WorkingDays } from './working-days.ts';

export interface BoardOptions { host: string; port: number; utcOffsetMinutes: number; answerWorkingDays: number; calendar: WorkingDays }
export interface BoardDeps { store: CenterStore; ingest: CenterIngest; clock: Clock; scheduler: Scheduler; logger: Logger; options: BoardOptions }

/** What a supervisor may send from the board, and how its arguments are checked. */
const ACTIONS: Record<string, (args: Record<string, unknown>) => string | undefined> = {
  'pause.approve': (a) => (Object.keys(a).length === 0 ? undefined : 'pause.approve takes no arguments (the approver is who sends it)'),
  'notice.show': (a) => (typeof a.text === 'string' && a.text.length >= 1 && a.text.length <= 200 && !/[\x00-\x1f]/.test(a.text) ? undefined : 'text must be 1-200 characters on one line')
    ?? (a.minutes === undefined || (Number.isInteger(a.minutes) && (a.minutes as number) >= 1 && (a.minutes as number) <= 240) ? undefined : 'minutes must be an integer 1-240'),
};

/** The payload the counter's schema expects (device/counter/commands.ts), with who acted in it. */
function payloadOf(name: string, args: Record<string, unknown>, who: string): Record<string, unknown> {
  if (name === 'pause.approve') return { approved_by: who.slice(0, 32) };
  return { text: args.text, ...(args.minutes !== undefined ? { minutes: args.minutes } : {}), by: who.slice(0, 64) };
}
const MAX_BODY = 16 * 1024;
const BAD_WINDOW_DAYS = 45;

class HttpError extends Error { constructor(readonly status: number, message: string) { super(message); } }

export class HallBoard {
  private server: Server | undefined;
  private readonly state: BoardState;
  private readonly streams = new Set<ServerResponse>();
  private heartbeat: TimerHandle | undefined;
  private readonly onCommitted = (r: CommitResult) => { void this.pushCommit(r); };

  constructor(private readonly deps: BoardDeps) { this.state = new BoardState(deps.options.utcOffsetMinutes); }

  get port(): number { const a = this.server?.address(); return a && typeof a === 'object' ? a.port : 0; }

  async start(): Promise<void> {
    await this.loadToday();
    this.deps.ingest.on('committed', this.onCommitted);
    this.server = createServer((req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.deps.options.port, this.deps.options.host, () => { this.server!.off('error', reject); resolve(); });
    });
    // Proxies close idle streams; a comment every 15 s keeps them open.
    this.heartbeat = this.deps.scheduler.interval(15_000, () => { for (const s of this.streams) s.write(': keep-alive\n\n'); });
    this.deps.logger.info(`center: hall board at http://${this.deps.options.host}:${this.port}/`);
  }

  async stop(): Promise<void> {
    this.deps.ingest.off('committed', this.onCommitted);
    this.heartbeat?.cancel();
    for (const s of this.streams) s.end();
    this.streams.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  }

  private async loadToday(): Promise<void> {
    const now = this.deps.clock.now();
    const start = localMidnight(localDate(now, this.deps.options.utcOffsetMinutes), this.deps.options.utcOffsetMinutes);
    this.state.resetDay(now, await this.deps.store.eventsBetween(start, start + 86_400_000));
  }

  private async pushCommit(r: CommitResult): Promise<void> {
    if (this.state.dayOf(this.deps.clock.now()) !== this.state.currentDay) await this.loadToday();
    else this.state.add(r.inserted);
    if (this.streams.size === 0) return;
    const feed = r.inserted.slice(-50).map((e) => ({ ts: e.ts, hall: e.hall, window: e.window, type: e.type, staff_id: e.staff_id, historical: e.historical, data: e.data }));
    const msg = `event: changed\ndata: ${JSON.stringify({ feed, gaps: r.opened.length + r.closed.length })}\n\n`;
    for (const s of this.streams) s.write(msg);
  }

  async snapshot(): Promise<Record<string, unknown>> {
    const [retained, progress] = await Promise.all([this.deps.store.retained(), this.deps.store.windows()]);
    const now = this.deps.clock.now();
    // A quiet hall after midnight: the new day starts on the first look, not the first event.
    if (this.state.dayOf(now) !== this.state.currentDay) await this.loadToday();
    return { now, day: this.state.currentDay, tiles: this.state.tiles(retained, progress, now), bad: await this.openBadRatings() };
  }

  /** 差评 of the last weeks without an answer, with the working-day deadline (seed 002: 3 working days). */
  private async openBadRatings(): Promise<Array<Record<string, unknown>>> {
    const now = this.deps.clock.now();
    const o = this.deps.options;
    const [ratings, answers] = await Promise.all([this.deps.store.eventsOfType('evaluation.submitted', now - BAD_WINDOW_DAYS * 86_400_000, now + 86_400_000), this.deps.store.complaintAnswers()]);
    return ratings
      .filter((e: StoredEvent) => typeof e.data.satisfaction === 'number' && isBadRating(e.data.satisfaction) && !answers.has(e.event_id))
      .map((e) => {
        const deadline = addWorkingDays(localDate(e.ts_ms, o.utcOffsetMinutes), o.answerWorkingDays, o.calendar);
        return { event_id: e.event_id, ts: e.ts, hall: e.hall, window: e.window, staff_id: e.staff_id, satisfaction: e.data.satisfaction, deadline,
          overdue: now >= localMidnight(deadline, o.utcOffsetMinutes) + 86_400_000 };
      });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://board');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /') { send(res, 200, boardPage(), 'text/html; charset=utf-8'); return; }
      if (route === 'GET /api/board') { send(res, 200, JSON.stringify(await this.snapshot())); return; }
      if (route === 'GET /api/commands') { send(res, 200, JSON.stringify(await this.deps.store.commands(50))); return; }
      if (route === 'GET /api/stream') { this.openStream(req, res); return; }
      if (route === 'POST /api/command') { send(res, 200, JSON.stringify(await this.command(req))); return; }
      if (route === 'POST /api/gap/accept') { send(res, 200, JSON.stringify(await this.acceptGap(req))); return; }
      const answer = /^POST \/api\/bad\/([\x21-\x7e]{1,128})\/answer$/.exec(route);
      if (answer) { send(res, 200, JSON.stringify(await this.answer(req, decodeURIComponent(answer[1]!)))); return; }
      throw new HttpError(404, `no such page: ${req.method} ${url.pathname}`);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) this.deps.logger.error('center: board request failed', { err });
      send(res, status, JSON.stringify({ error: status === 500 ? 'internal error (see the center log)' : (err as Error).message }));
    }
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  private async command(req: IncomingMessage): Promise<{ cmd_id: string }> {
    const body = await readJson(req);
    const who = operator(req, body);
    const { hall, window, name } = body;
    const args = (body.args ?? {}) as Record<string, unknown>;
    if (typeof hall !== 'string' || typeof window !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(hall) || !/^[A-Za-z0-9_-]{1,32}$/.test(window)) throw new HttpError(400, 'hall and window must be ASCII ids');
    const check = typeof name === 'string' ? ACTIONS[name] : undefined;
    if (!check) throw new HttpError(400, `name must be one of ${Object.keys(ACTIONS).join(', ')}`);
    if (typeof args !== 'object' || Array.isArray(args)) throw new HttpError(400, 'args must be an object');
    const problem = check(args);
    if (problem) throw new HttpError(400, `args: ${problem}`);
    const cmd_id = await this.deps.ingest.sendCommand(hall, window, name as string, payloadOf(name as string, args, who), who);
    return { cmd_id };
  }

  private async acceptGap(req: IncomingMessage): Promise<{ accepted: boolean }> {
    const body = await readJson(req);
    const who = operator(req, body);
    const { hall, window } = body;
    if (typeof hall !== 'string' || typeof window !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(hall) || !/^[A-Za-z0-9_-]{1,32}$/.test(window)) throw new HttpError(400, 'hall and window must be ASCII ids');
    return { accepted: await this.deps.ingest.acceptGap(hall, window, who) };
  }

  private async answer(req: IncomingMessage, eventId: string): Promise<{ answered: boolean }> {
    const body = await readJson(req);
    const who = operator(req, body);
    const note = typeof body.note === 'string' ? body.note.slice(0, 500) : '';
    const answered = await this.deps.store.answerComplaint(eventId, this.deps.clock.now(), who, note);
    this.deps.logger.info('center: 差评 answered', { event_id: eventId, by: who, first: answered });
    for (const s of this.streams) s.write(`event: changed\ndata: {"feed":[],"gaps":0}\n\n`);
    return { answered };
  }
}

/** Who acts: the user a single-sign-on proxy in front of the board vouches for, else the name typed on the page. */
function operator(req: IncomingMessage, body: Record<string, unknown>): string {
  const header = req.headers['x-forwarded-user'];
  const name = typeof header === 'string' && header ? header : body.by;
  if (typeof name !== 'string' || !/^[^\x00-\x1f]{1,64}$/.test(name.trim())) throw new HttpError(400, 'by: say who you are (1-64 characters)');
  return name.trim();
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  // JSON only: a form on another site cannot post here through a supervisor's browser.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'send application/json');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* answered below */ }
  throw new HttpError(400, 'body must be a JSON object');
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
