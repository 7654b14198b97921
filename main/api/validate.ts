/**
 * A small schema validator for everything that crosses the API boundary. Each schema parses an
 * unknown value into a typed one or throws a ValidationError naming the path and what was wrong.
 */

export class ValidationError extends Error {
  override name = 'ValidationError';
}

export interface Schema<T> {
  parse(value: unknown, path: string): T;
  optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const fail = (path: string, what: string): never => {
  throw new ValidationError(`${path}: ${what}`);
};

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export function string(opts: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): Schema<string> {
  const max = opts.max ?? 4096;
  return {
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
  return {
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
    parse(v, path) {
      if (typeof v !== 'boolean') return fail(path, `expected true or false, got ${describe(v)}`);
      return v;
    },
  };
}

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  return {
    parse(v, path) {
      if (typeof v !== 'string' || !values.includes(v)) return fail(path, `expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
      return v as T[number];
    },
  };
}

export function array<T>(item: Schema<T>, opts: { max?: number } = {}): Schema<T[]> {
  const max = opts.max ?? 10_000;
  return {
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

/** A strict object: unknown keys are refused, so typos fail loudly instead of being ignored. */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    parse(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, `expected an object, got ${describe(v)}`);
      const input = v as Record<string, unknown>;
      for (const k of Object.keys(input)) if (!Object.hasOwn(shape, k) || inherited(k)) return fail(path, `unknown field "${k}" (expected: ${Object.keys(shape).join(', ') || 'none'})`);
      const out: Record<string, unknown> = {};
      for (const [k, schema] of Object.entries(shape)) {
        const parsed = schema.parse(input[k], `${path}.${k}`);
        if (parsed !== undefined) out[k] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}
