/**
 * The XPath 1.0 subset that LSL queries use, evaluated as liblsl does: as a boolean with the
 * `<info>` element as context node ("type='EEG' and name='LiveAmp'", "starts-with(name,'Vig')",
 * "channel_count>=32", "desc/manufacturer='BrainProducts'"). An empty query matches everything.
 * Unsupported syntax is an error at compile time, so a typo in `--device lsl:...` fails loudly
 * instead of silently matching nothing.
 */
import type { XmlElement } from './xml'

type Value = string | number | boolean | XmlElement[]

type Node =
  | { kind: 'literal'; value: string | number }
  | { kind: 'path'; steps: string[] }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'call'; name: string; args: Node[] }

export class LslQueryError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d*)?|\.\d+)|('[^']*'|"[^"]*")|(!=|<=|>=|=|<|>|\(|\)|,|\/\/|\/|\*|\.\.|\.)|([A-Za-z_][\w.-]*))/y

function tokenize(query: string): string[] {
  const tokens: string[] = []
  TOKEN.lastIndex = 0
  let pos = 0
  while (pos < query.length) {
    if (query.slice(pos).trim() === '') break
    TOKEN.lastIndex = pos
    const m = TOKEN.exec(query)
    if (!m) throw new LslQueryError(`cannot read the query at '${query.slice(pos)}'`)
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!)
    pos = TOKEN.lastIndex
  }
  return tokens
}

const FUNCTIONS: Record<string, number[]> = {
  not: [1],
  contains: [2],
  'starts-with': [2],
  'string-length': [0, 1],
  count: [1],
  number: [0, 1],
  string: [0, 1],
  true: [0],
  false: [0],
  boolean: [1]
}

export interface CompiledQuery {
  source: string
  matches(info: XmlElement): boolean
}

export function compileQuery(source: string): CompiledQuery {
  const trimmed = source.trim()
  if (trimmed === '') return { source, matches: () => true }
  const tokens = tokenize(trimmed)
  let i = 0
  const peek = (): string | undefined => tokens[i]
  const expect = (t: string): void => {
    if (tokens[i] !== t) throw new LslQueryError(`expected '${t}' but found '${tokens[i] ?? 'end of query'}'`)
    i++
  }
  const parseOr = (): Node => {
    let left = parseAnd()
    while (peek() === 'or') {
      i++
      left = { kind: 'binary', op: 'or', left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): Node => {
    let left = parseEq()
    while (peek() === 'and') {
      i++
      left = { kind: 'binary', op: 'and', left, right: parseEq() }
    }
    return left
  }
  const parseEq = (): Node => {
    let left = parseRel()
    while (peek() === '=' || peek() === '!=') {
      const op = tokens[i++]!
      left = { kind: 'binary', op, left, right: parseRel() }
    }
    return left
  }
  const parseRel = (): Node => {
    let left = parsePrimary()
    while (['<', '>', '<=', '>='].includes(peek() ?? '')) {
      const op = tokens[i++]!
      left = { kind: 'binary', op, left, right: parsePrimary() }
    }
    return left
  }
  const parsePrimary = (): Node => {
    const t = peek()
    if (t === undefined) throw new LslQueryError('the query ends too early')
    if (t === '(') {
      i++
      const inner = parseOr()
      expect(')')
      return inner
    }
    if (t.startsWith("'") || t.startsWith('"')) {
      i++
      return { kind: 'literal', value: t.slice(1, -1) }
    }
    if (/^[\d.]/.test(t) && t !== '.' && t !== '..') {
      i++
      return { kind: 'literal', value: Number(t) }
    }
    if (/^[A-Za-z_]/.test(t) && tokens[i + 1] === '(') {
      const arity = FUNCTIONS[t]
      if (!arity) throw new LslQueryError(`unsupported XPath function ${t}()`)
      i += 2
      const args: Node[] = []
      while (peek() !== ')') {
        args.push(parseOr())
        if (peek() === ',') i++
        else break
      }
      expect(')')
      if (!arity.includes(args.length)) throw new LslQueryError(`${t}() takes ${arity.join(' or ')} arguments`)
      return { kind: 'call', name: t, args }
    }
    if (/^[A-Za-z_*.]/.test(t)) {
      const steps: string[] = []
      for (;;) {
        const step = tokens[i]
        if (step === undefined || !/^([A-Za-z_][\w.-]*|\*|\.|\.\.)$/.test(step) || ['and', 'or'].includes(step)) {
          throw new LslQueryError(`expected an element name but found '${step ?? 'end of query'}'`)
        }
        steps.push(step)
        i++
        if (peek() !== '/') break
        i++
      }
      return { kind: 'path', steps }
    }
    throw new LslQueryError(`unexpected '${t}'`)
  }
  const ast = parseOr()
  if (i < tokens.length) throw new LslQueryError(`unexpected '${tokens[i]}' after a complete expression`)
  return { source, matches: (info) => toBoolean(evaluate(ast, info)) }
}

function stringValue(element: XmlElement): string {
  return element.children.length > 0 ? element.children.map(stringValue).join('') : element.text
}

function toStringValue(value: Value): string {
  if (Array.isArray(value)) return value.length > 0 ? stringValue(value[0]!) : ''
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value)
  return String(value)
}

function toNumber(value: Value): number {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  const s = toStringValue(value).trim()
  return s === '' ? Number.NaN : Number(s)
}

function toBoolean(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value)
  if (typeof value === 'string') return value.length > 0
  return value
}

