import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CachedReflector } from './cached-reflector';

const Roles = Reflector.createDecorator<string[]>();
const IS_OPEN = 'isOpen';

class Routes {
  @Roles(['admin'])
  @SetMetadata(IS_OPEN, false)
  guarded(): void {}

  plain(): void {}
}
@SetMetadata(IS_OPEN, true)
class OpenRoutes extends Routes {}

describe('CachedReflector', () => {
  const handler = (name: 'guarded' | 'plain') =>
    Object.getOwnPropertyDescriptor(Routes.prototype, name)!.value as () => void;

  it("answers exactly as Nest's Reflector does, for keys, decorators, missing values and inherited class metadata", () => {
    const nest = new Reflector();
    const cached = new CachedReflector();
    for (const reflector of [nest, cached]) {
      for (let read = 0; read < 2; read++) {
        expect(reflector.get(Roles, handler('guarded'))).toEqual(['admin']);
        expect(reflector.get(Roles, handler('plain'))).toBeUndefined();
        expect(reflector.get<boolean>(IS_OPEN, handler('guarded'))).toBe(false);
        expect(reflector.get<boolean>(IS_OPEN, OpenRoutes)).toBe(true);
        expect(reflector.get<boolean>(IS_OPEN, Routes)).toBeUndefined();
        expect(reflector.getAllAndOverride<boolean>(IS_OPEN, [handler('plain'), OpenRoutes])).toBe(true);
        expect(reflector.getAllAndOverride<boolean>(IS_OPEN, [handler('guarded'), OpenRoutes])).toBe(false);
      }
    }
  });

  it('reads each (key, target) from reflect-metadata once, found or not', () => {
    const cached = new CachedReflector();
    const spy = jest.spyOn(Reflect, 'getMetadata');
    try {
      for (let read = 0; read < 3; read++) {
        cached.getAllAndOverride<boolean>(IS_OPEN, [handler('plain'), OpenRoutes]);
        cached.get(Roles, handler('guarded'));
      }
      expect(spy.mock.calls.map(([key, target]) => [key, target])).toEqual([
        [IS_OPEN, handler('plain')],
        [IS_OPEN, OpenRoutes],
        [Roles.KEY, handler('guarded')],
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});
