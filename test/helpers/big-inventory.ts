/** The YAML of an inventory with `n` hosts (every other one in a group), for load-time tests and benches. */
export function bigInventoryYaml(n: number): string {
  const lines = ['cluster: big', 'vars:', '  instance: x', '  suffixes: ["dc=x"]', 'hosts:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  h${i}:`, `    address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, '    roles: [ca]', `    vars: { replica_id: ${(i % 65534) + 1} }`);
  }
  lines.push('groups:', `  even: [${Array.from({ length: Math.ceil(n / 2) }, (_, k) => `h${2 * k}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}
