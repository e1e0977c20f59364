// The simulator page's server side in the whole counter (test/helpers/counter-harness.ts): the event
// stream carries committed events and, while a page listens, the health each second of the
// counter's Scheduler (the page itself runs no timers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCounter, waitFor } from '../helpers/counter-harness.ts';

test('GET /api/events: health at once and every second of scheduler time, events as they commit; the timer ends with the last page', async () => {
  const h = await startCounter({ config: { fingerprint: { enabled: false }, printer: { enabled: false }, eink: { enabled: false } } });
  const abort = new AbortController();
  try {
    const timersBefore = h.scheduler.pending();
    const res = await fetch(`http://127.0.0.1:${h.app.apiPort}/api/events`, { signal: abort.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    void (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
    const healths = () => text.split('\n\n').filter((c) => c.startsWith('event: health\n'));
    await waitFor('the first health', () => healths().length === 1);
    const first = JSON.parse(healths()[0]!.slice('event: health\ndata: '.length)) as { window: string; drivers: Record<string, { state: string }> };
    assert.equal(first.window, 'A07');
    assert.equal(first.drivers.buttons!.state, 'ok');
    assert.equal(h.scheduler.pending(), timersBefore + 1, 'one health timer while a page listens');

    await h.advance(999);
    await h.settle();
    assert.equal(healths().length, 1, 'not before a second has passed');
    await h.advance(1);
    await waitFor('the second health', () => healths().length === 2);

    await h.press('satisfied');
    await waitFor('the press on the stream', () => text.includes('"type":"evaluation.unsolicited"'));

    abort.abort();
    await waitFor('the page to be gone', () => h.scheduler.pending() === timersBefore);
  } finally {
    abort.abort();
    await h.stop();
  }
});
