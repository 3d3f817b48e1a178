import { describe, expect, it } from 'vitest';
import { oidcConfig, parseEnv } from '../../lib/env';

const base = { DATABASE_URL: 'postgresql://u:p@localhost:5432/db' };
const oidc = { SWITCHYARD_OIDC_ISSUER: 'https://id.example.com/realms/main', SWITCHYARD_OIDC_CLIENT_ID: 'switchyard', SWITCHYARD_OIDC_CLIENT_SECRET: 's3cret' };

describe('OIDC settings', () => {
  it('absent: no provider', () => {
    expect(oidcConfig(parseEnv(base))).toBeNull();
  });

  it('all three: a provider named "Single sign-on" unless SWITCHYARD_OIDC_NAME says otherwise', () => {
    expect(oidcConfig(parseEnv({ ...base, ...oidc }))).toEqual({ issuer: oidc.SWITCHYARD_OIDC_ISSUER, clientId: 'switchyard', clientSecret: 's3cret', name: 'Single sign-on' });
    expect(oidcConfig(parseEnv({ ...base, ...oidc, SWITCHYARD_OIDC_NAME: 'Okta' }))?.name).toBe('Okta');
  });

  it('some but not all: a start-up error naming the missing ones', () => {
    expect(() => parseEnv({ ...base, SWITCHYARD_OIDC_ISSUER: oidc.SWITCHYARD_OIDC_ISSUER })).toThrow(
      /SWITCHYARD_OIDC_CLIENT_ID: OIDC sign-in needs SWITCHYARD_OIDC_ISSUER, SWITCHYARD_OIDC_CLIENT_ID, SWITCHYARD_OIDC_CLIENT_SECRET together; missing: SWITCHYARD_OIDC_CLIENT_ID, SWITCHYARD_OIDC_CLIENT_SECRET/,
    );
    expect(() => parseEnv({ ...base, ...oidc, SWITCHYARD_OIDC_CLIENT_SECRET: '' })).toThrow(/missing: SWITCHYARD_OIDC_CLIENT_SECRET$/m);
  });

  it('the issuer must be an http(s) URL', () => {
    expect(() => parseEnv({ ...base, ...oidc, SWITCHYARD_OIDC_ISSUER: 'id.example.com' })).toThrow(/SWITCHYARD_OIDC_ISSUER must be the http\(s\) URL/);
  });
});
