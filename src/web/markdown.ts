/**
 * A small, safe Markdown → HTML renderer for the reports in `results/`: headings, paragraphs, GitHub
 * tables (with column alignment), bullet and numbered lists, block quotes, fenced code, rules; inline code,
 * bold, italics, links and images. Raw HTML is never passed through: every character of the source is
 * escaped, and URLs go through `resolveUrl`, which returns the URL to emit or undefined (the link or image
 * then renders as its text). Only http(s) URLs and URLs the caller maps are ever emitted.
 */

export interface MarkdownOptions {
  /** map a relative URL of a link or image to the URL to emit, or undefined to drop it */
  resolveUrl?: (url: string, kind: 'link' | 'image') => string | undefined;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const isExternal = (u: string) => /^https?:\/\/[^\s"'<>]+$/i.test(u);

/** Inline Markdown of one line or paragraph (escaped). */
export function renderInline(text: string, opts: MarkdownOptions = {}): string {
  const url = (u: string, kind: 'link' | 'image') => (isExternal(u) ? u : /^[a-z][a-z0-9+.-]*:/i.test(u) || u.startsWith('//') ? undefined : opts.resolveUrl?.(u, kind));
  let out = '';
  let i = 0;
  const rest = () => text.slice(i);
  while (i < text.length) {
    let m: RegExpMatchArray | null;
    if ((m = rest().match(/^(`+)([\s\S]*?[^`])\1(?!`)/))) {
      out += `<code>${escapeHtml(m[2]!.trim())}</code>`;
    } else if ((m = rest().match(/^!\[([^\]]*)\]\(([^)\s]+)\)/))) {
      const u = url(m[2]!, 'image');
      out += u ? `<img src="${escapeHtml(u)}" alt="${escapeHtml(m[1]!)}" loading="lazy">` : escapeHtml(m[1]!);
    } else if ((m = rest().match(/^\[([^\]]+)\]\(([^)\s]+)\)/))) {
      const u = url(m[2]!, 'link');
      const inner = renderInline(m[1]!, opts);
      out += u ? `<a href="${escapeHtml(u)}"${isExternal(u) ? ' rel="noopener noreferrer" target="_blank"' : ''}>${inner}</a>` : inner;
    } else if ((m = rest().match(/^\*\*(?=\S)([\s\S]*?\S)\*\*/)) || (m = rest().match(/^__(?=\S)([\s\S]*?\S)__(?!\w)/))) {
      out += `<strong>${renderInline(m[1]!, opts)}</strong>`;
    } else if ((m = rest().match(/^\*(?=\S)([^*]*?\S)\*/)) || ((i === 0 || !/\w/.test(text[i - 1]!)) && (m = rest().match(/^_(?=\S)([^_]*?\S)_(?!\w)/)))) {
      out += `<em>${renderInline(m[1]!, opts)}</em>`;
    } else if ((m = rest().match(/^\\([\\`*_[\]()#+\-.!|>])/))) {
      out += escapeHtml(m[1]!);
    } else {
      m = rest().match(/^[\s\S][^`!*_[\\]*/);
      out += escapeHtml(m![0]);
    }
    i += m![0].length;
  }
  return out;
}

/** Split a table row `| a | b |` into trimmed cells (`\|` stays a literal bar). */
function cells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

const isTableSep = (line: string) => /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/.test(line) && line.includes('-');

/** Render a Markdown document to HTML (see the file header for what is understood). */
export function renderMarkdown(src: string, opts: MarkdownOptions = {}): string {
  const lines = src.replace(/\r\n?/g, '\n').split('\n');
  const html: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) html.push(`<p>${renderInline(para.join('\n'), opts).replace(/\n/g, '<br>\n')}</p>`);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let m: RegExpMatchArray | null;
    if (line.trim() === '') {
      flush();
    } else if ((m = line.match(/^\s*(```|~~~)\s*([\w+-]*)\s*$/))) {
      flush();
      const fence = m[1]!;
      const body: string[] = [];
      while (++i < lines.length && !lines[i]!.trim().startsWith(fence)) body.push(lines[i]!);
      html.push(`<pre><code${m[2] ? ` class="language-${escapeHtml(m[2])}"` : ''}>${escapeHtml(body.join('\n'))}</code></pre>`);
    } else if ((m = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/))) {
      flush();
      html.push(`<h${m[1]!.length}>${renderInline(m[2]!, opts)}</h${m[1]!.length}>`);
    } else if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      html.push('<hr>');
    } else if (line.includes('|') && i + 1 < lines.length && isTableSep(lines[i + 1]!)) {
      flush();
      const head = cells(line);
      const align = cells(lines[i + 1]!).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : ''));
      const td = (tag: string, c: string, k: number) => `<${tag}${align[k] ? ` class="align-${align[k]}"` : ''}>${renderInline(c, opts)}</${tag}>`;
      const rows: string[] = [];
      i += 2;
      for (; i < lines.length && lines[i]!.includes('|') && lines[i]!.trim() !== ''; i++) {
        const row = cells(lines[i]!);
        rows.push(`<tr>${head.map((_, k) => td('td', row[k] ?? '', k)).join('')}</tr>`);
      }
      i--;
      html.push(`<table><thead><tr>${head.map((c, k) => td('th', c, k)).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`);
    } else if (/^\s*>/.test(line)) {
      flush();
      const body: string[] = [];
      for (; i < lines.length && /^\s*>/.test(lines[i]!); i++) body.push(lines[i]!.replace(/^\s*>\s?/, ''));
      i--;
      html.push(`<blockquote>${renderMarkdown(body.join('\n'), opts)}</blockquote>`);
    } else if ((m = line.match(/^(\s*)([-*+]|\d{1,9}[.)])\s+/))) {
      flush();
      const ordered = /\d/.test(m[2]!);
      const items: string[] = [];
      for (; i < lines.length; i++) {
        const l = lines[i]!;
        const im = l.match(/^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/);
        if (im && /\d/.test(im[1]!) === ordered) items.push(im[2]!);
        else if (l.trim() !== '' && /^\s+/.test(l) && items.length) items[items.length - 1] += '\n' + l.trim();
        else break;
      }
      i--;
      const tag = ordered ? 'ol' : 'ul';
      html.push(`<${tag}>${items.map((it) => `<li>${renderInline(it, opts)}</li>`).join('')}</${tag}>`);
    } else {
      para.push(line);
    }
  }
  flush();
  return html.join('\n');
}
