/*
 * Writes the permission matrix (src/matrix.ts) into the README between its markers:
 *   yarn access-matrix           rewrite README.md
 *   yarn access-matrix --check   exit 1 if README.md is out of date
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatMarkdown } from './formatMarkdown';
import { readmeWithMatrix } from '../src/readmeMatrix';

async function main() {
  const readme = path.resolve(__dirname, '../../../README.md');
  const current = fs.readFileSync(readme, 'utf8');
  const next = await readmeWithMatrix(current, md =>
    formatMarkdown(md, readme),
  );
  if (process.argv.includes('--check')) {
    if (next !== current) {
      process.stderr.write(
        'README.md: the permission matrix is out of date; run yarn access-matrix\n',
      );
      process.exit(1);
    }
  } else if (next !== current) {
    fs.writeFileSync(readme, next);
    process.stdout.write('README.md: permission matrix updated\n');
  } else {
    process.stdout.write('README.md: permission matrix up to date\n');
  }
}

main().catch(e => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
