// Shared by the pages: the navigation bar and a JSON API helper that turns error replies into messages.

/** POST or GET `path`; resolves with the JSON body, rejects with an Error carrying the server's message. */
export async function api(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new Error('the server cannot be reached');
  }
  let data;
  try {
    data = await res.json();
  } catch {
    throw new Error(`unexpected reply (${res.status})`);
  }
  if (!res.ok) throw new Error(data.error || `error ${res.status}`);
  return data;
}

/** Create an element with attributes and children (strings become text nodes: never parsed as HTML). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/** Show `message` in the page's status line (`error` styles it as a problem). */
export function status(message, error = false) {
  const s = document.getElementById('status');
  s.textContent = message;
  s.classList.toggle('error', error);
}

// navigation: mark the current page
for (const a of document.querySelectorAll('nav a')) {
  if (a.getAttribute('href') === location.pathname || (location.pathname === '/' && a.getAttribute('href') === '/index.html')) a.setAttribute('aria-current', 'page');
}
