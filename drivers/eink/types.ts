// The e-ink nameplate as the rest of the counter sees it: show a PlateContent, read the last frame.
import type { Driver } from '../driver.ts';
import type { PlateContent } from './plate-content.ts';

export type RefreshKind = 'full' | 'partial' | 'none';

export interface ShowResult {
  refreshed: RefreshKind;
  /** Set when nothing was drawn because a newer content replaced this one or the panel is in fault. */
  deferred?: 'superseded' | 'fault';
}

export interface EinkDriver extends Driver {
  /**
   * Draws the content (latest wins: a content not yet drawn when a newer one arrives is answered
   * 'superseded' and never rendered). Rejects at once when the content is invalid, naming the field.
   */
  show(content: PlateContent): Promise<ShowResult>;
  /** PNG of the last frame the panel got; encoded once per refresh, not per call. */
  lastPng(): Buffer | undefined;
}
