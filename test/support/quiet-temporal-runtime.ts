import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log only what is worth reading: warnings and errors.
Runtime.install({ logger: new DefaultLogger('WARN') });
