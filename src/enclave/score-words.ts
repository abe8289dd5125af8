// The vocabulary of stage 4 (score.ts): names are split into whole words, and these tables say which words
// mean reading, sending out (egress), credential material or a bulk read. Whole words, never substrings:
// `author` is not `auth`, `list_pull_requests` does not contain the verb `request`, `maxTokens` is no token.

/** Lower-case whole words of a name: split on `:`, `_`, `-`, `.`, `/`, spaces and camelCase (`getPRReviews` → get, pr, reviews). */
export function words(name: string): string[] {
  return (name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []).map((w) => w.toLowerCase());
}

export type ToolKind = 'read' | 'egress' | 'write' | 'other';
export interface ToolClass {
  kind: ToolKind;
  /** The word that decided the kind (`list` in github:list_pull_requests), or null. */
  verb: string | null;
  /** The tool reads from a secret store (vault:read_secret, aws:get_secret_value). */
  secretStore: boolean;
  /** Its results name things (paths, ids, sizes) rather than hold their contents: list/search/find, `get_file_info`. */
  naming: boolean;
}

const set = (text: string): ReadonlySet<string> => new Set(text.split(' '));

/** Verbs that return data. `fetch` reads from the tool's own system (notion-fetch); HTTP clients are below. */
const READ_VERBS = set(
  'list get read search query fetch find retrieve describe show view lookup open download export dump backup scan browse inspect load select',
);
/** Read verbs whose results name things (paths, ids) rather than return their contents. */
const NAMING_VERBS = set('list search find');
/** Objects of a read that describe a file rather than hold it (`get_file_info`, `stat`). */
const METADATA_OBJECTS = set('info stat stats metadata exists size tree');
/** Verbs of a bulk read: everything at once. */
export const BULK_VERBS = set('dump export backup');
/** Verbs that hand data to people or places outside the systems read: email, chat, webhooks, uploads, posts. */
const EGRESS_VERBS = set('send post publish upload share forward tweet email mail notify dm broadcast reply');
/** Verbs that change the tool's own system (a Linear ticket, a Notion page, a file): ordinary work, not egress. */
const WRITE_VERBS = set(
  'create update add write edit delete remove move rename set put patch insert upsert merge comment draft append close assign archive push commit fork star react save store apply transition resolve link mark complete modify',
);
/** Channels that carry data anywhere they are pointed (a webhook URL, a public gist, an SMS). */
const EGRESS_CHANNELS = set('webhook webhooks http https gist gists tweet tweets sms smtp');
/** Objects that, created, are sent to people: `create_message` is a send, `create_issue` is not. */
const MESSAGE_NOUNS = set('message messages msg email mail dm tweet post');
const CREATE_VERBS = set('create compose write new');
/** `API-post-page` (Notion's HTTP-method names) creates a record, unlike posting a message. */
const RECORD_NOUNS = set('page pages database databases block blocks row rows record records entity entities');
/** Servers that are generic HTTP clients: the URL and body go wherever the script says. */
const HTTP_CLIENT_SERVERS = set('http https fetch webhook webhooks curl');
/** Servers that are secret stores: everything they return is credential material. */
const SECRET_SERVERS = set('vault keychain keyring onepassword bitwarden lastpass secrets dotenv');
/** A tool whose object (its last word) is one of these reads secrets: `read_secret`, `get_secret_value`, `list_credentials`. */
const SECRET_OBJECTS = set('secret secrets credential credentials password passwords env environ dotenv');
/** Prefixes of tool names that are not words of the task (Notion's `API-get-users`). */
const NOISE = set('api');

const KNOWN_VERB = (w: string): boolean => READ_VERBS.has(w) || EGRESS_VERBS.has(w) || WRITE_VERBS.has(w);

