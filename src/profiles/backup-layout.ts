import type { BackupEnvelope } from '../backup/envelope.ts';
import type { ArchiveLayout } from '../backup/verify.ts';
import { findProfile, loadProfiles } from './registry.ts';

/** The layout a backup's clear payload must have: format 1 is the 389-ds header; format 2 names its profile. */
export async function archiveLayoutFor(env: BackupEnvelope): Promise<ArchiveLayout | undefined> {
  await loadProfiles();
  return findProfile(env.formatVersion === 1 ? '389ds' : env.profile)?.backupArchive;
}
