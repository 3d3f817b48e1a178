// What the sign-in form says for each outcome; shared by the page (after a native form post) and
// the form (after fetch).

// single sign-on: lib/services/sign-in-oidc.ts's refusals, and next-auth's own error codes
// (https://next-auth.js.org/configuration/pages#sign-in-page) when the protocol itself failed
const SSO_MESSAGES: Record<string, string> = {
  oidc_disabled: 'Your Switchyard account is disabled. Ask an admin to enable it.',
  oidc_no_email: 'Your identity provider did not send an email address, which Switchyard needs for your account. Ask its admin to release the email claim.',
  oidc_unverified_email: 'Your identity provider has not verified your email address, and a Switchyard account already uses it. Verify the address there, or ask a Switchyard admin.',
  oidc_linked_elsewhere: 'The Switchyard account with your email address is linked to a different single sign-on identity. Ask an admin.',
  oidc_failed: 'Single sign-on did not complete. Try again, or sign in with your password.',
  OAuthSignin: 'The identity provider could not be reached. Try again, or sign in with your password.',
  OAuthCallback: 'Single sign-on did not complete: the identity provider refused it, or the sign-in took too long. Try again.',
  Callback: 'Single sign-on did not complete. Try again, or sign in with your password.',
  OAuthCreateAccount: 'Single sign-on did not complete. Try again, or sign in with your password.',
  AccessDenied: 'Sign-in was refused.',
  Configuration: 'Single sign-on is not set up correctly on this server. Ask an admin.',
};

export function signInErrorMessage(error: string | null | undefined, retryAfter?: number | null): string | null {
  if (!error) return null;
  if (error === 'rate_limited') {
    const wait = retryAfter && retryAfter > 0 ? (retryAfter < 90 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`) : 'a while';
    return `Too many failed sign-ins. Try again in ${wait}.`;
  }
  if (error === 'refused') return 'Sign-in refused: open Switchyard at its own address and try again.';
  if (Object.hasOwn(SSO_MESSAGES, error)) return SSO_MESSAGES[error];
  return 'Sign-in failed. Check your email and password.';
}
