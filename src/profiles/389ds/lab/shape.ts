import { InputError } from '../../../util/errors.ts';

/**
 * What the lab's directory servers are called and what they hold: `lab up --instance/--suffix`.
 * The defaults are the lab's historical shape; other values let tests try what real clusters use
 * (slapd-corp, dc=corp,dc=internal) instead of the one shape the lab always made.
 */
export const LAB_INSTANCE = 'lab';
export const LAB_SUFFIX = 'dc=lab,dc=test';
export const LAB_CA_SUFFIX = 'o=ipaca';

export interface LabShape {
  /** 389-ds instance name on every host (slapd-<instance>). */
  instance?: string;
  /** The main (domain) suffix. */
  suffix?: string;
}

/**
 * dscreate accepts letters, digits and `-_.:@`; the name also lands in paths and socket names
 * (/run/slapd-NAME.socket), so the lab keeps to a portable subset.
 */
export function checkInstanceName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,79}$/.test(name)) {
    throw new InputError(`instance name "${name}" must start with a letter and hold only letters, digits, "-" and "_" (at most 80)`);
  }
  return name;
}

/** A DN of one or more attr=value parts (no escaped commas: a lab suffix needs none), not the CA suffix. */
export function checkSuffix(dn: string): string {
  const parts = dn.split(',');
  const bad = parts.find((p) => !/^\s*[A-Za-z][A-Za-z0-9-]*=[^=+"\\<>;]+$/.test(p));
  if (!dn || bad !== undefined) {
    throw new InputError(`suffix "${dn}" is not a DN like dc=corp,dc=internal (bad part "${bad ?? ''}")`);
  }
  const norm = parts.map((p) => p.trim()).join(',');
  if (norm.toLowerCase() === LAB_CA_SUFFIX) throw new InputError(`suffix "${dn}" is the CA suffix the lab creates on CA hosts; choose another`);
  return norm;
}

/** The shape with defaults filled in, checked. */
export function labShape(s: LabShape = {}): Required<LabShape> {
  return { instance: checkInstanceName(s.instance ?? LAB_INSTANCE), suffix: checkSuffix(s.suffix ?? LAB_SUFFIX) };
}
