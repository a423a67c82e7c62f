/** A rehearsal's checks, whatever the profile: a name, a verdict and why. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Runs a check body; a thrown error is a failed check with the error as its detail. */
export async function check(name: string, body: () => Promise<{ ok: boolean; detail: string }>): Promise<Check> {
  try {
    return { name, ...(await body()) };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}
