// From the bytes of a config file to plain data, bounded in size, depth and aliases, and without
// ever quoting the file: the YAML parser's own messages quote the source (a password that starts
// with * > | or ] would reach the log, the config.rejected event and cmd_res), so every problem
// here is described by its kind and position only.
import { open, stat } from 'node:fs/promises';
import { CST, Lexer, LineCounter, parseDocument, visit, isNode, isScalar, type Document, type ErrorCode } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.ts';

export const CONFIG_LIMITS = {
  /** A full production config is ~3 KB. */
  maxBytes: 64 * 1024,
  /** The schema nests 5 levels; the YAML parser recurses per level (a few KB of [[[[ overflow its stack). */
  maxDepth: 32,
  /** Aliases (*name) in the file, and the nodes toJS may produce through them (billion laughs). */
  maxAliases: 16,
  maxAliasExpansion: 100,
} as const;

/** Keys that would reach Object.prototype or shadow it in plain objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const YAML_MESSAGES: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'malformed alias',
  BAD_DIRECTIVE: 'malformed % directive',
  BAD_DQ_ESCAPE: 'bad escape sequence in a double-quoted string',
  BAD_INDENT: 'wrong indentation',
  BAD_PROP_ORDER: 'an anchor or tag must come before the value',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote the value)',
  BLOCK_AS_IMPLICIT_KEY: 'a block value cannot be a key',
  BLOCK_IN_FLOW: 'block syntax inside [ ] or { }',
  DUPLICATE_KEY: 'duplicate key',
  IMPOSSIBLE: 'cannot be parsed',
  KEY_OVER_1024_CHARS: 'key longer than 1024 characters',
  MISSING_CHAR: 'something is missing here (a closing quote or bracket, a : or a ,)',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line',
  MULTIPLE_ANCHORS: 'more than one anchor on one value',
  MULTIPLE_DOCS: 'more than one YAML document (---); a config is one document',
  MULTIPLE_TAGS: 'more than one tag on one value',
  NON_STRING_KEY: 'keys must be plain strings',
  RESOURCE_EXHAUSTION: 'aliases expand too much',
  TAB_AS_INDENT: 'a tab is used for indentation; indent with spaces',
  TAG_RESOLVE_FAILED: 'unknown tag (quote a value that starts with !)',
  UNEXPECTED_TOKEN: 'unexpected token (quote a value that starts with * & ! | > [ ] { } % @ or `)',
  BAD_COLLECTION_TYPE: 'the collection does not fit its tag',
};

const issueAt = (file: string, lc: LineCounter, offset: number, message: string): ConfigIssue => {
  const p = lc.linePos(offset);
  return { file, line: Math.max(1, p.line), col: Math.max(1, p.col), path: '', message };
};

/** Reads a config file: a regular file (a FIFO would block), at most maxBytes, valid UTF-8. */
export async function readConfigText(path: string): Promise<string> {
  const refuse = (message: string, line = 1, col = 1): never => { throw new ConfigError([{ file: path, line, col, path: '', message }]); };
  let bytes: Buffer;
  try {
    if (!(await stat(path)).isFile()) refuse('cannot read config: not a regular file');
    const fh = await open(path, 'r');
    try {
      // Read one byte past the limit, whatever stat said (a file may grow; /proc files say 0).
      const buf = Buffer.alloc(CONFIG_LIMITS.maxBytes + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
        if (bytesRead === 0 || (n += bytesRead) >= buf.length) break;
      }
      if (n > CONFIG_LIMITS.maxBytes) refuse(`config file larger than ${CONFIG_LIMITS.maxBytes} bytes`);
      bytes = buf.subarray(0, n);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    return refuse(`cannot read config: ${code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code ?? 'read failed'}`);
  }
  return decodeUtf8(bytes, path);
}

export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = new TextDecoder().decode(bytes.subarray(0, at));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    throw new ConfigError([{ file, line, col, path: '', message: 'not valid UTF-8 (save the file as UTF-8)' }]);
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    const extra = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    const second = b[i + 1] ?? 0;
    if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f) || (c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) return i;
    for (let k = 1; k <= extra; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += extra + 1;
  }
  return b.length;
}

