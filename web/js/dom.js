// A tiny element builder. Text always goes in as text nodes (never innerHTML),
// so addresses or names coming from the network cannot inject markup.

/**
 * h('td', { class: 'num', title: 'x' }, 'text', otherNode)
 * Attribute values: strings; `false`/null/undefined skip the attribute; `true` sets it empty.
 * Keys starting with "on" attach listeners; `dataset` and `style` take objects (CSSOM, CSP-safe).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key === 'style') Object.assign(el.style, value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from index.html`);
  return el;
}

/** Sets textContent only when it changed: no needless layout or screen-reader chatter. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Replaces all children in one go. */
export function replaceChildren(el, nodes) {
  el.replaceChildren(...nodes);
}
