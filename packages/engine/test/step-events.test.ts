// What a platform that stores step records as the run goes gets from the engine: each `finished` event carries the
// full record (a loop child's with the innermost loop's iteration) and the state stores that step wrote.
import { describe, expect, it } from 'vitest';
import { runFlow, type StepEvent } from '../src/index.js';
import { integration, ports } from './support/flows.js';

describe('finished step events', () => {
  it('carry the record, with the iteration of the innermost loop for steps inside loops', async () => {
    const events: StepEvent[] = [];
    const flow = integration(`      - name: Outer
        action: {key: loopOverItems, component: {key: loop}}
        inputs:
          items: {type: reference, value: trigger.results.body.data}
        steps:
          - name: Inner
            action: {key: loopNTimes, component: {key: loop}}
            inputs:
              iterationCount: {type: value, value: "2"}
            steps:
              - name: Leaf
                action: {key: writeLog, component: {key: log}}
                inputs:
                  message: {type: template, value: "{{$outer.index}}.{{$inner.index}}"}
`);
    const result = await runFlow({
      integration: flow,
      flowName: 'Main',
      trigger: { body: { data: ['a', 'b'] } },
      ...ports({ onStep: (event) => events.push(event) }),
    });
    expect(result.status).toBe('succeeded');
    const finished = events.flatMap((event) => (event.type === 'finished' ? [event] : []));
    expect(finished.map((event) => event.record)).toEqual(result.stepRecords);
    expect(finished.map((event) => [event.stepKey, event.record.iteration])).toEqual([
      ['trigger', undefined],
      ['leaf', 0],
      ['leaf', 1],
      ['inner', 0],
      ['leaf', 0],
      ['leaf', 1],
      ['inner', 1],
      ['outer', undefined],
    ]);
    expect(finished.find((event) => event.stepKey === 'outer')?.record).toMatchObject({ iterations: 2 });
  });

  it('carry the keys of the state stores the step wrote, and only those', async () => {
    const events: StepEvent[] = [];
    const flow = integration(`      - name: Count
        action: {key: incrementInstanceValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: runs}
      - name: Remember
        action: {key: saveCrossFlowValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: value, value: last}
          valueInput: {type: value, value: seen}
      - name: Say
        action: {key: writeLog, component: {key: log}}
        inputs:
          message: {type: value, value: done}
`);
    const { ports: enginePorts, state } = ports({ onStep: (event) => events.push(event) });
    state.stores.flow = { runs: 4 };
    const result = await runFlow({ integration: flow, flowName: 'Main', ports: enginePorts });
    expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
    const byStep = Object.fromEntries(
      events.flatMap((event) => (event.type === 'finished' ? [[event.stepKey, event.state]] : [])),
    );
    // The increment is an atomic operation the port applied while the step ran: not a write of the step's.
    expect(byStep.count).toBeUndefined();
    expect(state.stores.flow).toEqual({ runs: 5 });
    expect(byStep.remember).toEqual({ crossFlow: { set: { last: 'seen' }, deleted: [] } });
    expect(byStep.say).toBeUndefined();
    expect(byStep.trigger).toBeUndefined();
  });
});
