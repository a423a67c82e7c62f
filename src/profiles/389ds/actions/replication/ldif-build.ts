/**
 * Small LDIF writers for the changes the replication actions make. Values that are not LDIF
 * SAFE-STRINGs (RFC 2849) are base64-encoded, so a DN with a leading space or a non-ASCII name
 * cannot break the change record.
 */

const SAFE_STRING = /^[\x01-\x09\x0b-\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b-\x0c\x0e-\x7f]*$/;

export function ldifLine(name: string, value: string): string {
  if (value === '' || SAFE_STRING.test(value)) return `${name}: ${value}`;
  return `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/** One `changetype: modify` record replacing an attribute's values. */
export function replaceRecord(dn: string, attribute: string, values: string[]): string {
  return [ldifLine('dn', dn), 'changetype: modify', `replace: ${attribute}`, ...values.map((v) => ldifLine(attribute, v)), '-', ''].join(
    '\n',
  );
}

/** Several records in one LDIF text: one ldapmodify call applies them all. */
export function joinRecords(records: string[]): string {
  return records.map((r) => (r.endsWith('\n') ? r : `${r}\n`)).join('\n');
}

export function addRecord(dn: string, attrs: Record<string, string[]>): string {
  const lines = [ldifLine('dn', dn), 'changetype: add'];
  for (const [name, values] of Object.entries(attrs)) for (const v of values) lines.push(ldifLine(name, v));
  return `${lines.join('\n')}\n`;
}

export function deleteRecord(dn: string): string {
  return `${ldifLine('dn', dn)}\nchangetype: delete\n`;
}
