import { WeftApiError } from '@weft/client';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { messageOf } from '../api.js';
import { SanitizedHtml } from '../sanitized-html.js';
import { ErrorNotice, Loading } from '../ui.js';
import { ConfigVarField } from './config-var-field.js';
import {
  type Draft,
  useDeploy,
  useSavePage,
  useWizard,
  type Wizard,
  type WizardPage,
} from './wizard-data.js';
import { useWizardHost } from './wizard-host.js';

export interface ConfigWizardProps {
  instanceId: string;
  /** The element around it: `main` when the wizard is the whole page (embedded), `div` inside a page that has one. */
  as?: 'main' | 'div';
  /** Above the title: a way back, when the page shows one. */
  back?(wizard: Wizard): ReactNode;
  /** Where to go when the wizard is left: with Cancel, or from the confirmation after deploying. */
  onLeave(wizard: Wizard, how: 'canceled' | 'done'): void;
  /** What shows after a deploy (default: a confirmation); `leave` goes where `onLeave(…, 'done')` says. */
  deployed?(wizard: Wizard, leave: () => void): ReactNode;
}

/**
 * The config wizard of an instance: its pages in order, saved page by page, deployed by the last button. Shared by
 * the embedded marketplace and the console; what differs between them comes from `WizardHostContext`.
 */
