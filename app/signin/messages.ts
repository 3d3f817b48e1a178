// What the sign-in form says for each outcome; shared by the page (after a native form post) and
// the form (after fetch).
export function signInErrorMessage(error: string | null | undefined, retryAfter?: number | null): string | null {
  if (!error) return null;
  if (error === 'rate_limited') {
    const wait = retryAfter && retryAfter > 0 ? (retryAfter < 90 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`) : 'a while';
    return `Too many failed sign-ins. Try again in ${wait}.`;
  }
  if (error === 'refused') return 'Sign-in refused: open Switchyard at its own address and try again.';
  return 'Sign-in failed. Check your email and password.';
}
