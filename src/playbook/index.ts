export type { Playbook, Step, ParamSpec, UndoSpec, SourceLocation } from './types.ts';
export { loadPlaybook, parsePlaybook, DEFAULT_RETRY_DELAY_MS } from './load.ts';
export { render, renderDeep, templateNames, checkTemplate, isTemplated } from './template.ts';
export { evalWhen, whenNames } from './when.ts';
export { UndefinedVariableError } from './expr.ts';
export { parseDuration } from './duration.ts';
export { validatePlaybook, RUNTIME_NAMES, type ValidateOptions } from './validate.ts';
export { resolveParams, playbookVars } from './params.ts';
export { topologyWaves, type Wave } from './topology.ts';
