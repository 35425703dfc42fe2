import type { BenchStack } from './stack';
import type { Figure } from './stats';

export interface SuiteContext {
  stack: BenchStack;
  quick: boolean;
  reps: number;
  /** --memory-jobs: how many dispatch jobs the worker memory run drains. */
  memoryJobs?: number;
  log(line: string): void;
  /** Figures of suites that ran before (the dispatch ratio needs the baseline). */
  results: Record<string, SuiteResult>;
}

export interface Goal {
  /** The figure's key in `figures`. */
  figure: string;
  op: '>=' | '<=';
  value: number;
}

export interface SuiteResult {
  title: string;
  figures: Record<string, Figure>;
  goals?: Goal[];
  /** How it was measured: sizes, rates, anything needed to read the figures. */
  params: Record<string, unknown>;
  notes?: string[];
}

export type Suite = (ctx: SuiteContext) => Promise<SuiteResult>;

/** Typical Redial text: ~100 characters, the WebOTP line last. */
export function sampleSmsBody(code = '482913'): string {
  return `Your sign-in code is ${code}. It expires in 10 minutes. Never share it.\n\n@127.0.0.1 #${code}`;
}
