import { type Static, type TOptional, type TString, Type } from '@sinclair/typebox';
import { themeKeyKinds, themeValuePatterns } from '@weft/embed/protocol';
import { refTo } from '../http/common-schemas.js';

const themeValueDescriptions = {
  color: 'A CSS colour: #rgb, #rrggbb(aa), rgb()/hsl(), or a colour name',
  fontFamily: "A CSS font-family list (letters, digits, spaces, commas, quotes), e.g. 'Inter, sans-serif'",
  radius: 'A CSS length: 0, or a number with px, rem or em, e.g. 6px',
} as const;

type ThemeKey = keyof typeof themeKeyKinds;
const themeValues = {} as Record<ThemeKey, TOptional<TString>>;
for (const [key, kind] of Object.entries(themeKeyKinds) as Array<
  [ThemeKey, keyof typeof themeValuePatterns]
>) {
  themeValues[key] = Type.Optional(
    Type.String({
      maxLength: 200,
      pattern: themeValuePatterns[kind],
      description: themeValueDescriptions[kind],
    }),
  );
}

/** The embedded pages' theme: the same keys and value patterns `@weft/embed`'s `init({theme})` takes. */
export const EmbedTheme = Type.Object(
  { mode: Type.Optional(Type.Union([Type.Literal('light'), Type.Literal('dark')])), ...themeValues },
  { $id: 'EmbedTheme', additionalProperties: false },
);
export type EmbedTheme = Static<typeof EmbedTheme>;

const Origin = Type.String({
  maxLength: 300,
  pattern: '^https?://[^/\\s?#]+$',
  description: 'An origin: scheme://host[:port], no path (https://app.example.com)',
});

export const EmbeddingSettings = Type.Object(
  {
    allowedOrigins: Type.Array(Type.String(), {
      description: "Origins of your app that may embed Weft's pages (set here)",
    }),
    effectiveAllowedOrigins: Type.Array(Type.String(), {
      description:
        "What the embedded pages accept: these and the server's WEFT_ALLOWED_ORIGINS (Weft's own origin is always allowed)",
    }),
    theme: refTo(EmbedTheme),
  },
  { $id: 'EmbeddingSettings' },
);
export type EmbeddingSettings = Static<typeof EmbeddingSettings>;

export const EmbeddingSettingsUpdate = Type.Object(
  {
    allowedOrigins: Type.Optional(Type.Array(Origin, { maxItems: 50, uniqueItems: true })),
    theme: Type.Optional(refTo(EmbedTheme)),
  },
  { additionalProperties: false },
);
export type EmbeddingSettingsUpdate = Static<typeof EmbeddingSettingsUpdate>;

/** What an embedded page needs once signed in: who is signed in, the theme, and which parents it may talk to. */
export const EmbeddedContext = Type.Object(
  {
    organization: Type.Object({ id: Type.String(), name: Type.String() }),
    customer: Type.Union([
      Type.Object({ id: Type.String(), externalId: Type.String(), name: Type.String() }),
      Type.Null(),
    ]),
    user: Type.Object({
      id: Type.String(),
      externalId: Type.Union([Type.String(), Type.Null()]),
      name: Type.Union([Type.String(), Type.Null()]),
      role: Type.String(),
      kind: Type.Union([Type.Literal('customer'), Type.Literal('organization')]),
    }),
    allowedOrigins: Type.Array(Type.String()),
    theme: refTo(EmbedTheme),
  },
  { $id: 'EmbeddedContext' },
);
export type EmbeddedContext = Static<typeof EmbeddedContext>;

export const embeddingSchemas = [EmbedTheme, EmbeddingSettings, EmbeddedContext];
