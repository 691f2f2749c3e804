// The service worker: precaches the app shell (so the app opens offline), serves index.html
// for navigations, receives files shared to the installed app, and updates only when the
// page says so (SKIP_WAITING after the user accepted the update prompt). ONNX Runtime's
// WebAssembly files are too big to precache: they go into a named runtime cache the first time
// a separation needs them, so separation works offline from then on.
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { ExpirationPlugin } from 'workbox-expiration';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { FILE_NAME_HEADER, SHARE_INBOX_CACHE, SHARE_TARGET_PATH, SHARED_QUERY_FLAG } from './library/share-inbox.ts';

/** Where ONNX Runtime's WebAssembly files are kept once fetched. */
const ORT_RUNTIME_CACHE = 'sfa-onnxruntime';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
};

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

// /ort/<version>/...: the version is in the path, so a cached file never goes stale; the
// expiration drops an older version's four files once a newer version's are in.
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/ort/'),
  // vite preview and other servers send `Vary: Origin`; the files do not vary, and a module import
  // (with an Origin header) must find what a plain fetch stored.
  new CacheFirst({
    cacheName: ORT_RUNTIME_CACHE,
    matchOptions: { ignoreVary: true },
    plugins: [new ExpirationPlugin({ maxEntries: 8 })],
  }),
);

registerRoute(
  ({ url }) => url.pathname === SHARE_TARGET_PATH,
  async ({ request }) => {
    const form = await request.formData();
    const cache = await caches.open(SHARE_INBOX_CACHE);
    let index = 0;
    for (const entry of form.getAll('audio')) {
      if (typeof entry === 'string') continue;
      const headers = {
        'content-type': entry.type || 'application/octet-stream',
        [FILE_NAME_HEADER]: encodeURIComponent(entry.name),
      };
      await cache.put(`/__share-inbox/${Date.now()}-${index++}`, new Response(entry, { headers }));
    }
    return Response.redirect(`/?${SHARED_QUERY_FLAG}`, 303);
  },
  'POST',
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// The first install takes control at once so the very first visit already works offline;
// later versions wait for the prompt above.
clientsClaim();
