// The sandbox that ships is tsc's build in dist/, not the .ts sources vitest runs: the same escape and data tests,
// run again against dist, so an emit change (a helper, a downlevelled construct inside the boundary functions)
// that opened a way out would fail here.
import { expect, it, vi } from 'vitest';
import * as shipped from '../dist/code/sandbox.js';
import * as underTest from '../src/code/sandbox.js';

vi.mock('../src/code/sandbox.js', async () => await import('../dist/code/sandbox.js'));

it('the tests below run the sandbox from dist', () => {
  expect(underTest.runSandboxedModule).toBe(shipped.runSandboxedModule);
});

await import('./code-sandbox.test.js');
