// Issue 15: the client is generated from the server's routes; a route that changes without regenerating fails here.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../server/src/http-app.js';
import { documentFile, generatedFiles, schemaFile } from '../scripts/generate.js';

describe('generated client', () => {
  it('openapi.json and src/api-schema.ts are what the server routes produce (run `npm run generate -w @weft/client`)', async () => {
    const files = await generatedFiles(openApiDocument);
    expect(fs.readFileSync(documentFile, 'utf8')).toBe(files.document);
    expect(fs.readFileSync(schemaFile, 'utf8')).toBe(files.schema);
  });

  it('every operation describes its successful answer', async () => {
    const document = (await openApiDocument()) as {
      paths: Record<
        string,
        Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>
      >;
    };
    const undescribed: string[] = [];
    let operations = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        operations++;
        const successes = Object.entries(operation.responses ?? {}).filter(([status]) =>
          status.startsWith('2'),
        );
        const described = successes.filter(
          ([status, answer]) =>
            status === '204' ||
            Object.values(answer.content ?? {}).some(
              (media) => Object.keys((media as { schema?: object }).schema ?? {}).length > 0,
            ),
        );
        if (successes.length === 0 || described.length < successes.length)
          undescribed.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(operations).toBeGreaterThan(60);
    expect(undescribed).toEqual([]);
  });
});
