import type { AppConfig } from '@redial/config';

/** Knobs for tests and benchmarks; every one has a default fit for `npm start`. */
export interface SandboxOptions {
  /** No log lines (tests, benchmarks). */
  quiet?: boolean;
  /** Waits between the attempts of a failing status callback; its length is the number of retries. */
  callbackRetryDelaysMs?: number[];
  /** Upper bound of an interactive Gather's wait for digits, in seconds. */
  interactiveTimeoutCapSec?: number;
  /** Numbers remembered (behaviours and inboxes each); the oldest is forgotten first. */
  maxNumbers?: number;
  /** Texts and calls kept for REST fetches. */
  maxResources?: number;
  /** Texts and calls kept per number in its inbox. */
  inboxLimit?: number;
  /** Random source for fault injection, replaceable for tests. */
  random?: () => number;
}

export interface SandboxSettings {
  accountSid: string;
  authToken: string;
  /** An API key (`SK…`) and its secret: accepted for REST auth beside the Auth Token (TWILIO.md §1.1). */
  apiKey: { sid: string; secret: string };
  /** The sender a Messaging Service text appears to come from. */
  defaultFrom: string;
  quiet: boolean;
  callbackRetryDelaysMs: number[];
  interactiveTimeoutCapSec: number;
  maxNumbers: number;
  maxResources: number;
  inboxLimit: number;
  random: () => number;
}

export const SANDBOX_SETTINGS = Symbol('SANDBOX_SETTINGS');

export function resolveSandboxSettings(config: AppConfig, options: SandboxOptions = {}): SandboxSettings {
  return {
    accountSid: config.sandbox.accountSid,
    authToken: config.sandbox.authToken,
    apiKey: { ...config.sandbox.apiKey },
    defaultFrom: '+15005550006',
    quiet: options.quiet ?? false,
    callbackRetryDelaysMs: options.callbackRetryDelaysMs ?? [250, 1000],
    interactiveTimeoutCapSec: options.interactiveTimeoutCapSec ?? 60,
    maxNumbers: options.maxNumbers ?? 10_000,
    maxResources: options.maxResources ?? 100_000,
    inboxLimit: options.inboxLimit ?? 50,
    random: options.random ?? Math.random,
  };
}
