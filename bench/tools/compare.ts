/**
 * The headline figures of two benchmark runs side by side, as the Markdown table of README's Performance section
 * and bench/README.md:
 *
 *   node dist/bench/tools/compare.js bench/results/before-send-path.json bench/results/latest.json
 *
 * Without the second file, the "after" column is left empty for a run to fill.
 */
import { readFileSync } from 'node:fs';
import { BenchReport, comparisonMarkdown } from '../lib/report';

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile) {
  console.error('usage: node dist/bench/tools/compare.js <before.json> [after.json]');
  process.exit(2);
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
console.log(comparisonMarkdown(read(beforeFile), afterFile ? read(afterFile) : undefined));
