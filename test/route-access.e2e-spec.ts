import { Controller, Get } from '@nestjs/common';
import { Public, RequireAccess } from '../src/common/auth/access.decorator';
import { READ_GROUPS } from '../src/password-sync-groups/password-sync-groups.access';
import { routeAccessOf, routeAccessOfController } from './support/route-access';
import { useTestApp } from './support/test-app';

describe('every route declares its access (deny by default)', () => {
  const t = useTestApp('sqlite');

  it('no route of the application is neither @Public() nor @RequireAccess(...)', () => {
    const routes = routeAccessOf(t.app);
    expect(routes.length).toBeGreaterThanOrEqual(5);
    expect(routes.filter((r) => r.access === 'NONE')).toEqual([]);
    expect(routes).toEqual(
      expect.arrayContaining([
        { route: 'GET /password-sync-groups', access: 'declared' },
        { route: 'POST /password-sync-groups', access: 'declared' },
        { route: 'GET /password-sync-groups/:id', access: 'declared' },
        { route: 'PUT /password-sync-groups/:id', access: 'declared' },
        { route: 'DELETE /password-sync-groups/:id', access: 'declared' },
      ]),
    );
  });

  it('the check itself flags a route that declares nothing', () => {
    @Controller('probe')
    class ProbeController {
      @Get('open') @Public() open() {}
      @Get('guarded') @RequireAccess(READ_GROUPS) guarded() {}
      @Get('forgotten') forgotten() {}
    }
    expect(routeAccessOfController(ProbeController as never)).toEqual([
      { route: 'GET /probe/open', access: 'public' },
      { route: 'GET /probe/guarded', access: 'declared' },
      { route: 'GET /probe/forgotten', access: 'NONE' },
    ]);
  });
});
