// Logs: one JSON object per line, filtered by level, with a child's fields and errors as text.

import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';

describe('createLogger', () => {
  it('writes JSON lines at or above its level', () => {
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    log.debug('hidden');
    log.info('shown', { jobId: 'j1' });
    log.child({ tokenId: 't-1' }).error('failed', { error: new TypeError('bad thing') });
    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true);
    const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'info', msg: 'shown', jobId: 'j1' });
    expect(Date.parse(first!.time as string)).not.toBeNaN();
    expect(second).toMatchObject({ level: 'error', msg: 'failed', tokenId: 't-1', error: 'TypeError: bad thing' });
  });
});
