import type { Type } from '@nestjs/common';
import { Reflector, type ReflectableDecorator } from '@nestjs/core';

/**
 * Nest's Reflector, remembering what it has read. The three global guards ask for the same
 * route metadata on every request (is the route public, what access does it require, and the
 * throttler's six per-route overrides), and each lookup walks reflect-metadata's maps and the
 * class's prototype chain: about 2.5% of a GET's CPU. Metadata is written by decorators when
 * classes are defined, before the first request, so a value read once stays the value.
 *
 * `CoreModule` provides it in place of Reflector for its own providers (the global guards);
 * other modules keep Nest's.
 */
export class CachedReflector extends Reflector {
  private readonly cache = new WeakMap<object, Map<unknown, unknown>>();

  override get<T extends ReflectableDecorator<unknown>>(
    decorator: T,
    target: object,
  ): T extends ReflectableDecorator<unknown, infer R> ? R : unknown;
  override get<TResult = unknown, TKey = unknown>(metadataKey: TKey, target: object): TResult;
  override get(key: unknown, target: object): unknown {
    let values = this.cache.get(target);
    if (values === undefined) this.cache.set(target, (values = new Map()));
    if (values.has(key)) return values.get(key);
    const value: unknown = super.get(key, target as Type<unknown>);
    values.set(key, value);
    return value;
  }
}
