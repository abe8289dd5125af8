// Sensitive results are recorded a slice at a time (flow-slices.ts): the slicing must lose nothing the tracker would
// have found in the whole value, and must give the event loop its turns.
import { describe, expect, it } from 'vitest';
import { leafPieces, recordSliced, SLICE_CHARS, SLICE_OVERLAP } from '../../src/tool-bridge/flow-slices.js';
import { FlowTracker } from '../../src/tool-bridge/flow-tracker.js';

describe('leafPieces', () => {
  it('gives string and number leaves in order, not keys, and walks deep values without recursion', () => {
    expect([...leafPieces({ name: 'Ada', n: 42, list: ['x', { deep: 'y' }], nothing: null, yes: true })]).toEqual(['Ada', '42', 'x', 'y']);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect([...leafPieces(deep as string)]).toEqual(['bottom']);
  });

  it('cuts long strings into pieces that overlap', () => {
    const text = 'abcdefghij'.repeat(20_000); // 200,000 characters
    const pieces = [...leafPieces(text)];
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.every((p) => p.length <= SLICE_CHARS)).toBe(true);
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]!.startsWith(pieces[i - 1]!.slice(-SLICE_OVERLAP))).toBe(true);
    expect(pieces.join('').length).toBe(text.length + (pieces.length - 1) * SLICE_OVERLAP);
  });
});

describe('recordSliced', () => {
  it('finds a secret that straddles a cut, and yields to the event loop between slices', async () => {
    const secret = 'zedquartermaine4821';
    const at = SLICE_CHARS - 6; // the secret spans the end of the first piece
    const text = `${'lorem ipsum '.repeat(Math.ceil(at / 12)).slice(0, at)}${secret}${' dolor sit'.repeat(20_000)}`;
    const tracker = new FlowTracker();
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      await recordSliced(tracker, 'crm:export', { rows: [text, ...Array.from({ length: 50 }, (_, i) => `row ${i} ${'x'.repeat(5000)}`)] });
    } finally {
      clearInterval(ticker);
    }
    expect(tracker.find({ text: `fwd ${secret.toUpperCase()}` })).toEqual(['crm:export']);
    // Eight characters across the end of the first piece: found only because the next piece repeats its tail.
    expect(tracker.find({ text: `fwd ${secret.slice(2, 10)}` })).toEqual(['crm:export']);
    expect(tracker.find({ text: 'nothing of it here' })).toEqual([]);
    expect(turns).toBeGreaterThan(0);
  });
});

describe('recordSliced: members too short alone', () => {
  it('records the joined text of an array’s or object’s scalar members', async () => {
    const tracker = new FlowTracker();
    await recordSliced(tracker, 'vault:card', { card: { groups: ['4929', '3846', '7715', '2093'], name: { first: 'Ada', last: 'Byron' } } });
    expect(tracker.find({ body: 'card 4929 3846 7715 2093' })).toEqual(['vault:card']);
    expect(tracker.find({ body: 'to AdaByron' })).toEqual(['vault:card']);
    expect(tracker.find({ body: '4929 and nothing else' })).toEqual([]);
  });
});
