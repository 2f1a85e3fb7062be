// Imported first by main.ts, so the service's V8 flags are set before any other module loads.
import { applyServiceV8Flags } from './v8-flags';

applyServiceV8Flags();
