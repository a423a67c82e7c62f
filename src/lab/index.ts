/** The local rehearsal lab: real 389-ds servers, each in its own namespaces, provisioned over SSH. */
export { labUp, LabExistsError, LabPhaseError, type LabUpOptions } from './up.ts';
export { labDown } from './down.ts';
export { labKill, labRevive, labCut, labUncut, labExec, loadLab, NoLabError, type LabExecResult } from './host-ops.ts';
export { labPowerOff, labPowerOnHost } from './power.ts';
export { labHostsStatus, type LabStatus, type LabHostStatus, type LabAgreementStatus } from './status.ts';
export { labPaths, LAB_ROOT, checkLabName } from './names.ts';
export { readState, type LabState, type LabHostState } from './state.ts';
export { TOPOLOGIES, topologyGraph, type LabTopology } from './topology.ts';
export { LabPrerequisiteError, INSTALL_HINT } from './prerequisites.ts';
export { labLeftovers } from './leftovers.ts';
