// The production build the specs serve: dist/, or the folder E2E_OUT_DIR names (relative to web/,
// as vite's outDir is), so two test runs can share a checkout.
import { fileURLToPath } from 'node:url';

export const DIST = fileURLToPath(new URL(`../web/${process.env.E2E_OUT_DIR ?? '../dist'}/`, import.meta.url));
