import type { JsonSchema, UISchemaElement } from '@jsonforms/core';
import { JsonForms } from '@jsonforms/react';
import { vanillaCells, vanillaRenderers } from '@jsonforms/vanilla-renderers';
import type { ComponentProps } from 'react';
import { interpretingAjv } from './json-schema-check.js';

/**
 * A JSON Forms form (`jsonForm` data sources), with JSON Forms' own vanilla renderers. JSON Forms validates with
 * Ajv, which compiles schemas with `new Function`: the pages' CSP (no `unsafe-eval`) refuses that, so it is given
 * @cfworker/json-schema, which interprets schemas instead, behind Ajv's interface (json-schema-check.ts). Its
 * messages show inline, under each control.
 */
export default function JsonFormInput({
  schema,
  uiSchema,
  data,
  readOnly,
  onChange,
  onErrors,
}: {
  schema: unknown;
  uiSchema: unknown;
  data: unknown;
  readOnly: boolean;
  onChange(data: unknown): void;
  /** How many of the form's answers are invalid (0 when all are fine). */
  onErrors?(count: number): void;
}) {
  return (
    <div className="json-form">
      <JsonForms
        schema={schema as JsonSchema}
        {...(uiSchema ? { uischema: uiSchema as UISchemaElement } : {})}
        data={data}
        renderers={vanillaRenderers}
        cells={vanillaCells}
        readonly={readOnly}
        // A read-only caller sees a form JSON Forms made from the data (no schema): its "required" means nothing.
        config={readOnly ? { hideRequiredAsterisk: true } : undefined}
        ajv={interpretingAjv as unknown as ComponentProps<typeof JsonForms>['ajv']}
        validationMode={readOnly ? 'NoValidation' : 'ValidateAndShow'}
        onChange={({ data: next, errors }) => {
          onErrors?.(errors?.length ?? 0);
          if (next !== data) onChange(next);
        }}
      />
    </div>
  );
}
