// The HTML of Northwind Books: its sign-in page, and the page that shows Weft's embedded screens with @weft/embed.
// No framework, no build step: strings, escaped where they carry data.
import { DEMO_PASSWORD, users } from './users.js';

export const COMPANY = 'Northwind Books';

/**
 * Escapes text for HTML element content and quoted attribute values.
 * @param {unknown} value
 * @returns {string}
 */
export function escapeHtml(value) {
  return String(value).replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );
}

/**
 * JSON that is safe inside a `<script type="application/json">` element (no `</script>`, no `<!--`).
 * @param {unknown} value
 */
function scriptJson(value) {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const baseStyle = `
  :root {
    --brand: #0f766e; --brand-dark: #115e59; --ink: #1f2933; --muted: #5f6b7a; --line: #dde3ea;
    --surface: #ffffff; --page: #f4f6f8; --danger: #b42318; --radius: 8px;
    font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink); background: var(--page);
  }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; }
  button, input { font: inherit; }
  button { cursor: pointer; }
  :focus-visible { outline: 3px solid #99f6e4; outline-offset: 2px; }
  code { background: #eef2f6; padding: .05rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
  .logo {
    display: inline-grid; place-items: center; width: 2rem; height: 2rem; border-radius: 6px;
    background: var(--brand); color: #fff; font-weight: 700;
  }
`;

/**
 * @param {{ title: string, style: string, body: string }} parts
 */
function documentOf({ title, style, body }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${baseStyle}${style}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const loginStyle = `
  main { max-width: 26rem; margin: 0 auto; padding: 3rem 1rem; }
  .brand { display: flex; align-items: center; gap: .6rem; font-size: 1.35rem; font-weight: 650; margin-bottom: 1.5rem; }
  form, .demo { background: var(--surface); border: 1px solid var(--line); border-radius: var(--radius); padding: 1.5rem; }
  h1 { font-size: 1.2rem; margin: 0 0 1rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
  input { width: 100%; padding: .6rem .7rem; border: 1px solid #b8c2cc; border-radius: 6px; background: #fff; }
  button[type=submit] {
    width: 100%; margin-top: 1.4rem; padding: .7rem; border: 0; border-radius: 6px;
    background: var(--brand); color: #fff; font-weight: 600;
  }
  button[type=submit]:hover { background: var(--brand-dark); }
  .error { margin: 0 0 1rem; padding: .7rem .8rem; border-radius: 6px; background: #fef3f2; color: var(--danger);
    border: 1px solid #fecdca; }
  .demo { margin-top: 1rem; font-size: .92rem; color: var(--muted); }
  .demo h2 { font-size: .95rem; margin: 0 0 .5rem; color: var(--ink); }
  .demo ul { margin: .4rem 0 0; padding-left: 1.1rem; }
  .demo li { margin: .2rem 0; }
`;

/**
 * The sign-in page.
 * @param {{ error?: string, email?: string }} [options]
 */
export function loginPage({ error, email = '' } = {}) {
  const demoUsers = users
    .map(
      (user) =>
        `<li><code>${escapeHtml(user.email)}</code> ${escapeHtml(user.name)}, ${escapeHtml(user.customer.name)} ` +
        `(${user.role === 'admin' ? 'marketplace admin' : 'marketplace user'})</li>`,
    )
    .join('\n          ');
  return documentOf({
    title: `Sign in · ${COMPANY}`,
    style: loginStyle,
    body: `<main>
  <div class="brand"><span class="logo" aria-hidden="true">N</span>${COMPANY}</div>
  <form method="post" action="/login" novalidate>
    <h1>Sign in to your books</h1>
    ${error ? `<p class="error" role="alert" data-testid="login-error">${escapeHtml(error)}</p>` : ''}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required maxlength="200"
      value="${escapeHtml(email)}" data-testid="login-email"${error ? '' : ' autofocus'}>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200"
      data-testid="login-password"${error ? ' autofocus' : ''}>
    <button type="submit" data-testid="login-submit">Sign in</button>
  </form>
  <section class="demo" aria-labelledby="demo-title">
    <h2 id="demo-title">Demo accounts</h2>
    Password <code>${DEMO_PASSWORD}</code> for all:
    <ul>
          ${demoUsers}
    </ul>
  </section>
</main>`,
  });
}

const appStyle = `
  .topbar {
    display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem;
    padding: .75rem 1.25rem; background: var(--surface); border-bottom: 1px solid var(--line);
  }
  .brand { display: flex; align-items: center; gap: .6rem; font-size: 1.15rem; font-weight: 650; color: inherit;
    text-decoration: none; }
  .account { display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; font-size: .92rem; color: var(--muted); }
  .account strong { color: var(--ink); }
  .account form { margin: 0; }
  .link-button { background: none; border: 1px solid var(--line); border-radius: 6px; padding: .35rem .7rem;
    color: var(--ink); }
  .link-button:hover { border-color: var(--muted); }
  .tabs {
    display: flex; gap: .25rem; padding: 0 1.25rem; background: var(--surface); border-bottom: 1px solid var(--line);
    overflow-x: auto; scrollbar-width: none;
  }
  .tabs button {
    flex: none; padding: .8rem .9rem; border: 0; border-bottom: 3px solid transparent; background: none;
    color: var(--muted); font-weight: 600; white-space: nowrap;
  }
  .tabs button:hover { color: var(--ink); }
  .tabs button[aria-current=page] { color: var(--brand); border-bottom-color: var(--brand); }
  .layout {
    display: grid; grid-template-columns: minmax(0, 1fr) 20rem; gap: 1.25rem; padding: 1.25rem;
    max-width: 90rem; margin: 0 auto;
  }
  .panel { background: var(--surface); border: 1px solid var(--line); border-radius: var(--radius); }
  .embed { display: flex; flex-direction: column; overflow: hidden; }
  #weft { height: calc(100vh - 9rem); min-height: 36rem; }
  #weft iframe { display: block; width: 100%; border: 0; }
  .status { margin: 0; padding: .8rem 1rem; border-bottom: 1px solid var(--line); color: var(--muted); }
  .status:empty { display: none; }
  .status.error { color: var(--danger); background: #fef3f2; }
  .events { padding: 1rem; align-self: start; }
  .events h2 { font-size: 1rem; margin: 0; }
  .events .hint { margin: .25rem 0 .75rem; font-size: .85rem; color: var(--muted); }
  .events ol { list-style: none; margin: 0; padding: 0; max-height: 32rem; overflow-y: auto; }
  .events li { padding: .55rem 0; border-top: 1px solid var(--line); font-size: .9rem; overflow-wrap: anywhere; }
  .event-name { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .8rem; font-weight: 600;
    color: var(--brand-dark); }
  .event-meta { display: block; color: var(--muted); font-size: .8rem; }
  @media (max-width: 860px) {
    .layout { grid-template-columns: minmax(0, 1fr); padding: .75rem; gap: .75rem; }
    .topbar, .tabs { padding-left: .5rem; padding-right: .5rem; }
    .tabs { gap: 0; }
    .tabs button { padding: .75rem .55rem; font-size: .95rem; }
    #weft { height: 75vh; min-height: 28rem; }
  }
`;

/**
 * Runs in the browser (the page's one inline script, allowed by the CSP's nonce): signs in to Weft with a token from
 * this app's backend, shows the marketplace, switches screens, and lists what the SDK reports.
 */
const appScript = `
(() => {
  const config = JSON.parse(document.getElementById('weft-config').textContent);
  const status = document.getElementById('status');
  const eventsLog = document.getElementById('events-log');
  const eventsEmpty = document.getElementById('events-empty');
  const selector = '#weft';

  function showStatus(message, isError) {
    status.textContent = message;
    status.classList.toggle('error', Boolean(isError));
  }

  // The JWT comes from this app's backend, for the signed-in user (the session cookie). The custom header makes it
  // a request only this page's own script can send (CSRF); the token stays in memory, never in a URL or storage.
  async function fetchToken() {
    const response = await fetch('/api/weft-token', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-Requested-With': 'fetch' },
    });
    if (response.status === 401) {
      location.assign('/login');
      throw new Error('Signed out of ${COMPANY}');
    }
    if (!response.ok) throw new Error('The Weft token request failed (HTTP ' + response.status + ')');
    const { token } = await response.json();
    return token;
  }

  // Every event of the SDK (weft.on), newest first: INSTANCE_DEPLOYED Acme Orders Sync.
  function addEvent(name, payload) {
    const data = payload || {};
    const item = document.createElement('li');
    const title = document.createElement('span');
    title.className = 'event-name';
    title.textContent = name;
    item.append(title);
    const subject = data.instanceName || data.integrationName;
    if (subject) item.append(' ' + subject);
    const meta = document.createElement('span');
    meta.className = 'event-meta';
    const details = [];
    if (data.pageName) details.push('page ' + data.pageName);
    if (data.integrationVersionNumber) details.push('version ' + data.integrationVersionNumber);
    if (data.readOnly) details.push('read-only');
    details.push(new Date().toLocaleTimeString());
    meta.textContent = details.join(' · ');
    item.append(' ', meta);
    eventsLog.prepend(item);
    eventsEmpty.hidden = true;
  }

  const screens = {
    integrations: () => weft.showMarketplace({ selector }),
    connections: () => weft.showConnections({ selector }),
    activity: () => weft.showDashboard({ selector }),
    logs: () => weft.showLogs({ selector }),
  };
  const tabs = Array.from(document.querySelectorAll('[data-screen]'));

  const messageOf = (error) => (error && error.message ? error.message : String(error));
  let shown = 0;

  // Each screen is an iframe of Weft's that replaces the container's content; its \`ready\` says when Weft signed
  // the user in there (or why not).
  async function show(screen) {
    const attempt = ++shown;
    for (const tab of tabs) {
      if (tab.dataset.screen === screen) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    if (location.hash !== '#' + screen) history.replaceState(null, '', '#' + screen);
    showStatus('Loading…');
    try {
      await screens[screen]().ready;
      if (attempt === shown) showStatus('');
    } catch (error) {
      if (attempt === shown) showStatus('Weft could not show this screen: ' + messageOf(error), true);
    }
  }

  async function start() {
    if (!window.weft) {
      showStatus('The Weft embed script did not load (/weft-embed.min.js): run npm run build, then reload.', true);
      return;
    }
    try {
      weft.init({ url: config.weftUrl, theme: config.theme, fetchToken });
      for (const name of Object.values(weft.WeftMessageEvent)) weft.on(name, (data) => addEvent(name, data));
      await weft.authenticate({ token: await fetchToken() });
    } catch (error) {
      showStatus('Signing in to Weft failed: ' + messageOf(error), true);
      return;
    }
    for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset.screen));
    const fromHash = location.hash.slice(1);
    await show(Object.hasOwn(screens, fromHash) ? fromHash : 'integrations');
  }

  // Leaving the page: remove the frames and forget the token; coming back from the back/forward cache: start again.
  window.addEventListener('pagehide', () => window.weft && weft.dispose());
  window.addEventListener('pageshow', (event) => event.persisted && location.reload());
  start();
})();
`;

/** Northwind's colours for Weft's embedded pages (`init({theme})`; the organization's theme fills the rest). */
const weftTheme = { primary: '#0f766e', primaryText: '#ffffff', radius: '8px' };

/**
 * The app page: Northwind's header and navigation around Weft's embedded screens, and the events panel.
 * @param {{ nonce: string, weftUrl: string, user: import('./users.js').DemoUser }} options
 */
export function appPage({ nonce, weftUrl, user }) {
  const role = user.role === 'admin' ? 'admin' : 'user';
  return documentOf({
    title: `Integrations · ${COMPANY}`,
    style: appStyle,
    body: `<header class="topbar">
  <a class="brand" href="/app"><span class="logo" aria-hidden="true">N</span>${COMPANY}</a>
  <div class="account">
    <span data-testid="signed-in-user"><strong>${escapeHtml(user.name)}</strong> · ${escapeHtml(user.customer.name)} (${role})</span>
    <form method="post" action="/logout"><button class="link-button" type="submit" data-testid="logout">Sign out</button></form>
  </div>
</header>
<nav class="tabs" aria-label="Integrations">
  <button type="button" data-screen="integrations" data-testid="nav-integrations" aria-current="page">Integrations</button>
  <button type="button" data-screen="connections" data-testid="nav-connections">Connections</button>
  <button type="button" data-screen="activity" data-testid="nav-activity">Activity</button>
  <button type="button" data-screen="logs" data-testid="nav-logs">Logs</button>
</nav>
<main class="layout">
  <section class="panel embed" aria-label="Weft">
    <p id="status" class="status" role="status" data-testid="embed-status"></p>
    <div id="weft" data-testid="weft-container"></div>
  </section>
  <aside class="panel events" aria-labelledby="events-title">
    <h2 id="events-title">Events from Weft</h2>
    <p class="hint">What the embedded screens report to this app (<code>weft.on</code>).</p>
    <p id="events-empty" class="hint">None yet: activate an integration.</p>
    <ol id="events-log" data-testid="events-log" aria-live="polite"></ol>
  </aside>
</main>
<script type="application/json" id="weft-config">${scriptJson({ weftUrl, theme: weftTheme })}</script>
<script src="/weft-embed.min.js" nonce="${nonce}"></script>
<script nonce="${nonce}">${appScript}</script>`,
  });
}

/**
 * A small page for errors (404, 405…).
 * @param {string} title
 * @param {string} message
 */
export function messagePage(title, message) {
  return documentOf({
    title: `${title} · ${COMPANY}`,
    style: 'main { max-width: 34rem; margin: 0 auto; padding: 3rem 1rem; } a { color: var(--brand); }',
    body: `<main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">Back to ${COMPANY}</a></p></main>`,
  });
}
