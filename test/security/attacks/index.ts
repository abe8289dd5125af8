// Every attack, grouped by technique (one file per technique).
import { aliasing } from './aliasing.js';
import { asyncMachinery } from './async-machinery.js';
import { coercionHooks } from './coercion.js';
import { computedKeys } from './computed-keys.js';
import { constructorChains } from './constructor-chains.js';
import { errorsAndStacks } from './errors-stacks.js';
import { globalAccess } from './globals.js';
import { hostileTools } from './hostile-tools.js';
import { nativeIteration } from './native-iteration.js';
import { nulBoundary } from './nul-boundary.js';
import { outputInjection } from './output-injection.js';
import { prototypePollution } from './prototype-pollution.js';
import { reservedNames } from './reserved-names.js';
import { resources } from './resources.js';
import { secretRedaction } from './secret-redaction.js';
import { serialization } from './serialization.js';
import { syntaxEscapes } from './syntax-escapes.js';
import { timing } from './timing.js';
import { toolArguments } from './tool-arguments.js';
import type { Attack } from './types.js';
import { unicodeTricks } from './unicode.js';

export const TECHNIQUES: Readonly<Record<string, Attack[]>> = {
  'constructor chains': constructorChains,
  'run-time computed keys': computedKeys,
  'errors and stack traces': errorsAndStacks,
  'prototype pollution': prototypePollution,
  'hostile tool results': hostileTools,
  'unicode tricks': unicodeTricks,
  'global access': globalAccess,
  'syntax escapes': syntaxEscapes,
  'aliasing restricted globals': aliasing,
  'resource exhaustion': resources,
  'reserved names': reservedNames,
  'secret redaction and log injection': secretRedaction,
  'async and generator machinery': asyncMachinery,
  'getters, setters and coercion': coercionHooks,
  'JSON and serialization': serialization,
  'tool-call argument smuggling': toolArguments,
  'output and log injection': outputInjection,
  'timing and scheduling': timing,
  'native iteration and unguarded built-ins': nativeIteration,
  'NUL characters across the host boundary': nulBoundary,
};

export { tripwire, type Attack, type Expect } from './types.js';