/**
 * One linear pass over the tokens before anything recursive sees them: nesting depth (flow
 * brackets, indentation levels and compact "- - -" items) and the number of aliases.
 */
export function checkStructure(text: string, file: string): void {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  const refuse = (offset: number, message: string): never => { throw new ConfigError([issueAt(file, lc, offset, message)]); };
  if (text.length > CONFIG_LIMITS.maxBytes) refuse(0, `config larger than ${CONFIG_LIMITS.maxBytes} bytes`);
  // YAML allows no C0 control characters but tab, LF and CR (the parser would take them as text).
  const control = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.exec(text);
  if (control) refuse(control.index, `control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} in the file`);
  let offset = 0;
  let flow = 0;
  let aliases = 0;
  let atLineStart = true;
  let indent = 0;
  let compact = 0;
  const indents: number[] = [];
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    // Control tokens of the lexer are not in the source.
    if (type === 'doc-mode' || type === 'flow-error-end' || type === 'scalar') continue;
    const at = offset;
    offset += token.length;
    if (type === 'newline') { atLineStart = true; indent = 0; compact = 0; continue; }
    if (type === 'space') { if (atLineStart) indent = token.length; continue; }
    if (type === 'comment') continue;
    if (atLineStart && flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    atLineStart = false;
    if (type === 'seq-item-ind' || type === 'explicit-key-ind') compact++;
    else if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (type === 'alias' && ++aliases > CONFIG_LIMITS.maxAliases) refuse(at, `more than ${CONFIG_LIMITS.maxAliases} aliases`);
    if (indents.length + compact + flow > CONFIG_LIMITS.maxDepth) refuse(at, `nested deeper than ${CONFIG_LIMITS.maxDepth} levels`);
  }
}

export interface ParsedYaml {
  doc: Document;
  /** The plain data (objects, arrays, scalars). */
  data: unknown;
  lineCounter: LineCounter;
}

/** Parses one YAML document; every problem is a ConfigError issue that quotes nothing of the file. */
export function parseYaml(text: string, file: string): ParsedYaml {
  checkStructure(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = [...doc.errors, ...doc.warnings]
    .map((e) => issueAt(file, lineCounter, e.pos[0], `YAML: ${YAML_MESSAGES[e.code] ?? 'syntax error'}`));
  if (doc.errors.length) throw new ConfigError(issues);
  issues.length = 0;
  let firstAlias: number | undefined;
  visit(doc, {
    Alias(_, node) {
      const start = node.range?.[0] ?? 0;
      firstAlias ??= start;
      // Resolving an unknown alias in toJS throws an error that names it (it may be a password).
      if (!node.resolve(doc)) issues.push(issueAt(file, lineCounter, start, 'YAML: an alias (*name) must refer to an anchor (&name) set before it'));
    },
    Pair(_, pair) {
      const key = pair.key;
      if (key !== null && !isScalar(key)) {
        issues.push(issueAt(file, lineCounter, (isNode(key) && key.range?.[0]) || 0, 'YAML: keys must be plain strings, not lists, mappings or aliases'));
      } else if (isScalar(key) && typeof key.value === 'string' && FORBIDDEN_KEYS.has(key.value)) {
        issues.push(issueAt(file, lineCounter, key.range?.[0] ?? 0, `the key name ${key.value} is not allowed`));
      }
    },
  });
  if (issues.length) throw new ConfigError(issues);
  try {
    return { doc, data: doc.toJS({ maxAliasCount: CONFIG_LIMITS.maxAliasExpansion }), lineCounter };
  } catch {
    throw new ConfigError([issueAt(file, lineCounter, firstAlias ?? 0, 'YAML: aliases expand too much')]);
  }
}
