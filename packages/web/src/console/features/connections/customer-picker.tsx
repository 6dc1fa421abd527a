import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useId, useState } from 'react';
import { answerOf, messageOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';

export interface PickedCustomer {
  id: string;
  name: string;
}

/** Finds a customer by name or external id (20 matches at a time: nothing loads more than it shows). */
export function CustomerPicker({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: PickedCustomer | undefined;
  onChange: (customer: PickedCustomer | undefined) => void;
  testId?: string;
}) {
  const { api } = useConsole();
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState(false);
  const term = useDeferredValue(search.trim());
  const id = useId();
  const matches = useQuery({
    queryKey: ['customers', 'list', { search: term, limit: 20 }],
    enabled: open,
    queryFn: ({ signal }) =>
      answerOf(
        api.GET('/api/customers', {
          params: { query: { limit: 20, ...(term ? { search: term } : {}) } },
          signal,
        }),
      ),
  });
  if (value) {
    return (
      <div className="field">
        <span className="label" id={`${id}-label`}>
          {label}
        </span>
        <span className="row connections-picked">
          <span className="chip">{value.name}</span>
          <button
            type="button"
            className="button link small"
            aria-label={`Clear ${label.toLowerCase()}`}
            onClick={() => onChange(undefined)}
          >
            Clear
          </button>
        </span>
      </div>
    );
  }
  return (
    <div className="field connections-picker">
      <label className="label" htmlFor={`${id}-input`}>
        {label}
      </label>
      <input
        id={`${id}-input`}
        className="input"
        type="search"
        placeholder="Name or external id"
        value={search}
        autoComplete="off"
        data-testid={testId}
        aria-controls={open ? `${id}-results` : undefined}
        onFocus={() => setOpen(true)}
        onChange={(event) => {
          setSearch(event.target.value);
          setOpen(true);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false);
        }}
      />
      {open && (
        <ul className="connections-results card" id={`${id}-results`} aria-label={`${label}: matches`}>
          {matches.isPending ? (
            <li className="muted small">Searching…</li>
          ) : matches.isError ? (
            <li className="error small">{messageOf(matches.error)}</li>
          ) : matches.data.items.length === 0 ? (
            <li className="muted small">No customer matches.</li>
          ) : (
            matches.data.items.map((customer) => (
              <li key={customer.id}>
                <button
                  type="button"
                  className="button link"
                  onClick={() => {
                    onChange({ id: customer.id, name: customer.name });
                    setOpen(false);
                    setSearch('');
                  }}
                >
                  {customer.name}
                  {customer.externalId && <span className="muted small mono"> {customer.externalId}</span>}
                </button>
              </li>
            ))
          )}
        </ul>
      )}
    </div>
  );
}
