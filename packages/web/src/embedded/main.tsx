import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { applyModeFromUrl } from '../shared/theme.js';
import { EmbeddedRoot } from './embedded-root.js';
import { FrameSession } from './frame-session.js';

// The mode first, so the page does not flash light before a dark host's init arrives.
applyModeFromUrl();
const session = new FrameSession();
const root = document.getElementById('root');
if (root) createRoot(root).render(<EmbeddedRoot session={session} />);
session.start();
