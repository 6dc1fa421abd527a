import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { messageOf, WeftApiError } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { PageHeader } from '../../ui/page.js';
import { integrationKeys } from './keys.js';
import { useExportYaml, useImportIntegration } from './mutations.js';
import { useIntegration } from './queries.js';
import YamlEditor, { type EditorProblem, type YamlEditorHandle } from './yaml-editor.js';
import './integrations.css';

interface Problem extends EditorProblem {
  code: string;
  path: string;
  file?: string;
}

function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof WeftApiError) || error.code !== 'DEFINITION_INVALID') return [];
  const problems = error.details.problems;
  return Array.isArray(problems) ? (problems as Problem[]) : [];
}

const maxFileBytes = 5 * 1024 * 1024;

/**
 * `/integrations/import`: YAML pasted or uploaded, sent to the server, whose problems come back at their line and
 * column: marked in the editor and listed under it (a click puts the cursor there). `?integration=<id>` replaces
 * that integration's draft instead of creating one, starting from its current draft.
 */
export default function ImportScreen() {
  const search = useSearch();
  const targetId = new URLSearchParams(search).get('integration');
  return targetId ? <ReplaceDraft id={targetId} /> : <ImportForm initialText="" />;
}

function ReplaceDraft({ id }: { id: string }) {
  const integration = useIntegration(id);
  const exportYaml = useExportYaml(id);
  const draft = useQuery({
    queryKey: integrationKeys.draftYaml(id),
    queryFn: () => exportYaml(),
    gcTime: 0,
  });
  if (integration.isPending || draft.isPending) return <Loading label="Loading the draft…" />;
  if (integration.isError) return <ErrorNotice>{messageOf(integration.error)}</ErrorNotice>;
  if (draft.isError) return <ErrorNotice>{messageOf(draft.error)}</ErrorNotice>;
  return <ImportForm initialText={draft.data} target={{ id, name: integration.data.name }} />;
}

function ImportForm({ initialText, target }: { initialText: string; target?: { id: string; name: string } }) {
  const [, navigate] = useLocation();
  const editor = useRef<YamlEditorHandle>(null);
  const [text, setText] = useState(initialText);
  const [fileName, setFileName] = useState<string | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [replaceId, setReplaceId] = useState<string | undefined>(target?.id);
  const importing = useImportIntegration();
  const fileInputId = useId();
  const problems = useMemo(() => problemsOf(importing.error), [importing.error]);
  const nameTaken =
    importing.error instanceof WeftApiError && importing.error.code === 'INTEGRATION_NAME_TAKEN'
      ? (importing.error.details.integrationId as string | undefined)
      : undefined;
  const errors = problems.filter((problem) => problem.severity === 'error').length;

  const submit = (integrationId?: string) => {
    importing.mutate(
      {
        definition: text,
        ...(fileName ? { fileName } : {}),
        ...(integrationId ? { integrationId } : {}),
      },
      { onSuccess: (answer) => navigate(`~/integrations/${answer.id}`) },
    );
  };

  const readFile = async (file: File | undefined) => {
    setFileError(undefined);
    if (!file) return;
    if (file.size > maxFileBytes) {
      setFileError(`${file.name} is larger than 5 MB.`);
      return;
    }
    const content = await file.text();
    setFileName(file.name);
    setText(content);
    editor.current?.setText(content);
    importing.reset();
  };

  return (
    <div className="stack">
      <PageHeader
        title={target ? `Import a new draft of ${target.name}` : 'Import an integration'}
        back={target ? { href: `/${target.id}`, label: target.name } : { href: '/', label: 'Integrations' }}
        description={
          target
            ? 'The YAML replaces the draft; flows and config variables keep their stable keys, so instances keep their webhook URLs. Published versions do not change.'
            : 'Paste a YAML definition (definitionVersion 7, as Prismatic exports it) or upload a .yml file. An integration with the same name is not overwritten: you will be asked first.'
        }
      />
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          submit(replaceId);
        }}
      >
        <div className="row wrap">
          <div className="field">
            <label htmlFor={fileInputId}>Upload a file</label>
            <input
              id={fileInputId}
              type="file"
              accept=".yml,.yaml,application/yaml,text/yaml,text/plain"
              className="input"
              data-testid="import-file-input"
              onChange={(event) => void readFile(event.target.files?.[0])}
            />
            {fileError && <span className="error">{fileError}</span>}
          </div>
          <span className="spacer" />
          {fileName && <span className="small muted">Problems will name {fileName}</span>}
        </div>
        <div className="field">
          <span className="label" id="import-editor-label">
            Definition (YAML)
          </span>
          <YamlEditor
            ref={editor}
            label="Definition (YAML)"
            initialText={initialText}
            problems={problems}
            onChange={setText}
          />
        </div>
        {nameTaken && (
          <div className="notice info stack-tight" role="alert">
            <span>{importing.error?.message}</span>
            <span className="row wrap">
              <button
                type="button"
                className="button"
                data-testid="import-replace-existing"
                onClick={() => {
                  setReplaceId(nameTaken);
                  submit(nameTaken);
                }}
              >
                Replace the draft of that integration
              </button>
              <Link href={`/${nameTaken}`}>Open it</Link>
            </span>
          </div>
        )}
        {importing.isError && !nameTaken && problems.length === 0 && (
          <ErrorNotice>{messageOf(importing.error)}</ErrorNotice>
        )}
        <div aria-live="polite">
          {problems.length > 0 && (
            <section
              className="card stack-tight import-problems-card"
              aria-labelledby="import-problems-heading"
            >
              <h2 id="import-problems-heading">
                {errors} problem{errors === 1 ? '' : 's'} to fix
                {problems.length > errors
                  ? `, ${problems.length - errors} warning${problems.length - errors === 1 ? '' : 's'}`
                  : ''}
              </h2>
              <p className="small muted">Nothing was stored. Choose a problem to go to it in the editor.</p>
              <ol className="import-problems" data-testid="import-problems">
                {problems.map((problem, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity; the list is replaced whole.
                  <li key={index}>
                    <button
                      type="button"
                      className={`problem ${problem.severity}`}
                      onClick={() => editor.current?.goTo(problem.line, problem.column)}
                      data-testid="import-problem"
                    >
                      <span className="mono problem-where">
                        {problem.line}:{problem.column}
                      </span>
                      <span className="problem-severity">
                        {problem.severity === 'error' ? 'Error' : 'Warning'}
                      </span>
                      <span className="problem-message">{problem.message}</span>
                      {problem.path && <span className="mono small muted problem-path">{problem.path}</span>}
                    </button>
                  </li>
                ))}
              </ol>
            </section>
          )}
        </div>
        <div className="row wrap">
          <button
            type="submit"
            className="button primary"
            disabled={importing.isPending || text.trim() === ''}
            data-testid="import-submit"
          >
            {importing.isPending ? 'Importing…' : replaceId ? 'Import as the new draft' : 'Import'}
          </button>
          <Link href={target ? `/${target.id}` : '/'} className="button">
            Cancel
          </Link>
        </div>
      </form>
    </div>
  );
}
