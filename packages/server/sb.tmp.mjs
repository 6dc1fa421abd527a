import { pino } from 'pino';
import { ComponentSandboxes } from './dist/components/component-sandboxes.js';
const source = `module.exports = { default: { key: 'x', actions: { a: { key: 'a', perform: async () => ({ data: 1 }) } }, triggers: {}, dataSources: {} } };`;
for (const network of ['open', 'isolated', 'open', 'isolated']) {
  const sandboxes = new ComponentSandboxes(pino({ level: 'silent' }), undefined, { network });
  await sandboxes.networkProblem();
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await sandboxes.call({ sha256: 'abc' + i, label: 'test', load: async () => Buffer.from(source) }, { kind: 'action', key: 'a', context: {}, params: {} }, { onLog: () => {} });
    times.push(Math.round(performance.now() - t0));
  }
  console.log(network, times);
  await sandboxes.close();
}
