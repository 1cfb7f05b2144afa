/**
 * Named sections in a shared Markdown report (docs/benchmarks.md), so several benchmarks can each
 * own one part of the same file:
 *
 *   <!-- section:NAME:start -->
 *   …markdown…
 *   <!-- section:NAME:end -->
 *
 * `writeSection` replaces only the text between one section's markers. Everything else in the file
 * (other sections, hand-written text) is kept byte for byte. A missing section is appended; a
 * missing file (and its directory) is created. The file is replaced atomically (temp file + rename),
 * so a reader never sees half a report.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const SECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function sectionMarkers(name: string): { start: string; end: string } {
  if (!SECTION_NAME.test(name)) throw new Error(`invalid section name ${JSON.stringify(name)}: use [A-Za-z0-9_.-], up to 64 chars`);
  return { start: `<!-- section:${name}:start -->`, end: `<!-- section:${name}:end -->` };
}

/** The block for one section, markers included, ending with a newline. */
export function renderSection(name: string, markdown: string): string {
  const { start, end } = sectionMarkers(name);
  if (markdown.includes(start) || markdown.includes(end)) throw new Error(`section ${name}: the markdown must not contain its own markers`);
  return `${start}\n${markdown.replace(/\s+$/, '')}\n${end}\n`;
}

/** `document` with section `name` replaced (or appended when absent). Pure, for tests. */
export function replaceSection(document: string, name: string, markdown: string): string {
  const { start, end } = sectionMarkers(name);
  const block = renderSection(name, markdown);
  const from = document.indexOf(start);
  if (from === -1) {
    if (document.includes(end)) throw new Error(`section ${name}: end marker without a start marker`);
    if (document.trim() === '') return block;
    return `${document.replace(/\s+$/, '')}\n\n${block}`;
  }
  const endAt = document.indexOf(end, from + start.length);
  if (endAt === -1) throw new Error(`section ${name}: start marker without an end marker`);
  if (document.indexOf(start, from + start.length) !== -1) throw new Error(`section ${name}: appears more than once`);
  let after = endAt + end.length;
  if (document[after] === '\r') after += 1;
  if (document[after] === '\n') after += 1;
  return document.slice(0, from) + block + document.slice(after);
}

/** Writes section `name` of `file`, keeping every other part of the file. */
export function writeSection(file: string, name: string, markdown: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const next = replaceSection(current === '' ? '# Benchmarks\n' : current, name, markdown);
  mkdirSync(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temp, next);
  renameSync(temp, file);
}
