import { readFile, writeFile } from 'node:fs/promises';

/**
 * The controller resolves dsN.lab.test through a marked block in /etc/hosts. The file is rewritten
 * in place (not renamed) because containers often bind-mount it.
 */
const ETC_HOSTS = process.env.LIFEBOAT_ETC_HOSTS ?? '/etc/hosts';

function markers(lab: string): { begin: string; end: string } {
  return { begin: `# lifeboat-lab ${lab} begin`, end: `# lifeboat-lab ${lab} end` };
}

export function withoutBlock(text: string, lab: string): string {
  const { begin, end } = markers(lab);
  const out: string[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (line === begin) inside = true;
    else if (line === end) inside = false;
    else if (!inside) out.push(line);
  }
  return out.join('\n');
}

export function withBlock(text: string, lab: string, lines: string[]): string {
  const { begin, end } = markers(lab);
  const base = withoutBlock(text, lab).replace(/\n*$/, '\n');
  return `${base}${begin}\n${lines.join('\n')}\n${end}\n`;
}

export async function addHostsBlock(lab: string, lines: string[]): Promise<void> {
  const text = await readFile(ETC_HOSTS, 'utf8');
  await writeFile(ETC_HOSTS, withBlock(text, lab, lines));
}

export async function removeHostsBlock(lab: string): Promise<void> {
  const text = await readFile(ETC_HOSTS, 'utf8');
  const next = withoutBlock(text, lab);
  if (next !== text) await writeFile(ETC_HOSTS, next);
}

export async function hasHostsBlock(lab: string): Promise<boolean> {
  return (await readFile(ETC_HOSTS, 'utf8')).includes(markers(lab).begin);
}
