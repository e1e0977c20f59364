// Checks a PlateContent before anything is drawn: a content that passes can always be drawn, and
// a bad one is refused naming every bad field. Bounded so no caller can make a render unbounded.
import type { PlateContent, PlateField } from './plate-content.ts';

const MAX_TEXT = 200;
const MAX_FIELDS = 8;
const MAX_LINES = 6;
const MAX_MARKS = 4;
const MAX_PHOTO_BYTES = 4 * 1024 * 1024;

export function validatePlateContent(c: PlateContent): void {
  if (!c || typeof c !== 'object') throw new Error('plate content: not an object');
  const errs: string[] = [];
  const text = (v: unknown, where: string, required = false): void => {
    if (v === undefined && !required) return;
    if (typeof v !== 'string') errs.push(`${where}: must be a string`);
    else if (required && !v.trim()) errs.push(`${where}: required`);
    else if (v.length > MAX_TEXT) errs.push(`${where}: at most ${MAX_TEXT} characters (got ${v.length})`);
  };
  const fields = (list: unknown, where: string): void => {
    if (!Array.isArray(list)) { errs.push(`${where}: must be a list`); return; }
    if (list.length > MAX_FIELDS) errs.push(`${where}: at most ${MAX_FIELDS} fields (got ${list.length})`);
    list.slice(0, MAX_FIELDS).forEach((f: PlateField, i) => {
      if (!f || typeof f !== 'object') { errs.push(`${where}[${i}]: must be an object`); return; }
      text(f.label, `${where}[${i}].label`);
      text(f.value, `${where}[${i}].value`);
      text(f.short, `${where}[${i}].short`);
    });
  };
  if (!c.header || typeof c.header !== 'object') errs.push('header: required');
  else { text(c.header.number, 'header.number', true); text(c.header.name, 'header.name'); text(c.header.suffix, 'header.suffix'); }
  if (c.person !== undefined) {
    if (!c.person || typeof c.person !== 'object') errs.push('person: must be an object');
    else {
      text(c.person.name, 'person.name', true);
      fields(c.person.fields, 'person.fields');
      const p = c.person.photo;
      if (p !== undefined && typeof p !== 'string' && !(p instanceof Uint8Array)) errs.push('person.photo: a file path or image bytes');
      if (p instanceof Uint8Array && p.byteLength > MAX_PHOTO_BYTES) errs.push(`person.photo: at most ${MAX_PHOTO_BYTES} bytes (got ${p.byteLength})`);
    }
  }
  text(c.vacant, 'vacant');
  text(c.photoPlaceholder, 'photoPlaceholder');
  if (!c.banner || typeof c.banner !== 'object') errs.push('banner: required');
  else {
    text(c.banner.title, 'banner.title', true);
    if (c.banner.style !== 'inverted' && c.banner.style !== 'outlined') errs.push(`banner.style: inverted or outlined (got ${JSON.stringify(c.banner.style)})`);
    if (!Array.isArray(c.banner.lines)) errs.push('banner.lines: must be a list');
    else {
      if (c.banner.lines.length > MAX_LINES) errs.push(`banner.lines: at most ${MAX_LINES} (got ${c.banner.lines.length})`);
      c.banner.lines.slice(0, MAX_LINES).forEach((l, i) => text(l, `banner.lines[${i}]`));
    }
  }
  fields(c.foot, 'foot');
  if (c.marks !== undefined) {
    if (!Array.isArray(c.marks)) errs.push('marks: must be a list');
    else {
      if (c.marks.length > MAX_MARKS) errs.push(`marks: at most ${MAX_MARKS} (got ${c.marks.length})`);
      c.marks.slice(0, MAX_MARKS).forEach((m, i) => text(m, `marks[${i}]`));
    }
  }
  if (errs.length) throw new Error(`plate content invalid: ${errs.join('; ')}`);
}
