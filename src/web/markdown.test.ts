import { describe, it, expect } from 'vitest';
import { renderMarkdown, renderInline } from './markdown.ts';

describe('renderMarkdown', () => {
  it('renders a GitHub table with column alignment, headings, lists and paragraphs', () => {
    const html = renderMarkdown('# Results\n\nSome **bold** and *it* and `code`.\n\n| method | acc |\n|---|---:|\n| ot | 41.3% |\n| mse | 36.4% |\n\n- one\n- two\n\n1. first\n2. second');
    expect(html).toContain('<h1>Results</h1>');
    expect(html).toContain('<p>Some <strong>bold</strong> and <em>it</em> and <code>code</code>.</p>');
    expect(html).toContain('<table><thead><tr><th>method</th><th class="align-right">acc</th></tr></thead><tbody><tr><td>ot</td><td class="align-right">41.3%</td></tr><tr><td>mse</td><td class="align-right">36.4%</td></tr></tbody></table>');
    expect(html).toContain('<ul><li>one</li><li>two</li></ul>');
    expect(html).toContain('<ol><li>first</li><li>second</li></ol>');
  });

  it('escapes raw HTML everywhere: text, table cells, code, link text, alt text', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n| a |\n|---|\n| <img src=x onerror=alert(1)> |\n\n```\n<b>\n```\n\n[<i>x</i>](https://example.org) ![<svg onload=1>](chart.svg)', { resolveUrl: (u) => `/results/${u}` });
    expect(html).not.toMatch(/<script|<img src=x|<b>|<i>|<svg/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<pre><code>&lt;b&gt;</code></pre>');
    expect(html).toContain('<img src="/results/chart.svg" alt="&lt;svg onload=1&gt;" loading="lazy">');
  });

  it('emits only http(s) URLs and URLs the caller maps; other schemes render as text', () => {
    const map = (u: string) => (u === 'ok.md' ? '/reports.html#report=ok.md' : undefined);
    expect(renderInline('[a](javascript:alert`1`)', { resolveUrl: map })).toBe('a');
    expect(renderInline('[a](data:text/html,x)', { resolveUrl: map })).toBe('a');
    expect(renderInline('[a](//evil.example/x)', { resolveUrl: map })).toBe('a');
    expect(renderInline('[a](missing.md)', { resolveUrl: map })).toBe('a');
    expect(renderInline('[a](ok.md)', { resolveUrl: map })).toBe('<a href="/reports.html#report=ok.md">a</a>');
    expect(renderInline('[a](https://x.org/?q="1")')).toBe('a'); // a quote cannot break out of the attribute
    expect(renderInline('[a](https://x.org/p)')).toBe('<a href="https://x.org/p" rel="noopener noreferrer" target="_blank">a</a>');
  });

  it('keeps snake_case words and escaped characters literal', () => {
    expect(renderInline('swh_Latn and a_b_c')).toBe('swh_Latn and a_b_c');
    expect(renderInline('\\*not italic\\*')).toBe('*not italic*');
    expect(renderInline('p < 0.05 & "x"')).toBe('p &lt; 0.05 &amp; &quot;x&quot;');
  });
});
