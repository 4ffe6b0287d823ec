/**
 * A short, printable excerpt of a value that came from elsewhere (a fetched document, an input
 * field): control and bidirectional characters replaced, cut at `max` characters with the length.
 * Reports and errors show only this, never the whole value.
 */
export function excerpt(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  const long = text.length > max;
  const cut = long ? text.slice(0, max) : text;
  const clean = cut.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, '\ufffd');
  return long ? `${clean}… (${text.length} characters)` : clean;
}
