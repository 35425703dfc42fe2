/**
 * A small XML reader for TwiML documents: elements, attributes, text, entities, comments, CDATA and the XML
 * declaration. TwiML is flat and small, so a full XML parser (and a dependency) would buy nothing.
 */

export interface TwimlNode {
  name: string;
  attrs: Record<string, string>;
  children: TwimlNode[];
  /** Concatenated text content directly inside this element, trimmed. */
  text: string;
}

export class TwimlParseError extends Error {
  constructor(message: string) {
    super(`Invalid TwiML: ${message}`);
    this.name = 'TwimlParseError';
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

const ATTRIBUTE = /([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function parseAttributes(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const match of source.matchAll(ATTRIBUTE)) {
    attrs[match[1]] = decodeEntities(match[2] ?? match[3] ?? '');
  }
  return attrs;
}

/** Parses a document and returns its root element (`<Response>` for TwiML). */
export function parseTwiml(xml: string): TwimlNode {
  const root: TwimlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: TwimlNode[] = [root];
  const texts: string[][] = [[]];
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > i) texts[texts.length - 1].push(xml.slice(i, textEnd));
    if (lt === -1) break;
    if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt);
      if (end === -1) throw new TwimlParseError('unterminated processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end === -1) throw new TwimlParseError('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt);
      if (end === -1) throw new TwimlParseError('unterminated CDATA');
      // CDATA is literal: mark it so entity decoding below leaves it alone.
      texts[texts.length - 1].push(`\u0000${xml.slice(lt + 9, end)}`);
      i = end + 3;
    } else if (xml.startsWith('<!', lt)) {
      const end = xml.indexOf('>', lt);
      if (end === -1) throw new TwimlParseError('unterminated declaration');
      i = end + 1;
    } else if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt);
      if (end === -1) throw new TwimlParseError('unterminated closing tag');
      const name = xml.slice(lt + 2, end).trim();
      const node = stack.pop();
      const nodeTexts = texts.pop();
      if (node === undefined || nodeTexts === undefined || node.name !== name || stack.length === 0) {
        throw new TwimlParseError(`unexpected </${name}>`);
      }
      node.text = joinText(nodeTexts);
      i = end + 1;
    } else {
      const end = findTagEnd(xml, lt);
      const selfClosing = xml[end - 1] === '/';
      const inner = xml.slice(lt + 1, selfClosing ? end - 1 : end);
      const nameMatch = /^[A-Za-z_][\w.:-]*/.exec(inner);
      if (nameMatch === null) throw new TwimlParseError(`bad tag at ${lt}`);
      const node: TwimlNode = { name: nameMatch[0], attrs: parseAttributes(inner.slice(nameMatch[0].length)), children: [], text: '' };
      stack[stack.length - 1].children.push(node);
      if (!selfClosing) {
        stack.push(node);
        texts.push([]);
      }
      i = end + 1;
    }
  }
  if (stack.length !== 1) throw new TwimlParseError(`<${stack[stack.length - 1].name}> is not closed`);
  const element = root.children[0];
  if (element === undefined || root.children.length !== 1) throw new TwimlParseError('expected one root element');
  return element;
}

function findTagEnd(xml: string, start: number): number {
  let quote: string | null = null;
  for (let j = start + 1; j < xml.length; j++) {
    const c = xml[j];
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return j;
    }
  }
  throw new TwimlParseError('unterminated tag');
}

function joinText(parts: string[]): string {
  return parts
    .map((p) => (p.startsWith('\u0000') ? p.slice(1) : decodeEntities(p)))
    .join('')
    .trim();
}
