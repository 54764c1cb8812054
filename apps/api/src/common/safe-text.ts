/**
 * What text the API takes in, anywhere: in bodies, free-form objects (form fields, inputs, payloads),
 * query strings and paths. Checked once, at the edge (EdgeValidationPipe), so that nothing accepted can
 * later fail to be stored: PostgreSQL's `text` and `jsonb` refuse U+0000, `jsonb` refuses a UTF-16
 * surrogate without its pair, and `text` silently turns one into U+FFFD (UTF-8 has no encoding for it).
 * The other control characters would be stored, but they have no business in a procurement record,
 * break logs, CSV exports and terminals, and are how a value is made to look like another. So are the
 * bidirectional embeddings, overrides and isolates: "invoice\u202Egnp.exe" displays as "invoiceexe.png"
 * in the inbox, on cycle pages and on the public notices page. (The marks U+200E and U+200F, which change
 * no order beyond their neighbours, and the zero-width joiner U+200D, which emoji need, are taken; so are
 * the noncharacters U+FFFE and U+FFFF: PostgreSQL and JSON store them faithfully.)
 */

/** C0 controls except tab, line feed and carriage return; DEL and the C1 controls. */
const CONTROL_CLASS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F';
/** Bidirectional formatting that reorders what follows it: LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI. */
const BIDI_CLASS = '\\u202A-\\u202E\\u2066-\\u2069';
const BIDI_NAMES: Readonly<Record<number, string>> = {
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
};
/** Every character refused in any text. */
const REFUSED_CLASS = `${CONTROL_CLASS}${BIDI_CLASS}`;
/** Tab, line feed, carriage return: allowed in multi-line text (comments, reasons, definition files) only. */
const LINE_CLASS = '\\t\\n\\r';
/**
 * Whitespace as String.prototype.trim() removes it (ECMAScript WhiteSpace and LineTerminator), spelled
 * out rather than `\s` so that other regular-expression engines reading the OpenAPI document agree.
 */
const WHITESPACE_CLASS = '\\t\\n\\u000B\\u000C\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF';

/** Half of a surrogate pair without its other half. */
const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
// One scan of the whole text finds the first offending character: a 5 MB definition file is checked in
// a few milliseconds, not hundreds spent looking at each character in turn.
const FIRST_PROBLEM_MULTILINE = new RegExp(`[${REFUSED_CLASS}]|${LONE_SURROGATE}`);
const FIRST_PROBLEM_SINGLE_LINE = new RegExp(`[${REFUSED_CLASS}${LINE_CLASS}]|${LONE_SURROGATE}`);

/**
 * The OpenAPI `pattern` of text the API accepts: no refused character, and for single-line text no line
 * break or tab; `notBlank` also asks for at least one character that is not whitespace. (Unpaired
 * surrogates are refused too, but a pattern cannot say so: JSON text holding one is not Unicode text.)
 */
export function textPattern(options: { multiline: boolean; notBlank: boolean }): string {
  const allowed = options.multiline ? `[^${REFUSED_CLASS}]` : `[^${REFUSED_CLASS}${LINE_CLASS}]`;
  // Whitespace includes tab, line feed and carriage return.
  const visible = `[^${REFUSED_CLASS}${WHITESPACE_CLASS}]`;
  return options.notBlank ? `^${allowed}*${visible}${allowed}*$` : `^${allowed}*$`;
}

/**
 * Why `text` may not be taken in, or undefined when it may: a refused character or an unpaired surrogate
 * anywhere, and, unless `multiline`, a line break or tab. Says which character and where (1-based, in
 * characters as a person counts them), never echoing the text itself.
 */
export function textProblem(text: string, multiline: boolean): string | undefined {
  const found = (multiline ? FIRST_PROBLEM_MULTILINE : FIRST_PROBLEM_SINGLE_LINE).exec(text);
  if (!found) return undefined;
  const unit = found[0];
  // Characters as a person counts them: each surrogate pair before it (all are whole) is one character.
  const pairsBefore = text.slice(0, found.index).match(/[\uD800-\uDBFF]/g)?.length ?? 0;
  const position = found.index - pairsBefore + 1;
  const code = unit.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) {
    return `must be Unicode text, but character ${position} is half of a surrogate pair (${codePoint(unit)}) without its other half`;
  }
  if (unit === '\t' || unit === '\n' || unit === '\r') {
    return `must be a single line, but character ${position} is a ${unit === '\t' ? 'tab' : 'line break'} (${codePoint(unit)})`;
  }
  const bidi = BIDI_NAMES[code];
  if (bidi !== undefined) {
    return `must not contain bidirectional formatting characters, which can make text display as other text, but character ${position} is ${codePoint(unit)} (${bidi})`;
  }
  return `must not contain control characters, but character ${position} is the control character ${codePoint(unit)}`;
}

function codePoint(unit: string): string {
  return `U+${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