function compareAtoms(op: string, a: string | number | boolean, b: string | number | boolean): boolean {
  if (op === '=' || op === '!=') {
    let equal: boolean
    if (typeof a === 'boolean' || typeof b === 'boolean') equal = toBoolean(a) === toBoolean(b)
    else if (typeof a === 'number' || typeof b === 'number') equal = toNumber(a) === toNumber(b)
    else equal = a === b
    return op === '=' ? equal : !equal
  }
  const x = toNumber(a)
  const y = toNumber(b)
  if (op === '<') return x < y
  if (op === '>') return x > y
  if (op === '<=') return x <= y
  return x >= y
}

/** XPath comparison semantics: a node-set compares true when any of its nodes does. */
function compare(op: string, left: Value, right: Value): boolean {
  const atoms = (v: Value): (string | number | boolean)[] => (Array.isArray(v) ? v.map(stringValue) : [v])
  for (const a of atoms(left)) for (const b of atoms(right)) if (compareAtoms(op, a, b)) return true
  return false
}

function selectPath(steps: string[], context: XmlElement): XmlElement[] {
  let current: XmlElement[] = [context]
  for (const step of steps) {
    if (step === '.') continue
    if (step === '..') throw new LslQueryError("'..' is not supported in LSL queries")
    current = current.flatMap((e) => e.children.filter((c) => step === '*' || c.name === step))
  }
  return current
}

function evaluate(node: Node, context: XmlElement): Value {
  switch (node.kind) {
    case 'literal':
      return node.value
    case 'path':
      return selectPath(node.steps, context)
    case 'binary': {
      if (node.op === 'or') return toBoolean(evaluate(node.left, context)) || toBoolean(evaluate(node.right, context))
      if (node.op === 'and') return toBoolean(evaluate(node.left, context)) && toBoolean(evaluate(node.right, context))
      return compare(node.op, evaluate(node.left, context), evaluate(node.right, context))
    }
    case 'call': {
      const args = node.args.map((a) => evaluate(a, context))
      switch (node.name) {
        case 'not':
          return !toBoolean(args[0]!)
        case 'contains':
          return toStringValue(args[0]!).includes(toStringValue(args[1]!))
        case 'starts-with':
          return toStringValue(args[0]!).startsWith(toStringValue(args[1]!))
        case 'string-length':
          return toStringValue(args[0] ?? [context]).length
        case 'count':
          if (!Array.isArray(args[0])) throw new LslQueryError('count() needs a path')
          return args[0].length
        case 'number':
          return toNumber(args[0] ?? [context])
        case 'string':
          return toStringValue(args[0] ?? [context])
        case 'boolean':
          return toBoolean(args[0]!)
        case 'true':
          return true
        default:
          return false
      }
    }
  }
}
