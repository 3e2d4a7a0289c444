/**
 * The small XML subset LSL stream infos use: elements, text and the five predefined entities.
 * Serialisation reproduces pugixml's default output (tab indent, `<?xml version="1.0"?>`,
 * a text-only element on one line, an empty one as `<v4address />`) because liblsl peers
 * and our byte-level fixtures expect exactly those bytes.
 */

export interface XmlElement {
  name: string
  /** Text content when the element holds text only (LSL never mixes text and child elements). */
  text: string
  children: XmlElement[]
}

export function createElement(name: string, text = '', children: XmlElement[] = []): XmlElement {
  return { name, text, children }
}

export function childOf(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name)
}

export function childText(element: XmlElement | undefined, name: string): string {
  return childOf(element, name)?.text ?? ''
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function serialize(element: XmlElement, depth: number, out: string[]): void {
  const indent = '\t'.repeat(depth)
  if (element.children.length > 0) {
    out.push(`${indent}<${element.name}>\n`)
    for (const child of element.children) serialize(child, depth + 1, out)
    out.push(`${indent}</${element.name}>\n`)
  } else if (element.text !== '') {
    out.push(`${indent}<${element.name}>${escapeText(element.text)}</${element.name}>\n`)
  } else {
    out.push(`${indent}<${element.name} />\n`)
  }
}

export function serializeDocument(root: XmlElement): string {
  const out = ['<?xml version="1.0"?>\n']
  serialize(root, 0, out)
  return out.join('')
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16))
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10))
    return ENTITIES[ref] ?? whole
  })
}

export class XmlParseError extends Error {}

/** Parses a document; attributes are accepted and ignored (LSL infos carry none). */
export function parseXml(source: string): XmlElement {
  let pos = 0
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  const fail = (why: string): never => {
    throw new XmlParseError(`${why} at offset ${pos}`)
  }
  while (pos < source.length) {
    const lt = source.indexOf('<', pos)
    if (lt < 0) {
      if (source.slice(pos).trim() !== '' && stack.length > 0) fail('unterminated element')
      break
    }
    if (lt > pos && stack.length > 0) {
      const top = stack[stack.length - 1]!
      const raw = source.slice(pos, lt)
      if (raw.trim() !== '' || top.children.length === 0) {
        top.text += decodeEntities(raw)
      }
    }
    pos = lt
    if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos)
      if (end < 0) fail('unterminated declaration')
      pos = end + 2
    } else if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos)
      if (end < 0) fail('unterminated comment')
      pos = end + 3
    } else if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos)
      if (end < 0 || stack.length === 0) fail('bad CDATA')
      stack[stack.length - 1]!.text += source.slice(pos + 9, end)
      pos = end + 3
    } else if (source.startsWith('<!', pos)) {
      const end = source.indexOf('>', pos)
      if (end < 0) fail('unterminated doctype')
      pos = end + 1
    } else if (source.startsWith('</', pos)) {
      const end = source.indexOf('>', pos)
      if (end < 0) fail('unterminated end tag')
      const name = source.slice(pos + 2, end).trim()
      const open = stack.pop()
      if (!open || open.name !== name) fail(`mismatched </${name}>`)
      pos = end + 1
    } else {
      const end = source.indexOf('>', pos)
      if (end < 0) fail('unterminated start tag')
      let body = source.slice(pos + 1, end)
      const selfClosing = body.endsWith('/')
      if (selfClosing) body = body.slice(0, -1)
      const name = body.trim().split(/\s+/)[0] ?? ''
      if (!/^[A-Za-z_][\w.-]*$/.test(name)) fail(`bad element name '${name}'`)
      const element = createElement(name)
      if (stack.length > 0) {
        const parent = stack[stack.length - 1]!
        // Whitespace between child elements is formatting, not content.
        if (parent.text.trim() === '') parent.text = ''
        parent.children.push(element)
      } else if (root) fail('second root element')
      else root = element
      if (!selfClosing) stack.push(element)
      pos = end + 1
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`)
  if (!root) throw new XmlParseError('no root element')
  return root
}
