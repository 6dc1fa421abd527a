export const documentFile: string;
export const schemaFile: string;
export function generatedFiles(
  openApiDocument: () => Promise<Record<string, unknown>>,
): Promise<{ document: string; schema: string }>;
