/**
 * Loads NetCity's Hubble proto subset (resources/proto) once. The directory is found by walking
 * up from this module to the package root, so it works from main/ (vitest, tsx) and from the
 * compiled out/cli/main/ alike.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Decoded objects keep the proto field names (as in jsonpb exports); enums as names; 64-bit ints as strings. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources', 'proto'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`Hubble protos: no resources/proto found above ${dirname(fileURLToPath(from))} (is the app installed completely?)`);
    dir = up;
  }
}

export const protoDir = (): string => join(packageRoot(), 'resources', 'proto');

let cached: { def: protoLoader.PackageDefinition; grpcObj: grpc.GrpcObject } | undefined;

export function loadObserverProto(): { def: protoLoader.PackageDefinition; grpcObj: grpc.GrpcObject } {
  if (!cached) {
    const dir = protoDir();
    const def = protoLoader.loadSync(join(dir, 'observer', 'observer.proto'), { ...LOADER_OPTIONS, includeDirs: [dir] });
    cached = { def, grpcObj: grpc.loadPackageDefinition(def) };
  }
  return cached;
}