export function ConfigWizard({
  instanceId,
  as: Frame = 'div',
  back,
  onLeave,
  deployed: renderDeployed,
}: ConfigWizardProps) {
  const host = useWizardHost();
  const { t, readOnly } = host;
  const wizard = useWizard(instanceId);
  const save = useSavePage(instanceId);
  const deploy = useDeploy(instanceId);
  const [pageIndex, setPageIndex] = useState(0);
  const [draft, setDraft] = useState<Draft>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  /** Problems the page finds before saving (a JSON Forms form with invalid answers), by variable name. */
  const ownProblems = useRef<Record<string, string>>({});
  const [notice, setNotice] = useState<string>();
  const [deployed, setDeployed] = useState(false);
  const opened = useRef(false);
  const closed = useRef(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const stepsRef = useRef<HTMLOListElement>(null);
  // The host's callbacks as they are now, without making every effect depend on their identity.
  const hostRef = useRef(host);
  hostRef.current = host;
  const pageClass = Frame === 'main' ? 'page ' : '';

  const data = wizard.data;

  // Opened: once, when the wizard first arrives.
  useEffect(() => {
    if (!data || opened.current) return;
    opened.current = true;
    hostRef.current.onOpened?.(data);
  }, [data]);

  const page: WizardPage | undefined = data?.pages[pageIndex];
  // biome-ignore lint/correctness/useExhaustiveDependencies: announced when the page changes, not on each keystroke
  useEffect(() => {
    if (!data || !page) return;
    hostRef.current.onPageLoaded?.(data, page, draft);
    headingRef.current?.focus();
    // On a phone the steps are one row that scrolls sideways: bring the open one into view (by hand: scrollIntoView
    // would scroll the embedding page too).
    const steps = stepsRef.current;
    const current = steps?.querySelector<HTMLElement>('[aria-current="step"]');
    if (steps && current && steps.scrollWidth > steps.clientWidth) {
      steps.scrollLeft = current.offsetLeft - steps.offsetLeft - 16;
    }
  }, [page?.name, data !== undefined]);

  // Values pushed from outside join the draft and are saved with their page.
  const subscribeValues = host.subscribeValues;
  useEffect(
    () =>
      subscribeValues?.((values) => {
        if (readOnly) return;
        setDraft((current) => {
          const next = { ...current };
          for (const [name, given] of Object.entries(values)) {
            if ('inputs' in given) {
              next[name] = {
                ...((current[name] as object | undefined) ?? {}),
                ...Object.fromEntries(Object.entries(given.inputs).map(([key, input]) => [key, input.value])),
              };
            } else next[name] = given.value;
          }
          return next;
        });
      }),
    [subscribeValues, readOnly],
  );

  // Closed: however the wizard is left (once, on unmount, unless leave() already said so).
  const dataRef = useRef(data);
  dataRef.current = data;
  useEffect(
    () => () => {
      const last = dataRef.current;
      if (!closed.current && opened.current && last) hostRef.current.onClosed?.(last);
    },
    [],
  );

  if (wizard.isPending) return <Loading />;
  if (wizard.isError || !data) {
    return (
      <Frame className={Frame === 'main' ? 'page' : undefined}>
        <ErrorNotice onRetry={() => void wizard.refetch()}>{messageOf(wizard.error)}</ErrorNotice>
      </Frame>
    );
  }

  const pages = data.pages;
  const isLast = pageIndex >= pages.length - 1;

  /** Saves the open page's draft; answers the wizard after it, or undefined when the values were refused. */
  async function savePage(target: WizardPage): Promise<Wizard | undefined> {
    const names = target.elements.flatMap((element) => (element.variable ? [element.variable.key] : []));
    const values = Object.fromEntries(
      names.filter((name) => name in draft).map((name) => [name, draft[name]]),
    );
    if (readOnly || Object.keys(values).length === 0) return data;
    try {
      const saved = await save.mutateAsync({ page: target.number, values });
      setDraft((current) =>
        Object.fromEntries(Object.entries(current).filter(([name]) => !names.includes(name))),
      );
      return saved;
    } catch (error) {
      const found = problemsOf(error);
      if (found) setProblems(found);
      else setNotice(messageOf(error));
      return undefined;
    }
  }

  /** The page's own problems, shown as a save's would be; true when there are any (and moving on is refused). */
  function refuseOwnProblems(target: WizardPage): boolean {
    if (readOnly) return false;
    const found = target.elements.flatMap((element) => {
      const name = element.variable?.key;
      const message = name ? ownProblems.current[name] : undefined;
      return name && message ? [[name, message] as const] : [];
    });
    if (found.length === 0) return false;
    setProblems(Object.fromEntries(found));
    setNotice(t('configurationWizardDialog.pageProblems'));
    return true;
  }

  async function goTo(index: number) {
    if (!page) return;
    setNotice(undefined);
    if (index > pageIndex && refuseOwnProblems(page)) return;
    const saved = await savePage(page);
    if (!saved) return;
    const after = saved.pages[pageIndex];
    if (index > pageIndex && after && after.problems.length > 0 && !readOnly) {
      setProblems(Object.fromEntries(after.problems.map((problem) => [problem.configVar, problem.message])));
      setNotice(t('configurationWizardDialog.pageProblems'));
      return;
    }
    setProblems({});
    setPageIndex(Math.max(0, Math.min(index, saved.pages.length - 1)));
  }

  async function finish() {
    if (!page || !data) return;
    setNotice(undefined);
    if (refuseOwnProblems(page)) return;
    const saved = await savePage(page);
    if (!saved) return;
    if (!saved.canDeploy) {
      const firstIncomplete = saved.pages.findIndex((candidate) => candidate.problems.length > 0);
      if (firstIncomplete >= 0) {
        const target = saved.pages[firstIncomplete] as WizardPage;
        setPageIndex(firstIncomplete);
        setProblems(
          Object.fromEntries(target.problems.map((problem) => [problem.configVar, problem.message])),
        );
        setNotice(t('configurationWizardDialog.pageProblems'));
      } else {
        setNotice(
          t('configurationWizardDialog.missingEmbeddedConfigVariablesWarningText', {
            organizationName: host.organizationName,
          }),
        );
      }
      return;
    }
    try {
      await deploy.mutateAsync();
      setDeployed(true);
      host.onDeployed?.(data);
      // The wizard is done; what follows is a confirmation, not the configuration screen.
      host.onClosed?.(data);
      closed.current = true;
    } catch (error) {
      setNotice(messageOf(error));
    }
  }

  function leave(canceled: boolean) {
    if (!data) return;
    if (!closed.current) {
      if (canceled) host.onCanceled?.(data);
      host.onClosed?.(data);
    }
    closed.current = true;
    onLeave(data, canceled ? 'canceled' : 'done');
  }

  if (deployed) {
    return renderDeployed ? (
      renderDeployed(data, () => leave(false))
    ) : (
      <Frame className={`${pageClass}stack`}>
        <div className="notice success" role="status">
          {t('configurationWizardDialog.deployedText', { name: data.instance.name })}
        </div>
      </Frame>
    );
  }

  const busy = save.isPending || deploy.isPending;
  return (
    <Frame className={`${pageClass}stack`}>
      {back?.(data)}
      <h1>{t('configurationWizardDialog.title', { name: data.instance.name })}</h1>
      {readOnly && <div className="notice info">{t('configurationWizardDialog.readOnlyText')}</div>}
      {data.organizationOnlyMissing > 0 && (
        <div className="notice info">
          {t('configurationWizardDialog.missingEmbeddedConfigVariablesWarningText', {
            organizationName: host.organizationName,
          })}
        </div>
      )}
      <div className="wizard">
        <nav aria-label={t('configurationWizardDialog.pagesLabel')}>
          <ol className="wizard-steps" ref={stepsRef}>
            {pages.map((candidate, index) => (
              <li key={candidate.name} className={candidate.status === 'complete' ? 'complete' : undefined}>
                <button
                  type="button"
                  aria-current={index === pageIndex ? 'step' : undefined}
                  disabled={busy}
                  onClick={() => void goTo(index)}
                >
                  <span className="number" aria-hidden="true">
                    {candidate.status === 'complete' ? '✓' : index + 1}
                  </span>
                  <span>{candidate.name}</span>
                  <span className="visually-hidden">
                    {candidate.status === 'complete'
                      ? t('configurationWizardDialog.stepStatusComplete')
                      : t('configurationWizardDialog.stepStatusIncomplete')}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </nav>
        {page ? (
          <form
            className="wizard-body card"
            onSubmit={(event) => {
              event.preventDefault();
              void (isLast ? finish() : goTo(pageIndex + 1));
            }}
            noValidate
          >
            <div>
              <h2 ref={headingRef} tabIndex={-1}>
                {page.name}
              </h2>
              {page.tagline && <p className="muted">{page.tagline}</p>}
            </div>
            {page.elements.length === 0 && <p className="muted">{t('configWizard.noConfigurationText')}</p>}
            {page.elements.map((element, index) =>
              element.type === 'html' ? (
                <SanitizedHtml
                  // biome-ignore lint/suspicious/noArrayIndexKey: elements have no id; their order is fixed
                  key={`html-${index}`}
                  className="html-element"
                  html={element.content ?? ''}
                />
              ) : element.variable?.visible ? (
                <ConfigVarField
                  key={element.variable.key}
                  instanceId={instanceId}
                  variable={element.variable}
                  wizard={data}
                  draft={draft}
                  readOnly={readOnly || !element.variable.editable}
                  problem={problems[element.variable.key]}
                  onChange={(value) => {
                    const name = (element.variable as { key: string }).key;
                    setDraft((current) => ({ ...current, [name]: value }));
                    setProblems(({ [name]: _, ...rest }) => rest);
                  }}
                  savePage={() => savePage(page)}
                  reportProblem={(message) => {
                    const name = (element.variable as { key: string }).key;
                    const previous = ownProblems.current[name];
                    if (message) ownProblems.current[name] = message;
                    else delete ownProblems.current[name];
                    // Fixed: the message shown for it goes (a save's problems stay until the next save).
                    if (!message && previous) {
                      setProblems((current) => {
                        if (current[name] !== previous) return current;
                        const { [name]: _, ...rest } = current;
                        return rest;
                      });
                    }
                  }}
                />
              ) : null,
            )}
            {notice && <ErrorNotice>{notice}</ErrorNotice>}
            <div className="wizard-footer">
              <button type="button" className="button" onClick={() => leave(true)} disabled={busy}>
                {t('configurationWizardDialog.cancelButton')}
              </button>
              <span className="spacer" />
              {pageIndex > 0 && (
                <button
                  type="button"
                  className="button"
                  onClick={() => void goTo(pageIndex - 1)}
                  disabled={busy}
                >
                  {t('configurationWizardDialog.previousButton')}
                </button>
              )}
              {!readOnly && (
                <button type="submit" className="button primary" disabled={busy} data-testid="wizard-next">
                  {isLast
                    ? t('configurationWizardDialog.finishButton')
                    : t('configurationWizardDialog.nextButton')}
                </button>
              )}
              {readOnly && !isLast && (
                <button type="submit" className="button primary">
                  {t('configurationWizardDialog.nextButton')}
                </button>
              )}
            </div>
          </form>
        ) : (
          <p className="muted">{t('configWizard.noConfigurationText')}</p>
        )}
      </div>
    </Frame>
  );
}

/** The per-variable problems of a 422 `CONFIG_WIZARD_VALUES_INVALID`, by variable name. */
function problemsOf(error: unknown): Record<string, string> | undefined {
  if (!(error instanceof WeftApiError)) return undefined;
  const problems = error.details.problems;
  if (!Array.isArray(problems)) return undefined;
  const found: Record<string, string> = {};
  for (const problem of problems as Array<{ configVar?: unknown; message?: unknown }>) {
    if (typeof problem.configVar === 'string' && typeof problem.message === 'string') {
      found[problem.configVar] = problem.message;
    }
  }
  return Object.keys(found).length > 0 ? found : undefined;
}
