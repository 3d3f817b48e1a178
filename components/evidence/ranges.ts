// The ranges the Evidence view offers (shared by the server page and the client view; no directive).
export const RANGES = ['1h', '6h', '24h', '3d', '7d'] as const;
export const DEFAULT_RANGE = '24h';
