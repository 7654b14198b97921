/**
 * A small schema validator for everything that crosses the API boundary. Each schema parses an
 * unknown value into a typed one or throws a ValidationError naming the field (method.field), what
 * was wrong and what to give instead. Unions discriminated by one field (`variants`) check each
 * variant's own fields, so a field of another kind or a kind's missing field fails at the boundary.
 * Pure: imports nothing (the renderer bundles it with the contract).
 */

export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly code = 'invalid-argument';
  /** The field that was wrong (method.field.sub), when one was. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    if (field) this.field = field;
  }
}

export interface Schema<T> {
  parse(value: unknown, path: string): T;
  optional?: boolean;
  /** What a value must be, for messages ("a whole number from 1 to 65535"). */
  expected?: string;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const fail = (path: string, what: string): never => {
  throw new ValidationError(`${path}: ${what}`, path);
};

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export function string(opts: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): Schema<string> {
  const max = opts.max ?? 4096;
  return {
    expected: opts.what ?? (opts.min === 1 ? 'a non-empty string' : 'a string'),
    parse(v, path) {
      if (typeof v !== 'string') return fail(path, `expected a string, got ${describe(v)}`);
      if (v.length < (opts.min ?? 0)) return fail(path, opts.min === 1 ? 'must not be empty' : `must have at least ${opts.min} characters`);
      if (v.length > max) return fail(path, `is too long (${v.length} characters, at most ${max})`);
      if (opts.pattern && !opts.pattern.test(v)) return fail(path, `is not ${opts.what ?? `of the form ${opts.pattern}`}: ${JSON.stringify(v.slice(0, 80))}`);
      return v;
    },
  };
}

export function number(opts: { min?: number; max?: number; int?: boolean } = {}): Schema<number> {
  const range = opts.min !== undefined && opts.max !== undefined ? ` from ${opts.min} to ${opts.max}` : opts.min !== undefined ? ` of at least ${opts.min}` : opts.max !== undefined ? ` of at most ${opts.max}` : '';
  return {
    expected: `${opts.int ? 'a whole number' : 'a number'}${range}`,
    parse(v, path) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, `expected a number, got ${describe(v)}`);
      if (opts.int && !Number.isInteger(v)) return fail(path, `expected a whole number, got ${v}`);
      if (opts.min !== undefined && v < opts.min) return fail(path, `must be at least ${opts.min}, got ${v}`);
      if (opts.max !== undefined && v > opts.max) return fail(path, `must be at most ${opts.max}, got ${v}`);
      return v;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    expected: 'true or false',
    parse(v, path) {
      if (typeof v !== 'boolean') return fail(path, `expected true or false, got ${describe(v)}`);
      return v;
    },
  };
}

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return {
    expected: `one of ${values.join(', ')}`,
    parse(v, path) {
      if (typeof v !== 'string' || !values.includes(v)) return fail(path, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
      return v as T[number];
    },
  };
}

export function array<T>(item: Schema<T>, opts: { max?: number } = {}): Schema<T[]> {
  const max = opts.max ?? 10_000;
  return {
    expected: 'a list',
    parse(v, path) {
      if (!Array.isArray(v)) return fail(path, `expected a list, got ${describe(v)}`);
      if (v.length > max) return fail(path, `has too many items (${v.length}, at most ${max})`);
      return v.map((x, i) => item.parse(x, `${path}[${i}]`));
    },
  };
}

export function optional<T>(schema: Schema<T>): Schema<T | undefined> & { optional: true } {
  return {
    optional: true,
    expected: schema.expected,
    parse(v, path) {
      return v === undefined || v === null ? undefined : schema.parse(v, path);
    },
  };
}

/** Names every plain object inherits (`__proto__`, `constructor`, `toString`…): never a key we accept. */
const inherited = (k: string) => k in Object.prototype;

