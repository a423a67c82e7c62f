import { archiveLayout389ds } from '../actions/389ds/backup/archive-layout.ts';
import type { BackupEnvelope } from '../backup/envelope.ts';
import type { ArchiveLayout } from '../backup/verify.ts';
import { findProfile } from './registry.ts';

/** The layout a backup's clear payload must have: format 1 is the 389-ds header; format 2 asks its profile. */
export function archiveLayoutFor(env: BackupEnvelope): ArchiveLayout | undefined {
  if (env.formatVersion === 1) return archiveLayout389ds;
  return findProfile(env.profile)?.backupArchive;
}
