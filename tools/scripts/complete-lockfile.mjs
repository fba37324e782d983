#!/usr/bin/env node
// Adds the platform-specific optional packages that `npm install` left out of
// package-lock.json because the registry it used could not serve them (a partial mirror
// answers 404 for, e.g., @swc/core-darwin-arm64). Without their entries `npm ci` refuses the
// lock ("Missing: … from lock file") on every machine. Each added entry carries the os/cpu/libc
// its name stands for, so npm skips it on other platforms and installs it on its own.
// Each entry also records the `resolved` tarball URL and the `integrity` the registry publishes for
// that version (read with `npm view`, which needs only the package's metadata, not its tarball),
// so that on the platforms that install them the native binaries are pinned as every other
// package is: npm ci checks the tarball against that digest.
// Usage: node tools/scripts/complete-lockfile.mjs [--check]
//   --check  fails (offline) if an entry is missing or lacks its integrity.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const LOCK = 'package-lock.json';
const check = process.argv.includes('--check');
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;

const OS = [
  'darwin',
  'linux',
  'win32',
  'android',
  'freebsd',
  'openbsd',
  'netbsd',
  'openharmony',
  'sunos',
  'aix',
];
const CPU = {
  arm64: 'arm64',
  aarch64: 'arm64',
  x64: 'x64',
  ia32: 'ia32',
  arm: 'arm',
  ppc64: 'ppc64',
  ppc64le: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** os/cpu/libc from a platform package's name, e.g. rollup-linux-arm64-musl. */
function platformOf(name) {
  const base = name.split('/').pop();
  if (/unknown-all$/.test(base)) return { os: ['!android', '!darwin', '!linux', '!win32'] };
  if (/all-unknown$/.test(base)) return { cpu: ['!arm', '!arm64', '!riscv64', '!x64'] };
  const tokens = base.split('-');
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.map((t) => CPU[t]).find(Boolean);
  if (!os || !cpu) return null;
  const result = { os: [os], cpu: [cpu] };
  if (os === 'linux') {
    if (tokens.includes('musl') || tokens.some((t) => t.startsWith('musl'))) result.libc = ['musl'];
    else result.libc = ['glibc'];
  }
  return result;
}

/** Where Node would find `name` from the package at `from` (a lock path). */
function resolvesFrom(from, name) {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return null;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut >= 0 ? dir.slice(0, cut) : '';
  }
}

const added = [];
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    if (resolvesFrom(path, name)) continue;
    const version = /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec) ? spec : null;
    const platform = platformOf(name);
    if (!version || !platform) {
      console.warn(
        `complete-lockfile: left out ${name}@${spec} (needed by ${path || 'the root'}): no exact version or platform`,
      );
      continue;
    }
    const target = packages[`node_modules/${name}`]
      ? `${path}/node_modules/${name}`
      : `node_modules/${name}`;
    packages[target] = {
      version,
      ...(meta.dev ? { dev: true } : {}),
      ...(meta.devOptional ? { devOptional: true } : {}),
      optional: true,
      ...platform,
    };
    added.push(`${name}@${version}`);
  }
}

/** Platform entries (added now or by an earlier run) that do not pin their tarball yet. */
const unpinned = Object.entries(packages).filter(
  ([path, meta]) =>
    path.includes('node_modules/') && meta.optional && meta.os && !meta.integrity && !meta.link,
);

if (check) {
  if (added.length > 0 || unpinned.length > 0) {
    console.error(
      `complete-lockfile: ${added.length} optional platform packages are missing from ${LOCK} and ${unpinned.length} lack their integrity; run: node tools/scripts/complete-lockfile.mjs`,
    );
    process.exit(1);
  }
  process.exit(0);
}

const run = promisify(execFile);
/** `resolved` and `integrity` of name@version, as the registry publishes them. */
async function pin(path, meta) {
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const { stdout } = await run('npm', ['view', `${name}@${meta.version}`, 'dist', '--json'], {
    maxBuffer: 1 << 20,
  });
  const dist = JSON.parse(stdout);
  if (!dist?.integrity || !dist?.tarball)
    throw new Error(`no dist.integrity for ${name}@${meta.version}`);
  meta.resolved = dist.tarball;
  meta.integrity = dist.integrity;
}
const failed = [];
for (let i = 0; i < unpinned.length; i += 8) {
  const batch = unpinned.slice(i, i + 8);
  const results = await Promise.allSettled(batch.map(([path, meta]) => pin(path, meta)));
  results.forEach((result, j) => {
    if (result.status === 'rejected') failed.push(`${batch[j][0]}: ${String(result.reason)}`);
  });
}
if (failed.length > 0) {
  console.error(`complete-lockfile: could not pin ${failed.length}:\n  ${failed.join('\n  ')}`);
  process.exitCode = 1;
}
const pinned = unpinned.length - failed.length;
if (added.length > 0 || pinned > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) =>
      a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
    ),
  );
  writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
}
console.log(
  `complete-lockfile: added ${added.length} entries${added.length ? `: ${added.join(', ')}` : ''}; pinned ${pinned} to their registry integrity`,
);
