import type { JsonSchema, UISchemaElement } from '@jsonforms/core';
import { JsonForms } from '@jsonforms/react';
import { vanillaCells, vanillaRenderers } from '@jsonforms/vanilla-renderers';

/**
 * A JSON Forms form (`jsonForm` data sources), with JSON Forms' own vanilla renderers. Validation runs on the
 * server when the page is saved: compiling schemas in the browser needs `unsafe-eval`, which the pages' CSP refuses.
 */
export default function JsonFormInput({
  schema,
  uiSchema,
  data,
  readOnly,
  onChange,
}: {
  schema: unknown;
  uiSchema: unknown;
  data: unknown;
  readOnly: boolean;
  onChange(data: unknown): void;
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
        validationMode="NoValidation"
        onChange={({ data: next }) => onChange(next)}
      />
    </div>
  );
}
