// The center's tables, the same for SQLite and PostgreSQL (types both accept; BIGINT is INTEGER in
// SQLite). `window` is a reserved word in PostgreSQL, hence window_id.
export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    hall TEXT NOT NULL, window_id TEXT NOT NULL,
    seq BIGINT NOT NULL, prev_seq BIGINT, boot BIGINT NOT NULL,
    type TEXT NOT NULL, ts TEXT NOT NULL, ts_ms BIGINT NOT NULL, time_quality TEXT NOT NULL,
    staff_id TEXT, case_id TEXT, data TEXT NOT NULL,
    historical SMALLINT NOT NULL, received_ms BIGINT NOT NULL,
    UNIQUE (hall, window_id, seq))`,
  'CREATE INDEX IF NOT EXISTS events_ts ON events (ts_ms)',
  `CREATE TABLE IF NOT EXISTS windows (
    hall TEXT NOT NULL, window_id TEXT NOT NULL,
    acked_seq BIGINT NOT NULL, gap_from BIGINT, gap_to BIGINT, gap_since_ms BIGINT,
    last_event_ms BIGINT, PRIMARY KEY (hall, window_id))`,
  `CREATE TABLE IF NOT EXISTS gaps (
    hall TEXT NOT NULL, window_id TEXT NOT NULL, from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL,
    opened_ms BIGINT NOT NULL, closed_ms BIGINT, accepted_by TEXT, PRIMARY KEY (hall, window_id, from_seq))`,
  `CREATE TABLE IF NOT EXISTS retained (
    hall TEXT NOT NULL, window_id TEXT NOT NULL, part TEXT NOT NULL,
    payload TEXT NOT NULL, received_ms BIGINT NOT NULL, PRIMARY KEY (hall, window_id, part))`,
  `CREATE TABLE IF NOT EXISTS commands (
    cmd_id TEXT PRIMARY KEY, hall TEXT NOT NULL, window_id TEXT NOT NULL, name TEXT NOT NULL,
    payload TEXT NOT NULL, by_user TEXT NOT NULL, sent_ms BIGINT NOT NULL,
    status TEXT, result TEXT, answered_ms BIGINT)`,
  `CREATE TABLE IF NOT EXISTS complaint_answers (
    event_id TEXT PRIMARY KEY, answered_ms BIGINT NOT NULL, by_user TEXT NOT NULL, note TEXT NOT NULL)`,
];
