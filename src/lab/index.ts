/**
 * The local rehearsal lab's hosts, each in its own namespaces; what runs on them is the profile's
 * (src/profiles/<name>/lab/, reached through the profile's lab descriptor).
 */
export { LabExistsError, LabPhaseError } from './build.ts';
export { labDown } from './down.ts';
export { labKill, labRevive, labCut, labUncut, labExec, loadLab, NoLabError, type LabExecResult } from './host-ops.ts';
export { labPowerOff, labPowerOnHost } from './power.ts';
export { labHostsStatus, type LabStatus, type LabHostStatus, type LabAgreementStatus } from './status.ts';
export { labPaths, LAB_ROOT, checkLabName } from './names.ts';
export { readState, type LabState, type LabHostState } from './state.ts';
export { LabPrerequisiteError, INSTALL_HINT } from './prerequisites.ts';
export { labLeftovers } from './leftovers.ts';
