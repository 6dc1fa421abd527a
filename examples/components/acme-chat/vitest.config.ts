import { defineConfig } from 'vitest/config';

// This project's own test settings (without this file, vitest would use the Weft repository's configuration).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
});
