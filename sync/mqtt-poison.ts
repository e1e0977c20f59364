// Finding the poison event: a publish the broker answers by closing the connection (aedes or an
// ACL plugin that disconnects on a denied publish) or by refusing it (MQTT 5 PUBACK ≥ 0x80). The
// outbox drains in seq order from the first unpublished row, so without this the same event would be
// resent after every reconnect, forever, and nothing behind it would get through.
//
// The broker handles a connection's publishes in order, so when the connection drops, the first
// publish sent on it that got no PUBACK is the suspect (a refused one is named by its PUBACK). After a
// first suspicion the suspect goes out alone (window 1) on the next connection: a PUBACK clears it, a
// drop while it is alone in flight counts another try. After `afterTries` tries it is poisoned.
export interface PoisonedEvent { seq: number; type: string; tries: number; reason: string }

const KEEP_POISONED = 20;

export class PoisonTracker {
  /** Publishes of the current connection without PUBACK, in send order: seq → event type. */
  private unacked = new Map<number, string>();
  private refused: { seq: number; type: string; reason: string } | undefined;
  private suspect: { seq: number; type: string; tries: number } | undefined;
  private readonly recent: PoisonedEvent[] = [];

  constructor(private readonly afterTries: number) {}

  /** While a suspect is being tried alone, the publisher sends one event at a time. */
  get isolating(): boolean { return this.suspect !== undefined; }
  /** The last poisoned events (at most 20), oldest first. */
  get poisoned(): readonly PoisonedEvent[] { return this.recent; }

  sent(seq: number, type: string): void { this.unacked.set(seq, type); }

  acked(seq: number): void {
    this.unacked.delete(seq);
    if (this.suspect && seq >= this.suspect.seq) this.suspect = undefined;
  }

  refusedBy(seq: number, reason: string): void {
    const type = this.unacked.get(seq);
    this.unacked.delete(seq);
    if (type !== undefined && !this.refused) this.refused = { seq, type, reason };
  }

  /** The connection dropped: blames the suspect; returns it when this was its last try. */
  connectionLost(reason: string): PoisonedEvent | undefined {
    const first = this.unacked.entries().next();
    const blamed = this.refused ?? (first.done ? undefined : { seq: first.value[0], type: first.value[1], reason: `closed the connection (${reason})` });
    this.refused = undefined;
    this.unacked.clear();
    if (!blamed) return undefined;
    if (this.suspect?.seq === blamed.seq) this.suspect.tries++;
    else this.suspect = { seq: blamed.seq, type: blamed.type, tries: 1 };
    if (this.suspect.tries < this.afterTries) return undefined;
    const poisoned: PoisonedEvent = { seq: blamed.seq, type: blamed.type, tries: this.suspect.tries, reason: blamed.reason };
    this.suspect = undefined;
    this.recent.push(poisoned);
    if (this.recent.length > KEEP_POISONED) this.recent.shift();
    return poisoned;
  }

  /** After retryPoisoned: the events are pending again and get their tries anew. */
  forgetPoisoned(): void { this.recent.length = 0; }
}
