// The service worker's lifecycle as the page shows it: ready to work offline, and an update
// waiting for the user's go-ahead (never swapped in under them).
import { registerSW } from 'virtual:pwa-register';

const UPDATE_CHECK_MS = 60 * 60 * 1000;
const OFFLINE_NOTICE_MS = 8000;

class AppUpdate {
  offlineReady = $state(false);
  updateWaiting = $state(false);

  register(): void {
    if (!('serviceWorker' in navigator)) return;
    registerSW({
      onNeedRefresh: () => (this.updateWaiting = true),
      onOfflineReady: () => {
        this.offlineReady = true;
        setTimeout(() => (this.offlineReady = false), OFFLINE_NOTICE_MS);
      },
      // A tab left open for days still hears about new versions.
      onRegisteredSW: (_url, registration) => {
        if (registration) setInterval(() => void registration.update().catch(() => {}), UPDATE_CHECK_MS);
      },
    });
  }

  /**
   * Activates the waiting version and reloads into it once it controls the page. (Done here
   * rather than through workbox-window, which does not reload for updates it did not start,
   * such as the browser's own update checks.)
   */
  async apply(): Promise<void> {
    const waiting = (await navigator.serviceWorker.getRegistration())?.waiting;
    if (!waiting) {
      location.reload();
      return;
    }
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    waiting.postMessage({ type: 'SKIP_WAITING' });
  }

  dismiss(): void {
    this.updateWaiting = false;
    this.offlineReady = false;
  }
}

export const appUpdate = new AppUpdate();
