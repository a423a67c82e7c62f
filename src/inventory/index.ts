export type { Inventory, InventoryHost, SecretRef, SshSettings, HostKeyPolicy } from './types.ts';
export { loadInventory } from './load.ts';
export { selectHosts } from './select.ts';
export { resolveSecret, type ResolveSecretOptions } from './resolve-secret.ts';
export { KNOWN_ROLES, PROFILES } from './roles.ts';
export { defaultSshSettings } from './ssh-settings.ts';
