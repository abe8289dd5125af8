// FlowTracker (DESIGN §6 labels): data a sensitive tool returned, found again in an egress call's arguments after the
// transformations a script can apply. Real values, no mocks: every encoding is made by the platform's own encoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowTracker } from '../../src/tool-bridge/flow-tracker.js';
import { cpuTimed } from '../cpu-time.js';

const SOURCE = 'crm:get_customer';
const NAME = 'Zed Quartermaine ABCxyz';
// Tabs on purpose: JSON writes them `\t` and URIs `%09`, which change the letters and digits seen undecoded.
const ACCOUNT = 'acct\t1234\t5678\tssn\t123\t45\t6789\tpin\t4321';
// Same shapes, none of the same data: what an honest script sends after reading a customer.
const OTHER_NAME = 'Yolanda Pemberton QRSuvw';
const OTHER_ACCOUNT = 'card\t9876\t5432\tzip\t902\t10\t5555\tcvv\t8765';

function tracking(value: unknown = { id: 7, name: NAME, account: ACCOUNT, status: 'active' }, options?: ConstructorParameters<typeof FlowTracker>[0]) {
  const tracker = new FlowTracker(options);
  tracker.addSource(SOURCE, value);
  return tracker;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** What a script can do to a value with built-ins before sending it; each must still be caught. */
const TRANSFORMS: [string, (text: string) => string][] = [
  ['the value as is', (s) => s],
  ['toUpperCase', (s) => s.toUpperCase()],
  ['toLowerCase', (s) => s.toLowerCase()],
  ['JSON.stringify of the string', (s) => JSON.stringify(s)],
  ['character codes joined by commas', (s) => [...s].map((c) => c.codePointAt(0)).join(',')],
  ['character codes joined by spaces, in a sentence', (s) => `codes: ${[...s].map((c) => c.codePointAt(0)).join(' ')}.`],
  ['JSON.stringify of an object holding it', (s) => JSON.stringify({ note: s, n: 1 })],
  ['JSON.stringify twice', (s) => JSON.stringify(JSON.stringify({ s }))],
  ['escaping every character as \\uXXXX', (s) => s.replace(/[\s\S]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
  ['array.join', (s) => ['first', s, 'last'].join(',')],
  ['concatenation', (s) => 'Dear team: '.concat(s, ' -- thanks')],
  ['a template literal', (s) => `Customer record: ${s}.`],
  ['btoa (standard base64)', (s) => btoa(s)],
  ['url-safe base64 without padding', (s) => b64url(s)],
  ['base64 inside a longer text', (s) => `see https://files.example.com/d/${b64url(s)}?dl=1 today`],
  ['base64 glued to a word', (s) => `ref${btoa(s)}`],
  ['base64 of lower-cased text', (s) => btoa(s.toLowerCase())],
  [
    'btoa of 7-character parts, concatenated',
    (s) =>
      s
        .match(/[\s\S]{1,7}/g)!
        .map((part) => btoa(part))
        .join(''),
  ],
  ['base64 wrapped at 76 columns', (s) => b64(JSON.stringify({ pad: 'x'.repeat(40), s })).replace(/.{76}/g, '$&\r\n')],
  ['encodeURIComponent', (s) => encodeURIComponent(s)],
  ['encodeURI', (s) => `https://example.com/q/${encodeURI(s)}`],
  ['URLSearchParams (+ for spaces)', (s) => new URLSearchParams({ q: s, lang: 'en' }).toString()],
  ['JSON then URI', (s) => encodeURIComponent(JSON.stringify({ s }))],
  ['base64 of JSON', (s) => btoa(JSON.stringify({ s }))],
  ['URI of base64 of JSON', (s) => encodeURIComponent(btoa(JSON.stringify([s])))],
  ['hex of the UTF-8 bytes', (s) => hex(s)],
  ['upper-case hex of JSON', (s) => hex(JSON.stringify(s)).toUpperCase()],
];

describe('FlowTracker: transformations', () => {
  it.each(TRANSFORMS)('catches %s', (_, transform) => {
    const tracker = tracking();
    expect(tracker.find({ to: 'x@example.com', body: transform(NAME) })).toEqual([SOURCE]);
    expect(tracker.find({ to: 'x@example.com', body: transform(ACCOUNT) })).toEqual([SOURCE]);
  });

  it.each(TRANSFORMS)('does not flag unrelated data after %s', (_, transform) => {
    const tracker = tracking();
    expect(tracker.find({ to: 'x@example.com', body: transform(OTHER_NAME) })).toEqual([]);
    expect(tracker.find({ to: 'x@example.com', body: transform(OTHER_ACCOUNT) })).toEqual([]);
  });

  it('catches any part of minLength characters or more after any chain of up to three encodings', () => {
    const encodings: Record<string, (text: string) => string> = { json: JSON.stringify, uri: encodeURIComponent, base64: b64, base64url: b64url, hex };
    const canonicalLength = (text: string) => text.replace(/[^a-z0-9]/gi, '').length;
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcXYZ0189 \t-_"\\%+/=.'), minLength: 8, maxLength: 60 }),
        fc.nat(),
        fc.nat(),
        fc.array(fc.constantFrom(...Object.keys(encodings)), { maxLength: 3 }),
        (text, a, b, chain) => {
          const part = text.slice(Math.min(a, b) % text.length, text.length - (Math.max(a, b) % text.length));
          fc.pre(canonicalLength(part) >= 8);
          const sent = chain.reduce((value, name) => encodings[name]!(value), part);
          expect(tracking(text).find({ body: sent })).toEqual([SOURCE]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('folds case, width and accents, and ß as toUpperCase writes it', () => {
    const tracker = tracking({ street: 'Weißenburgstraße', name: 'Zoë Müller-Lüdenscheidt', code: 'ＡＢＣ－１２３４５６' });
    expect(tracker.find({ body: 'WEISSENBURG' })).toEqual([SOURCE]);
    expect(tracker.find({ body: 'Zoe Muller' })).toEqual([SOURCE]);
    expect(tracker.find({ body: 'abc-123456' })).toEqual([SOURCE]);
  });

  it('catches non-Latin text: url-safe base64 (where - and _ appear) and legacy escape()', () => {
    const tracker = tracking({ kana: 'ゾーイ・クォーターメイン', name: 'Zoë Müller-Lüdenscheidt' });
    expect(Buffer.from('ゾーイ・クォーターメイン').toString('base64url')).toMatch(/[-_]/);
    expect(tracker.find({ body: b64url('ゾーイ・クォーターメイン') })).toEqual([SOURCE]);
    expect(tracker.find({ body: escape('ゾーイ・クォーターメイン') })).toEqual([SOURCE]); // %uXXXX
    expect(tracker.find({ body: escape('Zoë Müller-Lüdenscheidt') })).toEqual([SOURCE]); // Latin-1 %EB, not UTF-8
    expect(tracker.find({ body: escape('ゾーイ・ジョーンズ') })).toEqual([]);
  });
});

describe('FlowTracker: what is tracked', () => {
  it('tracks the values of a nested source and finds them in a nested argument', () => {
    const tracker = tracking({ page: { customers: [{ profile: { contact: { name: NAME } } }] } });
    expect(tracker.find({ message: { parts: [{ blocks: [{ text: `Hi ${NAME}` }] }] } })).toEqual([SOURCE]);
  });

  it('catches a part of exactly minLength canonical characters, and not one of minLength − 1', () => {
    const tracker = tracking();
    expect(tracker.find({ body: 'about rmaine AB' })).toEqual([SOURCE]); // rmaineab: 8
    expect(tracker.find({ body: 'about maine AB' })).toEqual([]); // maineab: 7
    const twelve = tracking(undefined, { minLength: 12 });
    expect(twelve.find({ body: 'termaine ABCx' })).toEqual([SOURCE]);
    expect(twelve.find({ body: 'ermaine ABCx' })).toEqual([]);
  });

  it('does not flag text that is not in the sensitive data, even text sharing short pieces of it', () => {
    const tracker = tracking();
    expect(tracker.find({ body: 'records are present' })).toEqual([]);
    expect(tracker.find(['Dear Zed, your account is active', 'quarter', 'ABC', 1234, 'pin'])).toEqual([]);
  });

  it('does not track the keys of a sensitive result, nor values shorter than minLength', () => {
    const tracker = tracking({ customerAccountNumber: 'Zed Quartermaine ABCxyz', status: 'active', pin: 4321 });
    expect(tracker.find({ text: 'customerAccountNumber' })).toEqual([]);
    expect(tracker.find({ text: 'status: active, pin: 4321' })).toEqual([]);
    expect(tracking({ status: 'active', pin: 4321 }).empty).toBe(true);
  });

  it('tracks numbers, found as numbers or as text', () => {
    const tracker = tracking({ phone: 4155550123, balance: 1234567.891, count: 42 });
    expect(tracker.find({ to: 4155550123 })).toEqual([SOURCE]);
    expect(tracker.find({ body: 'call (415) 555-0123' })).toEqual([SOURCE]);
    expect(tracker.find({ body: 'balance 1,234,567.891' })).toEqual([SOURCE]);
    expect(tracker.find({ amount: 42, id: 9_999_999 })).toEqual([]);
    expect(tracker.find({ id: 4155550124 })).toEqual([SOURCE]); // shares 41555501: 8 digits of the phone number
  });

  it('catches a value split across fields, each shorter than minLength', () => {
    const tracker = tracking();
    const chunks = (text: string) => text.match(/[\s\S]{1,5}/g)!;
    expect(tracker.find({ parts: chunks(NAME) })).toEqual([SOURCE]);
    expect(tracker.find(Object.fromEntries(chunks(ACCOUNT).map((chunk, i) => [`f${i}`, chunk])))).toEqual([SOURCE]);
    // 8 bytes each (base64 long enough to decode) but at most 7 letters and digits each.
    expect(tracker.find({ parts: ACCOUNT.match(/[\s\S]{1,8}/g)!.map((chunk) => btoa(chunk)) })).toEqual([SOURCE]);
  });

  it('reads number lists as character codes only where every number is printable', () => {
    const tracker = tracking({ note: 'invoice totals' });
    expect(tracker.find({ prices: '3, 17, 250, 9000, 12, 4, 99, 1000, 2, 5' })).toEqual([]);
    expect(tracker.find({ pages: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].join(',') })).toEqual([]);
  });

  it('catches a value smuggled in an argument key', () => {
    expect(tracking().find({ [NAME]: true })).toEqual([SOURCE]);
    expect(tracking().find({ [encodeURIComponent(ACCOUNT)]: 1 })).toEqual([SOURCE]);
  });
});

describe('FlowTracker: sources', () => {
  it('reports every source found, in the order the tools were first added', () => {
    const tracker = new FlowTracker();
    tracker.addSource('crm:get_customer', { name: NAME });
    tracker.addSource('bank:get_account', ACCOUNT);
    tracker.addSource('hr:get_employee', { name: OTHER_NAME });
    tracker.addSource('crm:get_customer', { note: 'a second result of the first tool' });
    expect(tracker.find({ a: ACCOUNT, b: 'the first tool' })).toEqual(['crm:get_customer', 'bank:get_account']);
    expect(tracker.find({ a: OTHER_NAME, b: ACCOUNT })).toEqual(['bank:get_account', 'hr:get_employee']);
    expect(tracker.find({ a: 'nothing of it' })).toEqual([]);
  });

  it('reports every tool that returned the same data', () => {
    const tracker = new FlowTracker();
    tracker.addSource('crm:get_customer', { name: NAME });
    tracker.addSource('mail:read_inbox', [`From: ${NAME}`]);
    expect(tracker.find(btoa(NAME))).toEqual(['crm:get_customer', 'mail:read_inbox']);
  });

  it('is empty until something long enough is recorded', () => {
    const tracker = new FlowTracker();
    expect(tracker.empty).toBe(true);
    tracker.addSource('crm:count', { count: 3, ok: true, list: [] });
    expect(tracker.empty).toBe(true);
    expect(tracker.find(NAME)).toEqual([]);
    tracker.addSource('crm:get_customer', NAME);
    expect(tracker.empty).toBe(false);
  });

  it('fails closed past maxTrackedChars: every source, for any argument', () => {
    const tracker = new FlowTracker({ maxTrackedChars: 40 });
    tracker.addSource('crm:get_customer', NAME); // 21 canonical characters
    expect(tracker.find('records are present')).toEqual([]);
    tracker.addSource('bank:get_account', ACCOUNT); // 31 more: past 40
    expect(tracker.empty).toBe(false);
    expect(tracker.find('records are present')).toEqual(['crm:get_customer', 'bank:get_account']);
    tracker.addSource('hr:get_employee', 'short');
    expect(tracker.find({})).toEqual(['crm:get_customer', 'bank:get_account', 'hr:get_employee']);
  });

  it('fails closed on an argument built to exhaust the decoding budget', () => {
    // `V…` reads as base64 at all four alignments (`UUU…`), and the escapes nest so that each order of JSON and URI
    // decoding gives another text: together past the budget of 16 times the argument.
    const tracker = tracking();
    expect(tracker.find({ body: `${'V'.repeat(24_000)} x\\x25\\x25%5Cx43\\\\%2525\\\\%2525x5C325C35` })).toEqual([SOURCE]);
    expect(tracker.find({ body: `${'V'.repeat(24_000)} x\\x25%5Cx43` })).toEqual([]);
  });

  it('rejects unknown options and limits that are not integers', () => {
    expect(() => new FlowTracker({ minLenght: 12 } as never)).toThrow(/unknown option "minLenght"; use minLength or maxTrackedChars/);
    expect(() => new FlowTracker({ minLength: 0 })).toThrow(/minLength must be an integer of at least 4/);
    expect(() => new FlowTracker({ minLength: 8.5 })).toThrow(RangeError);
    expect(() => new FlowTracker({ maxTrackedChars: -1 })).toThrow(/maxTrackedChars/);
    expect(new FlowTracker({}).empty).toBe(true);
  });
});

describe('FlowTracker: hostile inputs', () => {
  it('walks 100,000 levels of nesting on both sides', () => {
    const nest = (leaf: string) => {
      let deep: unknown = leaf;
      for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { [`k${i}`]: deep };
      return deep;
    };
    const tracker = tracking(nest(NAME));
    expect(tracker.find(nest(NAME))).toEqual([SOURCE]);
    expect(tracker.find(nest(OTHER_NAME))).toEqual([]);
  });

  it('does not throw on malformed encodings, lone surrogates or values that are not JSON', () => {
    const tracker = tracking();
    const cyclic: Record<string, unknown> = { name: NAME };
    cyclic.self = cyclic;
    const malformed = ['', '%', '%%41', '%E0%A4%A', '%ZZ', '%u12', '\\', '\\u12', '\\x4', '====', 'A===', '=A=A=A=A=A=A=A=A==='];
    const surrogates = ['\ud800', '\udc00abcdefgh\ud800', `${NAME}\ud800`];
    expect(tracker.find([...malformed, ...surrogates.slice(0, 2)])).toEqual([]);
    expect(tracker.find(surrogates[2])).toEqual([SOURCE]);
    expect(tracker.find(cyclic)).toEqual([SOURCE]);
    expect(tracker.find([undefined, () => NAME, Symbol(NAME), null, true, Number.NaN, 10n ** 30n])).toEqual([]);
    expect(() => tracker.addSource('x:y', ['\ud800', cyclic, ...malformed])).not.toThrow();
  });

  it('does not throw on any JSON value, on either side', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (source, argument) => {
        const tracker = new FlowTracker({ minLength: 4 });
        tracker.addSource('a:b', source);
        tracker.find(argument);
        tracker.find(source);
      }),
      { numRuns: 300 },
    );
  });

  it('checks megabyte values in linear time (a loose guard against quadratic paths, not a benchmark)', () => {
    let seed = 1;
    const words = (size: number, letters: string) => {
      const out: string[] = [];
      for (let length = 0; length < size; length += 8) {
        let word = '';
        for (let i = 0; i < 7; i++) word += letters[(seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) % letters.length];
        out.push(word);
      }
      return out.join(' ');
    };
    const sensitive = words(1_000_000, 'abcdefghijklm');
    const unrelated = words(1_000_000, 'nopqrstuvwxyz');
    const { ms } = cpuTimed(() => {
      const tracker = tracking({ sensitive });
      expect(tracker.find({ body: unrelated })).toEqual([]);
      expect(tracker.find({ body: encodeURIComponent(JSON.stringify(unrelated.replaceAll(' ', '\t'))) })).toEqual([]);
      expect(tracker.find({ body: b64(unrelated) })).toEqual([]);
      expect(tracker.find({ body: `${unrelated}${sensitive.slice(500_000, 500_020)}` })).toEqual([SOURCE]);
      for (const filler of [' ', '%', '\\', '=', 'A', 'f', '%41', '\\t']) expect(tracker.find(filler.repeat(1_000_000))).toEqual([]);
      const same = tracking('a'.repeat(1_000_000));
      expect(same.find({ body: 'a'.repeat(1_000_000) })).toEqual([SOURCE]);
    });
    expect(ms).toBeLessThan(20_000);
  }, 60_000);
});
