/**
 * One Node line: package.json's engines, the Dockerfile's base images, the README and the Node `.ci/run` takes
 * from the npm registry all name the same major version — and the tests themselves run on it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('the supported Node line', () => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  const line = /^\^?(\d+)\./.exec(engines)?.[1];

  it('engines names one major version', () => {
    expect(engines).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(line).toBeDefined();
  });

  it('the Dockerfile builds and runs on it', () => {
    const bases = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bases)).toEqual(new Set([line]));
  });

  it('the README and .ci/run name it', () => {
    expect(read('README.md')).toContain(`Node.js ${line}`);
    const ci = read('.ci/run');
    expect(ci).toContain(`NODE_LINE=${line}`);
    expect(ci).toMatch(new RegExp(`NODE_VERSION=${line}\\.\\d+\\.\\d+`));
  });

  it('the tests run on it', () => {
    expect(process.versions.node.split('.')[0]).toBe(line);
  });
});
