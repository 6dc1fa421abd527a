import { CopyButton } from '../../ui/copy-button.js';

/** Publishing stays a CLI/API task (the bundle is built from the component's project): how to do it. */
export function PublishHint({ componentKey }: { componentKey?: string }) {
  const command = 'weft components:publish --comment "What changed"';
  return (
    <div className="notice info component-publish-hint" data-testid="components-publish-hint">
      <span>
        {componentKey ? `To publish a new version of ${componentKey}` : 'To publish a component'}, build it
        and run <code>{command}</code> in its project (or <code>POST /api/components</code> with the bundle).
        Publishing the same bundle twice keeps the existing version.
      </span>{' '}
      <CopyButton value={command} label="Copy command" />
    </div>
  );
}
