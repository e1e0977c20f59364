// Notice numbers (文号): agency + 〔year〕 + serial per kind and year, issued once and never reused
// (行政许可法 §32: notices are written, numbered and dated). The state is small and serialisable;
// the shell persists it durably before the paper is printed, so a restart never reissues a number.

export interface NumberingState {
  /** `${kind}/${year}` → the last serial issued. */
  last: Record<string, number>;
}

export const initialNumberingState = (): NumberingState => ({ last: {} });

export interface IssuedNumber {
  state: NumberingState;
  serial: number;
  number: string;
}

export function issueNumber(state: NumberingState, kind: string, year: number, format: string, agency: string, digits: number): IssuedNumber {
  const key = `${kind}/${year}`;
  const serial = (state.last[key] ?? 0) + 1;
  const number = format
    .replaceAll('{agency}', agency)
    .replaceAll('{year}', String(year))
    .replaceAll('{serial}', String(serial).padStart(digits, '0'));
  return { state: { last: { ...state.last, [key]: serial } }, serial, number };
}
