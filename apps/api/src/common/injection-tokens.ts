/** Nest injection tokens for the infrastructure the composition root hands to the API module. */
export const APP_CONFIG = Symbol('AppConfig');
export const TEMPORAL_CLIENT = Symbol('TemporalClient');
export const LOGGER = Symbol('Logger');
export const TEMPORAL_ADDRESS = Symbol('TemporalAddress');