export function record<T>(value: Schema<T>, opts: { maxKeys?: number } = {}): Schema<Record<string, T>> {
  const maxKeys = opts.maxKeys ?? 100_000;
  return {
    expected: 'an object',
    parse(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, `expected an object, got ${describe(v)}`);
      const keys = Object.keys(v);
      if (keys.length > maxKeys) return fail(path, `has too many keys (${keys.length}, at most ${maxKeys})`);
      const out: Record<string, T> = Object.create(null);
      for (const k of keys) {
        if (inherited(k)) return fail(path, `key ${JSON.stringify(k)} is not allowed (a name every object inherits)`);
      }
      for (const k of keys) out[k] = value.parse((v as Record<string, unknown>)[k], `${path}.${k}`);
      return out;
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type ObjectOf<S extends Shape> = {
  [K in keyof S as S[K] extends { optional: true } ? never : K]: Infer<S[K]>;
} & {
  [K in keyof S as S[K] extends { optional: true } ? K : never]?: Infer<S[K]>;
};
/** Flattens an intersection for readable types. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the fields of a shape; a missing required field says what to give (and for which variant, `forWhat`). */
function parseFields(shape: Shape, input: Record<string, unknown>, path: string, out: Record<string, unknown>, forWhat = ''): void {
  for (const [k, schema] of Object.entries(shape)) {
    if (input[k] === undefined && !schema.optional) fail(`${path}.${k}`, `is required${forWhat}: give ${schema.expected ?? 'a value'}`);
    const parsed = schema.parse(input[k], `${path}.${k}`);
    if (parsed !== undefined) out[k] = parsed;
  }
}

const fieldList = (keys: string[]) => keys.join(', ') || 'none';

/** A strict object: unknown keys are refused, so typos fail loudly instead of being ignored. */
export function object<S extends Shape>(shape: S): Schema<Flat<ObjectOf<S>>> {
  return {
    expected: 'an object',
    parse(v, path) {
      if (!isObject(v)) return fail(path, `expected an object, got ${describe(v)}`);
      for (const k of Object.keys(v)) if (!Object.hasOwn(shape, k) || inherited(k)) return fail(path, `unknown field "${k}" (expected: ${fieldList(Object.keys(shape))})`);
      const out: Record<string, unknown> = {};
      parseFields(shape, v, path, out);
      return out as Flat<ObjectOf<S>>;
    },
  };
}

/** One variant of a discriminated union: the common fields, its own, and the tag as a literal. */
type VariantOf<K extends string, T extends string, C extends Shape, S extends Shape> = Flat<{ [P in K]: T } & ObjectOf<C> & ObjectOf<S>>;
export type VariantsOf<K extends string, C extends Shape, V extends Record<string, Shape>> = { [T in keyof V & string]: VariantOf<K, T, C, V[T]> }[keyof V & string];

/**
 * A union of strict objects discriminated by the field `key` (`{ kind: 'path', port } | { kind:
 * 'matrix', namespace }`): `common` fields belong to every variant, `byTag` lists each variant's own.
 * An unknown tag, a field of another variant and a variant's missing field each fail with the
 * field, the variant and what the variant takes.
 */
export function variants<const K extends string, C extends Shape, V extends Record<string, Shape>>(key: K, common: C, byTag: V): Schema<VariantsOf<K, C, V>> & { tags: (keyof V & string)[] } {
  const tags = Object.keys(byTag) as (keyof V & string)[];
  const owners = (field: string) => tags.filter((t) => Object.hasOwn(byTag[t], field));
  return {
    tags,
    expected: `an object with ${key}: ${tags.join(', ')}`,
    parse(v, path) {
      if (!isObject(v)) return fail(path, `expected an object, got ${describe(v)}`);
      const tag = v[key];
      if (tag === undefined) return fail(`${path}.${key}`, `is required: give one of ${tags.join(', ')}`);
      if (typeof tag !== 'string' || !tags.includes(tag) || inherited(tag)) return fail(`${path}.${key}`, `expected one of ${tags.join(', ')}, got ${JSON.stringify(tag)}`);
      const own = byTag[tag];
      const takes = `${key} "${tag}" takes: ${fieldList([key, ...Object.keys(common), ...Object.keys(own)])}`;
      for (const k of Object.keys(v)) {
        if (k === key || (Object.hasOwn(common, k) && !inherited(k)) || (Object.hasOwn(own, k) && !inherited(k))) continue;
        const of = inherited(k) ? [] : owners(k);
        return fail(path, `field "${k}" ${of.length ? `belongs to ${key} ${of.map((t) => `"${t}"`).join(', ')}, not "${tag}"` : 'is unknown'} (${takes})`);
      }
      const out: Record<string, unknown> = { [key]: tag };
      parseFields(common, v, path, out);
      parseFields(own, v, path, out, ` for ${key} "${tag}"`);
      return out as VariantsOf<K, C, V>;
    },
  };
}
