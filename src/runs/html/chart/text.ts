/**
 * Text measurement without a browser: an upper estimate of a label's width in the report's
 * sans-serif font, so layout leaves room for labels instead of letting them overlap or clip.
 */

/** Average advance of a character in a sans-serif face, in ems, rounded up (Arial's is about 0.55). */
const EM_PER_CHARACTER = 0.6;

export const FONT_SIZE = 12;
export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export function textWidth(value: string, fontSize = FONT_SIZE): number {
  return [...value].length * fontSize * EM_PER_CHARACTER;
}

/** The label cut to at most `maxWidth` with an ellipsis; the full text goes in a <title> tooltip. */
export function fitText(value: string, maxWidth: number, fontSize = FONT_SIZE): string {
  if (textWidth(value, fontSize) <= maxWidth) return value;
  const characters = [...value];
  const keep = Math.max(1, Math.floor(maxWidth / (fontSize * EM_PER_CHARACTER)) - 1);
  return `${characters.slice(0, keep).join('')}…`;
}
