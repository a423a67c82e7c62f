/** Where something was written: file, 1-based line and column (for errors like `file:12:9: ...`). */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}
