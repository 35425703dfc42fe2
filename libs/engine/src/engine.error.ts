/** A refusal the caller should turn into a 4xx: `code` is the contract's snake_case error. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
