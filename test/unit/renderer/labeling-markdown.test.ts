import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SafeMarkdown } from '../../../renderer/src/lib/safe-markdown';

const render = (text: string) => renderToStaticMarkup(createElement(SafeMarkdown, { text }));

describe('the labeler’s markdown (responses, prompts, guidelines)', () => {
  it('shows raw HTML as text: no script, no img with onerror, no inline handler reaches the page', () => {
    const html = render('Sure! <script>window.pwned = 1</script>\n\n<img src=x onerror="window.pwned = 2">\n\n<b onclick="x()">bold?</b>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b[\s>]/i);
    expect(html).not.toMatch(/<[^>]*\son\w+=/i);
    // What was written is still there to read.
    expect(html).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.pwned = 2&quot;&gt;');
  });

  it('renders markdown and code, with code kept verbatim', () => {
    const html = render('# Title\n\n- one\n- **two**\n\n```js\nif (a < b) alert("<hi>");\n```');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>two</strong>');
    expect(html).toContain('<code class="language-js">if (a &lt; b) alert(&quot;&lt;hi&gt;&quot;);');
  });

  it('drops javascript: links and loads no image: a markdown image shows as its alt text', () => {
    const html = render('[click](javascript:alert(1)) ![a cat](http://example.com/cat.png)');
    expect(html).not.toContain('javascript:');
    expect(html).not.toMatch(/<img|rel="preload"/);
    expect(html).toContain('[image: a cat]');
  });
});
