// Flag keys as environment variable names, for the `.env` export (lib/flag-server/snapshot.ts)
// and for plan validation, which refuses two flag keys that would map to the same name.

/** Environment variable names: characters other than letters, digits and _ become _. */
export function envName(key: string): string {
  return key.replace(/[^A-Za-z0-9_]/g, '_');
}
