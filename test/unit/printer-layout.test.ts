import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charColumns, displayWidth, layoutDocument, tableWidths, wrap } from '../../drivers/printer/layout.ts';
import { parseDocument, DocumentError } from '../../drivers/printer/document.ts';
import type { PrintDocument } from '../../drivers/printer/document.ts';

const texts = (doc: PrintDocument, cols = 32) =>
  layoutDocument(doc, { cols, cut: 'none', feedBeforeCut: 0 }).flatMap((o) => (o.op === 'text' ? [o.text] : []));

test('ASCII is one column, every multi-byte GB18030 character two (also ·, — and full-width punctuation)', () => {
  assert.equal(charColumns('A'), 1);
  assert.equal(charColumns('中'), 2);
  assert.equal(charColumns('，'), 2);
  assert.equal(charColumns('·'), 2);
  assert.equal(charColumns('𠮷'), 2);
  assert.equal(displayWidth('A07 窗口'), 8);
});

test('wrap counts full-width characters as two columns and never splits one', () => {
  // 15 CJK characters = 30 columns + "AB" = 32 fits; one more CJK character must go to the next line whole.
  const line = '一二三四五六七八九十一二三四五AB中';
  const out = wrap(line, 32);
  assert.deepEqual(out, ['一二三四五六七八九十一二三四五AB', '中']);
  // An odd column left over is left empty rather than cutting a double-byte character.
  assert.deepEqual(wrap('A一二三', 6), ['A一二', '三']);
  for (const l of wrap('政务服务中心窗口工作规范和行为规范'.repeat(3), 31)) assert.ok(displayWidth(l) <= 31);
});

test('wrap breaks Latin text at a space instead of inside a word', () => {
  assert.deepEqual(wrap('please bring the original certificate', 16), ['please bring the', 'original', 'certificate']);
});

test('title is bold double size, centered in half the columns', () => {
  const ops = layoutDocument({ blocks: [{ type: 'title', text: '业务办理回执' }] }, { cols: 32, cut: 'none', feedBeforeCut: 0 });
  assert.deepEqual(ops, [{ op: 'text', text: '  业务办理回执', bold: true, width: 2, height: 2 }]);
});

test('key–value rows align values by display width and indent wrapped values (58 mm, 32 columns)', () => {
  const lines = texts({ blocks: [{ type: 'kv', rows: [
    { key: '业务名称', value: '个体工商户营业执照变更登记' },
    { key: '工号', value: 'S0123' },
  ] }] });
  assert.deepEqual(lines, ['业务名称：个体工商户营业执照变更', '          登记', '工号    ：S0123']);
  for (const l of lines) assert.ok(displayWidth(l) <= 32);
});

test('justified key–value rows push values to the right edge', () => {
  const lines = texts({ blocks: [{ type: 'kv', layout: 'justify', rows: [{ key: '承诺办结时限', value: '5个工作日' }] }] });
  assert.deepEqual(lines, ['承诺办结时限：         5个工作日']);
  assert.equal(displayWidth(lines[0]!), 32);
});

test('tables align columns by display width, wrap cells, and fit 80 mm (48 columns)', () => {
  const doc: PrintDocument = { blocks: [{ type: 'table', columns: [
    { header: '序号', width: 4, align: 'center' }, { header: '材料名称' }, { header: '份数', width: 4, align: 'right' },
  ], rows: [['1', '居民身份证原件及复印件', '1'], ['12', '户口簿原件及复印件（本人页）和户籍证明', '10']] }] };
  const lines58 = texts(doc, 32);
  assert.equal(lines58[0], '序号 材料名称               份数');
  assert.equal(lines58[2], ' 1   居民身份证原件及复印件    1');
  // The long cell wraps inside its column; the other columns stay aligned.
  assert.equal(lines58[3], ' 12  户口簿原件及复印件（本   10');
  assert.equal(lines58[4], '     人页）和户籍证明');
  for (const l of lines58) assert.ok(displayWidth(l) <= 32, l);
  const lines80 = texts(doc, 48);
  assert.equal(lines80[3], ' 12  户口簿原件及复印件（本人页）和户籍证明   10');
});

test('a table that cannot fit names the block', () => {
  const doc = { blocks: [{ type: 'text', text: 'x' }, { type: 'table', columns: [{ header: 'a', width: 20 }, { header: 'b', width: 20 }], rows: [] }] } as PrintDocument;
  assert.throws(() => texts(doc, 32), /\/blocks\/1 \(table\).*41 columns/);
});

test('a cut is appended after feeding unless the document ends with one or says cut: false', () => {
  const base: PrintDocument = { blocks: [{ type: 'text', text: 'x' }] };
  const ops = layoutDocument(base, { cols: 32, cut: 'partial', feedBeforeCut: 3 });
  assert.deepEqual(ops.slice(1), [{ op: 'feed', lines: 3 }, { op: 'cut', mode: 'partial' }]);
  assert.equal(layoutDocument({ ...base, cut: false }, { cols: 32, cut: 'partial', feedBeforeCut: 3 }).length, 1);
  const own = layoutDocument({ blocks: [{ type: 'text', text: 'x' }, { type: 'cut', mode: 'full' }] }, { cols: 32, cut: 'partial', feedBeforeCut: 3 });
  assert.deepEqual(own.at(-1), { op: 'cut', mode: 'full' });
  assert.equal(own.length, 2);
});

test('parseDocument names the path of what is wrong', () => {
  assert.throws(() => parseDocument({ blocks: [{ type: 'qr', data: '' }] }, 'cmd/print payload.doc'), (e: unknown) =>
    e instanceof DocumentError && /cmd\/print payload\.doc: invalid print document: \/blocks\/0/.test(e.message));
  assert.throws(() => parseDocument({ blocks: [] }, 'x.json'), /x\.json: invalid print document: \/blocks/);
  assert.throws(() => parseDocument({ blocks: [{ type: 'text', text: 'a\u001bE' }] }), /\/blocks\/0 \(text\) contains a control character/);
  assert.ok(parseDocument({ blocks: [{ type: 'text', text: 'a\nb' }] }));
});

test('Chinese line breaking: closing punctuation never starts a line, opening punctuation never ends one', () => {
  // 17 characters fill 34 columns; 》 would start line 2, so 发 moves down with it.
  assert.deepEqual(wrap('您于提交的《建设工程规划许可证核发》申请', 34), ['您于提交的《建设工程规划许可证核', '发》申请']);
  assert.deepEqual(wrap('一二三四五六七八九十一二三四，五', 28), ['一二三四五六七八九十一二三', '四，五']);
  assert.deepEqual(wrap('一二三四五六七八九十一二三（四）', 28), ['一二三四五六七八九十一二三', '（四）']);
  for (const l of wrap('申请材料齐全、符合法定形式，决定予以受理。'.repeat(4), 32)) assert.ok(!/^[，。、]/.test(l), l);
});

test('parseDocument names the field inside a block of a known type', () => {
  assert.throws(() => parseDocument({ blocks: [{ type: 'text', text: 'x' }, { type: 'qr', data: 'x', size: 99 }] }), /\/blocks\/1\/size Expected integer to be less or equal to 16/);
  assert.throws(() => parseDocument({ blocks: [{ type: 'barcode' }] }), /\/blocks\/0\/type must be one of title, text, kv/);
});
