// The page's place, in the URL hash so reloads and the back button keep it:
// "#/" is the library, "#/track/<id>" a track, "#/settings" models, device and offload settings.

export type Route = { view: 'library' } | { view: 'track'; trackId: string } | { view: 'settings' };

export function parseRoute(hash: string): Route {
  if (hash === '#/settings') return { view: 'settings' };
  const match = /^#\/track\/([0-9a-f]{64})$/.exec(hash);
  return match ? { view: 'track', trackId: match[1]! } : { view: 'library' };
}

class Router {
  current = $state<Route>(parseRoute(location.hash));

  constructor() {
    addEventListener('hashchange', () => (this.current = parseRoute(location.hash)));
  }

  openTrack(trackId: string): void {
    location.hash = `#/track/${trackId}`;
  }

  openSettings(): void {
    location.hash = '#/settings';
  }

  openLibrary(): void {
    location.hash = '#/';
  }
}

export const router = new Router();
