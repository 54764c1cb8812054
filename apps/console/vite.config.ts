import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console is a static single-page application: Vite bundles it into dist/console, and the API serves
 * that folder at `/` (apps/api/src/console). No dev-server proxy is configured on purpose: the console
 * calls the API on its own origin, as it does in production.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // React's automatic JSX runtime, compiled by Vite's own transformer (no Babel plugin needed).
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      onwarn(warning, warn) {
        // Ant Design marks its modules "use client" for React Server Components; a browser bundle ignores it.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
