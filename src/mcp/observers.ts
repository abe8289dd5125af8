// Several execution observers as one (metrics, the access log, a caller's own): each is told of every execution,
// and one that throws loses only its own record.
import { log } from '../shared/index.js';
import type { ExecutionObserver } from './server.js';

export function allObservers(observers: readonly (ExecutionObserver | undefined)[]): ExecutionObserver {
  const list = observers.filter((o): o is ExecutionObserver => o !== undefined);
  return {
    executionFinished(record) {
      for (const observer of list) {
        try {
          observer.executionFinished(record);
        } catch (error) {
          log.warn('an execution observer failed; its record was dropped', error);
        }
      }
    },
  };
}
