/**
 * A problem found in a definition: a stable code, a message that says what is wrong and what would be right, and
 * where (file, 1-based line and column, and the path of the field inside the definition).
 */
export interface DefinitionProblem {
  code: DefinitionProblemCode;
  severity: 'error' | 'warning';
  message: string;
  file?: string;
  line: number;
  column: number;
  /** Path of the field, as `flows[0].steps[2].inputs.url`. Empty for the whole document. */
  path: string;
}

export const definitionProblemCodes = {
  YAML_SYNTAX: 'The text is not valid YAML.',
  DOCUMENT_TOO_LARGE: 'The definition exceeds the size limit.',
  DEFINITION_VERSION_UNSUPPORTED: 'definitionVersion is missing or is not 7.',
  FIELD_REQUIRED: 'A required field is missing.',
  FIELD_UNKNOWN:
    'A field Weft does not know: an error when it is close to a known one (a typo), otherwise a warning (a field of a newer export, kept and exported again, with no effect).',
  FIELD_TYPE: 'A field holds the wrong kind of value (text, number, list...).',
  VALUE_NOT_ALLOWED: 'A field holds a value outside its allowed set.',
  NAME_DUPLICATE: 'Two flows, steps, config variables, config pages or branches share a name.',
  FLOW_TRIGGER_MISSING: "A flow's first step is not a trigger, or a trigger appears after the first step.",
  COMPONENT_UNKNOWN:
    'Steps or config variables use a component the server does not have (reported once per component, with its users).',
  ACTION_UNKNOWN: 'A step names an action or trigger its component does not have.',
  INPUT_UNKNOWN: 'A step gives an input its action does not take.',
  INPUT_REQUIRED: 'A step omits an input its action requires.',
  INPUT_VALUE_INVALID: "A literal input value does not fit the input's type.",
  REFERENCE_INVALID: 'A reference is not of the form stepKey.results.path.',
  REFERENCE_UNKNOWN_STEP: 'A reference names a step the flow does not have.',
  REFERENCE_LEGACY_STEP_KEY:
    "A reference names a step by the key Weft derived before it followed Prismatic's rule (lodash's camelCase, e.g. gitHubEvents for 'GitHub Events', now githubEvents); a warning: it is read as the current key.",
  REFERENCE_NOT_YET_RUN: 'A reference names a step that runs later (or the step itself).',
  REFERENCE_OUT_OF_SCOPE:
    'A reference reaches into a loop from outside it, or asks for a loop item outside the loop.',
  CONFIG_VAR_UNKNOWN:
    'An input, schedule or config page names a config variable the integration does not declare.',
  CONFIG_VAR_WRONG_TYPE:
    'A config variable of the wrong data type is used (a schedule needs a schedule variable).',
  TEMPLATE_INVALID: 'A template placeholder is not closed or names nothing.',
  CONDITION_INVALID: 'A branch condition uses an unknown operator or the wrong number of operands.',
  BRANCH_INVALID: 'A branch step has no branches, or a branch is not one its action produces.',
  CRON_INVALID: 'A schedule is not a valid cron expression.',
  TIMEZONE_INVALID: 'A time zone is not an IANA time zone name.',
  RENAME_INVALID: 'A renameAttributes entry is malformed or renames to a name the definition does not have.',
  FLOW_CONFIG_INVALID: "A flow's retry or queue settings contradict each other.",
  TRIGGER_NOT_SYNCHRONOUS:
    "A synchronous flow (isSynchronous: true) starts with a trigger whose component declares synchronousResponseSupport 'invalid': it cannot answer its caller with the flow's result.",
} as const;
export type DefinitionProblemCode = keyof typeof definitionProblemCodes;
