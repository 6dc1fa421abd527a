import { useDeferredValue, useId, useRef, useState } from 'react';
import { messageOf } from '../../../shared/api.js';

export interface PickerOption {
  id: string;
  name: string;
  detail?: string | null;
}

interface OptionsAnswer {
  items: PickerOption[];
  isFetching: boolean;
  error: unknown;
}

/**
 * A search-as-you-type choice of one thing among many (customers, integrations): a combobox whose options come
 * from the API (`useOptions(search)`, the first matches), keyboard included (arrows, Enter, Esc).
 */
export function SearchPicker({
  label,
  value,
  onChange,
  useOptions,
  testId,
  placeholder,
  required,
  error,
}: {
  label: string;
  value: PickerOption | undefined;
  onChange(value: PickerOption | undefined): void;
  useOptions(search: string, enabled: boolean): OptionsAnswer;
  testId?: string;
  placeholder?: string;
  required?: boolean;
  error?: string | undefined;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const search = useDeferredValue(text.trim());
  const options = useOptions(search, open);
  const items = options.items;
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = `${id}-list`;

  function choose(option: PickerOption) {
    onChange(option);
    setText('');
    setOpen(false);
  }

  return (
    <div className="field instance-picker">
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {value && !open ? (
        <div className="row instance-picker-chosen" data-testid={testId} data-value={value.id}>
          <span className="spacer">
            <strong>{value.name}</strong>
            {value.detail && <span className="muted small"> · {value.detail}</span>}
          </span>
          <button
            type="button"
            className="button"
            id={id}
            onClick={() => {
              setOpen(true);
              queueMicrotask(() => inputRef.current?.focus());
            }}
          >
            Change<span className="visually-hidden"> {label.toLowerCase()}</span>
          </button>
        </div>
      ) : (
        <div className="instance-picker-box">
          <input
            ref={inputRef}
            id={id}
            className="input"
            type="search"
            role="combobox"
            autoComplete="off"
            aria-expanded={open}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-required={required}
            aria-invalid={error ? true : undefined}
            aria-activedescendant={open && items[active] ? `${id}-option-${active}` : undefined}
            data-testid={testId}
            placeholder={placeholder}
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              setActive(0);
              setOpen(true);
            }}
            onFocus={() => setOpen(true)}
            onBlur={() => setTimeout(() => setOpen(false), 150)}
            onKeyDown={(event) => {
              if (event.key === 'ArrowDown') {
                event.preventDefault();
                setOpen(true);
                setActive((index) => Math.min(index + 1, items.length - 1));
              } else if (event.key === 'ArrowUp') {
                event.preventDefault();
                setActive((index) => Math.max(index - 1, 0));
              } else if (event.key === 'Enter' && open && items[active]) {
                event.preventDefault();
                choose(items[active] as PickerOption);
              } else if (event.key === 'Escape') {
                setOpen(false);
              }
            }}
          />
          {open && (
            <div className="instance-picker-list card" id={listId} role="listbox" aria-label={label}>
              {items.map((option, index) => (
                <div
                  key={option.id}
                  id={`${id}-option-${index}`}
                  role="option"
                  tabIndex={-1}
                  aria-selected={index === active}
                  data-value={option.id}
                  className={index === active ? 'active' : undefined}
                  onMouseDown={(event) => {
                    event.preventDefault();
                    choose(option);
                  }}
                  onMouseEnter={() => setActive(index)}
                >
                  <span>{option.name}</span>
                  {option.detail && <span className="muted small">{option.detail}</span>}
                </div>
              ))}
              {items.length === 0 && !options.isFetching && !options.error && (
                <p className="muted small instance-picker-note">Nothing matches.</p>
              )}
              {options.error ? (
                <p className="error small instance-picker-note">{messageOf(options.error)}</p>
              ) : null}
            </div>
          )}
        </div>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
