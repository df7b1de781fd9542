import { describe, it, expect } from 'vitest';
import { installStopHandlers, releaseStopHandlers, stopRequested, clearStop } from './stop.ts';

describe('stop handlers (Ctrl-C, SIGTERM)', () => {
  it('install adds one SIGINT and one SIGTERM listener (once, however often it is called); release removes them again', () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const said: string[] = [];
    try {
      installStopHandlers((m) => said.push(m));
      installStopHandlers((m) => said.push(m));
      expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
      expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      // the first signal asks long jobs to stop at their next safe point
      process.emit('SIGINT', 'SIGINT');
      expect(stopRequested()).toBe(true);
      expect(said[0]).toMatch(/SIGINT: stopping at the next safe point/);
    } finally {
      clearStop();
      releaseStopHandlers();
    }
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    releaseStopHandlers();
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });
});
