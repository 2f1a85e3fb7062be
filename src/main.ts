import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { baseUrlOf, startupBanner } from './startup-banner';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  // The address actually bound (PORT=0 picks a free port).
  const address = app.getHttpServer().address();
  process.stdout.write(startupBanner(config, baseUrlOf(address, config)));
}

void bootstrap();
