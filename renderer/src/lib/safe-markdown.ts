import { createElement, type ReactElement } from 'react';
import Markdown, { type Components } from 'react-markdown';

/**
 * Markdown for text the studio did not write (model responses, imported
 * prompts, guidelines). react-markdown builds React elements from the syntax
 * tree and never sets innerHTML: raw HTML in the text (`<script>`,
 * `<img onerror=…>`) stays visible text, and its default URL filter drops
 * `javascript:` links. Images are shown as their alt text and address rather
 * than loaded, so a response cannot make the studio fetch anything.
 */
const components: Components = {
  img: ({ alt, src }) =>
    createElement('span', { className: 'text-zinc-500', title: typeof src === 'string' ? src : undefined }, `[image: ${alt ?? ''}]`),
  a: ({ href, children }) =>
    createElement('a', { href, rel: 'noreferrer noopener', target: '_blank', className: 'text-indigo-600 underline' }, children),
};

/** Tailwind's reset strips list bullets and code boxes; these put them back inside rendered markdown only. */
const MARKDOWN_CLASS =
  'space-y-2 break-words [&_code]:font-mono [&_code]:text-[0.9em] [&_pre]:overflow-x-auto [&_pre]:rounded-md [&_pre]:bg-zinc-100 [&_pre]:p-2 dark:[&_pre]:bg-zinc-800 [&_ul]:list-disc [&_ul]:pl-5 [&_ol]:list-decimal [&_ol]:pl-5 [&_h1]:text-base [&_h1]:font-semibold [&_h2]:font-semibold [&_h3]:font-medium [&_blockquote]:border-l-2 [&_blockquote]:pl-3 [&_blockquote]:text-zinc-600';

export function SafeMarkdown({ text, className = '' }: { text: string; className?: string }): ReactElement {
  return createElement('div', { className: `${MARKDOWN_CLASS} ${className}` }, createElement(Markdown, { components }, text));
}
