import { yaml } from '@codemirror/lang-yaml';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';

/** A problem to mark in the editor, at a 1-based line and column (the server's). */
export interface EditorProblem {
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface YamlEditorHandle {
  /** Puts the cursor at a 1-based line and column, scrolls there and focuses the editor. */
  goTo(line: number, column: number): void;
  setText(text: string): void;
}

/** Offset in the document of a 1-based line and column, clamped inside it (a problem may point past an edit). */
function offsetOf(state: EditorState, line: number, column: number): number {
  const lineInfo = state.doc.line(Math.min(Math.max(line, 1), state.doc.lines));
  return Math.min(lineInfo.from + Math.max(column - 1, 0), lineInfo.to);
}

function diagnosticsOf(state: EditorState, problems: readonly EditorProblem[]): Diagnostic[] {
  return problems.map((problem) => {
    const from = offsetOf(state, problem.line, problem.column);
    const word = /^[^\s:,\]}]+/.exec(state.sliceDoc(from, state.doc.lineAt(from).to));
    return { from, to: from + (word?.[0].length ?? 0), severity: problem.severity, message: problem.message };
  });
}

// Colours from the design tokens, so the editor follows the light and dark themes.
const theme = EditorView.theme({
  '&': {
    backgroundColor: 'var(--weft-surface)',
    color: 'var(--weft-text)',
    border: '1px solid var(--weft-border)',
    borderRadius: 'var(--weft-radius)',
    fontSize: '0.88rem',
  },
  '&.cm-focused': { outline: '2px solid var(--weft-primary)', outlineOffset: '1px' },
  '.cm-content': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    caretColor: 'var(--weft-text)',
  },
  '.cm-cursor': { borderLeftColor: 'var(--weft-text)' },
  '.cm-gutters': {
    backgroundColor: 'var(--weft-background)',
    color: 'var(--weft-muted)',
    borderRight: '1px solid var(--weft-border)',
  },
  '.cm-activeLine': { backgroundColor: 'color-mix(in srgb, var(--weft-primary) 7%, transparent)' },
  '.cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--weft-primary) 12%, transparent)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'color-mix(in srgb, var(--weft-primary) 28%, transparent) !important',
  },
  '.cm-tooltip': {
    backgroundColor: 'var(--weft-surface)',
    color: 'var(--weft-text)',
    border: '1px solid var(--weft-border)',
  },
});

/**
 * The YAML editor (CodeMirror 6). Its own chunk: only the import screen loads it. The server's problems arrive as
 * lint diagnostics: underlined at their line and column, with a marker in the gutter and the message on hover.
 */
const YamlEditor = forwardRef<
  YamlEditorHandle,
  {
    initialText: string;
    problems: readonly EditorProblem[];
    onChange(text: string): void;
    label: string;
  }
>(function YamlEditor({ initialText, problems, onChange, label }, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is made once; later text arrives via setText.
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          theme,
          // tabindex: the text is already reachable by Tab (contenteditable), but accessibility checkers only count an
          // explicit tabindex as keyboard access to the scrolling editor.
          EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor) editor.dispatch(setDiagnostics(editor.state, diagnosticsOf(editor.state, problems)));
  }, [problems]);

  useImperativeHandle(ref, () => ({
    goTo(line, column) {
      const editor = view.current;
      if (!editor) return;
      const at = offsetOf(editor.state, line, column);
      editor.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
      editor.focus();
    },
    setText(text) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
    },
  }));

  return <div ref={host} className="yaml-editor" data-testid="import-yaml-editor" />;
});

export default YamlEditor;
