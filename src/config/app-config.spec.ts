import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

/** The ConfigError that loadConfig throws for `env`; fails the test if it does not throw one. */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults (empty environment)', () => {
    it('listens on 0.0.0.0:3000, keeps SQLite in DATA_DIR, runs migrations, throttles 100/10s, logs at info', () => {
      expect(loadConfig({})).toMatchObject({
        env: 'development',
        port: 3000,
        host: '0.0.0.0',
        dataDir: resolve('./data'),
        database: { type: 'sqlite', database: resolve('./data', 'password-sync-groups.sqlite') },
        migrationsRun: true,
        jwt: expect.objectContaining({ key: { mode: 'dev-secret' } }),
        throttle: { limit: 100, ttlSeconds: 10, scope: 'version' },
        logLevel: 'info',
      });
    });

    it('puts the default SQLite file in the configured DATA_DIR, as an absolute path', () => {
      const config = loadConfig({ DATA_DIR: 'some/dir' });
      expect(config.dataDir).toBe(resolve('some/dir'));
      expect(config.database).toEqual({
        type: 'sqlite',
        database: resolve('some/dir', 'password-sync-groups.sqlite'),
      });
    });

    it('does not read process.env when an environment is passed', () => {
      const saved = process.env.PORT;
      process.env.PORT = '4321';
      try {
        expect(loadConfig({}).port).toBe(3000);
      } finally {
        if (saved === undefined) delete process.env.PORT;
        else process.env.PORT = saved;
      }
    });
  });

  describe('explicit values', () => {
    it('reads every variable', () => {
      const secret = 'x'.repeat(32);
      expect(
        loadConfig({
          NODE_ENV: 'production',
          PORT: '8080',
          HOST: '127.0.0.1',
          DATA_DIR: '/var/lib/psg',
          DB_MIGRATIONS_RUN: 'true',
          JWT_SECRET: secret,
          THROTTLE_LIMIT: '5',
          THROTTLE_TTL_SECONDS: '60',
          THROTTLE_SCOPE: 'client',
          LOG_LEVEL: 'debug',
        }),
      ).toMatchObject({
        env: 'production',
        port: 8080,
        host: '127.0.0.1',
        dataDir: '/var/lib/psg',
        database: { type: 'sqlite', database: '/var/lib/psg/password-sync-groups.sqlite' },
        migrationsRun: true,
        jwt: expect.objectContaining({ key: { mode: 'secret', secret } }),
        throttle: { limit: 5, ttlSeconds: 60, scope: 'client' },
        logLevel: 'debug',
      });
    });

    it('trims whitespace around integers', () => {
      expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
    });

    it('accepts the port boundaries 0 and 65535', () => {
      expect(loadConfig({ PORT: '0' }).port).toBe(0);
      expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    });
  });

  describe('DATABASE_URL', () => {
    it.each(['postgres://user:pw@db:5432/psg', 'postgresql://db/psg'])(
      '%s selects PostgreSQL with the URL as given',
      (url) => {
        expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ type: 'postgres', url });
      },
    );

    it('sqlite:<file> selects SQLite with the file resolved to an absolute path', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite:tmp/test.sqlite' }).database).toEqual({
        type: 'sqlite',
        database: resolve('tmp/test.sqlite'),
      });
      expect(loadConfig({ DATABASE_URL: 'sqlite:/abs/db.sqlite' }).database).toEqual({
        type: 'sqlite',
        database: '/abs/db.sqlite',
      });
    });

    it('sqlite::memory: selects an in-memory SQLite database (not a file named ":memory:")', () => {
      expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
        type: 'sqlite',
        database: ':memory:',
      });
    });

    it('an explicit DATABASE_URL overrides the DATA_DIR default file', () => {
      expect(loadConfig({ DATA_DIR: '/data', DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
        type: 'sqlite',
        database: ':memory:',
      });
    });
  });

  describe('DB_MIGRATIONS_RUN', () => {
    it.each([
      ['false', false],
      ['FALSE', false],
      ['0', false],
      ['true', true],
      ['1', true],
      [' True ', true],
    ])('%j → %s', (value, expected) => {
      expect(loadConfig({ DB_MIGRATIONS_RUN: value }).migrationsRun).toBe(expected);
    });
  });

  it('treats empty strings as unset', () => {
    expect(
      loadConfig({
        NODE_ENV: '',
        PORT: '',
        HOST: '',
        DATA_DIR: '',
        DATABASE_URL: '',
        DB_MIGRATIONS_RUN: '',
        JWT_SECRET: '',
        THROTTLE_LIMIT: '',
        THROTTLE_TTL_SECONDS: '',
        LOG_LEVEL: '',
      }),
    ).toEqual(loadConfig({}));
  });

  describe('invalid values throw ConfigError naming the variable', () => {
    it.each([
      [{ PORT: 'abc' }, 'PORT must be an integer number (got "abc")'],
      [{ PORT: '3.5' }, 'PORT must be an integer number (got "3.5")'],
      [{ PORT: '70000' }, 'PORT must not be greater than 65535 (got 70000)'],
      [{ PORT: '-1' }, 'PORT must not be less than 0 (got -1)'],
      [{ THROTTLE_LIMIT: '0' }, 'THROTTLE_LIMIT must not be less than 1 (got 0)'],
      [{ THROTTLE_LIMIT: 'many' }, 'THROTTLE_LIMIT must be an integer number (got "many")'],
      [{ THROTTLE_TTL_SECONDS: '0' }, 'THROTTLE_TTL_SECONDS must not be less than 1 (got 0)'],
      [
        { THROTTLE_SCOPE: 'gateway' },
        'THROTTLE_SCOPE must be version (one budget per API version) or client (one in all) (got "gateway")',
      ],
      [
        { LOG_LEVEL: 'loud' },
        'LOG_LEVEL must be one of the following values: fatal, error, warn, info, debug, trace, silent (got "loud")',
      ],
      [
        { DATABASE_URL: 'mysql://x' },
        'DATABASE_URL must be a postgres://… URL or sqlite:<file> (sqlite::memory: for a throwaway database) (got "mysql://x")',
      ],
      [
        { DATABASE_URL: 'sqlite:' },
        'DATABASE_URL must be a postgres://… URL or sqlite:<file> (sqlite::memory: for a throwaway database) (got "sqlite:")',
      ],
      [
        { JWT_SECRET: 'x'.repeat(31) },
        `JWT_SECRET must be at least 32 characters (use a random value) (got "${'x'.repeat(31)}")`,
      ],
      [
        { NODE_ENV: 'staging' },
        'NODE_ENV must be one of the following values: development, production, test (got "staging")',
      ],
      [{ DB_MIGRATIONS_RUN: 'maybe' }, 'DB_MIGRATIONS_RUN must be a boolean value (got "maybe")'],
    ])('%j', (env, problem) => {
      const error = configErrorFor(env);
      expect(error.name).toBe('ConfigError');
      expect(error.problems).toEqual([problem]);
      expect(error.message).toBe(`Invalid configuration:\n  - ${problem}`);
    });

    it('accepts a JWT_SECRET of exactly 32 characters', () => {
      expect(loadConfig({ JWT_SECRET: 'y'.repeat(32) }).jwt.key).toEqual({ mode: 'secret', secret: 'y'.repeat(32) });
    });

    it('reports every bad variable at once, one problem each', () => {
      const error = configErrorFor({ PORT: 'abc', LOG_LEVEL: 'loud', THROTTLE_LIMIT: '0' });
      expect(error.problems).toHaveLength(3);
      expect(error.problems.map((p) => p.split(' ')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT', 'THROTTLE_LIMIT']);
    });
  });
});
