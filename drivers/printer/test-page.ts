// The test page `counter-edge print test` prints: Chinese text, widths, a ruler, a table, a QR code
// and a rare name character (printed as an image) so one sheet shows whether everything works.
import { isoWithOffset } from '../../core/clock.ts';
import type { PrintDocument } from './document.ts';

export function testPageDocument(o: { window: string; windowName: string; backend: string; cols: number; paperWidthMm: number; now: number; utcOffsetMinutes: number }): PrintDocument {
  const ruler = Array.from({ length: o.cols }, (_, i) => String((i + 1) % 10)).join('');
  return {
    blocks: [
      { type: 'title', text: '打印机测试页' },
      { type: 'separator', char: '=' },
      { type: 'kv', rows: [
        { key: '窗口', value: `${o.window} ${o.windowName}`.trim() },
        { key: '时间', value: isoWithOffset(o.now, o.utcOffsetMinutes).slice(0, 19).replace('T', ' ') },
        { key: '连接', value: o.backend },
        { key: '纸宽', value: `${o.paperWidthMm} mm，每行 ${o.cols} 个半角字符` },
      ] },
      { type: 'text', text: ruler },
      { type: 'text', text: '中文：政务服务中心窗口，全角标点“”、《》。' },
      { type: 'text', text: 'ASCII: ABC abc 0123456789 !@#%&*' },
      { type: 'text', text: '加粗 Bold', bold: true },
      { type: 'text', text: '倍宽倍高', size: { width: 2, height: 2 }, align: 'center' },
      { type: 'text', text: '生僻字（图像打印）：张𠮷', align: 'left' },
      { type: 'table', columns: [{ header: '项目' }, { header: '状态', width: 8, align: 'right' }], rows: [['中文模式 GB18030', '正常'], ['二维码 QR', '见下方']] },
      { type: 'qr', data: `counter-edge test ${o.window}`, size: 5, error: 'M', caption: '扫码应显示 counter-edge test' },
      { type: 'text', text: '请收好相关凭证', align: 'center' },
    ],
  };
}
