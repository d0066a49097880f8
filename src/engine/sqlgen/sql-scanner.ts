/**
 * @fileoverview A scanner of SQL text into tokens, for editing a defining query's own text at the
 * locations its parse tree gives: where a token ends, which keyword or parenthesis comes next.
 * It knows what can hide a keyword or a parenthesis — comments (nested block comments too),
 * string constants (E'' with backslash escapes, dollar quoting) and quoted identifiers — and
 * nothing of the grammar. Positions are character indices into the text.
 */

/** What a token is, as far as finding keywords and parentheses needs. */
export enum TokenKind { Word, QuotedIdentifier, Literal, Open, Close, Other }

/** One token: its kind and where it starts and ends (exclusive). */
export class Token {
  constructor(public kind: TokenKind, public start: i32, public end: i32) {}
}

/** Reads tokens from `sql` starting at `pos`, skipping whitespace and comments. */
export class SqlScanner {
  constructor(private sql: string, public pos: i32) {}

  /** The next token, or null at the end of the text. */
  next(): Token | null {
    this.skipSpace();
    const sql = this.sql;
    const start = this.pos;
    if (start >= sql.length) return null;
    const c = sql.charCodeAt(start);
    if (c == 40) return this.take(TokenKind.Open, start + 1);  // (
    if (c == 41) return this.take(TokenKind.Close, start + 1);  // )
    if (c == 39) return this.take(TokenKind.Literal, quotedEnd(sql, start, 39, false));  // '
    if (c == 34) return this.take(TokenKind.QuotedIdentifier, quotedEnd(sql, start, 34, false));  // "
    if (c == 36) {  // $: a dollar-quoted string, or a parameter
      const tag = dollarTagEnd(sql, start);
      if (tag > 0) {
        const close = sql.indexOf(sql.substring(start, tag), tag);
        return this.take(TokenKind.Literal, close < 0 ? sql.length : close + tag - start);
      }
    }
    if (isWordStart(c)) {
      let end = start + 1;
      while (end < sql.length && isWordPart(sql.charCodeAt(end))) end++;
      // E'...': backslash escapes, so \' does not end it.
      if (end == start + 1 && (c == 69 || c == 101) && end < sql.length && sql.charCodeAt(end) == 39) {
        return this.take(TokenKind.Literal, quotedEnd(sql, end, 39, true));
      }
      return this.take(TokenKind.Word, end);
    }
    if (c >= 48 && c <= 57) {
      let end = start + 1;
      while (end < sql.length && (isWordPart(sql.charCodeAt(end)) || sql.charCodeAt(end) == 46)) end++;
      return this.take(TokenKind.Other, end);
    }
    return this.take(TokenKind.Other, start + 1);
  }

  private take(kind: TokenKind, end: i32): Token {
    const token = new Token(kind, this.pos, end);
    this.pos = end;
    return token;
  }

  private skipSpace(): void {
    const sql = this.sql;
    for (;;) {
      if (this.pos >= sql.length) return;
      const c = sql.charCodeAt(this.pos);
      if (c == 32 || (c >= 9 && c <= 13)) { this.pos++; continue; }
      if (c == 45 && this.pos + 1 < sql.length && sql.charCodeAt(this.pos + 1) == 45) {  // -- to the end of the line
        const eol = sql.indexOf("\n", this.pos);
        this.pos = eol < 0 ? sql.length : eol + 1;
        continue;
      }
      if (c == 47 && this.pos + 1 < sql.length && sql.charCodeAt(this.pos + 1) == 42) {  // /* ... */, nested
        let depth = 0;
        let i = this.pos;
        while (i < sql.length) {
          if (sql.startsWith("/*", i)) { depth++; i += 2; } else if (sql.startsWith("*/", i)) { depth--; i += 2; if (depth == 0) break; } else i++;
        }
        this.pos = i;
        continue;
      }
      return;
    }
  }
}

/**
 * The tokens of one parenthesis level, from `pos` to the `)` that closes the level: a group in
 * parentheses is read as its `(` alone.
 */
export class LevelScanner {
  private scanner: SqlScanner;
  /** The token `next` returned before the last one. */
  previous: Token | null = null;
  private last: Token | null = null;

  constructor(sql: string, pos: i32) {
    this.scanner = new SqlScanner(sql, pos);
  }

  /** The next token of the level, or null at its end. */
  next(): Token | null {
    const last = this.last;
    if (last !== null && last.kind == TokenKind.Open) {
      for (let depth = 1; depth > 0;) {
        const t = this.scanner.next();
        if (t === null) return null;
        if (t.kind == TokenKind.Open) depth++;
        else if (t.kind == TokenKind.Close) depth--;
      }
    }
    const t = this.scanner.next();
    this.previous = last;
    this.last = t !== null && t.kind == TokenKind.Close ? null : t;
    return this.last;
  }
}

/** True when `token` in `sql` is the keyword `keyword` (upper case), as PostgreSQL folds it. */
export function isKeyword(sql: string, token: Token | null, keyword: string): bool {
  return token !== null && token.kind == TokenKind.Word && token.end - token.start == keyword.length
    && sql.substring(token.start, token.end).toUpperCase() == keyword;
}

/** The end of the quoted token opening at `start` with `quote` (doubled inside), with backslash escapes when `escapes`. */
function quotedEnd(sql: string, start: i32, quote: i32, escapes: bool): i32 {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (escapes && c == 92) { i += 2; continue; }
    if (c == quote) {
      if (i + 1 < sql.length && sql.charCodeAt(i + 1) == quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** The end of a dollar-quote delimiter ($$ or $tag$) at `start`, or 0 when there is none. */
function dollarTagEnd(sql: string, start: i32): i32 {
  let i = start + 1;
  if (i < sql.length && isWordStart(sql.charCodeAt(i))) {
    while (i < sql.length && isWordPart(sql.charCodeAt(i)) && sql.charCodeAt(i) != 36) i++;
  }
  return i < sql.length && sql.charCodeAt(i) == 36 ? i + 1 : 0;
}

function isWordStart(c: i32): bool {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 128;
}

function isWordPart(c: i32): bool {
  return isWordStart(c) || (c >= 48 && c <= 57) || c == 36;
}