function decide(serverWords: ReadonlySet<string>, toolWords: string[]): { kind: ToolKind; verb: string | null } {
  if ([...serverWords].some((w) => HTTP_CLIENT_SERVERS.has(w))) return { kind: 'egress', verb: null };
  // A word equal to the server's name is not the verb (slack:slack_post_message, jira:jira_search).
  const meaningful = toolWords.filter((w) => !serverWords.has(w) && !NOISE.has(w));
  const at = meaningful.findIndex(KNOWN_VERB);
  const verb = at >= 0 ? meaningful[at]! : null;
  const rest = at >= 0 ? meaningful.slice(at + 1) : meaningful;
  if (verb === 'post' && rest.some((w) => READ_VERBS.has(w))) return { kind: 'read', verb: rest.find((w) => READ_VERBS.has(w)) ?? verb }; // API-post-search
  if (verb === 'post' && rest.some((w) => RECORD_NOUNS.has(w))) return { kind: 'write', verb };
  if (verb !== null && EGRESS_VERBS.has(verb)) return { kind: 'egress', verb };
  if (verb !== null && READ_VERBS.has(verb)) return { kind: 'read', verb };
  if (meaningful.some((w) => EGRESS_CHANNELS.has(w))) return { kind: 'egress', verb }; // create_gist, trigger_webhook
  if (verb !== null && CREATE_VERBS.has(verb) && rest.some((w) => MESSAGE_NOUNS.has(w))) return { kind: 'egress', verb };
  return { kind: verb !== null && WRITE_VERBS.has(verb) ? 'write' : 'other', verb };
}

/** Trailing words that keep the material: `password_hash`, `apiKeyValue`, `secret_key_base`, `privateKeyPem`. */
const MATERIAL_SUFFIX = set('hash hashed value raw plain plaintext enc encrypted b64 base64 hex str string text data digest pem base bytes');

/** The head word of a compound (its last word, past material suffixes): what the name is about. */
function head(ws: readonly string[]): string {
  let end = ws.length;
  while (end > 1 && MATERIAL_SUFFIX.has(ws[end - 1]!)) end--;
  return ws[end - 1] ?? '';
}

const MAX_CACHED = 512;
const cache = new Map<string, ToolClass>();

/** What a `server:tool` name does, from its whole words. Memoized: the run-time score asks once per call. */
export function classifyTool(name: string): ToolClass {
  const hit = cache.get(name);
  if (hit) return hit;
  const colon = name.indexOf(':');
  const serverWords = new Set(words(colon >= 0 ? name.slice(0, colon) : ''));
  const toolWords = words(colon >= 0 ? name.slice(colon + 1) : name);
  const { kind, verb } = decide(serverWords, toolWords);
  const secretStore = (kind === 'read' || kind === 'other') && ([...serverWords].some((w) => SECRET_SERVERS.has(w)) || SECRET_OBJECTS.has(head(toolWords)));
  const naming = kind === 'read' && (NAMING_VERBS.has(verb ?? '') || METADATA_OBJECTS.has(head(toolWords)));
  const result: ToolClass = Object.freeze({ kind, verb, secretStore, naming });
  if (cache.size >= MAX_CACHED) cache.clear(); // names come from scripts: bound the memory they can take
  cache.set(name, result);
  return result;
}

// ---- Credential material in key, field and column names -------------------------------------------------

/** Names that are credential material whatever precedes them. */
const CREDENTIAL_WORDS = set(
  'password passwords passwd passphrase secret secrets credential credentials creds cookie cookies ssn cvv cvc authorization bearer apikey apikeys privatekey secretkey accesskey',
);
/** `key` is material only after one of these (`api_key`, `privateKey`); alone it is Jira's issue key or a map key. */
const KEY_QUALIFIERS = set('api private secret access signing ssh encryption master client gpg pgp deploy');
/** A singular `token` after these is a page cursor or a count, not a credential (`nextPageToken`, `maxToken`). */
const NON_CREDENTIAL_TOKEN = set('page next continuation sync cursor resume max min input output prompt completion total design css');
/** Plural `tokens` is usually a count (`max_tokens`, `total_tokens`); after these it is credentials. */
const TOKEN_QUALIFIERS = set('api access auth refresh bearer session oauth bot personal secret id');

