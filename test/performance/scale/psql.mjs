// psql as the only client of the scale benchmark: it needs no npm package (COPY, \set, scripts)
// and it is what an operator would use by hand on the same database.
import { execFile, spawn } from 'node:child_process';

/** Runs SQL through `psql -At` and returns the output rows split on `|`. */
export function query(url, sql, vars = {}) {
  const args = [url, '-X', '-At', '-q', '-v', 'ON_ERROR_STOP=1'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  args.push('-f', '-');
  return new Promise((resolve, reject) => {
    const child = execFile('psql', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`psql: ${stderr.trim() || err.message}`));
      else
        resolve(
          stdout
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => l.split('|')),
        );
    });
    child.stdin.end(sql);
  });
}

/** The single value of a one-row, one-column query. */
export async function scalar(url, sql, vars) {
  const rows = await query(url, sql, vars);
  return rows[0]?.[0];
}

/**
 * One long-lived psql session fed on stdin: `run(script)` sends a script and resolves when psql
 * has executed it (a marker echoed after it comes back on stdout).
 */
export class Session {
  constructor(url, env = {}) {
    this.child = spawn('psql', [url, '-X', '-At', '-q', '-v', 'ON_ERROR_STOP=1'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.buffer = '';
    this.stderr = '';
    this.waiting = [];
    this.seq = 0;
    this.child.stdout.on('data', (chunk) => {
      this.buffer += chunk;
      let at;
      while ((at = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        const m = /^@@done (\d+)$/.exec(line);
        if (m) this.waiting.shift()?.resolve();
      }
    });
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0))
        w.reject(new Error(`psql exited ${code}: ${this.stderr.trim()}`));
    });
  }

  run(script) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${script}\n\\echo @@done ${++this.seq}\n`);
    });
  }

  close() {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.on('exit', () => resolve());
      this.child.stdin.end('\\q\n');
    });
  }
}
