import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { answerOf, messageOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { pickerKeys } from './keys.js';

export type PickerKind = 'customer' | 'integration' | 'instance';

interface Option {
  id: string;
  name: string;
  detail?: string;
}

/** `value`, once it stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * A typed filter (a search text, a flow name) that follows the URL: it shows what a link or Back put there, and sets
 * the filter once typing pauses, replacing the URL entry so Back does not step through every letter.
 */
export function useTypedFilter(
  value: string | undefined,
  apply: (settled: string | undefined) => void,
  delayMs = 400,
): [string, (text: string) => void] {
  const [text, setText] = useState(value ?? '');
  const settled = useDebounced(text.trim(), delayMs);
  useEffect(() => setText(value ?? ''), [value]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a settled change of the text sets the filter
  useEffect(() => {
    if (settled !== (value ?? '')) apply(settled || undefined);
  }, [settled]);
  return [text, setText];
}

function useSearchOptions(kind: PickerKind, text: string, enabled: boolean) {
  const { api } = useConsole();
  return useQuery({
    queryKey: pickerKeys.search(kind, text),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    queryFn: async ({ signal }): Promise<Option[]> => {
      const query = { limit: 8, ...(text ? { search: text } : {}) };
      if (kind === 'customer') {
        const page = await answerOf(api.GET('/api/customers', { params: { query }, signal }));
        return page.items.map((item) => ({
          id: item.id,
          name: item.name,
          detail: item.externalId ?? undefined,
        }));
      }
      if (kind === 'integration') {
        const page = await answerOf(api.GET('/api/integrations', { params: { query }, signal }));
        return page.items.map((item) => ({ id: item.id, name: item.name }));
      }
      const page = await answerOf(api.GET('/api/instances', { params: { query }, signal }));
      return page.items.map((item) => ({ id: item.id, name: item.name, detail: item.customer.name }));
    },
  });
}

/** The name of a filter given by id (a link from another screen), fetched once. */
function useOptionName(kind: PickerKind, id: string | undefined, known: string | undefined) {
  const { api } = useConsole();
  return useQuery({
    queryKey: pickerKeys.one(kind, id ?? ''),
    enabled: Boolean(id) && !known,
    staleTime: 300_000,
    retry: false,
    queryFn: async ({ signal }): Promise<string> => {
      const path = { id: id as string };
      if (kind === 'customer' && !uuid.test(path.id)) {
        // The customer filter also takes an externalId (links from the customer's own systems).
        const page = await answerOf(
          api.GET('/api/customers', { params: { query: { search: path.id, limit: 20 } }, signal }),
        );
        const found = page.items.find((item) => item.externalId === path.id);
        return found ? `${found.name} (${path.id})` : path.id;
      }
      if (kind === 'customer') {
        return (await answerOf(api.GET('/api/customers/{id}', { params: { path }, signal }))).name;
      }
      if (kind === 'integration') {
        return (await answerOf(api.GET('/api/integrations/{id}', { params: { path }, signal }))).name;
      }
      return (await answerOf(api.GET('/api/instances/{id}', { params: { path }, signal }))).name;
    },
  });
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const labels: Record<PickerKind, string> = {
  customer: 'Customer',
  integration: 'Integration',
  instance: 'Instance',
};

/**
 * A filter that picks a customer, integration or instance by searching the API (a combobox: type, ↑/↓, Enter), and
 * shows the chosen one by name. A value given by id in the URL is shown by its fetched name.
 */
export function EntityPicker({
  kind,
  value,
  onChange,
  testId,
}: {
  kind: PickerKind;
  value: string | undefined;
  onChange: (id: string | undefined) => void;
  testId?: string;
}) {
  const ids = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [chosenName, setChosenName] = useState<{ id: string; name: string }>();
  const search = useDebounced(text.trim(), 200);
  const options = useSearchOptions(kind, search, open);
  const known = chosenName && chosenName.id === value ? chosenName.name : undefined;
  const named = useOptionName(kind, value, known);
  const input = useRef<HTMLInputElement>(null);
  const list = options.data ?? [];
  const listId = `${ids}-list`;

  const choose = (option: Option) => {
    setChosenName({ id: option.id, name: option.name });
    setOpen(false);
    setText('');
    onChange(option.id);
  };

  if (value) {
    const name = known ?? named.data;
    return (
      <div className="field" data-testid={testId}>
        <span className="label" id={`${ids}-label`}>
          {labels[kind]}
        </span>
        <span className="picker-chosen">
          <span
            className="picker-chosen-name"
            title={value}
            data-testid={testId ? `${testId}-value` : undefined}
          >
            {name ?? (named.isPending ? '…' : `${value} (not found)`)}
          </span>
          <button
            type="button"
            className="button link picker-clear"
            aria-label={`Clear the ${labels[kind].toLowerCase()} filter`}
            onClick={() => onChange(undefined)}
          >
            ×
          </button>
        </span>
      </div>
    );
  }

  return (
    <div className="field picker" data-testid={testId}>
      <label className="label" htmlFor={`${ids}-input`}>
        {labels[kind]}
      </label>
      <input
        ref={input}
        id={`${ids}-input`}
        className="input"
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && list[active] ? `${ids}-option-${active}` : undefined}
        placeholder={`Any ${labels[kind].toLowerCase()}`}
        autoComplete="off"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setOpen(true);
            setActive((index) => Math.min(index + 1, Math.max(list.length - 1, 0)));
          } else if (event.key === 'ArrowUp') {
            event.preventDefault();
            setActive((index) => Math.max(index - 1, 0));
          } else if (event.key === 'Enter' && open && list[active]) {
            event.preventDefault();
            choose(list[active]);
          } else if (event.key === 'Escape') {
            setOpen(false);
          }
        }}
      />
      {open && (
        <div className="picker-popup" id={listId} role="listbox" aria-label={`${labels[kind]}s`}>
          {options.isError ? (
            <div className="picker-note error">{messageOf(options.error)}</div>
          ) : list.length === 0 ? (
            <div className="picker-note muted">{options.isFetching ? 'Searching…' : 'Nothing found'}</div>
          ) : (
            list.map((option, index) => (
              <div
                key={option.id}
                id={`${ids}-option-${index}`}
                role="option"
                tabIndex={-1}
                aria-selected={index === active}
                className="picker-option"
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => choose(option)}
                onKeyDown={() => {}}
              >
                <span>{option.name}</span>
                {option.detail && <span className="small muted"> · {option.detail}</span>}
              </div>
            ))
          )}
        </div>
      )}
    </div>
  );
}
