import type { Writable } from 'node:stream';
import { isoTime } from '../../infrastructure/clock/system-clock.js';

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain text table: a header row, then rows, columns padded to their widest cell. */
export function printTable(io: CliIo, headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const row of cells) io.stdout.write(`${row.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()}\n`);
}

export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : isoTime(ms).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/**
 * A progress bar on stderr for long operations (retry/clean/promote of many jobs). Drawn only on a
 * terminal (or when forced), so scripts and --json output stay clean.
 */
export class ProgressBar {
  private done = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number,
    force = false,
  ) {
    this.enabled = (force || io.stderr.isTTY === true) && total > 0;
  }

  advance(n: number): void {
    this.done = Math.min(this.total, this.done + n);
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const pct = Math.floor((this.done / this.total) * 100);
    this.io.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${this.done}/${this.total}`);
  }

  finish(): void {
    if (this.enabled) this.io.stderr.write('\n');
  }
}
