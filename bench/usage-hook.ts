/**
 * Loaded with `node --import` into a measured child process: on exit it writes the process's
 * peak RSS and CPU time to the file named by NETCITY_USAGE_FILE (bench/child.ts reads it).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.NETCITY_USAGE_FILE;
if (file)
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssMb: u.maxRSS / 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
  });
