// How much space the library uses and may use, and whether the browser keeps it for good.

export class StorageState {
  usageBytes = $state<number>();
  quotaBytes = $state<number>();
  persisted = $state<boolean>();

  async refresh(): Promise<void> {
    if (!navigator.storage?.estimate) return;
    const estimate = await navigator.storage.estimate();
    this.usageBytes = estimate.usage;
    this.quotaBytes = estimate.quota;
    this.persisted = await navigator.storage.persisted?.();
  }

  private askedToPersist = false;

  /** Asks once per session to keep the library from eviction under storage pressure (first import). */
  async requestPersistence(): Promise<void> {
    if (this.askedToPersist || !navigator.storage?.persist) return;
    this.askedToPersist = true;
    this.persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  }
}

export const storage = new StorageState();
