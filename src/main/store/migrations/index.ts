import { initial } from './0001_initial';
import { messageScope } from './0002_message_scope';
import { jobOwner } from './0003_job_owner';
import { libraryFolders } from './0004_library_folders';
import { messageReasoning } from './0005_message_reasoning';
import { retrievalContext } from './0006_retrieval_context';
import { pageOcr } from './0007_page_ocr';
import { mcpSharing } from './0008_mcp_sharing';
import { healthHistory } from './0009_health_history';
import { answerCache } from './0010_answer_cache';
import { workspaceTiers } from './0011_workspace_tiers';
import { answerCacheServed } from './0012_answer_cache_served';
import type { Migration } from './migration';

export type { Migration } from './migration';

/** Every migration in order; append new ones at the end with the next version number. */
export const migrations: Migration[] = [initial, messageScope, jobOwner, libraryFolders, messageReasoning, retrievalContext, pageOcr, mcpSharing, healthHistory, answerCache, workspaceTiers, answerCacheServed];
