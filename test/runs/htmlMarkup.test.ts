import { describe, expect, it } from 'vitest';
import { integerTicks, linearScale, niceDomain, tickFormat, ticksBetween } from '../../src/runs/html/chart/scale.js';
import { fitText, textWidth } from '../../src/runs/html/chart/text.js';
import { element, escapeText, join, Markup, raw, text } from '../../src/runs/html/markup.js';

describe('report markup', () => {
  it('escapes the five characters that could open a tag or end an attribute', () => {
    expect(escapeText(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;');
    expect(escapeText('&amp;')).toBe('&amp;amp;');
  });

  it('escapes attribute values and text, and leaves out undefined attributes', () => {
    const e = element('text', { x: 1.234567, class: 'a"b', hidden: undefined }, [text('<x> & y')]);
    expect(e.html).toBe('<text x="1.23" class="a&quot;b">&lt;x&gt; &amp; y</text>');
  });

  it('self-closes empty SVG shapes and gives HTML void elements no end tag', () => {
    expect(element('rect', { width: 3 }).html).toBe('<rect width="3"/>');
    expect(element('meta', { charset: 'utf-8' }).html).toBe('<meta charset="utf-8">');
    expect(element('p').html).toBe('<p></p>');
  });

  it('refuses a coordinate that is not a finite number instead of writing NaN', () => {
    expect(() => element('circle', { cx: Number.NaN })).toThrow(/cx is NaN/);
    expect(() => element('rect', { width: Infinity })).toThrow(/width is Infinity/);
  });

  it('cannot be made from a plain string outside the module', () => {
    expect(() => new Markup(Symbol('markup'), '<script>')).toThrow(/never from a plain string/);
    expect(join([raw('<b>'), text('&')], raw('|')).html).toBe('<b>|&amp;');
  });
});

describe('chart scales and ticks', () => {
  it('maps a domain onto a range linearly, and a zero-width domain onto the middle', () => {
    const s = linearScale([0, 1], [100, 300]);
    expect([s(0), s(0.4), s(1)]).toEqual([100, 180, 300]);
    expect(linearScale([2, 2], [0, 10])(2)).toBe(5);
  });

  it('extends a domain to nice ticks without floating-point fuzz', () => {
    expect(niceDomain(0, 0.87)).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceDomain(0, 1.1)).toEqual({ domain: [0, 1.5], ticks: [0, 0.5, 1, 1.5] });
    expect(ticksBetween(0, 1, 0.1)).toContain(0.3);
    // A single value still gets an axis, and a non-negative one stays non-negative.
    const [low, high] = niceDomain(0.01, 0.01).domain;
    expect(low).toBe(0);
    expect(high).toBeGreaterThan(0.01);
    expect(niceDomain(0, 0).domain).toEqual([0, 1]);
    expect(() => niceDomain(1, Number.NaN)).toThrow(/not a range/);
  });

  it('writes ticks with the decimals their step needs', () => {
    expect([0, 0.5, 1].map(tickFormat([0, 0.5, 1]))).toEqual(['0.0', '0.5', '1.0']);
    expect([0, 0.05].map(tickFormat([0, 0.05]))).toEqual(['0.00', '0.05']);
    expect([0, 2].map(tickFormat([0, 2]))).toEqual(['0', '2']);
  });

  it('puts integer ticks on epochs and steps, every one when there are few', () => {
    expect(integerTicks(1, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(integerTicks(1, 100)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(integerTicks(1, 16)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(integerTicks(3, 40)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(integerTicks(0, 40)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
  });

  it('cuts a label that is too wide with an ellipsis, within the width asked', () => {
    const long = 'a-very-long-parameter-name/of/some/model/layer_17/kernel';
    const cut = fitText(long, 120);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut)).toBeLessThanOrEqual(120);
    expect(fitText('fc1/kernel', 120)).toBe('fc1/kernel');
  });
});
