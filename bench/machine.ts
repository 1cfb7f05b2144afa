/** What the numbers were measured on: CPU, RAM, OS, Node, commit, disk, library versions. */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { REPO_ROOT } from './support';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  ramGiB: number;
  os: string;
  node: string;
  commit: string;
  tempDir: string;
  tempDirFilesystem: string;
  versions: Record<string, string>;
}

export function describeMachine(): MachineInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model.trim() || 'unknown',
    cpuCount: cpuList.length,
    ramGiB: totalmem() / 1024 ** 3,
    os: `${osName()} (${type()} ${release()})`,
    node: process.version,
    commit: commit(),
    tempDir: tmpdir(),
    tempDirFilesystem: filesystemOf(tmpdir()),
    versions: {
      fastify: versionOf('fastify'),
      '@nestjs/core': versionOf('@nestjs/core'),
      '@nestjs/platform-fastify': versionOf('@nestjs/platform-fastify'),
      '@nestjs/platform-express': versionOf('@nestjs/platform-express'),
      'better-sqlite3': versionOf('better-sqlite3'),
      SQLite: sqliteVersion(),
      undici: versionOf('undici'),
    },
  };
}

function osName(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (match) return match[1];
  } catch {
    /* not Linux */
  }
  return type();
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function filesystemOf(path: string): string {
  try {
    const lines = execFileSync('df', ['-T', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    const fields = lines[lines.length - 1].split(/\s+/);
    return `${fields[1]} (${fields[0]})`;
  } catch {
    return 'unknown';
  }
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] }), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/** CPU time counters for telling this bench's CPU use apart from everybody else's (Linux only). */
export interface CpuCounters {
  at: number;
  /** All CPUs, busy (user+nice+system+irq+softirq), in ms. */
  busyMs: number;
  /** All CPUs, time stolen by the hypervisor, in ms. */
  stealMs: number;
  /** This process plus its exited (reaped) children, in ms. */
  ownMs: number;
}

/** USER_HZ is 100 on every mainstream Linux build. */
const TICK_MS = 10;

export function cpuCounters(): CpuCounters | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = cpu;
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    // utime, stime, cutime, cstime are fields 14-17 (1-based); `fields` starts at field 3.
    const own = fields[11] + fields[12] + fields[13] + fields[14];
    return { at: Date.now(), busyMs: (user + nice + system + irq + softirq) * TICK_MS, stealMs: steal * TICK_MS, ownMs: own * TICK_MS };
  } catch {
    return null;
  }
}

/**
 * Average CPU used outside this bench's own processes (other processes, and kernel threads such as
 * the block-I/O workers that the bench's own fsyncs keep busy), and CPU stolen by the hypervisor,
 * between two snapshots, in % of one core.
 */
export function otherCpuBetween(start: CpuCounters | null, end: CpuCounters | null): { othersPercent: number; stealPercent: number } | null {
  if (!start || !end || end.at <= start.at) return null;
  const wall = end.at - start.at;
  return {
    othersPercent: Math.max(0, (100 * (end.busyMs - start.busyMs - (end.ownMs - start.ownMs))) / wall),
    stealPercent: (100 * (end.stealMs - start.stealMs)) / wall,
  };
}
