/**
 * JSON numbers as text. A payload number is kept as the digits the client sent, never as a
 * double, so the rules here read the text: whether a double would change it, the range and the
 * digit bound a stored number must keep, and how PostgreSQL's numeric writes it back
 * (docs/payload-numbers.md).
 */

/** A JSON number split into its parts: value = digits × 10^(exponent − fraction length). */
export interface NumberParts {
  negative: boolean;
  /** The digits before and after the decimal point, as written (no sign, no point). */
  digits: string;
  /** How many of `digits` are after the decimal point. */
  fractionLength: number;
  /** The exponent as written (0 without one); Infinity when it is too long to be a number. */
  exponent: number;
  /** Every digit is 0. */
  zero: boolean;
}

/** The parts of a JSON number token (RFC 8259 grammar; the caller knows the text is one). */
export function numberParts(text: string): NumberParts {
  const negative = text.charCodeAt(0) === 0x2d;
  let e = text.indexOf('e');
  if (e < 0) e = text.indexOf('E');
  const mantissa = text.slice(negative ? 1 : 0, e < 0 ? text.length : e);
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  return {
    negative,
    digits,
    fractionLength: dot < 0 ? 0 : mantissa.length - dot - 1,
    exponent: e < 0 ? 0 : Number(text.slice(e + 1)),
    zero: !/[1-9]/.test(digits),
  };
}

/**
 * Reads the number token starting at i, in one pass over its characters (the request scan calls
 * it for every number of a body), and returns where it ends: as is when the token is known,
 * without converting it, to be the text its double writes back, negated when doubleKeepsText
 * must decide. Known: plain (no exponent, no trailing zero after the point), at most 15 digits,
 * between 1e-6 and 1e21, not -0. Any 15 significant digits survive a double, so no shorter text
 * names the same double, and the shortest is what JSON.stringify writes. JSON.parse checks the
 * syntax itself.
 */
export function numberTokenAt(text: string, i: number): number {
  const negative = text.charCodeAt(i) === 0x2d;
  const first = negative ? i + 1 : i;
  let digits = 0;
  let dot = -1;
  let plain = true;
  let k = first;
  for (; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2e) {
      plain &&= dot < 0;
      dot = k;
    } else if (c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) plain = false;
    else break;
  }
  const zeroFirst = text.charCodeAt(first) === 0x30;
  if (plain && digits === 1 && dot < 0 && zeroFirst)
    plain = !negative; // 0 and -0
  else if (plain && dot < 0) plain = digits >= 1 && digits <= 15 && !zeroFirst;
  else if (plain) {
    plain =
      digits <= 15 &&
      dot > first &&
      dot < k - 1 &&
      text.charCodeAt(k - 1) !== 0x30 &&
      // 0.00000x is under 1e-6: a double writes it with an exponent.
      !(zeroFirst && text.startsWith('00000', dot + 1));
  }
  return plain ? k : -k;
}

/**
 * True when JSON.parse and JSON.stringify give this number token back unchanged: its double
 * writes the same text. False for 2^53 + 1, 1.0, 1E+2, -0 or 0.1000000000000000055511151231257827.
 */
export function doubleKeepsText(token: string): boolean {
  return numberTokenAt(token, 0) === token.length || String(Number(token)) === token;
}

/** How many digits the number has in plain decimal notation, as PostgreSQL's numeric writes it. */
export function plainDigitCount(p: NumberParts): number {
  // The decimal point sits `point` digits into `digits` (negative: that many zeros before them).
  const point = p.digits.length - p.fractionLength + p.exponent;
  const fraction = Math.max(0, p.digits.length - point);
  if (p.zero) return 1 + fraction;
  const leadingZeros = p.digits.length - p.digits.replace(/^0+/, '').length;
  const integer = Math.max(0, point) - Math.min(leadingZeros, Math.max(0, point));
  return Math.max(1, integer) + fraction;
}

/**
 * The number as PostgreSQL's jsonb writes it back: plain decimal notation, the exponent applied,
 * the scale kept (trailing zeros after the point stay; 1.500e1 is 15.00), no sign on zero.
 * Only for numbers within the digit bound (the text can be as long as plainDigitCount says).
 */
export function plainDecimal(text: string): string {
  const p = numberParts(text);
  const point = p.digits.length - p.fractionLength + p.exponent;
  let integer: string;
  let fraction: string;
  if (point <= 0) {
    integer = '0';
    fraction = '0'.repeat(-point) + p.digits;
  } else if (point >= p.digits.length) {
    integer = p.digits + '0'.repeat(point - p.digits.length);
    fraction = '';
  } else {
    integer = p.digits.slice(0, point);
    fraction = p.digits.slice(point);
  }
  integer = integer.replace(/^0+(?=\d)/, '');
  return `${p.negative && !p.zero ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`;
}

const OUT_OF_RANGE = 'is a number outside the range of a double';

/** The bound a stored number must keep; maxDigits is JSON_MAX_NUMBER_DIGITS. */
export interface NumberLimits {
  maxDigits: number;
}

/**
 * Why a number cannot be stored as it is, or undefined. Refused: a magnitude outside the range
 * of a double (1e400, 1e-400: every JSON parser a partner uses turns it into Infinity or 0) and
 * more digits than the bound in plain decimal notation (the form the database keeps and serves,
 * so 1e300 counts 301). Digits are kept exactly: 2^64 − 1 or 0.1000000000000000055511151231257827
 * are stored as they are, never rounded.
 */
export function numberProblem(text: string, limits: NumberLimits): string | undefined {
  const p = numberParts(text);
  // An exponent past a billion is beyond what PostgreSQL reads even on a zero (0e99999999999).
  if (!(Math.abs(p.exponent) < 1e9)) return OUT_OF_RANGE;
  if (!p.zero) {
    const magnitude = Math.abs(Number(text));
    if (magnitude === Infinity || magnitude === 0) return OUT_OF_RANGE;
  }
  const digits = plainDigitCount(p);
  if (!(digits <= limits.maxDigits)) return `is a number of more than ${limits.maxDigits} digits`;
  return undefined;
}

/**
 * How many bytes longer the number is as the database writes it than as the client wrote it
 * (1e300: +296; -0: −1), so a payload's size is measured as it is stored and served.
 */
export function storedGrowth(text: string): number {
  const p = numberParts(text);
  const fraction = Math.max(0, p.digits.length - (p.digits.length - p.fractionLength + p.exponent));
  const length = (p.negative && !p.zero ? 1 : 0) + plainDigitCount(p) + (fraction > 0 ? 1 : 0);
  return length - text.length;
}
