// Reads the paper templates from disk (service.papers.templates_dir, default config/templates/)
// and hands them to the pure parser in device/counter/paper-templates.ts.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTemplates, type PaperTemplate } from './counter/paper-templates.ts';

export const DEFAULT_TEMPLATES_DIR = new URL('../config/templates/', import.meta.url).pathname;

/** Templates larger than this are refused (a template is a page of text, not a data file). */
const MAX_TEMPLATE_BYTES = 64 * 1024;

export async function loadPaperTemplates(dir: string = DEFAULT_TEMPLATES_DIR): Promise<Map<string, PaperTemplate>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (e) {
    throw new Error(`paper templates: cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!names.length) throw new Error(`paper templates: no *.yaml in ${dir}`);
  const files = await Promise.all(names.map(async (name) => {
    const text = await readFile(join(dir, name), 'utf8');
    if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) throw new Error(`paper templates: ${join(dir, name)} is larger than ${MAX_TEMPLATE_BYTES} bytes`);
    return { name: join(dir, name), text };
  }));
  return parseTemplates(files);
}
