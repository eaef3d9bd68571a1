/** A whole self-contained HTML page (the run report, the sweep report): head with prune-run's style, the body in <main>. */
import { element, join, raw, text, type Markup } from './markup.js';
import { STYLE } from './style.js';

export function htmlPage(title: string, body: readonly Markup[]): string {
  const page = join([
    raw('<!DOCTYPE html>'),
    element('html', { lang: 'en' }, [
      element('head', {}, [
        element('meta', { charset: 'utf-8' }),
        element('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
        element('title', {}, [text(title)]),
        element('style', {}, [raw(STYLE)]),
      ]),
      element('body', {}, [element('main', {}, [join(body)])]),
    ]),
  ]);
  return `${page.html}\n`;
}