/**
 * The credential phrase a name denotes (`password`, `api key`, `token`), or null. Only the last words count,
 * because in English compounds they are the thing named: `passwordResetAt` and `apiKeyId` are about a
 * credential, not the credential itself.
 */
export function credentialPhrase(name: string): string | null {
  const ws = words(name);
  while (ws.length > 1 && MATERIAL_SUFFIX.has(ws[ws.length - 1]!)) ws.pop();
  const last = ws[ws.length - 1];
  const prev = ws[ws.length - 2] ?? '';
  if (last === undefined) return null;
  if (CREDENTIAL_WORDS.has(last)) return last;
  if (last === 'token') return NON_CREDENTIAL_TOKEN.has(prev) ? null : prev ? `${prev} token` : 'token';
  if (last === 'tokens') return TOKEN_QUALIFIERS.has(prev) ? `${prev} tokens` : null;
  if ((last === 'key' || last === 'keys') && KEY_QUALIFIERS.has(prev)) return `${prev} ${last}`;
  if ((last === 'number' || last === 'num') && prev === 'card') return 'card number';
  if (last === 'card' && prev === 'credit') return 'credit card';
  return null;
}

// ---- Secret-looking paths ----------------------------------------------------------------------------

/** Folders whose files are keys and cloud credentials. */
const SECRET_DIRS = set('.ssh .aws .gnupg .kube .docker .azure .password-store');
/** File names that hold credentials by convention. */
const SECRET_FILES = set(
  'id_rsa id_dsa id_ecdsa id_ed25519 .netrc .npmrc .pypirc .pgpass .git-credentials .htpasswd credentials credentials.json credentials.csv secrets.json secrets.yaml secrets.yml secrets.toml .secrets kubeconfig .dockercfg',
);
/** Of those, the ones that mean a key even as a bare word (`credentials` alone is more often a label). */
const UNAMBIGUOUS_FILES = set('id_rsa id_dsa id_ecdsa id_ed25519 kubeconfig');
/** System files that hold password hashes or a process's environment, by full path. */
const SECRET_SYSTEM_PATHS = ['/etc/shadow', '/etc/gshadow', '/environ'];
/** Key and keystore extensions. `.key` counts only in a path with a folder: `issue.key` is a Jira field. */
const SECRET_EXTENSIONS = ['.pem', '.p12', '.pfx', '.jks', '.keystore', '.kdbx'];
/** `.env.example` and friends are templates without values. */
const TEMPLATE_SUFFIXES = ['.example', '.sample', '.template', '.dist', '.defaults'];
const MAX_PATH = 512;

/** The secret-looking part of a path-shaped string (`.env`, `id_rsa`, `.ssh/`), or null. Prose (any space) is not a path. */
export function secretPath(text: string): string | null {
  if (text.length === 0 || text.length > MAX_PATH || /\s/.test(text)) return null;
  const lower = text.toLowerCase();
  const system = SECRET_SYSTEM_PATHS.find((p) => lower.endsWith(p));
  if (system) return system.slice(system.lastIndexOf('/') + 1);
  const inFolder = /[/\\]/.test(text);
  const segments = lower.split(/[/\\]/).filter((s) => s !== '');
  const dir = segments.slice(0, -1).find((s) => SECRET_DIRS.has(s));
  if (dir) return `${dir}/`;
  const base = segments[segments.length - 1] ?? '';
  if (TEMPLATE_SUFFIXES.some((s) => base.endsWith(s))) return null;
  if (base === '.env' || base.startsWith('.env.') || base.endsWith('.env')) return '.env';
  const bare = !inFolder && !base.includes('.');
  if (SECRET_DIRS.has(base) || (SECRET_FILES.has(base) && (!bare || UNAMBIGUOUS_FILES.has(base)))) return base;
  if (inFolder && base.endsWith('.key') && base.length > 4) return '.key';
  return SECRET_EXTENSIONS.find((e) => base.endsWith(e) && base.length > e.length) ?? null;
}
