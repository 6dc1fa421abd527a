/**
 * 1-based line and column of an offset in the source text, computed from the text itself: lines end at LF (so CRLF
 * too), as the YAML library reads them. The library's own line counter can miss a line break while it recovers from a
 * syntax error, and counts a byte-order mark as a column.
 */
export class SourcePositions {
  private readonly lineStarts: number[] = [0];
  private readonly bomLength: number;

  constructor(text: string) {
    this.bomLength = text.startsWith('\uFEFF') ? 1 : 0;
    for (let index = 0; index < text.length; index += 1) {
      if (text.charCodeAt(index) === 10) this.lineStarts.push(index + 1);
    }
  }

  at(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    const lineStart = this.lineStarts[low] ?? 0;
    const column = offset - lineStart + 1 - (low === 0 ? this.bomLength : 0);
    return { line: low + 1, column: Math.max(1, column) };
  }
}
