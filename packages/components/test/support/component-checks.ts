import type { Component } from '@weft/sdk';
import { expect, it } from 'vitest';

/** A catalog entry without labels and descriptions, to compare keys, types, defaults and collections. */
export function manifestShape(entry: { key: string; actions: Record<string, unknown> }) {
  const strip = (operation: unknown) => {
    const {
      label: _label,
      description: _description,
      inputs,
      ...rest
    } = operation as { label?: string; description?: string; inputs: Array<Record<string, unknown>> };
    return { ...rest, inputs: inputs.map(({ label: _inputLabel, ...input }) => input) };
  };
  return {
    key: entry.key,
    actions: Object.fromEntries(
      Object.entries(entry.actions).map(([key, operation]) => [key, strip(operation)]),
    ),
  };
}

/** The test every built-in has: what the config UI and validation show is filled in for every action and input. */
export function itDescribesEveryActionAndInput(component: Component): void {
  it('gives every action a label and description and every input a label and comments', () => {
    for (const action of Object.values(component.actions)) {
      expect(action.display.label).not.toBe('');
      expect(action.display.description).not.toBe('');
      for (const input of action.inputs) {
        expect(input.label, `${action.key}.${input.key}`).toBeTruthy();
        expect(input.comments, `${action.key}.${input.key}`).toBeTruthy();
      }
    }
  });
}
