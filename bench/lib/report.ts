/*
 * Small helpers the benchmarks share: percentiles, the machine description, table printing.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(
      sorted.length - 1,
      Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
    )
  ];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** CPU model, cores, OS (from /etc/os-release), kernel and Node version. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  let distro = '';
  try {
    distro =
      /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(
        fs.readFileSync('/etc/os-release', 'utf8'),
      )?.[1] ?? '';
  } catch {
    // not Linux, or no os-release: the kernel name is enough
  }
  return `${cpu}, ${os.cpus().length} cores, ${
    distro ? `${distro}, ` : ''
  }${os.platform()} ${os.release()}, Node ${process.version}, load average ${os
    .loadavg()
    .map(l => l.toFixed(1))
    .join(' ')}`;
}

/** Reads `--name N` from argv. */
export function numberOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}

/** Reads `--name value` from argv. */
export function stringOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined
    ? process.argv[i + 1]
    : fallback;
}

/** A markdown table, columns right-aligned when `align[i]` is 'r'. */
export function markdownTable(
  header: string[],
  rows: string[][],
  align: ('l' | 'r')[] = header.map((_, i) => (i === 0 ? 'l' : 'r')),
): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, 3, ...rows.map(r => (r[i] ?? '').length)),
  );
  const cell = (s: string, i: number) =>
    align[i] === 'r' ? s.padStart(widths[i]) : s.padEnd(widths[i]);
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => cell(c ?? '', i)).join(' | ')} |`;
  const rule = `| ${widths
    .map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))
    .join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function log(message: string) {
  process.stderr.write(`${message}\n`);
}
