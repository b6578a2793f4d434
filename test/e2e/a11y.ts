import type { Page } from 'playwright-core';

/** Roles a person operates; each needs a name a screen reader can announce. */
const OPERABLE = new Set([
  'button',
  'checkbox',
  'combobox',
  'link',
  'listbox',
  'menuitem',
  'radio',
  'searchbox',
  'slider',
  'spinbutton',
  'switch',
  'tab',
  'textbox',
]);

interface AxNode {
  ignored?: boolean;
  role?: { value?: string };
  name?: { value?: string };
}

/** The accessibility tree as Chromium computes it (roles and names included). */
async function axTree(page: Page): Promise<AxNode[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    return nodes.filter((node) => !node.ignored);
  } finally {
    await cdp.detach();
  }
}

/** Operable elements without an accessible name. */
export async function unnamedControls(page: Page): Promise<string[]> {
  return (await axTree(page))
    .filter((node) => OPERABLE.has(node.role?.value ?? ''))
    .filter((node) => !String(node.name?.value ?? '').trim())
    .map((node) => node.role?.value ?? '?');
}

/** Landmark roles on the page, each once, in tree order. */
export async function landmarks(page: Page): Promise<string[]> {
  const roles = (await axTree(page)).map((node) => node.role?.value ?? '');
  return [...new Set(roles.filter((role) => ['banner', 'navigation', 'main', 'contentinfo'].includes(role)))];
}

export interface ContrastProblem {
  text: string;
  ratio: number;
  need: number;
}

/** Visible text whose colour against its background is below WCAG AA (4.5:1, or 3:1 when large). */
export function lowContrastText(page: Page): Promise<ContrastProblem[]> {
  return page.evaluate(() => {
    type Rgba = { r: number; g: number; b: number; a: number };
    const parse = (css: string): Rgba | null => {
      const m = /rgba?\(([^)]+)\)/.exec(css);
      if (!m?.[1]) return null;
      const [r = 0, g = 0, b = 0, a = 1] = m[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r, g, b, a };
    };
    const channel = (v: number) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c: Rgba) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const background = (el: Element | null): Rgba => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const problems: { text: string; ratio: number; need: number }[] = [];
    const seen = new Set<Element>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const el = walker.currentNode.parentElement;
      const content = walker.currentNode.textContent?.trim();
      if (!el || !content || seen.has(el) || el.closest('svg, option, noscript')) continue;
      seen.add(el);
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      // Hidden, visually hidden (1px) or parked off screen (the skip link until focused).
      if (style.visibility === 'hidden' || box.width < 2 || box.height < 2 || box.bottom <= 0) continue;
      const fg = parse(style.color);
      if (!fg) continue;
      const [hi, lo] = [luminance(fg), luminance(background(el))].sort((x, y) => y - x) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = Number.parseFloat(style.fontSize);
      const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
      const need = large ? 3 : 4.5;
      if (ratio < need)
        problems.push({ text: content.slice(0, 50), ratio: Math.round(ratio * 100) / 100, need });
    }
    return problems;
  });
}

/** Tabs through the next `stops` focus stops and reports any that shows no focus indicator. */
export async function focusWithoutIndicator(page: Page, stops = 6): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < stops; i += 1) {
    await page.keyboard.press('Tab');
    const result = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const visible = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
      return visible ? null : `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    });
    if (result) missing.push(result);
  }
  return missing;
}
