// The SDK's only CSS, injected once by `init` as one <style>. Every class has the `weft-embed__` prefix so nothing
// leaks into the host's styles or picks up theirs; colours come from custom properties `init` sets from the theme.
// Kept as one minified string because it ships inside the bundle as is.
export const STYLES =
  '.weft-embed__iframe{display:block;width:100%;height:100%;border:0}' +
  '.weft-embed--locked{overflow:hidden}' +
  '.weft-embed__overlay{position:fixed;inset:0;z-index:2147483000;display:flex;align-items:center;' +
  'justify-content:center;background:rgba(15,23,42,.6)}' +
  '.weft-embed__overlay[hidden]{display:none}' +
  '.weft-embed__dialog{display:flex;flex-direction:column;width:min(1100px,calc(100vw - 48px));' +
  'height:min(860px,calc(100vh - 48px));background:var(--weft-embed-bg);color:var(--weft-embed-text);' +
  'font-family:var(--weft-embed-font,system-ui,sans-serif);border-radius:var(--weft-embed-radius,8px);' +
  'box-shadow:0 20px 50px rgba(0,0,0,.35);overflow:hidden}' +
  '.weft-embed__bar{display:flex;align-items:center;gap:8px;min-height:44px;padding:0 6px 0 16px;' +
  'border-bottom:1px solid var(--weft-embed-border)}' +
  '.weft-embed__title{flex:1;margin:0;font-size:15px;font-weight:600;overflow:hidden;text-overflow:ellipsis;' +
  'white-space:nowrap}' +
  '.weft-embed__close{display:grid;place-items:center;width:36px;height:36px;padding:0;border:0;' +
  'border-radius:6px;background:none;color:inherit;font:24px/1 sans-serif;cursor:pointer}' +
  '.weft-embed__close:hover{background:var(--weft-embed-border)}' +
  '.weft-embed__close:focus-visible{outline:2px solid var(--weft-embed-primary);outline-offset:2px}' +
  '.weft-embed__body{flex:1;min-height:0;overflow:auto}' +
  '@media (max-width:640px){.weft-embed__dialog{width:100%;height:100%;border-radius:0}}';
