import type { LineFragment } from './pdf-layout';

// Running headers and footers: lines in the top or bottom margin band whose text (digits ignored) repeats across pages,
// plus bare page numbers ("12", "xi", "3 / 57", "Page 4 of 9") there.

const MARGIN_BAND = 0.09;
const pageNumberLine = /^(?:page\s+)?(?:\d+|[ivxlcdm]+)(?:\s*(?:\/|of)\s*\d+)?$/i;
// Page numbers inside running lines vary (digits, or roman numerals at either end), so they are masked.
const normalise = (text: string) =>
  text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().replace(/^[ivxlcdm]+(?= )|(?<= )[ivxlcdm]+$/g, '#');

export class RunningLineFilter {
  private readonly seen = new Map<string, number>();
  private readonly threshold: number;

  constructor(pageCount: number) {
    // A line must recur on at least 3 pages (or every page of a 2-page document) to count as running.
    this.threshold = Math.min(3, Math.max(2, pageCount));
  }

  private inMargin(fragment: LineFragment, pageHeight: number): boolean {
    return fragment.y > pageHeight * (1 - MARGIN_BAND) || fragment.y < pageHeight * MARGIN_BAND;
  }

  /** Counts a page's margin lines (once per page); call for every page before filtering pages near it. */
  observe(fragments: LineFragment[], pageHeight: number): void {
    const keys = new Set(fragments.filter((f) => this.inMargin(f, pageHeight)).map((f) => normalise(f.text)));
    for (const key of keys) this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
  }

  filter(fragments: LineFragment[], pageHeight: number): LineFragment[] {
    return fragments.filter((f) => {
      if (!this.inMargin(f, pageHeight)) return true;
      if (pageNumberLine.test(f.text.trim())) return false;
      return (this.seen.get(normalise(f.text)) ?? 0) < this.threshold;
    });
  }
}
