import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { safeHttpUrl } from '../lib/values';

/**
 * Elements markdown may produce here. Raw HTML in the source is never parsed
 * (react-markdown turns it into text without a raw-HTML plugin); this list is a
 * second fence in case a future plugin adds more.
 */
const ALLOWED_ELEMENTS = [
  'p',
  'br',
  'hr',
  'em',
  'strong',
  'del',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'img',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  // GitHub-flavoured tables (alert descriptions carry them, #15).
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'input',
];

/** GitHub-flavoured markdown (tables, strikethrough, task lists); a single ~ stays a tilde. */
const remarkPlugins = [[remarkGfm, { singleTilde: false }]] satisfies Parameters<typeof Markdown>[0]['remarkPlugins'];

const components: Components = {
  a({ href, children }) {
    const url = safeHttpUrl(href);
    if (!url) return <span className="md-link-refused">{children}</span>;
    return (
      <a href={url} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    );
  },
  // Remote images would leak that this event was viewed (and CSP blocks them anyway): show the alt text.
  img({ alt }) {
    return <span className="md-image">[image{alt ? `: ${alt}` : ''}]</span>;
  },
  // Markdown headings inside an event body must not compete with the page outline.
  h1: ({ children }) => <p className="md-heading">{children}</p>,
  h2: ({ children }) => <p className="md-heading">{children}</p>,
  h3: ({ children }) => <p className="md-heading">{children}</p>,
  h4: ({ children }) => <p className="md-heading">{children}</p>,
  h5: ({ children }) => <p className="md-heading">{children}</p>,
  h6: ({ children }) => <p className="md-heading">{children}</p>,
  // A wide table scrolls inside its own region instead of widening the panel.
  table: ({ children }) => (
    <div className="md-table" role="region" aria-label="Table" tabIndex={0}>
      <table>{children}</table>
    </div>
  ),
  // Task-list checkboxes are a picture of the source, not controls.
  input: ({ checked }) => <span aria-hidden="true">{checked ? '☑ ' : '☐ '}</span>,
};

/** Keeps only http(s) URLs; everything else becomes empty and is rendered as plain text. */
function urlTransform(url: string): string {
  return safeHttpUrl(url) ?? '';
}

/** Markdown from the server, rendered without raw HTML, scripts, remote images or non-http(s) links. */
export function SafeMarkdown({ source }: { source: string }) {
  return (
    <div className="markdown">
      <Markdown
        allowedElements={ALLOWED_ELEMENTS}
        unwrapDisallowed
        remarkPlugins={remarkPlugins}
        urlTransform={urlTransform}
        components={components}
      >
        {source}
      </Markdown>
    </div>
  );
}
