import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The embedded pages are one HTML document (`embedded.html`, served by Weft at /embedded/*); the wizard's heavy
// parts (JSON Forms) are loaded only when a wizard needs them. `npm run dev` proxies the API to a running Weft.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { embedded: 'embedded.html' } },
  },
  server: {
    proxy: {
      '/api': process.env.WEFT_URL ?? 'http://127.0.0.1:3000',
      '/oauth2': process.env.WEFT_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
