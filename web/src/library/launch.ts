// Files the OS hands to the installed app: "Open with" (File Handling API launchQueue) and
// files shared to it (Web Share Target, parked by the service worker in a cache).
import { errorMessage } from '@sfa/shared/protocol/errors';
import { FILE_NAME_HEADER, SHARE_INBOX_CACHE, SHARED_QUERY_FLAG } from './share-inbox.ts';

interface LaunchParams {
  files: readonly FileSystemFileHandle[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void | Promise<void>): void;
}

/**
 * Calls `onFiles` with every batch of files the OS opens with this app, and `onFailure` for
 * each file it names but will not let us read.
 */
export function consumeLaunchedFiles(
  onFiles: (files: File[]) => void,
  onFailure: (fileName: string, message: string) => void,
): void {
  const launchQueue = (window as Window & { launchQueue?: LaunchQueue }).launchQueue;
  launchQueue?.setConsumer(async (params) => {
    const files: File[] = [];
    for (const handle of params.files) {
      try {
        files.push(await handle.getFile());
      } catch (error) {
        onFailure(handle.name, `Could not open the file: ${errorMessage(error)}`);
      }
    }
    if (files.length) onFiles(files);
  });
}

/** Takes the files the service worker parked from a share, if this load came from one. */
export async function takeSharedFiles(): Promise<File[]> {
  const url = new URL(location.href);
  if (!url.searchParams.has(SHARED_QUERY_FLAG) || !('caches' in window)) return [];
  url.searchParams.delete(SHARED_QUERY_FLAG);
  history.replaceState(history.state, '', url);
  const cache = await caches.open(SHARE_INBOX_CACHE);
  const files: File[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (response) {
      const name = decodeURIComponent(response.headers.get(FILE_NAME_HEADER) ?? 'shared audio');
      const blob = await response.blob();
      files.push(new File([blob], name, { type: blob.type }));
    }
    await cache.delete(request);
  }
  return files;
}
