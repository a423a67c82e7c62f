/**
 * The engine's imports from the modules other helpers own, in one place (apis.md signatures), so a
 * moved file is one edit here.
 */
export { loadInventory, selectHosts, resolveSecret } from '../inventory/index.ts';
export { loadPlaybook, resolveParams, render, renderDeep, evalWhen, topologyWaves, templateMembers, templatesIn, templateVariables, whenMembers } from '../playbook/index.ts';
export { validatePlaybook } from './validate-playbook.ts';
export { SshPool } from '../transport/index.ts';
