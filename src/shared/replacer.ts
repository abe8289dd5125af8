// One pass that replaces registered strings (secrets) and host folders in a text. A folder is matched in every
// spelling a tool or an exception prints it: as given, its realpath, its file: URL, and on Windows in any case
// and with either slash; and only up to a path boundary (/tmp never eats /tmpfiles).
import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A folder and the marker that replaces it; its `realpath` and `file:` URL forms are added by pathParts. */
export type HostDir = readonly [path: string, marker: string];

/** The host's own private folders: the user's home and the temporary folder (see the rule on Redactor). */
export function hostDirs(): HostDir[] {
  return [
    [homedir(), '<home>'],
    [tmpdir(), '<tmp>'],
  ];
}

/** A string to replace and its marker; `windows`: a Windows path, matched whatever its case and slashes (see windowsPattern). */
export type Part = { s: string; r: string; path: boolean; windows?: boolean };

const WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|\\\\)/;
/** One spelling of a Windows path for the lookup of its marker: lower case, forward slashes. */
const windowsKey = (s: string): string => s.toLowerCase().replace(/\\/g, '/');
/** Windows paths are case-insensitive and take either slash, and tools print them every way: `c:/users/me/x`. */
const windowsPattern = (s: string): string =>
  [...s]
    .map((c) => (c === '\\' || c === '/' ? '[\\\\/]' : c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeRegex(c)))
    .join('');

/** Each folder in every spelling it can be printed in, to be replaced by its marker. */
export function pathParts(dirs: readonly HostDir[]): Part[] {
  const out: Part[] = [];
  for (const [dir, marker] of dirs) {
    if (dir.length <= 1) continue; // never "/" or ""
    let real = dir;
    try {
      real = realpathSync(dir);
    } catch {
      /* a folder that does not exist is still redacted as given */
    }
    for (const p of new Set([dir, real])) {
      if (WINDOWS_PATH.test(p)) {
        // `C:\Users\me` and `\\server\share\x`; their file: URLs are file:///C:/Users/me and file://server/share/x.
        const bare = p.replace(/[\\/]+$/, '');
        const url = bare.startsWith('\\\\') ? `file:${encodeURI(bare.replace(/\\/g, '/'))}` : `file:///${encodeURI(bare.replace(/\\/g, '/'))}`;
        out.push({ s: bare, r: marker, path: true, windows: true }, { s: url, r: marker, path: true, windows: true });
      } else {
        out.push({ s: p, r: marker, path: true }, { s: pathToFileURL(p).href, r: marker, path: true });
      }
    }
  }
  return out;
}

/** All the parts in one regular expression, longest first so that a folder inside another gets its own marker. */
export class Replacer {
  private readonly pattern: RegExp | null;
  private readonly replacements: Map<string, string>;
  constructor(parts: Part[]) {
    const sorted = [...parts].sort((a, b) => b.s.length - a.s.length); // longest first
    this.replacements = new Map(sorted.map((p) => [p.windows ? windowsKey(p.s) : p.s, p.r]));
    // A path ends at a separator or a character that cannot continue a file name: /tmp never eats /tmpfiles.
    const source = sorted
      .map((p) => {
        const text = p.windows ? windowsPattern(p.s) : escapeRegex(p.s);
        return p.path ? `${text}(?![\\w.~-])` : text;
      })
      .join('|');
    this.pattern = sorted.length ? new RegExp(source, 'g') : null;
  }
  get active(): boolean {
    return this.pattern !== null;
  }
  apply(s: string): string {
    return this.pattern ? s.replace(this.pattern, (m) => this.replacements.get(m) ?? this.replacements.get(windowsKey(m)) ?? '[REDACTED]') : s;
  }
}
