import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/playbook/index.ts';
import { nearest } from '../../../src/source/suggest.ts';

describe('parseDuration', () => {
  it('reads units, compounds and plain milliseconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('250')).toBe(250);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '10 sec', 's', '10x', '-5s', -1, null, true, '1m 30s']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('nearest', () => {
  it('suggests close names only', () => {
    expect(nearest('adress', ['address', 'roles'])).toBe('address');
    expect(nearest('nmae', ['name', 'on'])).toBe('name');
    expect(nearest('zzz', ['address', 'roles'])).toBeUndefined();
  });
});
