/**
 * The built-in components, as the engine runs them. Each is a component object of the Prismatic contract (see
 * DESIGN.md); the engine calls them only through it.
 */
import type { Component } from '@weft/sdk';
import { changeDataFormatComponent } from './components/change-data-format.js';
import { codeComponent } from './components/code.js';
import { collectionToolsComponent } from './components/collection-tools.js';
import { csvComponent } from './components/csv.js';
import { datetimeComponent } from './components/datetime.js';
import {
  branchComponent,
  crossFlowComponent,
  logComponent,
  loopComponent,
  sleepComponent,
  stopExecutionComponent,
} from './components/flow-control.js';
import { httpComponent } from './components/http.js';
import { mathComponent } from './components/math.js';
import { persistDataComponent } from './components/persist-data.js';
import { textManipulationComponent } from './components/text-manipulation.js';
import {
  managementTriggersComponent,
  recursiveFlowComponent,
  scheduleTriggersComponent,
  webhookTriggersComponent,
} from './components/triggers.js';

export const builtinComponents: readonly Component[] = [
  webhookTriggersComponent,
  scheduleTriggersComponent,
  managementTriggersComponent,
  recursiveFlowComponent,
  crossFlowComponent,
  branchComponent,
  loopComponent,
  persistDataComponent,
  stopExecutionComponent,
  logComponent,
  sleepComponent,
  codeComponent,
  collectionToolsComponent,
  textManipulationComponent,
  datetimeComponent,
  mathComponent,
  httpComponent,
  changeDataFormatComponent,
  csvComponent,
];

const byKey = new Map(builtinComponents.map((component) => [component.key, component]));

/** The built-in component with this key. */
export function builtinComponent(key: string): Component | undefined {
  return byKey.get(key);
}
