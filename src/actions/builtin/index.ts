import type { Action } from '../types.ts';
import { assertAction } from './assert.ts';
import { fileFetchAction } from './file-fetch.ts';
import { filePushAction } from './file-push.ts';
import { shellAction } from './shell.ts';
import { waitAction } from './wait.ts';

/** Profile-independent verbs every playbook can use. */
export const builtinActions: Action[] = [shellAction, filePushAction, fileFetchAction, waitAction, assertAction];
