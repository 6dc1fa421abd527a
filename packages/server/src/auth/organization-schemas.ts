import { type Static, Type } from '@sinclair/typebox';
import { refTo } from '../http/common-schemas.js';

/** The organization itself: its id is what embedded sign-in JWTs carry in their `organization` claim. */
export const Organization = Type.Object(
  {
    id: Type.String({
      format: 'uuid',
      description: 'The organization id: the `organization` claim of embedded sign-in JWTs',
    }),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    activeSigningKeys: Type.Integer({
      description:
        'How many signing keys verify embedded sign-in JWTs now (GET /api/signing-keys lists them)',
    }),
  },
  { $id: 'Organization' },
);
export type Organization = Static<typeof Organization>;

export const OrganizationUpdate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }) },
  { additionalProperties: false },
);
export type OrganizationUpdate = Static<typeof OrganizationUpdate>;

export const organizationAnswers = { organization: refTo(Organization) };
