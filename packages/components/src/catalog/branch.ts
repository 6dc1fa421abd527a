import { component, data, input, keyValueList, operation, valueList } from './define.js';

/**
 * Branching. A branch step holds named branches of steps; exactly one runs, and every branch step also has an
 * `Else` branch taken when nothing else matches.
 */
export const branch = component('branch', 'Branch', {
  actions: [
    operation(
      'branchOnExpression',
      'Branch on Expression',
      'Follow the first branch whose condition is true, else the Else branch.',
      // `complex`: [{name: <branch name>, type: complex, value: <expression>}, ...]
      [input('conditions', 'Condition', 'conditional')],
      { kind: 'branch', dynamicBranchInput: 'conditions', staticBranchNames: ['Else'] },
    ),
    operation(
      'branchOnValue',
      'Branch on Value',
      'Follow the branch whose expected value equals the input value, else the Else branch.',
      // `complex`: [{name: <branch name>, type: value, value: <expected value>}, ...]
      [data('inputValue', 'Input Value'), keyValueList('branchValueMappings', 'Branch Value Mapping')],
      { kind: 'branch', dynamicBranchInput: 'branchValueMappings', staticBranchNames: ['Else'] },
    ),
    operation(
      'selectExecutedStepResult',
      'Select Executed Step Result',
      'Given a list of step results, return the result of whichever step ran (the first non-null one).',
      // Key inferred from the label; the documentation does not print it.
      [valueList('stepResults', 'Step Result', 'data')],
    ),
  ],
});
