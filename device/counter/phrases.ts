// What the counter says, in the hall's set phrases (文明用语, domain.md §6; 002 lists 您好、请稍等、
// 请您谅解 …). Every visible word of the nameplate comes from here, so a hall changes its wording
// in one place.
import type { WindowState } from './state.ts';

export const STATE_TITLE: Record<WindowState, string> = {
  not_open: '未开始服务',
  in_service: '在岗服务',
  paused: '暂停服务',
  away: '离岗',
  closed: '下班',
};

export const LABEL = {
  jobNumber: '工号',
  position: '职务',
  duties: '职责',
  supervisionPhone: '监督电话',
  complaintPhone: '投诉电话',
  serviceHours: '营业时间',
  commitment: '服务承诺',
} as const;

export const PHRASE = {
  welcome: '您好，请问您办理什么业务？',
  pleaseWait: '对不起，请您稍等',
  sorry: '给您带来不便，敬请谅解',
  supervise: '欢迎您监督和帮助',
} as const;

/** "暂停服务，请到X号窗口办理" (002/003): send citizens on instead of letting them wait. */
export const pausedNotice = (redirect: string): string => `暂停服务，${redirectLine(redirect)}`;
export const redirectLine = (redirect: string): string => (redirect ? `请到${redirect}号窗口办理` : '请到其它窗口办理');

/** The away sign (离岗告知牌, 002): reason, contact, expected return. */
export const awayLines = (reason: string, contact: string, returnAt: string): string[] => [
  `事由：${reason}`,
  ...(contact ? [`联系电话：${contact}`] : []),
  `预计返回：${returnAt}`,
];

export const opensAt = (hhmm: string, afterBreak: boolean): string[] =>
  afterBreak ? ['午间休息', `${hhmm} 开始服务`] : [`${hhmm} 开始服务`, PHRASE.pleaseWait];

export const closedLines = (label?: string): string[] => (label ? [label, PHRASE.sorry] : [PHRASE.supervise]);

export const lastSyncedMark = (hhmm: string): string => `最后同步 ${hhmm}`;

/** Service hours as the foot shows them when eink.nameplate.service_hours is empty, e.g. "9:00-12:00 13:30-17:00". */
export const hoursText = (sessions: Array<{ open: string; close: string }>): string =>
  sessions.map((s) => `${s.open.replace(/^0/, '')}-${s.close.replace(/^0/, '')}`).join(' ');
