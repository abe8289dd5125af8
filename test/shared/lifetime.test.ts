// Process hooks held by an owner: installed while it lives, gone once it is disposed (no listener left on the process
// by a closed server or a finished command), and the second shutdown signal that exits at once, in a real process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { closing, onProcessExit, onShutdownSignal, onUnhandledRejection, type ShutdownSignal } from '../../src/shared/index.js';
import { ROOT } from '../cli-helpers.js';

const counts = () => ({
  SIGINT: process.listenerCount('SIGINT'),
  SIGTERM: process.listenerCount('SIGTERM'),
  exit: process.listenerCount('exit'),
  unhandledRejection: process.listenerCount('unhandledRejection'),
  max: process.getMaxListeners(),
});

describe('process hooks held by an owner', () => {
  it('onShutdownSignal: one listener per signal while held, none once disposed', () => {
    const start = counts();
    const heard: ShutdownSignal[] = [];
    {
      using _signals = onShutdownSignal((signal) => heard.push(signal));
      expect(counts()).toEqual({ ...start, SIGINT: start.SIGINT + 1, SIGTERM: start.SIGTERM + 1 });
      // The listener itself, called as the signal would call it (a real SIGTERM would reach the test runner's too).
      const listener = process.listeners('SIGTERM').at(-1) as (signal: ShutdownSignal) => void;
      listener('SIGTERM');
      expect(heard).toEqual(['SIGTERM']);
    }
    expect(counts()).toEqual(start);
  });

  it('onProcessExit: one exit listener while held, and the leak warning moved by one, both restored', () => {
    const start = counts();
    const hook = onProcessExit(() => undefined);
    expect(counts()).toEqual({ ...start, exit: start.exit + 1, max: start.max + 1 });
    hook[Symbol.dispose]();
    hook[Symbol.dispose](); // twice is once
    expect(counts()).toEqual(start);
  });

  it('onUnhandledRejection: heard while held, gone once disposed', () => {
    const start = counts();
    {
      using _rejections = onUnhandledRejection(() => undefined);
      expect(counts()).toEqual({ ...start, unhandledRejection: start.unhandledRejection + 1 });
    }
    expect(counts()).toEqual(start);
  });

  it('closing: disposing runs close, awaited', async () => {
    const steps: string[] = [];
    {
      await using _closer = closing(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        steps.push('closed');
      });
      steps.push('body');
    }
    expect(steps).toEqual(['body', 'closed']);
  });

  it('a second signal during the shutdown exits at once with its status, and the exit hooks still run', async () => {
    const script = `
      const { onProcessExit, onShutdownSignal } = await import('./src/shared/lifetime.ts');
      onProcessExit(() => process.stdout.write('exit hook\\n'));
      onShutdownSignal((signal) => process.stdout.write('shutting down on ' + signal + '\\n')); // and never done
      setInterval(() => {}, 1000);
      process.stdout.write('ready\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      await expect.poll(() => out, { timeout: 20_000, interval: 50 }).toContain('ready');
      child.kill('SIGINT');
      await expect.poll(() => out, { timeout: 10_000, interval: 50 }).toContain('shutting down on SIGINT');
      child.kill('SIGTERM');
      const [code, signal] = await Promise.race([
        exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running')), 10_000).unref()),
      ]);
      expect({ code, signal }).toEqual({ code: 143, signal: null });
      expect(out).toBe('ready\nshutting down on SIGINT\nexit hook\n');
    } finally {
      child.kill('SIGKILL'); // a failure must not leave it running
    }
  }, 40_000);
});
