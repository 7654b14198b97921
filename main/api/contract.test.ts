import { describe, expect, it } from 'vitest';
import { METHODS, METHOD_NAMES, errorToWire, isMethod, parseArgs } from './contract.js';
import { ClusterError } from '../cluster/errors.js';
import { SnapshotFileError } from '../store/errors.js';
import { ValidationError } from './validate.js';

describe('API contract validation', () => {
  it('accepts well-formed arguments', () => {
    expect(parseArgs('city.map', { cityId: 'demo', window: { from: 1, to: 2 } })).toEqual({ cityId: 'demo', window: { from: 1, to: 2 } });
    expect(parseArgs('cities.list', undefined)).toEqual({});
    expect(parseArgs('export.render', { cityId: 'snapshot:x', format: 'png', scale: 2 })).toMatchObject({ format: 'png', scale: 2 });
  });

  it.each([
    ['city.map', {}, /city\.map\.cityId: is required: give a city id/],
    ['city.map', { cityId: 42 }, /cityId: expected a string, got number/],
    ['city.map', { cityId: 'demo', extra: 1 }, /unknown field "extra"/],
    ['city.map', { cityId: 'demo', window: { from: -5 } }, /window\.from: must be at least 0/],
    ['city.search', { cityId: 'demo', query: '' }, /query: must not be empty/],
    ['city.search', { cityId: 'demo', query: 'x', limit: 1.5 }, /limit: expected a whole number/],
    ['export.render', { cityId: 'demo', format: 'bmp' }, /format: expected one of svg, png/],
    ['export.render', { cityId: 'demo', format: 'png', scale: 9 }, /scale: must be at most 4/],
    ['probes.run', { cityId: 'demo', planId: 'p', consent: 'yes' }, /consent: expected true or false/],
    ['city.select', { cityId: '../../etc' }, /is not a city id/],
    ['positions.set', { cityId: 'demo', positions: { a: { x: 'left', y: 0 } } }, /positions\.a\.x: expected a number/],
    ['city.flows', { cityId: 'demo', limit: 100000 }, /limit: must be at most 5000/],
    ['snapshots.open', { path: 'x'.repeat(5000) }, /path: is too long/],
    ['city.map', [], /expected an object, got an array/],
  ] as const)('%s rejects %j', (method, args, message) => {
    expect(() => parseArgs(method, args)).toThrow(ValidationError);
    expect(() => parseArgs(method, args)).toThrow(message);
  });

  it('knows its methods and nothing else', () => {
    expect(isMethod('city.map')).toBe(true);
    expect(isMethod('constructor')).toBe(false);
    expect(isMethod('__proto__')).toBe(false);
    expect(METHOD_NAMES).toEqual(Object.keys(METHODS));
  });

  it('does not let a record or an object smuggle a prototype or an inherited name', () => {
    expect(() => parseArgs('positions.set', JSON.parse('{"cityId":"demo","positions":{"__proto__":{"x":1,"y":2}}}'))).toThrow(/key "__proto__" is not allowed/);
    expect(() => parseArgs('positions.set', JSON.parse('{"cityId":"demo","positions":{"constructor":{"x":1,"y":2}}}'))).toThrow(/key "constructor" is not allowed/);
    expect(() => parseArgs('city.summary', JSON.parse('{"cityId":"demo","__proto__":{"x":1}}'))).toThrow(/unknown field "__proto__"/);
    expect(() => parseArgs('city.summary', JSON.parse('{"cityId":"demo","toString":1}'))).toThrow(/unknown field "toString"/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('kind-specific arguments (discriminated unions)', () => {
  const path = { cityId: 'demo', kind: 'path', source: 'pod:shop/web-1', target: 'svc:shop/api', port: 8080 };

  it('accepts each kind with its own fields, and nothing is added', () => {
    expect(parseArgs('probes.plan', path)).toEqual(path);
    expect(parseArgs('probes.plan', { cityId: 'demo', kind: 'matrix', namespace: 'shop', image: 'netshoot' })).toEqual({ cityId: 'demo', kind: 'matrix', namespace: 'shop', image: 'netshoot' });
    expect(parseArgs('probes.plan', { cityId: 'demo', kind: 'enforcement' })).toEqual({ cityId: 'demo', kind: 'enforcement' });
    expect(parseArgs('export.render', { cityId: 'demo', format: 'svg', background: 'transparent', roads: 'blocks' })).toEqual({ cityId: 'demo', format: 'svg', background: 'transparent', roads: 'blocks' });
    expect(parseArgs('export.render', { cityId: 'demo', format: 'csv-flows', redact: true, window: { from: 1 } })).toEqual({ cityId: 'demo', format: 'csv-flows', redact: true, window: { from: 1 } });
  });

  it.each([
    // An unknown or missing kind.
    ['probes.plan', { cityId: 'demo', kind: 'ping' }, /^probes\.plan\.kind: expected one of enforcement, path, matrix, flows, got "ping"$/],
    ['probes.plan', { cityId: 'demo' }, /^probes\.plan\.kind: is required: give one of enforcement, path, matrix, flows$/],
    ['probes.plan', { cityId: 'demo', kind: 'toString' }, /probes\.plan\.kind: expected one of/],
    ['probes.plan', { cityId: 'demo', kind: 7 }, /probes\.plan\.kind: expected one of .*, got 7/],
    ['export.render', { cityId: 'demo' }, /^export\.render\.format: is required: give one of svg, png, html, pdf, dot, mermaid, csv-matrix, csv-flows, json$/],
    // A field of another kind.
    ['probes.plan', { ...path, namespace: 'shop' }, /^probes\.plan: field "namespace" belongs to kind "matrix", not "path" \(kind "path" takes: kind, cityId, image, source, target, protocol, port\)$/],
    ['probes.plan', { cityId: 'demo', kind: 'enforcement', port: 80 }, /field "port" belongs to kind "path", not "enforcement" \(kind "enforcement" takes: kind, cityId, image\)/],
    ['export.render', { cityId: 'demo', format: 'svg', scale: 2 }, /^export\.render: field "scale" belongs to format "png", not "svg"/],
    ['export.render', { cityId: 'demo', format: 'json', background: 'white' }, /field "background" belongs to format "svg", "png", not "json"/],
    ['export.render', { cityId: 'demo', format: 'csv-matrix', roads: 'blocks' }, /field "roads" belongs to format "svg", "png", "html", "pdf", "dot", "mermaid", not "csv-matrix"/],
    // A field no kind has, or one every object inherits.
    ['probes.plan', { ...path, colour: 'red' }, /field "colour" is unknown \(kind "path" takes: /],
    ['probes.plan', JSON.parse('{"cityId":"demo","kind":"flows","__proto__":{"x":1}}'), /field "__proto__" is unknown/],
    // A kind's missing required field, with what to give.
    ['probes.plan', { cityId: 'demo', kind: 'path', source: 'pod:shop/web-1', target: 'svc:shop/api' }, /^probes\.plan\.port: is required for kind "path": give a whole number from 1 to 65535$/],
    ['probes.plan', { cityId: 'demo', kind: 'path', target: 'svc:shop/api', port: 80 }, /^probes\.plan\.source: is required for kind "path": give a source pod \(pod:NAMESPACE\/NAME\)$/],
    ['probes.plan', { cityId: 'demo', kind: 'matrix' }, /^probes\.plan\.namespace: is required for kind "matrix": give a namespace$/],
    ['probes.plan', { kind: 'matrix', namespace: 'shop' }, /^probes\.plan\.cityId: is required: give a city id$/],
    // A kind's field of the wrong type.
    ['probes.plan', { ...path, port: 70000 }, /probes\.plan\.port: must be at most 65535/],
    ['probes.plan', { ...path, protocol: 'ICMP' }, /probes\.plan\.protocol: expected one of TCP, UDP, SCTP/],
  ] as const)('%s rejects %j', (method, args, message) => {
    expect(() => parseArgs(method, args)).toThrow(ValidationError);
    expect(() => parseArgs(method, args)).toThrow(message);
  });
});

describe('errors on the wire', () => {
  it('a bad argument: code invalid-argument, the field as a detail, the message names the method, the field and what to give', () => {
    let thrown: unknown;
    try {
      parseArgs('probes.plan', { cityId: 'demo', kind: 'path', source: 'pod:shop/web-1', target: 'svc:shop/api' });
    } catch (err) {
      thrown = err;
    }
    expect(errorToWire(thrown)).toEqual({
      code: 'invalid-argument',
      name: 'ValidationError',
      message: 'probes.plan.port: is required for kind "path": give a whole number from 1 to 65535',
      details: { field: 'probes.plan.port' },
    });
  });

  it('keep a code to branch on, the name, the message and plain details', () => {
    expect(errorToWire(new ClusterError('unreachable', 'cannot reach https://10.0.0.1:6443: check the VPN', { status: 503 }))).toEqual({
      code: 'unreachable',
      name: 'ClusterError',
      message: 'cannot reach https://10.0.0.1:6443: check the VPN',
      details: { status: 503 },
    });
    expect(errorToWire(new SnapshotFileError('corrupt', '/tmp/a.netcity', '/tmp/a.netcity is damaged'))).toEqual({
      code: 'corrupt',
      name: 'SnapshotFileError',
      message: '/tmp/a.netcity is damaged',
      details: { path: '/tmp/a.netcity' },
    });
    expect(errorToWire(new ValidationError('city.map.cityId: expected a string'))).toMatchObject({ code: 'invalid-argument', name: 'ValidationError' });
    expect(errorToWire(new Error('boom'))).toEqual({ code: 'internal', name: 'Error', message: 'boom' });
    expect(errorToWire('plain')).toEqual({ code: 'internal', name: 'Error', message: 'plain' });
  });

  it('never carries a system errno or an object as a code or detail', () => {
    const fsErr = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/root/x', secret: { token: 't' } });
    const wire = errorToWire(fsErr);
    expect(wire.code).toBe('EACCES');
    expect(wire.details).toEqual({ path: '/root/x' });
    expect(JSON.stringify(wire)).not.toContain('token');
    expect(errorToWire(Object.assign(new Error('x'), { code: { nested: 1 } })).code).toBe('internal');
  });
});
