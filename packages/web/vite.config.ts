import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Two HTML documents: the console (`console.html`, served by Weft at / and its sections) and the embedded pages
// (`embedded.html`, at /embedded/*). Every screen is its own chunk, loaded when opened; the wizard's heavy parts
// (JSON Forms) and the YAML editor (CodeMirror) only when a screen needs them. `npm run dev` proxies the API to a running Weft.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { console: 'console.html', embedded: 'embedded.html' } },
  },
  server: {
    proxy: {
      '/api': process.env.WEFT_URL ?? 'http://127.0.0.1:3000',
      '/oauth2': process.env.WEFT_URL ?? 'http://127.0.0.1:3000',
      '/trigger': process.env.WEFT_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
