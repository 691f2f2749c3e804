// A worker that fails must fail the calls waiting on it, not leave them hanging. Runs in
// headless Chromium with real workers.
import { describe, expect, it } from 'vitest';
import { SfaError } from '@sfa/shared/protocol/errors';
import { createWorkerClient } from './worker-client.ts';

interface EchoApi {
  echo(value: string): string;
  crash(): void;
}

/** A module worker from source text (speaking comlink's wire format by hand). */
function workerFrom(source: string): Worker {
  const blob = new Blob([source], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(blob), { type: 'module' });
}

describe('createWorkerClient', () => {
  it('rejects a call in flight when the worker crashes, then starts a fresh worker', async () => {
    let started = 0;
    const client = createWorkerClient<EchoApi>('test worker', () => {
      started++;
      // Answers echo; crash() throws from a timer, outside comlink's reach: an uncaught error.
      return workerFrom(`
        onmessage = (event) => {
          const { id, path, argumentList } = event.data;
          if (path[0] === 'crash') { setTimeout(() => { throw new Error('boom'); }); return; }
          postMessage({ id, type: 'RAW', value: argumentList[0].value });
        };`);
    });
    expect(await client.call((api) => api.echo('hello') as Promise<string>)).toBe('hello');
    const crashed = await client.call((api) => api.crash() as Promise<void>).catch((error: unknown) => error);
    expect(crashed).toBeInstanceOf(SfaError);
    expect((crashed as SfaError).code).toBe('internal');
    expect((crashed as SfaError).message).toMatch(/test worker stopped unexpectedly.*boom/);
    expect(await client.call((api) => api.echo('again') as Promise<string>)).toBe('again');
    expect(started).toBe(2);
  });

  it('rejects when the worker script cannot load', async () => {
    const client = createWorkerClient<EchoApi>(
      'missing worker',
      () => new Worker('/no/such/worker.js', { type: 'module' }),
    );
    await expect(client.call((api) => api.echo('x') as Promise<string>)).rejects.toMatchObject({ code: 'internal' });
  });

  it('rejects calls in flight when terminated', async () => {
    const client = createWorkerClient<EchoApi>('idle worker', () => workerFrom('onmessage = () => {};'));
    const pending = client.call((api) => api.echo('never answered') as Promise<string>);
    client.terminate();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });
});
