// Every relative link and #anchor in README.md and docs/*.md resolves: the file (or folder) exists, and an anchor
// matches a heading of the target as GitHub slugs it. Pages move and headings get renamed; this keeps the links true.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const md = new MarkdownIt({ html: true });
type Token = ReturnType<typeof md.parse>[number];

/** Walks inline children too: links sit inside paragraphs, table cells and list items. */
function* tokens(list: Token[]): Generator<Token> {
  for (const t of list) {
    yield t;
    if (t.children) yield* tokens(t.children);
  }
}

/** A heading's text as GitHub slugs it: its inline content less the Markdown (code spans keep their text). */
const headingText = (inline: Token) =>
  (inline.children ?? [])
    .filter((c) => c.type === 'text' || c.type === 'code_inline')
    .map((c) => c.content)
    .join('');

function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const list = md.parse(readFileSync(file, 'utf8'), {});
  const out = new Set<string>();
  list.forEach((t, i) => {
    if (t.type === 'heading_open') out.add(slugger.slug(headingText(list[i + 1]!)));
  });
  return out;
}

function linksOf(file: string): string[] {
  return [...tokens(md.parse(readFileSync(file, 'utf8'), {}))]
    .filter((t) => t.type === 'link_open' || t.type === 'image')
    .map((t) => t.attrGet(t.type === 'image' ? 'src' : 'href') ?? '');
}

const isExternal = (href: string) => /^[a-z][a-z0-9+.-]*:/i.test(href);

/** What is wrong with one link of `from`, or undefined when it resolves. */
function problem(from: string, href: string): string | undefined {
  const [path = '', anchor] = href.split('#', 2);
  const target = path ? resolve(dirname(from), decodeURIComponent(path)) : from;
  if (!existsSync(target)) return `${href}: ${relative(ROOT, target)} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(target).isDirectory() || !target.endsWith('.md')) return `${href}: an anchor into a file that is not Markdown`;
  return anchorsOf(target).has(decodeURIComponent(anchor)) ? undefined : `${href}: no heading with the slug "${anchor}" in ${relative(ROOT, target)}`;
}

const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('links in the docs', () => {
  it('cover the README and every page under docs/', () => {
    expect(pages).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/options.md',
        'docs/operator-guide.md',
        'docs/architecture.md',
        'docs/testing.md',
        'docs/releasing.md',
      ]),
    );
  });

  it.each(pages)('in %s all resolve', (page) => {
    const file = join(ROOT, page);
    const relativeLinks = linksOf(file).filter((href) => !isExternal(href));
    expect(relativeLinks.map((href) => problem(file, href)).filter(Boolean)).toEqual([]);
  });
});

describe('the link checker', () => {
  const page = join(ROOT, 'docs', 'operator-guide.md');

  it('accepts a file, a folder, a heading of this page and of another page', () => {
    for (const href of ['../deploy/nomad-acl-policy.hcl', '../test/fixtures', '#job-template', 'nomad-versions.md#vault-which-flow', '../README.md'])
      expect(problem(page, href), href).toBeUndefined();
  });

  it('refuses a missing file and a missing heading', () => {
    expect(problem(page, 'no-such-page.md')).toMatch(/does not exist/);
    expect(problem(page, '#no-such-heading')).toMatch(/no heading with the slug "no-such-heading"/);
    expect(problem(page, 'nomad-versions.md#job-template')).toMatch(/no heading/);
  });

  it('slugs headings as GitHub does: code spans kept, punctuation dropped, repeats numbered', () => {
    const slugger = new GithubSlugger();
    const list = md.parse("# Dry run: `plan`\n\n## Run the suite against your cluster's Nomad\n\n## Notes\n\n## Notes\n", {});
    const slugs = list.flatMap((t, i) => (t.type === 'heading_open' ? [slugger.slug(headingText(list[i + 1]!))] : []));
    expect(slugs).toEqual(['dry-run-plan', 'run-the-suite-against-your-clusters-nomad', 'notes', 'notes-1']);
  });

  it('finds links inside tables and lists', () => {
    expect(linksOf(join(ROOT, 'docs', 'options.md'))).toContain('operator-guide.md#job-template');
  });
});
