/**
 * `omni eval` errors with stable codes: a folder without cases, a YAML file that does not parse or
 * validate (named with its file and case), a turn that never got its reply. The CLI prints the
 * message and exits 1; none is retryable without changing the files or the setup.
 */
export type EvalSuiteErrorCode = 'no_cases' | 'invalid_file' | 'kb_not_found' | 'turn_timeout';

export class EvalSuiteError extends Error {
  readonly code: EvalSuiteErrorCode;
  readonly retryable = false;
  constructor(code: EvalSuiteErrorCode, message: string) {
    super(message);
    this.name = 'EvalSuiteError';
    this.code = code;
  }
}
