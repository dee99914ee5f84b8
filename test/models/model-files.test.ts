import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256InSlices } from '../../src/models/model-files.js';

describe('sha256InSlices', () => {
  it('gives the sha256 of the whole buffer while letting the event loop run between slices', async () => {
    const bytes = new Uint8Array(20 * 1024 * 1024 + 7);
    for (let i = 0; i < bytes.length; i += 4099) bytes[i] = i & 0xff;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const sha256 = await sha256InSlices(bytes);
    clearInterval(timer);
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    // Three slices: two turns of the event loop in between, where a timer can fire.
    expect(ticks).toBeGreaterThanOrEqual(1);
    expect(await sha256InSlices(new Uint8Array(0))).toBe(createHash('sha256').digest('hex'));
  });
});
