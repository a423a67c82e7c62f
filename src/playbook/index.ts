export type { Playbook, Step, ParamSpec, UndoSpec, SourceLocation } from './types.ts';
export { loadPlaybook, parsePlaybook, DEFAULT_RETRY_DELAY_MS } from './load.ts';
export { render, renderDeep, templateNames, templateVariables, templateMembers, templatesIn, checkTemplate, isTemplated } from './template.ts';
export { evalWhen, whenNames, whenMembers } from './when.ts';
export { UndefinedVariableError } from './expr.ts';
export { parseDuration } from '../source/duration.ts';
export { resolveParams } from './params.ts';
export { topologyWaves, type Wave } from './topology.ts';
