export { BACKUP_TYPES, backupDirName, parseBackupDirName, type BackupType } from './naming.ts';
export {
  BACKUP_METHODS,
  BackupFormatError,
  FORMAT_VERSION,
  HEADER_FILE,
  readHeader,
  validateHeader,
  writeHeader,
  type BackupHeader,
  type BackupMethod,
} from './header.ts';
export { sha256File } from './checksum.ts';
export { clusterDir, createBackupDir, listBackups, resolveBackupRoot, rollBackups, type BackupListing } from './store.ts';
export { ENVELOPE_VERSION, fromV1, readEnvelope, toolVersion, validateEnvelope, writeEnvelope, type BackupEnvelope } from './envelope.ts';
