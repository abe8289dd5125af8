// The shareable URL: the script travels in the fragment (#code=<base64url of its UTF-8>), which browsers never send
// to any server, so a shared link does not put the script in access logs. The token never goes into a shared link.

const MAX_SHARED_CHARS = 200_000; // beyond any level's code size: a longer fragment is not a script we would run

export function encodeCode(code: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(code)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The script a fragment value holds, or undefined when it is not base64url of UTF-8 text. */
export function decodeCode(value: string): string | undefined {
  if (value.length > MAX_SHARED_CHARS || !/^[A-Za-z0-9_-]*$/.test(value)) return undefined;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
    const data = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
}

/** The fragment's parameters (#code=…&token=…). */
export const fragmentParams = (hash: string): URLSearchParams => new URLSearchParams(hash.replace(/^#/, ''));

/** The page's URL with this script in its fragment (and nothing else there). */
export function shareUrl(location: Location, code: string): string {
  const url = new URL(location.href);
  url.hash = `code=${encodeCode(code)}`;
  return url.href;
}
