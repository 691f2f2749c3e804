// The service worker's lifecycle as the page shows it: ready to work offline, and an update
// waiting for the user's go-ahead (never swapped in under them, in this tab or any other).
// Written on the plain ServiceWorker API: workbox-window's helpers reload a tab by themselves
// when another tab accepts an update, which could cut off an import running there.

const UPDATE_CHECK_MS = 60 * 60 * 1000;
const OFFLINE_NOTICE_MS = 8000;

class AppUpdate {
  offlineReady = $state(false);
  updateWaiting = $state(false);
  /** The update was accepted in another tab: this one must reload to match. */
  activatedElsewhere = $state(false);
  private applying = false;

  async register(): Promise<void> {
    if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
    const container = navigator.serviceWorker;
    const hadController = Boolean(container.controller);
    container.addEventListener('controllerchange', () => {
      if (this.applying) location.reload();
      else if (hadController) {
        this.activatedElsewhere = true;
        this.updateWaiting = true;
      }
    });

    const registration = await container.register(`${import.meta.env.BASE_URL}sw.js`, {
      scope: import.meta.env.BASE_URL,
    });
    const watch = (worker: ServiceWorker | null) => {
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && container.controller) this.updateWaiting = true;
        if (worker.state === 'activated' && !hadController) this.showOfflineReady();
      });
    };
    if (registration.waiting && container.controller) this.updateWaiting = true;
    watch(registration.installing);
    registration.addEventListener('updatefound', () => watch(registration.installing));
    // A tab left open for days still hears about new versions.
    setInterval(() => void registration.update().catch(() => undefined), UPDATE_CHECK_MS);
  }

  /** Activates the waiting version and reloads into it once it controls the page. */
  async apply(): Promise<void> {
    const waiting = (await navigator.serviceWorker.getRegistration())?.waiting;
    if (!waiting) {
      location.reload();
      return;
    }
    this.applying = true;
    waiting.postMessage({ type: 'SKIP_WAITING' });
  }

  dismiss(): void {
    this.updateWaiting = false;
    this.offlineReady = false;
  }

  private showOfflineReady(): void {
    this.offlineReady = true;
    setTimeout(() => (this.offlineReady = false), OFFLINE_NOTICE_MS);
  }
}

export const appUpdate = new AppUpdate();
