// Shared by playwright.config.ts and the tests: where the app under test listens and the
// bootstrap admin token it is started with (for API calls the tests make on the side).
export const PORT = Number(process.env.E2E_PORT ?? 3200);
export const FLAGS_PORT = PORT + 1;
export const BASE_URL = `http://localhost:${PORT}`;
export const FLAGS_URL = `http://localhost:${FLAGS_PORT}`;
export const E2E_ADMIN_TOKEN = 'e2e-bootstrap-admin-token-0123456789';
