import { readFileSync } from 'node:fs';
import path from 'node:path';
import postcss from 'postcss';

/**
 * The web UI's stylesheet parses as CSS. Vite's CSS step accepts an unclosed block without a word — a lost `}` once
 * put every rule after it inside a narrow-screen `@media` block — so the check is made here, with postcss's parser.
 */
describe('apps/web/src/styles.css', () => {
  const file = path.resolve(__dirname, '../apps/web/src/styles.css');

  it('parses, every block closed', () => {
    expect(() => postcss.parse(readFileSync(file, 'utf8'), { from: file })).not.toThrow();
  });

  it('the check fails on a block left open', () => {
    const broken = `${readFileSync(file, 'utf8')}\n@media (max-width: 40rem) {\n  .x { margin: 0; }\n`;
    expect(() => postcss.parse(broken, { from: file })).toThrow(/Unclosed block/);
  });
});
