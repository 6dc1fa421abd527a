import { type ReactNode, useMemo, useState } from 'react';
import { formatBytes } from '../../ui/format.js';

/** Above this many characters of JSON, only the start is drawn until the reader asks for all. */
const shownChars = 20_000;
/** Arrays and objects with more entries than this show the first ones and a "show N more". */
const shownEntries = 100;

interface BinaryMark {
  sha256: string;
  size?: number;
  contentType?: string;
}

function binaryOf(value: unknown): BinaryMark | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const mark = (value as Record<string, unknown>).$binary;
  if (typeof mark !== 'object' || mark === null) return undefined;
  const sha256 = (mark as Record<string, unknown>).sha256;
  // Only a real digest becomes a link: a webhook body can carry a `$binary` look-alike aimed at another path.
  return typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256) ? (mark as BinaryMark) : undefined;
}

/**
 * A step's result as a collapsible JSON tree. Large values open collapsed past the first level, long lists show
 * their first entries, and the whole can be downloaded; `$binary` marks become download links to the execution's
 * file.
 */
export function JsonView({
  value,
  executionId,
  fileName,
  testId,
}: {
  value: unknown;
  executionId: string;
  fileName: string;
  testId?: string;
}) {
  const text = useMemo(() => (value === undefined ? '' : JSON.stringify(value, null, 2)), [value]);
  const large = text.length > shownChars;
  const [raw, setRaw] = useState(false);
  const [all, setAll] = useState(false);
  if (value === undefined)
    return (
      <p className="muted small" data-testid={testId}>
        No result recorded.
      </p>
    );
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${fileName}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };
  return (
    <div className="json-view stack-tight" data-testid={testId}>
      <div className="row wrap small">
        <span className="muted spacer">{large ? `${formatBytes(text.length)} of JSON` : ''}</span>
        <button type="button" className="button link" onClick={() => setRaw(!raw)}>
          {raw ? 'Tree' : 'Raw'}
        </button>
        <button type="button" className="button link" onClick={download}>
          Download
        </button>
      </div>
      {raw ? (
        <>
          <pre className="json-raw">{all || !large ? text : `${text.slice(0, shownChars)}\n…`}</pre>
          {large && !all && (
            <button type="button" className="button" onClick={() => setAll(true)}>
              Show all ({formatBytes(text.length)})
            </button>
          )}
        </>
      ) : (
        <div className="json-tree mono">
          <JsonNode value={value} depth={0} executionId={executionId} openDepth={large ? 1 : 3} />
        </div>
      )}
    </div>
  );
}

function JsonNode({
  name,
  value,
  depth,
  executionId,
  openDepth,
}: {
  name?: ReactNode;
  value: unknown;
  depth: number;
  executionId: string;
  openDepth: number;
}) {
  const [open, setOpen] = useState(depth < openDepth);
  const [limit, setLimit] = useState(shownEntries);
  const label = name !== undefined ? <span className="json-key">{name}: </span> : null;
  const binary = binaryOf(value);
  if (binary) {
    return (
      <div className="json-line">
        {label}
        <a href={`/api/executions/${executionId}/files/${binary.sha256}`} download className="json-binary">
          File{binary.contentType ? ` (${binary.contentType}` : ' ('}
          {binary.size !== undefined ? `${binary.contentType ? ', ' : ''}${formatBytes(binary.size)}` : ''}) ·
          download
        </a>
      </div>
    );
  }
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-line">
        {label}
        <span className={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const [openMark, closeMark] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className="json-line">
        {label}
        <span className="muted">
          {openMark}
          {closeMark}
        </span>
      </div>
    );
  }
  const summary = `${entries.length} ${Array.isArray(value) ? 'item' : 'key'}${entries.length === 1 ? '' : 's'}`;
  return (
    <div>
      <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span> {label}
        <span className="muted">
          {openMark}
          {open ? '' : ` ${summary} ${closeMark}`}
        </span>
      </button>
      {open && (
        <div className="json-children">
          {entries.slice(0, limit).map(([key, item]) => (
            <JsonNode
              key={key}
              name={key}
              value={item}
              depth={depth + 1}
              executionId={executionId}
              openDepth={openDepth}
            />
          ))}
          {entries.length > limit && (
            <button type="button" className="button link small" onClick={() => setLimit(limit + 500)}>
              Show {Math.min(500, entries.length - limit)} more of {entries.length - limit}
            </button>
          )}
          <div className="json-line muted">{closeMark}</div>
        </div>
      )}
    </div>
  );
}
