#!/usr/bin/env node
// Committed entry point: npm links it at install time, before `npm run build` has produced dist/.
try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    console.error('Weft is not built yet: run `npm run build` (npm install does it) in the repository root.');
    process.exit(1);
  }
  throw error;
}
