/** One named check of a verification, passed or failed with the reason. */
export interface Check {
  check: string;
  ok: boolean;
  message?: string;
  /** Passed only because it was not checked (e.g. no trust anchor configured): shown as a warning. */
  notChecked?: true;
}

/** A check that passes without having been made: reports show it, `--json` marks it. */
export function notChecked(check: string, message: string): Check {
  return { check, ok: true, message, notChecked: true };
}

export function pass(check: string, message?: string): Check {
  return message ? { check, ok: true, message } : { check, ok: true };
}

export function fail(check: string, message: string): Check {
  return { check, ok: false, message };
}
