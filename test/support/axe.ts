import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * Accessibility as a test: axe-core (from node_modules, injected by @axe-core/playwright) run against the page
 * as it is now. Every serious or critical violation fails, named with its rule, help text and the first nodes.
 */
export const BLOCKING_IMPACTS = ['serious', 'critical'] as const;

export interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical violations on `page` (WCAG 2.x A and AA rules and axe's best practices). */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page: page as never }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => (BLOCKING_IMPACTS as readonly string[]).includes(v.impact ?? ''))
    .map((v) => ({ rule: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

/** Fails with a readable list when `page` (described by `state`, e.g. "status page, approved") has any. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const found = await axeViolations(page);
  if (found.length === 0) return;
  const lines = found.map((f) => `  - [${f.impact}] ${f.rule}: ${f.help} — ${f.targets.join(', ')}`);
  throw new Error(`axe found ${found.length} serious/critical violation(s) on ${state}:\n${lines.join('\n')}`);
}
