/**
 * The CipherTrust Manager REST API subset Lifeboat uses, in one table so a correction for a given
 * release is one line. Base URL `https://{addr}/api/v1` and the token call are from the vendor's
 * "Authenticating to the REST API" page (thalesdocs.com/ctp/cm/latest/admin/cm_admin/authentication/
 * rest-api); `/v1/backupStatus` is named in seed 003 ("Check the restore status"). The other
 * resource paths follow the resource names ksctl uses for the same operations (seed 003: backups,
 * backupkeys; the cluster pages: `ksctl cluster nodes list|delete`, `cluster new|join|csr`);
 * check them against the API playground of the target release before first production use.
 */
export const API = {
  token: '/api/v1/auth/tokens/',
  systemInfo: '/api/v1/system/info',
  backupKeys: '/api/v1/backupkeys',
  backupKey: (id: string) => `/api/v1/backupkeys/${enc(id)}`,
  backupKeyDefault: (id: string) => `/api/v1/backupkeys/${enc(id)}/default`,
  backupKeyDownload: (id: string) => `/api/v1/backupkeys/${enc(id)}/download`,
  backupKeyUpload: '/api/v1/backupkeys/upload',
  backups: '/api/v1/backups',
  backup: (id: string) => `/api/v1/backups/${enc(id)}`,
  backupDownload: (id: string) => `/api/v1/backups/${enc(id)}/download`,
  backupUpload: '/api/v1/backups/upload',
  backupRestore: (id: string) => `/api/v1/backups/${enc(id)}/restore`,
  backupStatus: '/api/v1/backupStatus',
  cluster: '/api/v1/cluster',
  clusterNew: '/api/v1/cluster/new',
  clusterCsr: '/api/v1/cluster/csr',
  clusterJoin: '/api/v1/cluster/join',
  // Node list, CSR signing (POST) and removal: /api/v1/nodes, as the vendor's own Terraform
  // provider calls them (ThalesGroup/terraform-provider-ciphertrust, internal/provider/common/urls.go:
  // URL_SIGN_CERT = "api/v1/nodes"; resource_cm_cluster_node.go: DELETE URL_NODES/{id}).
  clusterNodes: '/api/v1/nodes',
  clusterNode: (id: string) => `/api/v1/nodes/${enc(id)}`,
} as const;

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** Status strings as the product writes them (seed 003). */
export const IN_PROGRESS = 'In Progress';
export const COMPLETED = 'Completed';
export const FAILED = 'Failed';

export type Scope = 'system' | 'domain';
export const SCOPES: readonly Scope[] = ['system', 'domain'];

export interface BackupKeyInfo {
  id: string;
  name?: string;
  scope: Scope;
  default: boolean;
  createdAt?: string;
}

export interface BackupInfo {
  id: string;
  scope: Scope;
  status: string;
  /** The release the backup was taken on. */
  version: string;
  backupKey: string;
  description?: string;
  tied_to_hsm?: boolean;
  domain?: string;
  createdAt?: string;
}

export interface BackupStatus {
  /** `backup` or `restore`; absent when nothing ran since the node started. */
  operation?: string;
  id?: string;
  status?: string;
  message?: string;
}

export interface ClusterNode {
  id: string;
  host: string;
  public_address?: string;
  publicAddress?: string;
  /**
   * e.g. `ready`, `connecting`, `down`; the vendor's client reads a node's own state as
   * `status: { code, description }` with code `r` = ready (GET /cluster), so both forms are read.
   */
  status: string | { code?: string; description?: string };
}

/** A listed node is ready: `ready`, or code `r` (either form of `status`). */
export function nodeReady(n: Pick<ClusterNode, 'status'>): boolean {
  const code = typeof n.status === 'string' ? n.status : n.status?.code;
  return code === 'ready' || code === 'r';
}

export function nodeStatusText(n: Pick<ClusterNode, 'status'>): string {
  return typeof n.status === 'string' ? n.status : (n.status?.description ?? n.status?.code ?? '?');
}

export interface ClusterInfo {
  /** Absent when the node is standalone. */
  nodeID?: string;
  status: string;
}
