// Files shared to the installed app (Web Share Target) arrive as a POST the service worker
// answers; it parks them in this cache, and the page imports them on its next load.

export const SHARE_INBOX_CACHE = 'sfa-share-inbox';
export const SHARE_TARGET_PATH = '/share-target';
export const SHARED_QUERY_FLAG = 'shared';
export const FILE_NAME_HEADER = 'x-sfa-file-name';
