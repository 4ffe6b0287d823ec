/** One named check of a verification, passed or failed with the reason. */
export interface Check {
  check: string;
  ok: boolean;
  message?: string;
}

export function pass(check: string, message?: string): Check {
  return message ? { check, ok: true, message } : { check, ok: true };
}

export function fail(check: string, message: string): Check {
  return { check, ok: false, message };
}
