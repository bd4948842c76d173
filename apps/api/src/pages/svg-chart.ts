export interface Bar {
  readonly label: string;
  /** A count as the viewer may see it; "<5" (small) and "*" (hidden) draw no bar, only their label. */
  readonly value: number | '<5' | '*';
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A horizontal bar chart as server-rendered SVG: no script, readable without colour, with a title and a
 * description for screen readers (the same numbers are always in a table beside it).
 */
export function barChart(title: string, bars: readonly Bar[], options: { width?: number; labelWidth?: number } = {}): string {
  const width = options.width ?? 640;
  const labelWidth = options.labelWidth ?? 260;
  const rowHeight = 26;
  const plot = width - labelWidth - 70;
  const max = Math.max(1, ...bars.map((b) => (typeof b.value === 'number' ? b.value : 0)));
  const height = bars.length * rowHeight + 8;
  const id = `c${Math.abs([...title].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, 7))}`;
  const rows = bars
    .map((b, i) => {
      const y = i * rowHeight + 4;
      const w = typeof b.value === 'number' ? Math.round((b.value / max) * plot) : 0;
      const label = b.label.length > 38 ? `${b.label.slice(0, 37)}…` : b.label;
      return (
        `<text x="${labelWidth - 6}" y="${y + 16}" text-anchor="end">${escape(label)}</text>` +
        `<rect class="bar" x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 8}"></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 16}">${escape(String(b.value))}</text>`
      );
    })
    .join('');
  const desc = bars.map((b) => `${b.label}: ${b.value}`).join('; ');
  return (
    `<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-t">${escape(title)}</title><desc id="${id}-d">${escape(desc)}</desc>${rows}</svg>`
  );
}
