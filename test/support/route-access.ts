import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_REQUIREMENT, IS_PUBLIC } from '../../src/common/auth/access.decorator';

export interface RouteAccess {
  route: string;
  access: 'public' | 'declared' | 'NONE';
}

/** Every route handler of an application's controllers, with what it declares about access. */
export function routeAccessOf(app: INestApplication): RouteAccess[] {
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const routes: RouteAccess[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: unknown[]) => object) | undefined;
      if (type) routes.push(...routeAccessOfController(type, scanner, reflector));
    }
  }
  return routes;
}

export function routeAccessOfController(
  type: new (...args: unknown[]) => object,
  scanner = new MetadataScanner(),
  reflector = new Reflector(),
): RouteAccess[] {
  const out: RouteAccess[] = [];
  const base = Reflect.getMetadata(PATH_METADATA, type) as string | string[];
  for (const name of scanner.getAllMethodNames(type.prototype)) {
    const handler = (type.prototype as Record<string, unknown>)[name] as object;
    const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    if (path === undefined) continue; // not a route handler
    const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
    const targets = [handler as () => void, type];
    const access = reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
      ? 'public'
      : reflector.getAllAndOverride<unknown>(ACCESS_REQUIREMENT, targets)
        ? 'declared'
        : 'NONE';
    out.push({ route: `${method} /${[base].flat()[0]}/${path}`.replace(/\/+/g, '/').replace(/\/$/, ''), access });
  }
  return out;
}
