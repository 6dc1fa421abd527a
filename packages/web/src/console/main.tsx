import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import './console.css';
import { ConsoleRoot } from './console-root.js';
import { applyStoredMode } from './ui/theme-toggle.js';

// The mode first, so a dark console does not flash light.
applyStoredMode();
const root = document.getElementById('root');
if (root) createRoot(root).render(<ConsoleRoot />);
