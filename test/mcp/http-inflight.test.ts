// InflightRequests, called directly: which running stateless request a cancel reaches, and when it reaches none.
import { describe, expect, it } from 'vitest';
import { type CancelScope, InflightRequests } from '../../src/mcp/http-inflight.js';

/** Scopes: a caller (Caller.key) and, for clients that send back their stateless tag, that tag. */
const alice = (tag?: string): CancelScope => ({ caller: 'alice', tag });
const bob = (tag?: string): CancelScope => ({ caller: 'bob', tag });
const A = alice('stateless.a');

/** A registry on a clock the test moves, and the reasons each tracked request was cancelled with. */
function setup(options: { earlyMs?: number; maxHeld?: number } = {}) {
  let now = 0;
  const inflight = new InflightRequests({ ...options, now: () => now });
  const stops = new Map<string, (string | undefined)[]>();
  const track = (scope: CancelScope, id: number | string, name: string) => {
    stops.set(name, []);
    return inflight.track(scope, id, (reason) => stops.get(name)!.push(reason));
  };
  return { inflight, stops, track, tick: (ms: number) => (now += ms) };
}

describe('InflightRequests', () => {
  it('stops the one running request of that scope with that id, with the client’s reason', () => {
    const { inflight, stops, track } = setup();
    track(A, 1, 'a1');
    track(A, 2, 'a2');
    track(bob('stateless.a'), 1, 'b1');
    expect(inflight.cancel(A, 1, 'pressed stop')).toBe('cancelled');
    expect(Object.fromEntries(stops)).toEqual({ a1: ['pressed stop'], a2: [], b1: [] });
  });

  it('two clients of one caller, both running request 1: each cancel stops its own client’s only', () => {
    const { inflight, stops, track } = setup();
    track(alice('stateless.x'), 1, 'x1');
    track(alice('stateless.y'), 1, 'y1');
    expect(inflight.cancel(alice('stateless.x'), 1, undefined)).toBe('cancelled');
    expect(Object.fromEntries(stops)).toEqual({ x1: [undefined], y1: [] });
  });

  it('a tagged cancel never reaches an untagged request, nor an untagged cancel a tagged one', () => {
    const { inflight, stops, track } = setup();
    track(alice(), 5, 'untagged');
    track(A, 6, 'tagged');
    expect(inflight.cancel(A, 5, undefined)).toBe('held');
    expect(inflight.cancel(alice(), 6, undefined)).toBe('unmatched');
    expect([...stops.values()].flat()).toEqual([]);
  });

  it('keeps ids of different types apart: 1 is not "1"', () => {
    const { inflight, stops, track } = setup();
    track(A, 1, 'number');
    expect(inflight.cancel(A, '1', undefined)).toBe('held');
    expect(stops.get('number')).toEqual([]);
  });

  it('another caller cannot stop a request by naming its id, nor by naming its tag too', () => {
    const { inflight, stops, track } = setup();
    track(alice(), 7, 'a7');
    track(A, 8, 'a8');
    expect(inflight.cancel(bob(), 7, undefined)).toBe('unmatched');
    expect(inflight.cancel(bob('stateless.a'), 8, undefined)).toBe('held');
    expect([...stops.values()].flat()).toEqual([]);
  });

  it('stops none when two running requests of one scope share the id', () => {
    const { inflight, stops, track } = setup();
    track(alice(), 1, 'first');
    const untrack = track(alice(), 1, 'second');
    expect(inflight.cancel(alice(), 1, undefined)).toBe('ambiguous');
    expect([...stops.values()].flat()).toEqual([]);
    untrack(); // once only one is left, the id names it
    expect(inflight.cancel(alice(), 1, 'now clear')).toBe('cancelled');
    expect(stops.get('first')).toEqual(['now clear']);
  });

  it('holds a tagged cancel that came before its request, and it stops only the first such request within the window', () => {
    const { inflight, stops, track, tick } = setup({ earlyMs: 1_000 });
    expect(inflight.cancel(A, 3, 'early')).toBe('held');
    tick(999);
    track(A, 3, 'arrived');
    track(A, 3, 'next');
    expect(stops.get('arrived')).toEqual(['early']);
    expect(stops.get('next')).toEqual([]);
  });

  it('holds no untagged cancel: a later request reusing the id (another client’s, maybe) runs', () => {
    const { inflight, stops, track } = setup({ earlyMs: 1_000 });
    expect(inflight.cancel(alice(), 3, 'early')).toBe('unmatched');
    track(alice(), 3, 'later');
    expect(stops.get('later')).toEqual([]);
    expect(inflight.size.held).toBe(0);
  });

  it('forgets a held cancel after the window: a later request with that id runs', () => {
    const { inflight, stops, track, tick } = setup({ earlyMs: 1_000 });
    inflight.cancel(A, 3, undefined);
    tick(1_000);
    track(A, 3, 'later');
    expect(stops.get('later')).toEqual([]);
    expect(inflight.size.held).toBe(0);
  });

  it('holds at most maxHeld cancels, dropping the oldest', () => {
    const { inflight, stops, track } = setup({ maxHeld: 2 });
    for (const id of [1, 2, 3]) inflight.cancel(A, id, undefined);
    expect(inflight.size.held).toBe(2);
    for (const id of [1, 2, 3]) track(A, id, `r${id}`);
    expect([1, 2, 3].map((id) => stops.get(`r${id}`)!.length)).toEqual([0, 1, 1]);
  });

  it('leaves nothing behind once requests end and held cancels expire', () => {
    const { inflight, track, tick } = setup({ earlyMs: 1_000 });
    const ends = [track(alice(), 1, 'x'), track(alice(), 1, 'y'), track(bob(), 'z', 'z')];
    inflight.cancel({ caller: 'carol', tag: 'stateless.c' }, 9, undefined);
    expect(inflight.size).toEqual({ running: 3, held: 1 });
    for (const end of ends) end();
    ends[0]!(); // ending twice is harmless
    tick(1_000);
    expect(inflight.size).toEqual({ running: 0, held: 0 });
  });
});
